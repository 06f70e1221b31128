/**
 * The router inside host stacks as users build them, on Express 4 and 5, through the official
 * clients against the fake upstreams: body parsers of other kinds mounted before it (`type: '*\/*'`,
 * `strict: false`, text, raw, urlencoded, an inflated gzip body, a body the host set itself, a
 * limit smaller than the request), middleware around it (compression, loggers wrapping
 * `res.writeHead`, helmet- and morgan-style middleware, a host error handler, app settings,
 * headers set before it), and the ways it is mounted (two mounts, a nested `express.Router`,
 * host routes before and after it, trailing slashes and queries, HEAD and preflights).
 * `first-host.test.ts` holds the first host DESIGN.md plans for; this file holds the rest.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Express, NextFunction, Request, Response } from 'express';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import OpenAI from 'openai';
import request from 'supertest';
import { createProviderRouter, type ProviderRouter, type RequestEndEvent } from '../../lib';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { envFor, silentLogger, startHost, type Host, type HostOptions } from '../support/host';
import { openStream, rawRequest } from '../support/http-client';
import { sendFrames, sendHeldStream, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { deferred, waitUntil, within } from '../support/wait';

/* eslint-disable @typescript-eslint/no-require-imports */
const EXPRESS = { 4: require('express4'), 5: require('express') } as Record<4 | 5, typeof import('express')>;
const compression = require('compression') as () => (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const onHeaders = require('on-headers') as (res: ServerResponse, listener: () => void) => void;
const onFinished = require('on-finished') as (res: ServerResponse, listener: () => void) => void;
/* eslint-enable @typescript-eslint/no-require-imports */

const fakes = useFakes();
const VERSIONS = [4, 5] as const;
const HI = [{ role: 'user' as const, content: 'Hi' }];
const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

/** `app` (with `router` somewhere inside it) listening on 127.0.0.1, closed after the test. */
async function listen(app: Express, router: ProviderRouter): Promise<Host> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host: Host = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    router,
    app,
    close: async () => {
      await router.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  hosts.push(host);
  return host;
}

async function hostWith(version: 4 | 5, options: Omit<HostOptions, 'expressVersion'> = {}, fallback: 'local' | 'next' = 'local'): Promise<Host> {
  const host = await startHost({ env: envFor(fakes), fallback }, { expressVersion: version, ...options });
  hosts.push(host);
  return host;
}

const openai = (url: string): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: url, maxRetries: 0 });
const anthropic = (url: string): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: url.replace(/\/v1$/, ''), maxRetries: 0 });

/** Every client kind once, through `url` (a mount ending in `/v1`); each answer checked, and what reached the upstreams. */
async function useEveryClient(url: string): Promise<void> {
  const chat = await openai(url).chat.completions.create({ model: 'openai/gpt-4o', messages: HI });
  expect(chat.choices[0]!.message.content).toEqual(expect.any(String));
  let streamed = '';
  for await (const chunk of await openai(url).chat.completions.create({ model: 'anthropic/claude-sonnet-5-5', stream: true, messages: HI }))
    streamed += chunk.choices[0]?.delta.content ?? '';
  expect(streamed).toMatch(/^Hello/);
  const toolTurn = await openai(url).chat.completions.create({ model: 'anthropic/claude-sonnet-5-5', messages: HI, tools: [WEATHER_TOOL] });
  expect(toolTurn.choices[0]!.finish_reason).toBe('tool_calls');
  const call = toolTurn.choices[0]!.message.tool_calls![0]!;
  const answered = await openai(url).chat.completions.create({
    model: 'anthropic/claude-sonnet-5-5',
    tools: [WEATHER_TOOL],
    messages: [...HI, toolTurn.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
  });
  expect(answered.choices[0]!.message).toBeDefined();
  const toolResult = fakes.anthropic.requests.at(-1)!.body!.messages as Array<{ content: unknown }>;
  expect(JSON.stringify(toolResult.at(-1)!.content)).toContain('sunny');

  const response = await openai(url).responses.create({ model: 'anthropic/claude-sonnet-5-5', input: 'Hi' });
  expect(response.output_text).toEqual(expect.any(String));
  const native = await openai(url).responses.stream({ model: 'openai/gpt-5.5', input: 'Hi' }).finalResponse();
  expect(native.status).toBe('completed');

  const message = await anthropic(url).messages.create({ model: 'openai/gpt-4o', max_tokens: 64, messages: HI });
  expect(message.content[0]).toEqual(expect.objectContaining({ type: 'text' }));
  const passed = await anthropic(url).messages.stream({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 64, messages: HI }).finalMessage();
  expect(passed.model).toBe('anthropic/claude-sonnet-5-5');

  const sent = (fake: 'openai' | 'anthropic'): unknown[] => fakes[fake].requests.filter((r) => r.method === 'POST').map((r) => r.body?.model);
  expect(sent('openai')).toEqual(['gpt-4o', 'gpt-5.5', 'gpt-4o']);
  expect(sent('anthropic')).toEqual(Array(5).fill('claude-sonnet-5-5'));
}

/** A host's own parser that reads the stream and sets `req.body`, without body-parser's `_body` marker. */
function ownParser(req: IncomingMessage & { body?: unknown }, _res: ServerResponse, next: (error?: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      req.body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      next();
    } catch (error) {
      next(error);
    }
  });
}

/**
 * The classic way to keep the raw body in Express: text chunks collected beside whoever reads the
 * stream next (`req.setEncoding('utf8')` and a `data` listener, then `next()` at once).
 */
function rawBodyKeeper(req: IncomingMessage & { rawBody?: string }, _res: ServerResponse, next: () => void): void {
  req.setEncoding('utf8');
  req.rawBody = '';
  req.on('data', (chunk: string) => (req.rawBody += chunk));
  next();
}

const PARSERS: Array<[string, (app: Express, express: typeof import('express')) => void]> = [
  ["express.json({ type: '*/*' })", (app, express) => app.use(express.json({ type: '*/*' }))],
  ['express.json({ strict: false })', (app, express) => app.use(express.json({ strict: false }))],
  ["express.text({ type: '*/*' }) (req.body a string)", (app, express) => app.use(express.text({ type: '*/*' }))],
  ["express.raw({ type: '*/*' }) (req.body a Buffer)", (app, express) => app.use(express.raw({ type: '*/*' }))],
  ['express.urlencoded()', (app, express) => app.use(express.urlencoded({ extended: false }))],
  ["a host's own parser without body-parser's marker", (app) => app.use(ownParser)],
  ["the raw-body keeper (req.setEncoding('utf8') and a 'data' listener)", (app) => app.use(rawBodyKeeper)],
];

describe.each(VERSIONS)('Express %i', (version) => {
  const express = EXPRESS[version];

  describe.each(PARSERS)('with %s before the router', (_name, mount) => {
    test('both SDKs are served on every dialect, streamed and not, a tool call turn included', async () => {
      const host = await hostWith(version, { before: (app) => mount(app, express) });
      await useEveryClient(`${host.url}/v1`);
    });
  });

  test("the raw-body keeper's text chunks: a body in many pieces, non-ASCII split across them, is routed as sent and the host keeps its copy", async () => {
    let kept = '';
    const host = await hostWith(version, {
      before: (app) =>
        app.use(rawBodyKeeper).use((req: Request & { rawBody?: string }, res: Response, next: NextFunction) => {
          res.on('finish', () => (kept = req.rawBody ?? ''));
          next();
        }),
    });
    const body = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'naïve café 日本語 🚀'.repeat(50) }] });
    const res = await within(
      rawRequest({ url: `${host.url}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body, chunked: true }),
      3000,
      'the answer',
    );
    expect(res.status).toBe(200);
    expect(fakes.openai.requests[0]!.body!.messages).toEqual(JSON.parse(body).messages);
    expect(kept).toBe(body);
  });

  test('a gzip body that express.json() inflated is routed as parsed, and no content-encoding goes upstream', async () => {
    const host = await hostWith(version, { before: (app) => app.use(express.json()) });
    const body = gzipSync(JSON.stringify({ model: 'openai/gpt-4o', messages: HI }));
    const res = await rawRequest({
      url: `${host.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(200);
    const sent = fakes.openai.requests[0]!;
    expect(sent.body).toEqual(expect.objectContaining({ model: 'gpt-4o', messages: HI }));
    expect(sent.headers['content-encoding']).toBeUndefined();
  });

  test("a body over the host parser's limit gets the host's own 413, and nothing goes upstream", async () => {
    const host = await hostWith(version, {
      before: (app) => app.use(express.json({ limit: '1kb' })),
      after: (app) =>
        app.use((error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
          void next;
          res.status(error.status ?? 500).json({ host: 'error handler', status: error.status });
        }),
    });
    const res = await request(host.url)
      .post('/v1/chat/completions')
      .send({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(4000) }] });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ host: 'error handler', status: 413 });
    expect(fakes.received()).toEqual([]);
  });
});

/** A request logger that wraps `res.writeHead` (and drops what it returns), as status loggers do. */
function writeHeadLogger(seen: Array<{ status: number; type: unknown }>) {
  return (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const headers = args.find((arg) => typeof arg === 'object' && arg !== null) as Record<string, unknown> | undefined;
      seen.push({ status: args[0] as number, type: headers?.['content-type'] ?? this.getHeader('content-type') });
      (writeHead as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}

/** helmet()'s headers as it sets them, before `next()`. */
const HELMET_HEADERS = {
  'content-security-policy': "default-src 'self'",
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
};
function helmetLike(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
  for (const [name, value] of Object.entries(HELMET_HEADERS)) res.setHeader(name, value);
  res.removeHeader('x-powered-by');
  next();
}

/** morgan's way: the status and time read when the headers go (on-headers), the line written when the answer ends (on-finished). */
function morganLike(lines: string[]) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    let status = 0;
    onHeaders(res, () => {
      status = res.statusCode;
      // What response-time() does, in the same hook.
      res.setHeader('x-response-time', `${Number(process.hrtime.bigint() - started) / 1e6}ms`);
    });
    onFinished(res, () => lines.push(`${req.method} ${(req as Request).originalUrl} ${status}`));
    next();
  };
}

describe.each(VERSIONS)('middleware around the router on Express %i', (version) => {
  const express = EXPRESS[version];

  test('compression(): each stream kind reaches the client before the upstream finishes, uncompressed', async () => {
    const host = await hostWith(version, { before: (app) => app.use(compression()) });
    const cases = [
      {
        path: '/chat/completions',
        body: { model: 'openai/gpt-4o', stream: true, messages: HI },
        fake: 'openai',
        fixture: 'openai-chat-stream-usage.sse',
      },
      {
        path: '/completions',
        body: { model: 'openai/gpt-3.5-turbo-instruct', stream: true, prompt: 'Hi' },
        fake: 'openai',
        fixture: 'openai-chat-stream-usage.sse',
      },
      {
        path: '/messages',
        body: { model: 'local/m', stream: true, max_tokens: 9, messages: HI },
        fake: 'local',
        fixture: 'anthropic-messages-stream-text.sse',
      },
      { path: '/responses', body: { model: 'local/m', stream: true, input: 'Hi' }, fake: 'local', fixture: 'openai-chat-stream-usage.sse' },
    ] as const;
    for (const { path, body, fake, fixture } of cases) {
      const release = deferred();
      const frames = sseFrames(fixture);
      fakes[fake].handler = (_r, res) =>
        sendHeldStream(
          res,
          frames,
          frames.findIndex((frame) => frame.includes('Hello')),
          release.promise,
        );
      try {
        const stream = await openStream(`${host.url}/v1${path}`, body, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
        expect(stream.headers['content-encoding']).toBeUndefined();
        expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
        await stream.waitFor((text) => text.includes('Hello'));
        release.resolve();
        await stream.ended;
      } finally {
        release.resolve();
        fakes[fake].handler = undefined;
      }
    }
  });

  test('a logger wrapping res.writeHead sees the status and type of every answer, and every answer arrives', async () => {
    const seen: Array<{ status: number; type: unknown }> = [];
    const host = await hostWith(version, { before: (app) => app.use(compression()).use(writeHeadLogger(seen)) });
    await useEveryClient(`${host.url}/v1`);
    expect((await request(host.url).post('/v1/chat/completions').send({ messages: HI })).status).toBe(400);
    expect((await request(host.url).get('/v1/models')).status).toBe(200);
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 400, 200]);
    expect(seen[1]!.type).toBe('text/event-stream');
  });

  test("helmet()'s headers and morgan's status line survive on every routed answer, error and stream", async () => {
    const lines: string[] = [];
    const host = await hostWith(version, { before: (app) => app.use(helmetLike).use(morganLike(lines)) });
    const answers = [
      await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', messages: HI }),
      await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', stream: true, messages: HI }),
      await request(host.url).post('/v1/messages').send({ model: 'openai/gpt-4o', max_tokens: 9, messages: HI }),
      await request(host.url).post('/v1/chat/completions').send({ messages: HI }),
      await request(host.url).post('/v1/chat/completions').send({ model: 'nothing/x', messages: HI }),
      await request(host.url).get('/v1/models'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 400, 200, 200]);
    for (const answer of answers) {
      expect(answer.headers).toEqual(expect.objectContaining(HELMET_HEADERS));
      expect(answer.headers['x-response-time']).toMatch(/ms$/);
      expect(answer.headers['x-powered-by']).toBeUndefined();
    }
    expect(lines).toEqual([
      'POST /v1/chat/completions 200',
      'POST /v1/chat/completions 200',
      'POST /v1/messages 200',
      'POST /v1/chat/completions 400',
      'POST /v1/chat/completions 200',
      'GET /v1/models 200',
    ]);
  });

  test("the host's 4-argument error handler never sees the router's errors: each is answered in the client's dialect", async () => {
    const handled: unknown[] = [];
    const host = await hostWith(version, {
      after: (app) =>
        app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
          void next;
          handled.push(error);
          res.status(500).type('html').send('<h1>host error page</h1>');
        }),
    });
    fakes.openrouter.handler = (_r, res) => void res.socket?.destroy();
    const post = (path: string, body: string | object) => request(host.url).post(`/v1${path}`).type('json').send(body);
    const openaiShaped = [
      await post('/chat/completions', '{"model":'),
      await post('/chat/completions', { messages: HI }),
      await post('/responses', { model: 'openai/gpt-5.5', input: 'x', previous_response_id: 'resp_1' }),
      await post('/chat/completions', { model: 'openrouter/x', messages: HI }),
      await request(host.url).get('/v1/responses/resp_1'),
    ];
    expect(openaiShaped.map((a) => a.status)).toEqual([400, 400, 400, 502, 404]);
    for (const answer of openaiShaped) expect(answer.body.error).toEqual(expect.objectContaining({ message: expect.any(String) }));
    const anthropicShaped = [await post('/messages', '{"model":'), await post('/messages', { model: 'openrouter/x', max_tokens: 9, messages: HI })];
    expect(anthropicShaped.map((a) => a.status)).toEqual([400, 502]);
    for (const answer of anthropicShaped)
      expect(answer.body).toEqual({ type: 'error', error: expect.objectContaining({ type: expect.any(String) }) });
    expect(handled).toEqual([]);
    void express;
  });

  test("app settings (json spaces, etag, trust proxy, query parser) change nothing of the router's answers or upstream requests", async () => {
    const host = await hostWith(version, {
      before: (app) => {
        app.set('json spaces', 2);
        app.set('etag', 'strong');
        app.set('trust proxy', true);
        app.set('query parser', (query: string) => ({ parsed: query }));
      },
    });
    const answer = await request(host.url)
      .post('/v1/chat/completions?x=1&token=host-secret')
      .set('x-forwarded-for', '203.0.113.9')
      .set('x-forwarded-proto', 'https')
      .send({ model: 'openai/gpt-4o', messages: HI });
    expect(answer.status).toBe(200);
    expect(answer.text).not.toMatch(/\n {2}"/);
    expect(answer.headers.etag).toBeUndefined();
    const sent = fakes.openai.requests[0]!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers['x-forwarded-for']).toBeUndefined();
    expect(sent.headers['x-forwarded-proto']).toBeUndefined();
    const models = await request(host.url).get('/v1/models');
    expect(models.text).not.toMatch(/\n {2}"/);
  });

  test("headers the host set before the router: its X-Request-Id is the request's id, its session cookie and helmet's headers stay, streams keep no-transform", async () => {
    const ends: RequestEndEvent[] = [];
    const host = await hostWith(version, {
      before: (app) =>
        app.use((req: Request, res: Response, next: NextFunction) => {
          // pino-http's documented genReqId, and express-session's cookie set when the headers go.
          const id = (req.headers['x-request-id'] as string | undefined) ?? 'host-req-42';
          res.setHeader('X-Request-Id', id);
          res.setHeader('Cache-Control', 'private, no-store');
          onHeaders(res, () => res.setHeader('Set-Cookie', 'sid=host-session; Path=/; HttpOnly'));
          next();
        }),
    });
    host.router.telemetry.on('request.end', (event) => void ends.push(event));
    const json = await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', messages: HI });
    const stream = await request(host.url).post('/v1/messages').send({ model: 'openai/gpt-4o', stream: true, max_tokens: 9, messages: HI });
    const refused = await request(host.url).post('/v1/chat/completions').send({ messages: HI });
    const models = await request(host.url).get('/v1/models');
    for (const answer of [json, stream, refused, models]) {
      expect(answer.headers['x-request-id']).toBe('host-req-42');
      expect(answer.headers['set-cookie']).toEqual(['sid=host-session; Path=/; HttpOnly']);
    }
    expect(stream.headers['request-id']).toBe('host-req-42');
    expect(json.headers['cache-control']).toBe('private, no-store');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(ends.map((event) => event.requestId)).toEqual(['host-req-42', 'host-req-42']);
  });
});

describe.each(VERSIONS)("a host's logger reading the answer's headers when it ends, on Express %i", (version) => {
  test("pino-http's way (res.getHeaders() on 'finish') sees the router's headers, with x-powered-by disabled too", async () => {
    const logged: Array<Record<string, unknown>> = [];
    const host = await hostWith(version, {
      before: (app) => {
        app.disable('x-powered-by');
        app.use((_req: Request, res: Response, next: NextFunction) => {
          res.on('finish', () => logged.push({ ...res.getHeaders() }));
          next();
        });
      },
    });
    await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', messages: HI });
    await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', stream: true, messages: HI });
    await request(host.url).post('/v1/messages').send({ model: 'openai/gpt-4o', max_tokens: 9, messages: HI });
    await request(host.url).post('/v1/chat/completions').send({ messages: HI });
    await request(host.url).get('/v1/models');
    fakes.openai.handler = (_r, res) => sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '3' });
    await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', messages: HI });
    await waitUntil(() => logged.length === 6, 1000, 'six answers logged');
    for (const headers of logged)
      expect(headers).toEqual(expect.objectContaining({ 'content-type': expect.any(String), 'x-request-id': expect.any(String) }));
    expect(logged.map((headers) => headers['x-provider'])).toEqual(['openai', 'openai', 'openai', undefined, undefined, 'openai']);
    expect(logged[1]!['cache-control']).toBe('no-cache, no-transform');
    expect(logged[5]!['retry-after']).toBe('3');
  });
});

describe.each(VERSIONS)('a host that answers before the router does (a request timeout), on Express %i', (version) => {
  /** connect-timeout's way: after `ms` the host answers itself (through its error handler), while the router still waits. */
  const timeoutAfter =
    (ms: number) =>
    (_req: Request, res: Response, next: NextFunction): void => {
      const timer = setTimeout(() => res.status(503).json({ host: 'timed out' }), ms);
      res.on('close', () => clearTimeout(timer));
      next();
    };

  /** POSTs `body`'s first 5 bytes, the rest `delayMs` later; resolves with what arrived, or how the connection failed. */
  function postInTwoParts(url: string, body: string, delayMs: number): Promise<{ status?: number; text: string; error?: string }> {
    return new Promise((resolve) => {
      const req = http.request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode, text }));
          res.on('error', (error) => resolve({ status: res.statusCode, text, error: error.message }));
        },
      );
      req.on('error', (error) => resolve({ text: '', error: error.message }));
      req.write(body.slice(0, 5));
      setTimeout(() => req.end(body.slice(5)), delayMs);
    });
  }

  async function hostTimingOut(before: (app: Express) => void): Promise<{ host: Host; ends: RequestEndEvent[]; handled: unknown[] }> {
    const ends: RequestEndEvent[] = [];
    const handled: unknown[] = [];
    const host = await hostWith(version, {
      before,
      after: (app) =>
        app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
          handled.push(error);
          next(error);
        }),
    });
    host.router.telemetry.on('request.end', (event) => void ends.push(event));
    return { host, ends, handled };
  }

  test('the client keeps the host answer, the waiting upstream request is aborted at once, and request.end says so', async () => {
    const { host, ends, handled } = await hostTimingOut((app) => app.use(timeoutAfter(150)));
    const bodies = [
      ['/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: HI }],
      ['/chat/completions', { model: 'openai/gpt-4o', messages: HI }],
      ['/messages', { model: 'openai/gpt-4o', max_tokens: 9, stream: true, messages: HI }],
      ['/responses', { model: 'openai/gpt-5.5', input: 'Hi' }],
    ] as const;
    for (const [path, body] of bodies) {
      // The upstream never answers: only the router can end its request.
      fakes.openai.handler = () => undefined;
      const upstreamClosed = fakes.openai.waitForClientClose();
      const answer = await request(host.url).post(`/v1${path}`).send(body);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ host: 'timed out' });
      await within(upstreamClosed, 1000, `the upstream request of ${path} closed once the host answered`);
    }
    await waitUntil(() => ends.length === bodies.length, 1000, 'request.end for each');
    expect(ends.map((event) => [event.outcome, event.status])).toEqual(bodies.map(() => ['aborted', 503]));
    expect(handled).toEqual([]);
    // The router still serves.
    fakes.openai.handler = undefined;
    expect((await request(host.url).post('/v1/chat/completions').send({ model: 'openai/gpt-4o', messages: HI })).status).toBe(200);
  });

  test("an upstream answer that arrives while the host's own answer is still being written is dropped, not written into it", async () => {
    let hostAnswer: Response | undefined;
    const { host, ends, handled } = await hostTimingOut((app) =>
      app.use((_req: Request, res: Response, next: NextFunction) => {
        hostAnswer = res;
        next();
      }),
    );
    // The host ends its answer once the router has given up the exchange, which it does when the
    // upstream answer reaches it.
    host.router.telemetry.on('request.end', () => void hostAnswer?.end('out'));
    const cases = [
      ['/chat/completions', { model: 'openai/gpt-4o', stream: true, messages: HI }, 'openai'],
      ['/chat/completions', { model: 'openai/gpt-4o', stream: false, messages: HI }, 'openai'],
      ['/chat/completions', { model: 'anthropic/claude-sonnet-5-5', stream: false, messages: HI }, 'anthropic'],
      ['/messages', { model: 'anthropic/claude-sonnet-5-5', stream: false, max_tokens: 9, messages: HI }, 'anthropic'],
    ] as const;
    for (const [path, body, fake] of cases) {
      // The host begins its answer in two writes (its request timeout) once the request is
      // upstream; the upstream answers while the host's answer is still open.
      fakes[fake].handler = (_r, res) => {
        hostAnswer!.writeHead(503, { 'content-type': 'text/plain' });
        hostAnswer!.write('timed ');
        if (body.stream === true) sendFrames(res, sseFrames('openai-chat-stream-usage.sse'));
        else sendJson(res, 200, fixtureJson(fake === 'openai' ? 'openai-chat.json' : 'anthropic-message.json'));
      };
      const answer = await rawRequest({ url: `${host.url}/v1${path}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect([answer.status, answer.text]).toEqual([503, 'timed out']);
      fakes[fake].handler = undefined;
    }
    await waitUntil(() => ends.length === cases.length, 1000, 'request.end for each');
    expect(ends.map((event) => [event.outcome, event.status])).toEqual(cases.map(() => ['aborted', 503]));
    expect(handled).toEqual([]);
  });

  test('a model list still being fetched when the host answered: nothing is written after it, and no error reaches the host', async () => {
    const { host, handled } = await hostTimingOut((app) => app.use(timeoutAfter(100)));
    const listSent = deferred();
    fakes.openrouter.handler = (r, res) => {
      if (r.method !== 'GET') return false;
      setTimeout(() => {
        sendJson(res, 200, { data: [{ id: 'meta/llama' }] });
        setImmediate(listSent.resolve);
      }, 300);
      return true;
    };
    const answer = await request(host.url).get('/v1/models');
    expect([answer.status, answer.body]).toEqual([503, { host: 'timed out' }]);
    await listSent.promise;
    // The list is kept: the next request is answered from it, after the first one's router has
    // had the list.
    const next = await request(host.url).get('/v1/models');
    expect(next.status).toBe(200);
    expect(next.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'openrouter/meta/llama' })]));
    expect(handled).toEqual([]);
  });

  test('a body still arriving when the host answered is not sent upstream', async () => {
    const { host, ends } = await hostTimingOut((app) => app.use(timeoutAfter(100)));
    const body = JSON.stringify({ model: 'openai/gpt-4o', messages: HI });
    const req = http.request(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    const head = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
    req.write(body.slice(0, 10));
    const response = await head;
    expect(response.statusCode).toBe(503);
    req.end(body.slice(10));
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));
    await waitUntil(() => ends.length === 1, 1000, 'request.end');
    expect(fakes.received()).toEqual([]);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'aborted', status: 503 })]);
  });

  test("a body the router refuses after the host began its answer: the host's answer arrives whole, and request.end says aborted with its status", async () => {
    const { host, ends, handled } = await hostTimingOut((app) =>
      app.use((_req: Request, res: Response, next: NextFunction) => {
        // A host answer in two writes, ended once the router has refused the body.
        setTimeout(() => {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.write('timed ');
          setTimeout(() => res.end('out'), 300);
        }, 50);
        next();
      }),
    );
    const cases = [
      ['invalid JSON', '{"model": nope'],
      ['no model', JSON.stringify({ messages: HI })],
      ['a body the plan refuses', JSON.stringify({ model: 'openai/gpt-4o', messages: HI, n: 'many' })],
    ] as const;
    for (const [name, body] of cases) {
      // The body's end arrives after the host wrote its head.
      const answer = await postInTwoParts(`${host.url}/v1/chat/completions`, body, 150);
      expect([name, answer.status, answer.text]).toEqual([name, 503, 'timed out']);
    }
    await waitUntil(() => ends.length === 1, 1000, 'request.end for the routed one');
    expect(ends.map((event) => [event.outcome, event.status])).toEqual([['aborted', 503]]);
    expect(handled).toEqual([]);
    expect(fakes.received()).toEqual([]);
  });
});

describe.each(VERSIONS)('mounting on Express %i', (version) => {
  const express = EXPRESS[version];

  test('inside an express.Router({ mergeParams: true }) under a path parameter, both SDKs are served and the host reads its param', async () => {
    const seen: string[] = [];
    const app = express();
    const router = createProviderRouter({ env: envFor(fakes), logger: silentLogger });
    const tenant = express.Router({ mergeParams: true });
    tenant.use((req: Request<{ tenant: string }>, _res, next) => {
      seen.push(req.params.tenant);
      next();
    });
    tenant.use('/v1', router);
    app.use('/tenants/:tenant', tenant);
    const host = await listen(app, router);
    await useEveryClient(`${host.url}/tenants/acme/v1`);
    expect(new Set(seen)).toEqual(new Set(['acme']));
    const ids: string[] = [];
    for await (const model of openai(`${host.url}/tenants/acme/v1`).models.list()) ids.push(model.id);
    expect(ids).toContain('anthropic/claude-sonnet-5-5');
  });

  test('a host route for /v1/models before the router answers it; one after it never sees it', async () => {
    const before = await hostWith(version, {
      before: (app) => app.get('/v1/models', (_req, res) => void res.json({ object: 'list', data: [{ id: 'host-only' }] })),
    });
    expect((await request(before.url).get('/v1/models')).body).toEqual({ object: 'list', data: [{ id: 'host-only' }] });
    let afterCalls = 0;
    const after = await hostWith(version, { after: (app) => app.get('/v1/models', (_req, res) => void (afterCalls++, res.json({}))) });
    const listed = await request(after.url).get('/v1/models');
    expect(listed.body.object).toBe('list');
    expect(listed.body.data.length).toBeGreaterThan(1);
    expect(afterCalls).toBe(0);
  });

  test("fallback 'next': the host's handler reads the body the router read, a gzip one too, and express.json() or express.text() after the router does not wait for it", async () => {
    const host = await hostWith(
      version,
      {
        after: (app) => {
          app.use(express.json());
          app.use(express.text({ type: '*/*' }));
          app.post('/v1/chat/completions', (req, res) => void res.json({ servedBy: 'host', body: req.body as unknown }));
        },
      },
      'next',
    );
    const body = { model: 'my-own.gguf', messages: HI };
    for (const encoded of [Buffer.from(JSON.stringify(body)), gzipSync(JSON.stringify(body))]) {
      const gzip = encoded[0] === 0x1f;
      const res = await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        body: encoded,
      });
      expect([res.status, JSON.parse(res.text)]).toEqual([200, { servedBy: 'host', body }]);
    }
    const viaSdk = await openai(`${host.url}/v1`).chat.completions.create({ model: 'my-own.gguf', messages: HI });
    expect(viaSdk).toEqual({ servedBy: 'host', body: { model: 'my-own.gguf', messages: HI } });
    expect(fakes.received()).toEqual([]);
  });

  test("fallback 'next' to a host handler that proxies to its own llama-server: http-proxy-middleware with fixRequestBody sends the body the router read", async () => {
    const host = await hostWith(
      version,
      {
        after: (app) =>
          app.use(
            '/v1',
            createProxyMiddleware({
              target: fakes.local.baseUrl,
              on: { proxyReq: fixRequestBody },
              proxyTimeout: 2000,
            }),
          ),
      },
      'next',
    );
    const answer = await within(openai(`${host.url}/v1`).chat.completions.create({ model: 'my-own.gguf', messages: HI }), 3000, 'the proxied answer');
    expect(answer.choices[0]!.message.content).toEqual(expect.any(String));
    let streamed = '';
    for await (const chunk of await openai(`${host.url}/v1`).chat.completions.create({ model: 'my-own.gguf', stream: true, messages: HI }))
      streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed.length).toBeGreaterThan(0);
    expect(fakes.local.requests.map((r) => [r.url, r.body?.model])).toEqual([
      ['/v1/chat/completions', 'my-own.gguf'],
      ['/v1/chat/completions', 'my-own.gguf'],
    ]);
  });

  test('a trailing slash and a query string on routed paths: served, and the query stays with the host', async () => {
    const host = await hostWith(version);
    const viaQuery = new OpenAI({
      apiKey: 'k',
      baseURL: `${host.url}/v1`,
      maxRetries: 0,
      defaultQuery: { 'api-version': '2024-10-21', token: 'host-secret' },
    });
    expect((await viaQuery.chat.completions.create({ model: 'openai/gpt-4o', messages: HI })).choices).toHaveLength(1);
    const slash = await request(host.url).post('/v1/chat/completions/?x=1').send({ model: 'openai/gpt-4o', messages: HI });
    expect(slash.status).toBe(200);
    const messages = await request(host.url)
      .post('/v1/messages/?beta=true&token=host-secret')
      .send({ model: 'anthropic/claude-sonnet-5-5', max_tokens: 9, messages: HI });
    expect(messages.status).toBe(200);
    expect(fakes.openai.requests.map((r) => r.url)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    expect(fakes.anthropic.requests.map((r) => r.url)).toEqual(['/v1/messages?beta=true']);
    expect((await request(host.url).get('/v1/models/?limit=2')).body.object).toBe('list');
  });

  test('HEAD and OPTIONS on routed paths: HEAD /models has the GET headers and no body, a CORS preflight is answered by cors(), other methods go to the host', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cors = require('cors') as () => (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
    const host = await hostWith(version, {
      before: (app) => app.use(cors()),
      after: (app) => app.use((req, res) => void res.status(404).json({ host: 'not found', method: req.method })),
    });
    const get = await request(host.url).get('/v1/models');
    const head = await request(host.url).head('/v1/models');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.text ?? '').toBe('');
    const anthropicHead = await request(host.url).head('/v1/models').set('anthropic-version', '2023-06-01');
    expect([anthropicHead.status, anthropicHead.headers['request-id']]).toEqual([200, expect.any(String)]);
    for (const path of ['/chat/completions', '/messages', '/responses', '/models', '/messages/count_tokens']) {
      const preflight = await request(host.url).options(`/v1${path}`).set({
        Origin: 'http://ui.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-api-key,anthropic-version',
      });
      expect([path, preflight.status, preflight.headers['access-control-allow-origin']]).toEqual([path, 204, '*']);
    }
    for (const method of ['head', 'get', 'put', 'delete'] as const) {
      const answer = await request(host.url)[method]('/v1/chat/completions');
      expect([method, answer.status]).toEqual([method, 404]);
    }
    expect(fakes.received().filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
