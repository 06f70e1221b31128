'use strict';
// The first host DESIGN.md plans for, as its introduction describes it: a llama.cpp manager on
// Express 4 with express.json({ limit: '200mb' }), cors(), compression() and request loggers that
// wrap res.write / res.end before the router, its own /v1/... and /api/v1/... routes (some sharing a
// prefix with the router's), its own local model handler for fallback 'next', the router mounted at
// both /v1 and /api/v1. first-host.test.ts builds it in the test process (`beforeRouter`,
// `afterRouter`), and runs this file as a process of its own to read its stderr: it then loads the
// package by name from its build, reports its port over IPC and stops on 'stop'.
const compression = require('compression');
const cors = require('cors');

/** The mount paths, both served by one router. */
const MOUNTS = ['/v1', '/api/v1'];

/** A request logger as hosts write it: it wraps res.write and res.end and counts the bytes. */
function byteCounter(counted) {
  return (_req, res, next) => {
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = (chunk, ...rest) => {
      counted.bytes += Buffer.byteLength(chunk);
      return write(chunk, ...rest);
    };
    res.end = (...args) => {
      if (args[0] && typeof args[0] !== 'function') counted.bytes += Buffer.byteLength(args[0]);
      return end(...args);
    };
    next();
  };
}

/** A request logger that drops what the wrapped res.write and res.end return (many do). */
function carelessLogger(_req, res, next) {
  const write = res.write;
  const end = res.end;
  res.write = function (...args) {
    write.apply(this, args);
  };
  res.end = function (...args) {
    end.apply(this, args);
  };
  next();
}

/** Everything the host mounts before the router. */
function beforeRouter(app, express, counted = { bytes: 0 }) {
  app.use(express.json({ limit: '200mb' }));
  app.use(cors());
  app.use(compression());
  app.use(byteCounter(counted));
  app.use(carelessLogger);
  app.get('/v1/slots', (_req, res) => res.json([{ id: 0, is_processing: false }]));
  app.get('/api/v1/health', (_req, res) => res.json({ status: 'ok' }));
}

/** The host's own routes after the router: what it calls next() for. */
function afterRouter(app) {
  app.get(['/v1/models-extra', '/api/v1/models-extra'], (req, res) => res.json({ host: req.originalUrl }));
  app.post(['/v1/chat/completions/extra', '/api/v1/chat/completions/extra'], (req, res) => {
    res.json({ host: req.originalUrl, body: req.body });
  });
  // The host's own local model handler: what fallback 'next' leaves to it.
  app.post(['/v1/chat/completions', '/api/v1/chat/completions'], (req, res) => {
    const { model } = req.body;
    res.json({
      id: 'chatcmpl-host',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: `host served ${model}` }, finish_reason: 'stop' }],
    });
  });
  app.use((req, res) => res.status(404).json({ host: 'not found', path: req.originalUrl }));
}

module.exports = { MOUNTS, beforeRouter, afterRouter };

if (require.main === module) {
  const express = require('express4');
  const { createProviderRouter } = require('express-provider-router');
  const app = express();
  beforeRouter(app, express);
  const router = createProviderRouter({ fallback: 'next' });
  for (const mount of MOUNTS) app.use(mount, router);
  afterRouter(app);
  const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    server.closeAllConnections();
    server.close();
    await router.close();
    process.disconnect();
  });
}
