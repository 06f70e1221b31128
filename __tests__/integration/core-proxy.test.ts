import compression from 'compression';
import express from 'express';
import request from 'supertest';
import { createOpenAIProvider, type TelemetryEvent } from '../../lib';
import { startFakeUpstream } from '../support/fake-upstream';
import { fixtureJson, fixtureText, sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { openStream, rawRequest, sendRequest } from '../support/http-client';
import { KEYS } from '../support/keys';
import { unusedPort } from '../support/ports';
import { chatBody } from '../support/request-bodies';
import { dataPayloads } from '../support/sse';
import { sendFrames, sendHeldStream, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { deferred, sleep, waitUntil, within } from '../support/wait';
import { chatChunkFrame, DONE_FRAME } from '../support/wire-frames';

const fakes = useFakes();

const chat = chatBody;

describe.each([5, 4] as const)('on Express %i', (expressVersion) => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost(
      { env: { ...envFor(fakes), PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini,team-*=openrouter' } },
      {
        expressVersion,
        after: (app) => {
          app.get('/v1/health', (_req, res) => {
            res.json({ host: 'health' });
          });
          // Paths of the Responses API the router neither serves nor refuses (DESIGN section 11
          // refuses only compaction and a stored response by id).
          app.all(['/v1/responses/input_tokens', '/v1/responses/resp_1/input_items', '/v1/responses/resp_1/cancel'], (req, res) => {
            res.json({ host: req.path });
          });
          app.post('/v1/other', (_req, res) => {
            res.json({ host: 'other' });
          });
        },
      },
    );
  });
  afterAll(() => host.close());

  test.each([
    ['openrouter/meta-llama/llama-3.1-8b-instruct', 'openrouter', 'meta-llama/llama-3.1-8b-instruct'],
    ['fast', 'openai', 'gpt-4o-mini'],
    ['team-blue', 'openrouter', 'team-blue'],
    ['gpt-4.1', 'openai', 'gpt-4.1'],
    ['qwen2.5-0.5b', 'local', 'qwen2.5-0.5b'],
  ])('routes %s to %s as %s', async (model, kind, upstreamModel) => {
    const res = await request(host.url).post('/v1/chat/completions').send(chat(model));
    expect(res.status).toBe(200);
    expect(res.headers['x-provider']).toBe(kind);
    const target = fakes.all().find((fake) => fake.kind === kind)!;
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]!.body?.model).toBe(upstreamModel);
    expect(
      fakes
        .all()
        .filter((fake) => fake !== target)
        .every((fake) => fake.requests.length === 0),
    ).toBe(true);
  });

  test('passes /completions and /embeddings through with the model rewritten', async () => {
    const completion = await request(host.url).post('/v1/completions').send({ model: 'fast', prompt: 'Say' });
    expect(completion.status).toBe(200);
    expect(completion.body.choices[0].text).toBe('Hello');
    const embedding = await request(host.url).post('/v1/embeddings').send({ model: 'openai/text-embedding-3-small', input: 'x' });
    expect(embedding.body.data[0].embedding).toEqual([0.1, 0.2]);
    expect(fakes.openai.requests.map((r) => [r.url, r.body?.model])).toEqual([
      ['/v1/completions', 'gpt-4o-mini'],
      ['/v1/embeddings', 'text-embedding-3-small'],
    ]);
  });

  test('calls next() for every other path, untouched', async () => {
    expect((await request(host.url).get('/v1/health')).body).toEqual({ host: 'health' });
    expect((await request(host.url).post('/v1/other').send({ model: 'gpt-4o' })).body).toEqual({ host: 'other' });
    expect((await request(host.url).post('/v1/responses/input_tokens').send({ model: 'gpt-4o', input: 'hi' })).body).toEqual({
      host: '/v1/responses/input_tokens',
    });
    expect((await request(host.url).get('/v1/responses/resp_1/input_items')).body).toEqual({ host: '/v1/responses/resp_1/input_items' });
    expect((await request(host.url).post('/v1/responses/resp_1/cancel')).body).toEqual({ host: '/v1/responses/resp_1/cancel' });
    expect(fakes.all().every((fake) => fake.requests.length === 0)).toBe(true);
  });

  test('streams the upstream SSE bytes with the stream headers', async () => {
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .send(chat('openrouter/x', { stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.text).toBe(fixtureText('openrouter-chat-stream.sse'));
  });
});

describe('streaming', () => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost({
      env: { ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter, local: fakes.local }), PROVIDER_IDLE_TIMEOUT_MS: '300' },
    });
  });
  afterAll(() => host.close());

  test('streams each upstream chunk before the upstream finishes', async () => {
    const release = deferred();
    const frames = sseFrames('openai-chat-stream-usage.sse');
    fakes.openai.handler = (_request, res) => sendHeldStream(res, frames, 1, release.promise);
    const stream = await openStream(
      `${host.url}/v1/chat/completions`,
      chat('gpt-4o-mini', { stream: true, stream_options: { include_usage: true } }),
    );
    const early = await stream.waitFor((text) => text.includes('"Hello"'));
    expect(early).not.toContain('[DONE]');
    release.resolve();
    expect(await stream.ended).toBe(fixtureText('openai-chat-stream-usage.sse'));
  });

  test("asks for usage on the client's behalf and keeps the extra usage chunk from it", async () => {
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('gpt-4o-mini', { stream: true }));
    const text = await stream.ended;
    expect(fakes.openai.requests[0]!.body?.stream_options).toEqual({ include_usage: true });
    const payloads = dataPayloads(text) as Array<{ choices?: unknown[] }>;
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(payloads.filter((p) => typeof p === 'object' && p.choices?.length === 0)).toEqual([]);
    expect(payloads.filter((p) => typeof p === 'object')).toHaveLength(4);
  });

  test("keeps OpenRouter's keep-alive comments in a stream whose usage the router asked for", async () => {
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('openrouter/x', { stream: true }));
    expect(await stream.ended).toMatch(/^: OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n/);
  });

  test('with requestStreamUsage false the request and stream pass unchanged', async () => {
    const plain = await startHost({ env: envFor({ openai: fakes.openai }), requestStreamUsage: false });
    try {
      const stream = await openStream(`${plain.url}/v1/chat/completions`, chat('gpt-4o-mini', { stream: true }));
      expect(await stream.ended).toBe(fixtureText('openai-chat-stream-usage.sse'));
      expect(fakes.openai.requests[0]!.body?.stream_options).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  test('keeps a multi-byte character split across two upstream writes intact', async () => {
    const frame = Buffer.from(chatChunkFrame({ id: 'c', created: 1, model: 'm' }, { content: 'héllo 世界 🎉' }));
    const split = frame.indexOf(Buffer.from('🎉')) + 2;
    fakes.local.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame.subarray(0, split));
      setTimeout(() => {
        res.write(frame.subarray(split));
        res.end(DONE_FRAME);
      }, 30);
    };
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('some-gguf', { stream: true }));
    const payloads = dataPayloads(await stream.ended) as Array<{ choices?: Array<{ delta: { content: string } }> }>;
    expect(payloads[0]?.choices?.[0]?.delta.content).toBe('héllo 世界 🎉');
  });

  test('ends the stream with an error frame when the upstream dies mid-stream', async () => {
    fakes.local.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseFrames('llama-server-chat-stream.sse')[1]!);
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('some-gguf', { stream: true }));
    const payloads = dataPayloads(await stream.ended) as Array<{ error?: { message: string } }>;
    expect(payloads.at(-1)?.error?.message).toMatch(/mid-stream|ended before/);
  });

  test('ends the stream with an error frame when the upstream stops before [DONE]', async () => {
    fakes.local.handler = (_request, res) => sendFrames(res, sseFrames('llama-server-chat-stream.sse').slice(0, 2));
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('some-gguf', { stream: true }));
    const payloads = dataPayloads(await stream.ended) as Array<{ error?: { message: string } }>;
    expect(payloads.at(-1)?.error?.message).toMatch(/ended before its terminator/);
  });

  test('ends a silent stream after PROVIDER_IDLE_TIMEOUT_MS with an error frame', async () => {
    fakes.local.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseFrames('llama-server-chat-stream.sse')[0]!);
    };
    const started = Date.now();
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('some-gguf', { stream: true }));
    const payloads = dataPayloads(await stream.ended) as Array<{ error?: { message: string; type: string } }>;
    expect(payloads.at(-1)?.error).toEqual(expect.objectContaining({ type: 'timeout_error' }));
    expect(payloads.at(-1)?.error?.message).toMatch(/PROVIDER_IDLE_TIMEOUT_MS/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test("passes OpenRouter's in-stream error through, then the router's own error frame", async () => {
    fakes.openrouter.handler = (_request, res) => sendFrames(res, sseFrames('openrouter-midstream-error.sse'));
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('openrouter/x', { stream: true }));
    const payloads = dataPayloads(await stream.ended) as Array<{ choices?: unknown[]; error?: { message: string } }>;
    const providerFrame = payloads.find((p) => p.error && p.choices);
    const routerFrame = payloads.at(-1);
    expect(providerFrame?.error?.message).toBe('Provider disconnected unexpectedly');
    expect(routerFrame?.choices).toBeUndefined();
    expect(routerFrame?.error?.message).toBe('Provider disconnected unexpectedly');
  });

  test("passes an Anthropic-dialect upstream's error event through once on /messages", async () => {
    fakes.local.handler = (_request, res) => sendFrames(res, sseFrames('anthropic-messages-stream-error.sse'));
    const stream = await openStream(`${host.url}/v1/messages`, {
      model: 'gguf',
      max_tokens: 10,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const text = await stream.ended;
    expect(text.match(/event: error/g)).toHaveLength(1);
    expect(text).toContain('"overloaded_error"');
  });

  test('a client hang-up aborts the upstream request at once', async () => {
    fakes.openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sseFrames('openai-chat-stream-usage.sse')[0]!);
    };
    const closed = fakes.openai.waitForClientClose();
    const stream = await openStream(`${host.url}/v1/chat/completions`, chat('gpt-4o', { stream: true }));
    await stream.waitFor((text) => text.includes('chat.completion.chunk'));
    stream.abort();
    await closed;
    expect(fakes.openai.closedRequests).toBe(1);
  });
});

describe('hosts as they are', () => {
  test('works when the host mounted express.json() first, and rewrites the model', async () => {
    const host = await startHost({ env: envFor({ openai: fakes.openai }) }, { jsonFirst: true });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chat('openai/gpt-4o'));
      expect(res.status).toBe(200);
      expect(fakes.openai.requests[0]!.body?.model).toBe('gpt-4o');
      expect(fakes.openai.requests[0]!.headers['content-length']).toBe(String(Buffer.byteLength(fakes.openai.requests[0]!.rawBody)));
    } finally {
      await host.close();
    }
  });

  test('reaches an upstream on an IPv6 address, with its base path, port and Host header', async () => {
    const upstream = await startFakeUpstream('local', { host: '::1' });
    upstream.handler = (_request, res) => sendJson(res, 200, fixtureJson('openai-chat.json'));
    const { port } = new URL(upstream.baseUrl);
    const host = await startHost({ env: { LOCAL_BASE_URL: `http://[::1]:${port}/llama/v1` } });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await request(host.url).post('/v1/chat/completions').send(chat('my-local-model'));
        expect(res.status).toBe(200);
      }
      expect(upstream.requests.map((r) => ({ url: r.url, host: r.headers.host }))).toEqual([
        { url: '/llama/v1/chat/completions', host: `[::1]:${port}` },
        { url: '/llama/v1/chat/completions', host: `[::1]:${port}` },
      ]);
    } finally {
      await host.close();
      await upstream.close();
    }
  });

  test("with fallback 'next', the host's own handler gets the parsed body", async () => {
    const host = await startHost(
      { env: envFor({ openai: fakes.openai }), fallback: 'next' },
      {
        after: (app) => {
          app.post('/v1/chat/completions', (req, res) => {
            res.json({ servedBy: 'host', model: (req.body as { model: string }).model });
          });
        },
      },
    );
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chat('my-gguf'));
      expect(res.body).toEqual({ servedBy: 'host', model: 'my-gguf' });
    } finally {
      await host.close();
    }
  });

  test('a host with compression() still gets an unbuffered stream', async () => {
    const host = await startHost({ env: envFor({ openai: fakes.openai }) }, { before: (app) => app.use(compression({ threshold: 0 })) });
    const release = deferred();
    fakes.openai.handler = (_request, res) => sendHeldStream(res, [sseFrames('openai-chat-stream-usage.sse')[1]!, DONE_FRAME], 0, release.promise);
    try {
      const stream = await openStream(`${host.url}/v1/chat/completions`, chat('gpt-4o', { stream: true }), {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(stream.headers['content-encoding']).toBeUndefined();
      await stream.waitFor((text) => text.includes('"Hello"'));
      release.resolve();
      expect(await stream.ended).toContain('[DONE]');
    } finally {
      release.resolve();
      await host.close();
    }
  });

  test('a host request logger that wraps res.write and res.end sees the streamed bytes', async () => {
    const seen: string[] = [];
    const host = await startHost(
      { env: envFor({ local: fakes.local }) },
      {
        before: (app) =>
          app.use((_req, res, next) => {
            const write = res.write.bind(res) as (...args: unknown[]) => boolean;
            const end = res.end.bind(res) as (...args: unknown[]) => unknown;
            (res as unknown as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
              seen.push(String(chunk));
              return write(chunk, ...rest);
            };
            (res as unknown as { end: unknown }).end = (...args: unknown[]) => {
              if (args[0] && typeof args[0] !== 'function') seen.push(String(args[0]));
              return end(...args);
            };
            next();
          }),
      },
    );
    try {
      const res = await request(host.url)
        .post('/v1/chat/completions')
        .send(chat('gguf', { stream: true }));
      expect(res.text).toBe(fixtureText('llama-server-chat-stream.sse'));
      expect(seen.join('')).toBe(fixtureText('llama-server-chat-stream.sse'));
    } finally {
      await host.close();
    }
  });

  test("a host request logger whose res.write wrapper returns nothing does not stall the stream (only false means 'slow client')", async () => {
    const ends: TelemetryEvent[] = [];
    const host = await startHost(
      { env: envFor({ local: fakes.local, openai: fakes.openai }) },
      {
        before: (app) =>
          app.use((_req, res, next) => {
            const write = res.write;
            // As many loggers write it: the wrapped call's result is dropped.
            (res as unknown as { write: unknown }).write = function (this: unknown, ...args: unknown[]): void {
              (write as (...a: unknown[]) => boolean).apply(this, args);
            };
            next();
          }),
      },
    );
    host.router.telemetry.on('request.end', (event) => ends.push(event));
    try {
      const passed = await request(host.url)
        .post('/v1/chat/completions')
        .timeout(2000)
        .send(chat('gguf', { stream: true }));
      expect(passed.text).toBe(fixtureText('llama-server-chat-stream.sse'));
      const translated = await request(host.url)
        .post('/v1/messages')
        .timeout(2000)
        .send({ model: 'openai/gpt-4o', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] });
      expect(translated.text).toContain('event: message_stop');
      expect(ends.map((event) => event.type === 'request.end' && event.outcome)).toEqual(['ok', 'ok']);
    } finally {
      await host.close();
    }
  });

  test("a stream's headers reach the client as soon as the upstream answered, before its first event", async () => {
    const release = deferred();
    fakes.local.handler = (_request, res) => {
      // The upstream's headers go out at once; its first event waits (a model loading, a long prompt).
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      void release.promise.then(() => res.end(fixtureText('llama-server-chat-stream.sse')));
    };
    const host = await startHost({ env: envFor({ local: fakes.local }) });
    try {
      const opened = openStream(`${host.url}/v1/chat/completions`, chat('gguf', { stream: true }));
      const stream = await within(opened, 2000, 'the stream headers, while the upstream holds its first event');
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      release.resolve();
      expect(await stream.ended).toBe(fixtureText('llama-server-chat-stream.sse'));
    } finally {
      release.resolve();
      await host.close();
    }
  });

  test('close() fails a request in flight at once, without sending it again; afterwards every route answers 503 router_closed', async () => {
    const ends: TelemetryEvent[] = [];
    const host = await startHost({ env: { ...envFor({ local: fakes.local }), PROVIDER_TIMEOUT_MS: '5000' } });
    host.router.telemetry.on('request.end', (event) => ends.push(event));
    let closed = false;
    try {
      // A first request leaves a kept-alive socket for the second to reuse.
      expect((await request(host.url).post('/v1/chat/completions').send(chat('gguf'))).status).toBe(200);
      fakes.local.handler = () => true; // holds every answer
      const inFlight = sendRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat('gguf')),
      });
      await waitUntil(() => fakes.local.requests.length === 2, 2000, 'the held request upstream');
      const started = performance.now();
      await host.router.close();
      closed = true;
      const answer = await within(inFlight.response, 2000, 'the answer after close()');
      expect(answer.status).toBe(502);
      // Not "could not be reached": the upstream was, and its URL is not what an operator should check.
      expect(JSON.parse(answer.text).error).toMatchObject({ code: 'router_closed', message: expect.stringContaining('router.close()') });
      expect(performance.now() - started).toBeLessThan(1000);
      await sleep(50);
      expect(fakes.local.requests).toHaveLength(2);
      const after = await request(host.url).post('/v1/chat/completions').send(chat('gguf'));
      expect(after.status).toBe(503);
      expect(after.body.error.code).toBe('router_closed');
      const messages = await request(host.url).post('/v1/messages').send({ model: 'gguf', max_tokens: 5, messages: [] });
      expect(messages.body).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      expect((await request(host.url).get('/v1/models')).status).toBe(503);
      expect(fakes.local.requests).toHaveLength(2);
    } finally {
      if (!closed) await host.router.close();
      await host.close();
    }
  });

  test('a client gone while the host middleware ran: nothing is sent upstream, and request.end says 499 aborted', async () => {
    const ends: TelemetryEvent[] = [];
    const clientGone = deferred();
    const host = await startHost(
      { env: envFor({ local: fakes.local }) },
      {
        jsonFirst: true,
        // A slow host middleware (an auth lookup): the client hangs up meanwhile.
        before: (app) =>
          app.use((req, _res, next) => {
            req.socket.once('close', () => clientGone.resolve());
            void clientGone.promise.then(() => setTimeout(next, 20));
          }),
      },
    );
    host.router.telemetry.on('request.end', (event) => ends.push(event));
    try {
      const inFlight = sendRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chat('gguf', { stream: true })),
      });
      inFlight.response.catch(() => undefined);
      await sleep(50);
      inFlight.abort();
      await waitUntil(() => ends.length === 1, 2000, 'request.end');
      expect(ends[0]).toMatchObject({ type: 'request.end', status: 499, outcome: 'aborted' });
      expect(fakes.local.requests).toHaveLength(0);
    } finally {
      await host.close();
    }
  });
});

describe('errors', () => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost({
      env: { ...envFor({ openai: fakes.openai, local: fakes.local }), PROVIDER_TIMEOUT_MS: '300', PROVIDER_MAX_BODY_BYTES: '2000' },
    });
  });
  afterAll(() => host.close());

  const expectOpenAIError = (body: unknown, code: string | null) => {
    expect(body).toEqual({ error: { message: expect.any(String), type: expect.any(String), code } });
  };

  test('malformed JSON is a 400', async () => {
    const res = await request(host.url).post('/v1/chat/completions').set('content-type', 'application/json').send('{"model": "gpt');
    expect(res.status).toBe(400);
    expectOpenAIError(res.body, 'invalid_json');
  });

  test.each([
    ['missing', { messages: [] }],
    ['a number', { model: 42 }],
    ['empty', { model: '' }],
    ['with CR/LF', { model: 'a\r\nb' }],
    ['with a C1 control character (NEL)', { model: 'gpt\u0085x' }],
    ['1 KB long', { model: 'x'.repeat(1000) }],
  ])('a model that is %s is a 400', async (_case, body) => {
    const res = await request(host.url).post('/v1/chat/completions').send(body);
    expect(res.status).toBe(400);
    expectOpenAIError(res.body, 'invalid_model');
  });

  test('a body over PROVIDER_MAX_BODY_BYTES is a 413', async () => {
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .send(chat('gpt-4o', { padding: 'x'.repeat(5000) }));
    expect(res.status).toBe(413);
    expectOpenAIError(res.body, 'body_too_large');
  });

  test.each([
    ['Origin', { origin: 'https://elsewhere.example' }],
    ['Origin: null (a sandboxed page)', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'https://elsewhere.example' }],
    ['Sec-Fetch-Site: same-site (another port of the host)', { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:1' }],
    ['Origin of another port of the host, over plain http (no Sec-Fetch-Site)', { origin: 'http://127.0.0.1:1' }],
    ['Origin that is not a URL', { origin: 'elsewhere' }],
  ])('a non-JSON content type from a browser page (%s) is a 415, and nothing is sent', async (_case, headers) => {
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .set(headers)
      .set('content-type', 'text/plain')
      .send(JSON.stringify(chat('gpt-4o')));
    expect(res.status).toBe(415);
    expectOpenAIError(res.body, 'invalid_request');
    expect(fakes.openai.requests).toHaveLength(0);
  });

  test.each([
    ['Origin', { origin: 'https://elsewhere.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'https://elsewhere.example' }],
  ])(
    'a body with no Content-Type from a browser page (%s: fetch or sendBeacon with an ArrayBuffer, no preflight) is a 415, and nothing is sent',
    async (_case, headers) => {
      const res = await sendRequest({ url: `${host.url}/v1/chat/completions`, headers, body: JSON.stringify(chat('gpt-4o')) }).response;
      expect(res.status).toBe(415);
      expectOpenAIError(JSON.parse(res.text), 'invalid_request');
      expect(fakes.openai.requests).toHaveLength(0);
      // Without a browser's headers, a body with no Content-Type is read as JSON.
      const plain = await sendRequest({ url: `${host.url}/v1/chat/completions`, body: JSON.stringify(chat('gpt-4o')) }).response;
      expect(plain.status).toBe(200);
      expect(fakes.openai.requests).toHaveLength(1);
    },
  );

  test.each([
    ['text/plain (fetch with a string body and no headers)', 'text/plain;charset=UTF-8', {}],
    ['application/x-www-form-urlencoded (curl -d)', 'application/x-www-form-urlencoded', {}],
    ['text/plain from a page of the same origin', 'text/plain', { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1' }],
  ])('a JSON body labelled %s, from no page of another site, is read as JSON, as OpenAI and llama-server read it', async (_case, type, headers) => {
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .set(headers)
      .set('content-type', type)
      .send(JSON.stringify(chat('gpt-4o')));
    expect(res.status).toBe(200);
    expect(fakes.openai.requests).toHaveLength(1);
    expect(fakes.openai.requests[0]!.headers['content-type']).toBe('application/json');
    const malformed = await request(host.url).post('/v1/chat/completions').set(headers).set('content-type', type).send('{"model": "gpt');
    expect(malformed.status).toBe(400);
    expectOpenAIError(malformed.body, 'invalid_json');
  });

  test('a non-JSON content type from a page of the host itself over plain http (Origin naming the Host, no Sec-Fetch-Site: browsers send it only to https and localhost) is read as JSON', async () => {
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .set('origin', host.url.toUpperCase())
      .set('content-type', 'text/plain')
      .send(JSON.stringify(chat('gpt-4o')));
    expect(res.status).toBe(200);
    expect(fakes.openai.requests).toHaveLength(1);
  });

  test('a JSON body labelled text/plain that the host parsed as JSON (express.json with a type of every label) is used, not refused as a form', async () => {
    const jsonHost = await startHost({ env: envFor({ openai: fakes.openai }) }, { before: (app) => app.use(express.json({ type: () => true })) });
    try {
      const res = await request(jsonHost.url)
        .post('/v1/chat/completions')
        .set('content-type', 'text/plain')
        .send(JSON.stringify(chat('gpt-4o')));
      expect(res.status).toBe(200);
      expect(fakes.openai.requests).toHaveLength(1);
      expect(fakes.openai.requests[0]!.body?.model).toBe('gpt-4o');
    } finally {
      await jsonHost.close();
    }
  });

  test('a form post is a 415 when the host parsed it (express.urlencoded) or a page of another site sent it (express.text), and nothing is sent', async () => {
    const formHost = await startHost(
      { env: envFor({ openai: fakes.openai }) },
      {
        before: (app) => {
          app.use(express.urlencoded({ extended: false }));
          app.use(express.text());
        },
      },
    );
    try {
      const form = await request(formHost.url).post('/v1/chat/completions').type('form').send('model=gpt-4o&messages=x');
      expect(form.status).toBe(415);
      expect(form.body.error.message).toContain('the host parsed the body as application/x-www-form-urlencoded');
      const crossSite = await request(formHost.url)
        .post('/v1/chat/completions')
        .set('origin', 'https://elsewhere.example')
        .set('content-type', 'text/plain')
        .send('{"model":"gpt-4o","messages":[]}');
      expect(crossSite.status).toBe(415);
      expect(fakes.openai.requests).toHaveLength(0);
      // The text express.text() left is read as JSON.
      const text = await request(formHost.url)
        .post('/v1/chat/completions')
        .set('content-type', 'text/plain')
        .send(JSON.stringify(chat('gpt-4o')));
      expect(text.status).toBe(200);
      expect(fakes.openai.requests).toHaveLength(1);
    } finally {
      await formHost.close();
    }
  });

  test('a provider without its key is a 400 naming the variable, and nothing is sent', async () => {
    const res = await request(host.url).post('/v1/chat/completions').send(chat('anthropic/claude-sonnet-5-5'));
    expect(res.status).toBe(400);
    expectOpenAIError(res.body, 'provider_not_configured');
    expect(res.body.error.message).toContain('ANTHROPIC_API_KEY');
    expect(res.headers['x-provider']).toBe('anthropic');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(fakes.all().every((fake) => fake.requests.length === 0)).toBe(true);
  });

  test('a provider without its key: routing chose it, so the request has its request.start and one request.end (DESIGN section 6)', async () => {
    const events: TelemetryEvent[] = [];
    const listener = (event: TelemetryEvent): number => events.push(event);
    host.router.telemetry.on('event', listener);
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chat('anthropic/claude-sonnet-5-5'));
      expect(res.status).toBe(400);
      expect(events.map((event) => event.type)).toEqual(['request.start', 'request.end']);
      expect(events[1]).toMatchObject({
        provider: 'anthropic',
        model: 'anthropic/claude-sonnet-5-5',
        upstreamModel: 'claude-sonnet-5-5',
        status: 400,
        outcome: 'error',
        error: { message: expect.stringContaining('ANTHROPIC_API_KEY') as string },
      });
    } finally {
      host.router.telemetry.off('event', listener);
    }
  });

  test('an unreachable upstream is a 502', async () => {
    const closedPort = await unusedPort();
    const unreachable = await startHost({ env: { LOCAL_BASE_URL: `http://127.0.0.1:${closedPort}/v1` } });
    try {
      const res = await request(unreachable.url).post('/v1/chat/completions').send(chat('gguf'));
      expect(res.status).toBe(502);
      expectOpenAIError(res.body, 'upstream_unreachable');
      expect(res.body.error.message).toMatch(/ECONNREFUSED/);
    } finally {
      await unreachable.close();
    }
  });

  test('no response headers within PROVIDER_TIMEOUT_MS is a 504', async () => {
    fakes.openai.handler = () => undefined;
    const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
    expect(res.status).toBe(504);
    expectOpenAIError(res.body, 'upstream_timeout');
  });

  test("an upstream's own 4xx keeps its status and message", async () => {
    fakes.openai.handler = (_request, res) =>
      sendJson(
        res,
        429,
        { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '3', 'x-should-retry': 'true', 'set-cookie': 'a=b', 'openai-organization': 'org-1' },
      );
    const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
    expect(res.headers['retry-after']).toBe('3');
    // The SDKs read it to decide on retrying.
    expect(res.headers['x-should-retry']).toBe('true');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['openai-organization']).toBeUndefined();
  });

  test("an upstream 400 naming a field keeps OpenAI's `param`", async () => {
    fakes.openai.handler = (_request, res) =>
      sendJson(res, 400, {
        error: { message: 'Unsupported value: temperature', type: 'invalid_request_error', param: 'temperature', code: 'unsupported_value' },
      });
    const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ message: 'Unsupported value: temperature', param: 'temperature', code: 'unsupported_value' });
  });

  test('an answer with fields of the wrong type still reaches the client, and the host keeps serving', async () => {
    fakes.local.handler = (_request, res) =>
      sendJson(res, 200, {
        id: 'x',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi', tool_calls: 5 } }],
      });
    const plain = await request(host.url).post('/v1/chat/completions').send(chat('gguf'));
    expect(plain.status).toBe(200);
    expect(plain.body.choices[0].message.tool_calls).toBe(5);
    fakes.local.handler = (_request, res) =>
      sendFrames(res, [
        'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":5}}]}\n\n',
        'data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[null]}}]}\n\n',
        'data: [DONE]\n\n',
      ]);
    const streamed = await request(host.url)
      .post('/v1/chat/completions')
      .send(chat('gguf', { stream: true, stream_options: { include_usage: true } }));
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('data: [DONE]');
    fakes.local.handler = undefined;
    expect((await request(host.url).post('/v1/chat/completions').send(chat('gguf'))).status).toBe(200);
  });

  test('a body that is not valid UTF-8 is a 400, not a mangled model name', async () => {
    const body = Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff]), Buffer.from('gpt-4o","messages":[]}')]);
    const answer = await rawRequest({ url: `${host.url}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body, chunked: true });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/UTF-8/);
    expect(fakes.all().every((fake) => fake.requests.length === 0)).toBe(true);
  });

  test('an upstream 5xx with a plain-text body keeps its status in the OpenAI shape', async () => {
    fakes.local.handler = (_request, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('Loading model');
    };
    const res = await request(host.url).post('/v1/chat/completions').send(chat('gguf'));
    expect(res.status).toBe(503);
    expect(res.body.error.message).toBe('Loading model');
  });
});

describe('headers and secrets', () => {
  const CLIENT_SECRETS = {
    authorization: 'Bearer host-user-token-abc',
    cookie: 'session=host-cookie-xyz',
    'x-api-key': 'host-api-key-123',
    'proxy-authorization': 'Basic aG9zdDpwYXNz',
    'x-session-token': 'host-session-token-456',
  };

  test.each([
    ['openai', 'gpt-4o'],
    ['openrouter', 'openrouter/x'],
    ['local', 'gguf'],
    ['anthropic', 'claude-sonnet-5-5'],
  ])("the client's credentials never reach %s", async (kind, model) => {
    const host = await startHost({ env: envFor(fakes) });
    try {
      await request(host.url).post('/v1/chat/completions').set(CLIENT_SECRETS).send(chat(model));
      const target = fakes.all().find((fake) => fake.kind === kind)!;
      const sent = JSON.stringify(target.requests[0]!.headers);
      for (const value of Object.values(CLIENT_SECRETS)) expect(sent).not.toContain(value.split(' ').pop());
      expect(target.requests[0]!.headers.cookie).toBeUndefined();
      if (kind === 'anthropic') expect(target.requests[0]!.headers['x-api-key']).toBe(KEYS.anthropic);
      else if (kind === 'local') expect(target.requests[0]!.headers.authorization).toBeUndefined();
      else expect(target.requests[0]!.headers.authorization).toBe(`Bearer ${KEYS[kind as 'openai' | 'openrouter']}`);
    } finally {
      await host.close();
    }
  });

  test('a key echoed by an upstream error, whole or in pieces, never reaches the client', async () => {
    const host = await startHost({ env: envFor({ openai: fakes.openai }) });
    fakes.openai.handler = (_request, res) =>
      sendJson(
        res,
        401,
        {
          error: {
            message: `Incorrect API key provided: ${KEYS.openai}. Also ...${KEYS.openai.slice(-14)}`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        },
        { 'x-ratelimit-echo': KEYS.openai },
      );
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      expect(res.status).toBe(401);
      const everything = JSON.stringify(res.headers) + res.text;
      expect(everything).not.toContain(KEYS.openai.slice(-12));
      expect(everything).not.toContain(KEYS.openai.slice(0, 12));
      expect(res.body.error.message).toContain('[REDACTED]');
    } finally {
      await host.close();
    }
  });

  test('scrubHeaders sees both directions, cannot see or remove the key', async () => {
    const calls: Array<{ direction: string; provider: string; headers: Record<string, string> }> = [];
    const host = await startHost({
      env: envFor({ openai: fakes.openai }),
      scrubHeaders: (headers, context) => {
        calls.push({ direction: context.direction, provider: context.provider, headers: { ...headers } });
        if (context.direction === 'upstream') return { ...headers, 'x-team': 'blue', authorization: 'Bearer hijack' };
        return { ...headers, 'x-served-by': 'router' };
      },
    });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      expect(res.headers['x-served-by']).toBe('router');
      expect(fakes.openai.requests[0]!.headers['x-team']).toBe('blue');
      expect(fakes.openai.requests[0]!.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
      expect(calls.map((call) => call.direction)).toEqual(['upstream', 'client']);
      expect(JSON.stringify(calls)).not.toContain(KEYS.openai);
      expect(calls[0]!.provider).toBe('openai');
    } finally {
      await host.close();
    }
  });

  test("scrubHeaders never sees a key an upstream echoes in a header; it cannot remove Anthropic's anthropic-version", async () => {
    const seen: Array<Record<string, string>> = [];
    const host = await startHost({
      env: envFor({ openai: fakes.openai, anthropic: fakes.anthropic }),
      scrubHeaders: (headers, context) => {
        seen.push({ ...headers });
        // A hook that keeps only what it knows.
        return context.direction === 'upstream' ? { 'content-type': headers['content-type'] ?? 'application/json' } : headers;
      },
    });
    fakes.openai.handler = (_request, res) =>
      sendJson(
        res,
        401,
        { error: { message: 'Incorrect API key', type: 'invalid_request_error' } },
        {
          'x-ratelimit-echo': `key=${KEYS.openai}`,
          'retry-after': KEYS.openai,
        },
      );
    try {
      const refused = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      expect(refused.status).toBe(401);
      expect(JSON.stringify(seen)).not.toContain(KEYS.openai.slice(0, 12));
      expect(JSON.stringify(seen)).toContain('[REDACTED]');

      const answered = await request(host.url).post('/v1/chat/completions').send(chat('anthropic/claude-sonnet-5-5'));
      expect(answered.status).toBe(200);
      expect(fakes.anthropic.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
      expect(fakes.anthropic.requests[0]!.headers['x-api-key']).toBe(KEYS.anthropic);
    } finally {
      await host.close();
    }
  });

  test("scrubHeaders sees the client headers of the router's own errors once a provider was chosen; one that throws there changes nothing", async () => {
    const seen: string[] = [];
    let throwing = false;
    const host = await startHost({
      env: envFor({ openai: fakes.openai }),
      scrubHeaders: (headers, context) => {
        seen.push(`${context.direction} ${context.provider}`);
        if (throwing) throw new Error('hook bug');
        return { ...headers, 'x-served-by': 'router' };
      },
    });
    try {
      // OpenRouter has no key here: provider_not_configured, before anything goes upstream.
      const unconfigured = await request(host.url).post('/v1/chat/completions').send(chat('openrouter/x'));
      expect(unconfigured.status).toBe(400);
      expect(unconfigured.headers['x-served-by']).toBe('router');
      expect(seen).toEqual(['client openrouter']);
      throwing = true;
      const again = await request(host.url).post('/v1/chat/completions').send(chat('openrouter/x'));
      expect(again.status).toBe(400);
      expect(again.body.error.code).toBe('provider_not_configured');
      expect(again.headers['x-request-id']).toBeDefined();
    } finally {
      await host.close();
    }
  });

  test("what a scrubHeaders hook adds to the client headers is redacted, on answers and on the router's own errors alike", async () => {
    const host = await startHost({
      env: envFor({ openai: fakes.openai }),
      scrubHeaders: (headers, context) => (context.direction === 'client' ? { ...headers, 'x-echo': `key ${KEYS.openai}` } : headers),
    });
    try {
      for (const model of ['gpt-4o', 'openrouter/x']) {
        const res = await request(host.url).post('/v1/chat/completions').send(chat(model));
        expect(res.headers['x-echo']).toBe('key [REDACTED]');
      }
    } finally {
      await host.close();
    }
  });

  test.each(['gpt-4o', 'openrouter/x'])(
    'a scrubHeaders hook that returns a header value HTTP does not allow (%s) is a hook failure, not a crash, and request.end comes once',
    async (model) => {
      const host = await startHost({
        env: envFor({ openai: fakes.openai }),
        scrubHeaders: (headers, context) => (context.direction === 'client' ? { ...headers, 'x-bad': 'a\nb' } : headers),
      });
      const ends: Array<{ status: number; outcome: string }> = [];
      host.router.telemetry.on('request.end', (event) => ends.push(event));
      try {
        const res = await request(host.url).post('/v1/chat/completions').send(chat(model));
        // An answer: the hook failure's 500, or the router's own error with its own headers.
        expect(res.status).toBe(model === 'gpt-4o' ? 500 : 400);
        expect(res.headers['x-bad']).toBeUndefined();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(ends).toEqual([expect.objectContaining({ outcome: 'error' })]);
      } finally {
        await host.close();
      }
    },
  );

  test.each([
    ['upstream', false],
    ['client', false],
    ['client', true],
  ] as const)(
    'a scrubHeaders hook that throws on %s headers (stream=%s): a 500, one request.end, nothing sent with unapproved headers',
    async (direction, stream) => {
      const host = await startHost({
        env: envFor({ openai: fakes.openai }),
        scrubHeaders: (headers, context) => {
          if (context.direction === direction) throw new Error('hook bug');
          return headers;
        },
      });
      const ends: Array<{ status: number; outcome: string }> = [];
      host.router.telemetry.on('request.end', (event) => ends.push(event));
      try {
        const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o', { stream }));
        expect(res.status).toBe(500);
        expect(res.body.error.message).toContain('scrubHeaders');
        expect(res.body.error.message).not.toContain('hook bug');
        expect(res.headers['x-request-id']).toBeDefined();
        expect(fakes.openai.requests).toHaveLength(direction === 'upstream' ? 0 : 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(ends).toEqual([expect.objectContaining({ status: 500, outcome: 'error' })]);
      } finally {
        await host.close();
      }
    },
  );

  const NOT_HEADERS: Array<[string, () => unknown]> = [
    ['undefined', () => undefined],
    ['null', () => null],
    ['a string', () => 'content-type'],
    ['an array', () => [['x-team', 'blue']]],
    ['a promise of headers (an async hook)', () => Promise.resolve({ 'content-type': 'application/json' })],
    ['a promise that rejects (an async hook that throws)', () => Promise.reject(new Error('async hook bug'))],
  ];
  const notHeadersCases = NOT_HEADERS.flatMap(([what, value]) =>
    (['upstream', 'client'] as const).map((direction) => [what, direction, value] as const),
  );
  test.each(notHeadersCases)(
    'a scrubHeaders hook that returns %s for %s headers is a hook failure: a 500, one request.end, no process exit',
    async (_what, direction, value) => {
      const rejections: unknown[] = [];
      const onRejection = (reason: unknown): number => rejections.push(reason);
      process.on('unhandledRejection', onRejection);
      const host = await startHost({
        env: envFor({ openai: fakes.openai }),
        scrubHeaders: ((headers: Record<string, string>, context: { direction: string }) =>
          context.direction === direction ? value() : headers) as never,
      });
      const ends: Array<{ status: number; outcome: string }> = [];
      host.router.telemetry.on('request.end', (event) => ends.push(event));
      try {
        const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
        expect(res.status).toBe(500);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body.error.message).toContain('scrubHeaders');
        expect(Object.keys(res.headers).filter((name) => /^\d+$/.test(name))).toEqual([]);
        expect(fakes.openai.requests).toHaveLength(direction === 'upstream' ? 0 : 1);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(ends).toEqual([expect.objectContaining({ status: 500, outcome: 'error' })]);
        expect(rejections).toEqual([]);
      } finally {
        process.off('unhandledRejection', onRejection);
        await host.close();
      }
    },
  );

  test('neither a scrubHeaders hook nor an adapter can set the headers that frame a message or pick its host', async () => {
    const framing = {
      host: 'evil.example',
      'content-length': '5',
      'transfer-encoding': 'chunked',
      connection: 'upgrade',
      upgrade: 'websocket',
      expect: '100-continue',
      'x-team': 'blue',
    };
    const openai = createOpenAIProvider({ baseUrl: fakes.openai.baseUrl, apiKey: KEYS.openai });
    const host = await startHost({
      env: envFor({ openai: fakes.openai }),
      providers: {
        openai: { ...openai, upstreamHeaders: () => ({ ...openai.upstreamHeaders(), 'Transfer-Encoding': 'chunked', Host: 'evil.example' }) },
      },
      scrubHeaders: (headers) => ({ ...headers, ...framing }),
    });
    try {
      for (const stream of [false, true]) {
        fakes.openai.reset();
        const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o', { stream }));
        expect(res.status).toBe(200);
        expect(res.headers['x-team']).toBe('blue');
        expect(res.headers['content-length']).not.toBe('5');
        expect(res.headers.upgrade).toBeUndefined();
        if (!stream) expect(res.body.choices[0].message.content).toBeTruthy();
        const [upstream] = fakes.openai.requests;
        expect(upstream!.headers.host).toBe(new URL(fakes.openai.baseUrl).host);
        expect(upstream!.headers['content-length']).toBe(String(Buffer.byteLength(upstream!.rawBody)));
        expect(upstream!.headers['transfer-encoding']).toBeUndefined();
        expect(upstream!.headers.upgrade).toBeUndefined();
        expect(upstream!.headers.expect).toBeUndefined();
        expect(upstream!.headers['x-team']).toBe('blue');
      }
    } finally {
      await host.close();
    }
  });

  test("an adapter's defaultHeaders cannot set the headers that frame a message either", async () => {
    const openai = createOpenAIProvider({ baseUrl: fakes.openai.baseUrl, apiKey: KEYS.openai });
    const host = await startHost({
      env: envFor({ openai: fakes.openai }),
      providers: {
        openai: { ...openai, defaultHeaders: { 'Transfer-Encoding': 'chunked', 'Content-Length': '5', Connection: 'upgrade', 'x-team': 'blue' } },
      },
    });
    try {
      fakes.openai.reset();
      const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
      expect(res.status).toBe(200);
      const [upstream] = fakes.openai.requests;
      expect(upstream!.headers['content-length']).toBe(String(Buffer.byteLength(upstream!.rawBody)));
      expect(upstream!.headers['transfer-encoding']).toBeUndefined();
      expect(upstream!.headers.connection).not.toBe('upgrade');
      expect(upstream!.headers['x-team']).toBe('blue');

      // The model list's GET too: a `content-length` there would make the upstream wait for a body.
      fakes.openai.reset();
      const list = await request(host.url).get('/v1/models');
      expect(list.body.data.map((model: { provider: string }) => model.provider)).toContain('openai');
      const [listing] = fakes.openai.requests;
      expect([listing!.method, listing!.headers['content-length'], listing!.headers['transfer-encoding'], listing!.headers['x-team']]).toEqual([
        'GET',
        undefined,
        undefined,
        'blue',
      ]);
    } finally {
      await host.close();
    }
  });

  test('scrubHeaders is told the request id the client gets, in both directions', async () => {
    const contexts: Array<{ direction: string; provider: string; requestId: string }> = [];
    const host = await startHost({
      env: envFor({ anthropic: fakes.anthropic }),
      scrubHeaders: (headers, context) => {
        contexts.push({ ...context });
        return headers;
      },
    });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chat('claude-sonnet-4-5'));
      expect(res.status).toBe(200);
      const requestId = res.headers['x-request-id'] as string;
      expect(requestId).toBeTruthy();
      expect(contexts).toEqual([
        { direction: 'upstream', provider: 'anthropic', requestId },
        { direction: 'client', provider: 'anthropic', requestId },
      ]);
    } finally {
      await host.close();
    }
  });
});
