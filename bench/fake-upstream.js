'use strict';
// An OpenAI-compatible upstream answering from the test fixtures: JSON, or SSE when `stream` is
// true. A request whose last message is "hold" gets its first frame and is held open (the open
// streams measurement) until the client goes away.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { serve } = require('./serve');

const FIXTURES = join(__dirname, '..', '__tests__', 'fixtures');
const JSON_ANSWER = readFileSync(join(FIXTURES, 'openai-chat.json'), 'utf8').trim();
const FRAMES = readFileSync(join(FIXTURES, 'openai-chat-stream-usage.sse'), 'utf8')
  .split(/\n\n/)
  .filter((frame) => frame.trim() !== '')
  .map((frame) => `${frame}\n\n`);
const STREAM_BODY = FRAMES.join('');

serve((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found","type":"invalid_request_error","code":null}}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(JSON_ANSWER) });
      res.end(JSON_ANSWER);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (body.messages[body.messages.length - 1].content === 'hold') res.write(FRAMES[0]);
    else res.end(STREAM_BODY);
  });
});
