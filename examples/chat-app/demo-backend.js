'use strict';
/**
 * A tiny stand-in for llama.cpp's llama-server, so that `npm start` gives a working chat page on a
 * machine with no provider key and no model. It speaks the part of llama-server's OpenAI-compatible
 * API the example uses:
 *
 *   GET  /v1/models             one model, "demo-llama (demo)"
 *   POST /v1/chat/completions   canned replies, streamed word by word (SSE, with a usage chunk and
 *                               `data: [DONE]`) or as one JSON answer
 *   GET  /health                {"status":"ok"}
 *
 * It is not a language model: it answers with a few fixed texts. Run it on its own with
 * `node examples/chat-app/demo-backend.js` (prints its URL), or let server.js start it.
 */
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const DEMO_MODEL = 'demo-llama (demo)';

/** Milliseconds between streamed words; DEMO_WORD_DELAY_MS overrides it. */
const DEFAULT_WORD_DELAY_MS = 45;

const REPLIES = {
  greeting: [
    "Hello! I'm the built-in demo backend of this example, not a real language model, so my answers are canned.",
    '',
    'Everything around me is real, though: your message went through Express, the `createProviderRouter()` middleware routed it by its model to the "local" provider (me, pretending to be llama-server), and this answer is streamed back to you word by word as server-sent events.',
    '',
    "The line under this answer comes from the router's telemetry: provider, model, time to first token, duration and token usage.",
  ].join('\n'),
  setup: [
    'To talk to a real model, stop the app and do one of these:',
    '',
    '- **llama.cpp**: start `llama-server -m model.gguf --port 9931` (or set `LOCAL_BASE_URL` to where yours listens, with `/v1`)',
    '- **OpenAI**: set `OPENAI_API_KEY`',
    '- **OpenRouter**: set `OPENROUTER_API_KEY`',
    '- **Anthropic**: set `ANTHROPIC_API_KEY`',
    '',
    'Then run `npm start` again. The demo backend only starts when none of them is available.',
  ].join('\n'),
  code: [
    'Mounting the router in your own Express app takes three lines:',
    '',
    '```js',
    "const { createProviderRouter } = require('express-provider-router');",
    'const router = createProviderRouter();',
    "app.use('/v1', router);",
    '```',
    '',
    'Any OpenAI client can then use `http://localhost:3000/v1` as its base URL.',
  ].join('\n'),
  generic: (question) =>
    [
      `You asked: "${question}". I'm only the demo backend, so I can't really answer that, but I can show you how the answer travels.`,
      '',
      'Each word you see arrives as its own `chat.completion.chunk`. Press Stop while I am talking and the page aborts the request: the router notices the closed connection and cancels the upstream request at once, so a real provider stops generating (and billing).',
      '',
      'Ask me "how do I connect a real model?" or "show me the code" for the other canned answers.',
    ].join('\n'),
};

function replyFor(messages) {
  const lastUser = [...(Array.isArray(messages) ? messages : [])].reverse().find((m) => m && m.role === 'user');
  const text = contentText(lastUser && lastUser.content).trim();
  const lower = text.toLowerCase();
  if (!text || /^(hi|hello|hey|hallo|yo|good (morning|evening|afternoon))\b/.test(lower)) return REPLIES.greeting;
  if (/(connect|real model|llama|key|setup|set up|configure|openai|anthropic|openrouter)/.test(lower)) return REPLIES.setup;
  if (/(code|example|mount|express|how do i use)/.test(lower)) return REPLIES.code;
  const question = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return REPLIES.generic(question);
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part && typeof part.text === 'string' ? part.text : '')).join(' ');
  return '';
}

/** Words with their following whitespace, so that joining the pieces gives the text back. */
function pieces(text) {
  return text.match(/\S+\s*|\s+/g) || [];
}

function countTokens(text) {
  return Math.max(1, Math.round(text.split(/\s+/).filter(Boolean).length * 1.3));
}

function promptTokens(messages) {
  return (Array.isArray(messages) ? messages : []).reduce((sum, m) => sum + countTokens(contentText(m && m.content)) + 4, 0);
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 8 * 1024 * 1024) {
        reject(new Error('request body too large for the demo backend'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function chatCompletions(req, res, body, wordDelayMs) {
  const id = `chatcmpl-demo-${randomUUID().slice(0, 8)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === 'string' ? body.model : DEMO_MODEL;
  const maxTokens = Number(body.max_completion_tokens ?? body.max_tokens) || Infinity;
  const all = pieces(replyFor(body.messages));
  const words = all.slice(0, Math.min(all.length, Math.max(1, Math.floor(maxTokens / 1.3))));
  const finishReason = words.length < all.length ? 'length' : 'stop';
  const text = words.join('');
  const usage = {
    prompt_tokens: promptTokens(body.messages),
    completion_tokens: countTokens(text),
  };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

  if (body.stream !== true) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      system_fingerprint: 'demo-backend',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }],
      usage,
    });
    return;
  }

  const chunk = (delta, finish = null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'demo-backend',
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(chunk({ role: 'assistant', content: null }));
  let index = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    if (index < words.length) {
      res.write(chunk({ content: words[index++] }));
      return;
    }
    clearInterval(timer);
    res.write(chunk({}, finishReason));
    if (body.stream_options && body.stream_options.include_usage) {
      const ms = Date.now() - started;
      res.write(
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [],
          usage,
          timings: { prompt_n: usage.prompt_tokens, predicted_n: usage.completion_tokens, predicted_ms: ms },
        })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  }, wordDelayMs);
  // The router closes the connection when the page presses Stop: stop "generating" at once.
  res.on('close', () => clearInterval(timer));
}

/**
 * Starts the demo backend on `host` (default 127.0.0.1) and `port` (default 0: a free one).
 * Resolves with `{ baseUrl, model, close() }`; `baseUrl` ends in `/v1`, ready for LOCAL_BASE_URL.
 */
async function startDemoBackend({ host = '127.0.0.1', port = 0, wordDelayMs } = {}) {
  const delay = Number(wordDelayMs ?? process.env.DEMO_WORD_DELAY_MS) || DEFAULT_WORD_DELAY_MS;
  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0].replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: DEMO_MODEL, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'demo-backend', meta: { demo: true } }],
      });
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      readJson(req).then(
        (body) => chatCompletions(req, res, body, delay),
        (error) => sendJson(res, 400, { error: { code: 400, message: `Invalid request: ${error.message}`, type: 'invalid_request_error' } }),
      );
      return;
    }
    sendJson(res, 404, {
      error: {
        code: 404,
        message: `The demo backend serves only GET /v1/models and POST /v1/chat/completions, not ${req.method} ${path}. Connect a real llama-server for the rest.`,
        type: 'not_found_error',
      },
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    baseUrl: `http://${host}:${address.port}/v1`,
    model: DEMO_MODEL,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startDemoBackend, DEMO_MODEL };

if (require.main === module) {
  startDemoBackend({ port: Number(process.env.PORT || 0) }).then((demo) => {
    console.log(`demo backend (canned replies, not a model) on ${demo.baseUrl}`);
    const stop = () => demo.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
