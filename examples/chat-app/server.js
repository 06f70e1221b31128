'use strict';
/**
 * Example chat backend: an ordinary Express app (CORS, JSON body parser, compression, a request
 * logger, its own routes) with express-provider-router mounted at /v1, and a web page that chats
 * through it.
 *
 *   npm start                      builds the package, then runs this file
 *   HOST=0.0.0.0 PORT=8080 npm start
 *
 * With no provider key and no llama-server at LOCAL_BASE_URL, a built-in demo backend answers
 * (demo-backend.js), so the page works on a fresh clone. Set OPENAI_API_KEY, OPENROUTER_API_KEY or
 * ANTHROPIC_API_KEY, or start llama-server, for real answers.
 */
const path = require('node:path');
const express = require('express');
const cors = require('cors');
const compression = require('compression');
// The package itself. Inside this repository the name resolves to ./dist (package self-reference;
// `npm start` builds it first). In your own app it is the installed package.
const { createProviderRouter } = require('express-provider-router');
const { startDemoBackend } = require('./demo-backend');

const HOST = process.env.HOST || '127.0.0.1';
const PORT = process.env.PORT === undefined || process.env.PORT === '' ? 3000 : Number(process.env.PORT);
const DEFAULT_LOCAL_BASE_URL = 'http://127.0.0.1:9931/v1';
const KEY_VARIABLES = { openai: 'OPENAI_API_KEY', openrouter: 'OPENROUTER_API_KEY', anthropic: 'ANTHROPIC_API_KEY' };
const RECENT_LIMIT = 200;

/** Whether anything answers HTTP at `{baseUrl}/models` within `timeoutMs` (any status counts). */
async function probe(baseUrl, timeoutMs = 1500) {
  const headers = process.env.LOCAL_API_KEY ? { authorization: `Bearer ${process.env.LOCAL_API_KEY}` } : {};
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/models`, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { reachable: true, status: response.status };
  } catch (error) {
    return { reachable: false, reason: (error.cause && error.cause.code) || error.name || String(error) };
  }
}

/** A small access log, as chat backends have: method, path, status, bytes, time. */
function requestLogger() {
  const quiet = process.env.LOG_REQUESTS === '0';
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let bytes = 0;
    // Wrapping write/end like many loggers do; the router's streams must pass through unchanged.
    const write = res.write;
    const end = res.end;
    res.write = function (chunk, ...rest) {
      if (chunk && typeof chunk !== 'function') bytes += Buffer.byteLength(chunk);
      return write.call(this, chunk, ...rest);
    };
    res.end = function (chunk, ...rest) {
      if (chunk && typeof chunk !== 'function') bytes += Buffer.byteLength(chunk);
      return end.call(this, chunk, ...rest);
    };
    res.on('close', () => {
      if (quiet) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const how = res.writableFinished ? res.statusCode : `${res.statusCode} (client closed)`;
      console.log(`${new Date().toISOString()} ${req.method} ${req.originalUrl} ${how} ${bytes}B ${ms.toFixed(1)}ms`);
    });
    next();
  };
}

/** Keeps the router's recent request records and streams new ones to the page (SSE). */
function telemetryFeed(router) {
  const recent = [];
  const clients = new Set();
  const send = (res, event) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

  router.telemetry.on('request.end', (event) => {
    recent.push(event);
    if (recent.length > RECENT_LIMIT) recent.shift();
    for (const res of clients) send(res, event);
  });
  router.telemetry.on('models.error', (event) => {
    for (const res of clients) send(res, event);
  });

  const routes = express.Router();
  routes.get('/recent', (req, res) => {
    const { requestId } = req.query;
    const limit = Math.min(Number(req.query.limit) || 50, RECENT_LIMIT);
    const records = requestId ? recent.filter((e) => e.requestId === requestId) : recent.slice(-limit);
    res.json({ data: records });
  });
  routes.get('/stream', (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    for (const event of recent.slice(-20)) send(res, event);
    clients.add(res);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15000);
    res.on('close', () => {
      clearInterval(heartbeat);
      clients.delete(res);
    });
  });
  return {
    routes,
    close: () => {
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}

/** The providers OPENAI_COMPATIBLE_PROVIDERS declares, each served from its <ID>_BASE_URL. */
function envProviders() {
  return (process.env.OPENAI_COMPATIBLE_PROVIDERS || '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
    .map((id) => ({ id, baseUrl: process.env[`${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BASE_URL`] }));
}

async function main() {
  const configuredKeys = Object.entries(KEY_VARIABLES).filter(([, variable]) => process.env[variable]);
  const localBaseUrl = (process.env.LOCAL_BASE_URL || DEFAULT_LOCAL_BASE_URL).replace(/\/+$/, '');
  const local = await probe(localBaseUrl);

  let demo;
  let env = process.env;
  if (configuredKeys.length === 0 && !local.reachable) {
    demo = await startDemoBackend({ host: '127.0.0.1', port: 0 });
    env = { ...process.env, LOCAL_BASE_URL: demo.baseUrl };
  }

  let router;
  try {
    router = createProviderRouter({ env });
  } catch (error) {
    console.error(`Configuration error: ${error.message}`);
    if (demo) await demo.close();
    process.exit(1);
  }

  const status = {
    demo: Boolean(demo),
    demoModel: demo ? demo.model : undefined,
    local: { baseUrl: demo ? demo.baseUrl : localBaseUrl, reachable: demo ? true : local.reachable, configured: localBaseUrl },
    providers: [
      { id: 'local', enabled: true, label: demo ? 'Demo backend' : 'llama-server' },
      ...Object.entries(KEY_VARIABLES).map(([id, variable]) => ({ id, enabled: Boolean(process.env[variable]), keyVariable: variable })),
      ...envProviders().map(({ id, baseUrl }) => ({ id, enabled: true, detail: baseUrl })),
    ],
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger());
  // Expose the router's ids so that a page on another origin can match answers to telemetry.
  app.use(cors({ exposedHeaders: ['x-request-id', 'x-provider'] }));
  // The router marks its streams `no-transform`, which compression() leaves alone.
  app.use(compression());
  app.use(express.json({ limit: '200mb' }));

  // The router: /v1/chat/completions, /v1/messages, /v1/models, ... routed by model.
  app.use('/v1', router);

  // The host's own routes.
  const feed = telemetryFeed(router);
  app.use('/api/telemetry', feed.routes);
  app.get('/api/status', (_req, res) => res.json(status));
  app.get('/healthz', (_req, res) => res.json({ ok: true }));
  app.use(express.static(path.join(__dirname, 'public'), { extensions: ['html'] }));
  app.use((req, res) => res.status(404).json({ error: { message: `Not found: ${req.method} ${req.path}`, type: 'not_found' } }));
  // eslint-disable-next-line no-unused-vars
  app.use((error, _req, res, _next) => {
    console.error(error);
    if (res.headersSent) return res.end();
    const statusCode = error.status || error.statusCode || 500;
    res
      .status(statusCode)
      .json({ error: { message: statusCode < 500 ? error.message : 'Internal server error', type: error.type || 'server_error' } });
  });

  const server = app.listen(PORT, HOST);
  try {
    await new Promise((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (error) {
    const hint = error.code === 'EADDRINUSE' ? ` (port ${PORT} is taken: set PORT to another one, e.g. PORT=3001 npm start)` : '';
    console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}${hint}`);
    await router.close();
    if (demo) await demo.close();
    process.exit(1);
  }
  const { port } = server.address();
  const shownHost = HOST.includes(':') ? `[${HOST}]` : HOST;

  console.log('');
  console.log('express-provider-router example chat app');
  if (demo) {
    console.log('');
    console.log('  DEMO MODE: no provider key is set and nothing answers at');
    console.log(`  LOCAL_BASE_URL=${localBaseUrl} (${local.reason || 'unreachable'}).`);
    console.log(`  A built-in demo backend (canned replies, not a language model) runs on ${demo.baseUrl},`);
    console.log(`  listed as "${demo.model}". For real answers, stop the app and either`);
    console.log('    - start llama.cpp:  llama-server -m model.gguf --port 9931');
    console.log('      (or set LOCAL_BASE_URL=http://host:port/v1 to where yours listens), or');
    console.log('    - set OPENAI_API_KEY, OPENROUTER_API_KEY or ANTHROPIC_API_KEY,');
    console.log('  then run npm start again.');
  } else {
    const localNote = local.reachable ? `answers (HTTP ${local.status})` : `not reachable (${local.reason}); its models are left out`;
    console.log(`  local       ${localBaseUrl} ${localNote}`);
    for (const [id, variable] of Object.entries(KEY_VARIABLES)) {
      console.log(`  ${id.padEnd(11)} ${process.env[variable] ? 'enabled' : `off (set ${variable})`}`);
    }
    for (const { id, baseUrl } of envProviders()) console.log(`  ${id.padEnd(11)} ${baseUrl} (OPENAI_COMPATIBLE_PROVIDERS)`);
  }
  console.log('');
  console.log(`Chat app ready: http://${shownHost}:${port}/`);

  let closing = false;
  const shutdown = async (signal) => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: shutting down`);
    setTimeout(() => process.exit(0), 3000).unref();
    feed.close();
    server.close();
    server.closeAllConnections();
    await router.close();
    if (demo) await demo.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
