'use strict';
// Shared by every consumer project: a loopback OpenAI-compatible upstream, and the requests that
// prove a router built from the packed tarball works in that project. Plain CommonJS with a
// .d.cts beside it, so that CJS, ESM and TypeScript consumers can all load it.
const http = require('node:http');
const assert = require('node:assert/strict');

const ANSWER = 'Hello from the fake upstream';
const USAGE = { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 };

function completion(model) {
  return {
    id: 'chatcmpl-consumer',
    object: 'chat.completion',
    created: 1764086400,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
    usage: USAGE,
  };
}

function chunk(model, delta, finishReason) {
  return {
    id: 'chatcmpl-consumer',
    object: 'chat.completion.chunk',
    created: 1764086400,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** Starts the fake on 127.0.0.1, port 0. `baseUrl` ends with `/v1`, as OPENAI_BASE_URL does. */
function startFakeUpstream() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (text) => (raw += text));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'fake' }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `fake upstream: no route ${req.method} ${req.url}`, type: 'not_found' } }));
        return;
      }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(completion(body.model)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const frames = [
        chunk(body.model, { role: 'assistant', content: '' }, null),
        chunk(body.model, { content: 'Hello from' }, null),
        chunk(body.model, { content: ' the fake upstream' }, null),
        chunk(body.model, {}, 'stop'),
      ];
      if (body.stream_options && body.stream_options.include_usage) {
        frames.push({ ...chunk(body.model, {}, null), choices: [], usage: USAGE });
      }
      // One frame per write, spaced out, so the router has to pass a real stream along.
      const lines = frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`).concat('data: [DONE]\n\n');
      const next = () => {
        const line = lines.shift();
        if (line === undefined) return res.end();
        res.write(line);
        setTimeout(next, 5);
      };
      next();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        baseUrl: `http://127.0.0.1:${server.address().port}/v1`,
        requests,
        close: () => closeServer(server),
      });
    });
  });
}

/** Listens on 127.0.0.1, port 0; resolves with the origin and a close function. */
function listen(app) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({ origin: `http://127.0.0.1:${server.address().port}`, close: () => closeServer(server) });
    });
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * POSTs a chat completion for `model` to `url` the way a browser client would (with the host's own
 * session token, which must not reach the provider), plain and streamed, and checks both answers.
 * Returns the upstream requests the two posts caused.
 */
async function checkChatCompletions(url, upstream, model = 'gpt-4o-mini') {
  const before = upstream.requests.length;
  const post = (stream) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer host-session-token' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hi' }] }),
    });

  const plain = await post(false);
  const plainText = await plain.text();
  assert.equal(plain.status, 200, `POST ${url}: ${plain.status} ${plainText}`);
  assert.equal(JSON.parse(plainText).choices[0].message.content, ANSWER);

  const streamed = await post(true);
  const streamText = await streamed.text();
  assert.equal(streamed.status, 200, `POST ${url} (stream): ${streamed.status} ${streamText}`);
  assert.match(streamed.headers.get('content-type') || '', /^text\/event-stream/);
  const frames = streamText
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
  assert.equal(frames.at(-1), '[DONE]', `stream did not end with [DONE]:\n${streamText}`);
  const text = frames
    .slice(0, -1)
    .map((frame) => JSON.parse(frame))
    .map((frame) => (frame.choices && frame.choices[0] && frame.choices[0].delta.content) || '')
    .join('');
  assert.equal(text, ANSWER);

  const sent = upstream.requests.slice(before);
  assert.equal(sent.length, 2, `expected 2 upstream requests, got ${sent.length}`);
  for (const request of sent) {
    assert.equal(request.url, '/v1/chat/completions');
    assert.notEqual(request.headers.authorization, 'Bearer host-session-token', "the host's token reached the provider");
  }
  return sent;
}

/** Fails the process if the consumer has not finished within `ms`; call the result when done. */
function deadline(ms = 20000) {
  const timer = setTimeout(() => {
    console.error(`consumer did not finish within ${ms} ms`);
    process.exit(1);
  }, ms);
  return () => clearTimeout(timer);
}

module.exports = { ANSWER, USAGE, startFakeUpstream, listen, checkChatCompletions, deadline };
