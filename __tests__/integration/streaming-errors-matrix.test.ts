/**
 * DESIGN sections 2 (streaming) and 3 (errors), sentence by sentence, over every route kind: chat
 * completions passed through (openai, openrouter, local, a provider declared in env) and
 * translated to Anthropic, Messages passed through (anthropic, local) and translated to an
 * OpenAI-compatible provider, Responses native (openai, openrouter), bridged (local) and
 * translated (anthropic), `/completions` and `/embeddings`. Each row is checked in its route's
 * dialect, with raw HTTP where bytes matter and with that dialect's official SDK for what a client
 * surfaces.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { beforeRouter } from '../support/first-host/first-host.cjs';
import { startFakeUpstream, startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { openStream, postJson, sendRequest } from '../support/http-client';
import { asJson, type Json } from '../support/json-shape';
import { KEYS, keyPiecesIn } from '../support/keys';
import { observe } from '../support/observe';
import { unusedPort } from '../support/ports';
import { rejectionOf } from '../support/rejection';
import { responsesFrames } from '../support/responses-wire';
import { dataPayloads, parseSse } from '../support/sse';
import { destroyHeldResponses, sendJson } from '../support/upstream-answers';
import { sleep, waitUntil, within } from '../support/wait';
import { anthropicEvent, chatChunkFrame, dataFrame, DONE_FRAME, messageStartFrame } from '../support/wire-frames';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof import('express');

/** The dialect a client speaks on a route, and the one its upstream answers in. */
type ClientDialect = 'chat' | 'messages' | 'responses';
type UpstreamDialect = 'chat' | 'completions' | 'messages' | 'responses';
type FakeName = 'openai' | 'openrouter' | 'local' | 'anthropic' | 'groq';

interface RouteCase {
  name: string;
  path: '/chat/completions' | '/messages' | '/responses' | '/completions' | '/embeddings';
  model: string;
  fake: FakeName;
  provider: string;
  client: ClientDialect;
  upstream: UpstreamDialect;
  streams: boolean;
}

const ROUTES: RouteCase[] = [
  {
    name: 'chat → openai',
    path: '/chat/completions',
    model: 'openai/gpt-4o',
    fake: 'openai',
    provider: 'openai',
    client: 'chat',
    upstream: 'chat',
    streams: true,
  },
  {
    name: 'chat → openrouter',
    path: '/chat/completions',
    model: 'openrouter/meta/llama',
    fake: 'openrouter',
    provider: 'openrouter',
    client: 'chat',
    upstream: 'chat',
    streams: true,
  },
  {
    name: 'chat → local',
    path: '/chat/completions',
    model: 'qwen3-8b',
    fake: 'local',
    provider: 'local',
    client: 'chat',
    upstream: 'chat',
    streams: true,
  },
  {
    name: 'chat → env provider',
    path: '/chat/completions',
    model: 'groq/llama-4',
    fake: 'groq',
    provider: 'groq',
    client: 'chat',
    upstream: 'chat',
    streams: true,
  },
  {
    name: 'chat → anthropic',
    path: '/chat/completions',
    model: 'anthropic/claude-sonnet-5-5',
    fake: 'anthropic',
    provider: 'anthropic',
    client: 'chat',
    upstream: 'messages',
    streams: true,
  },
  {
    name: 'messages → anthropic',
    path: '/messages',
    model: 'anthropic/claude-sonnet-5-5',
    fake: 'anthropic',
    provider: 'anthropic',
    client: 'messages',
    upstream: 'messages',
    streams: true,
  },
  {
    name: 'messages → local',
    path: '/messages',
    model: 'qwen3-8b',
    fake: 'local',
    provider: 'local',
    client: 'messages',
    upstream: 'messages',
    streams: true,
  },
  {
    name: 'messages → openai',
    path: '/messages',
    model: 'openai/gpt-4o',
    fake: 'openai',
    provider: 'openai',
    client: 'messages',
    upstream: 'chat',
    streams: true,
  },
  {
    name: 'responses → openai (native)',
    path: '/responses',
    model: 'openai/gpt-5.5',
    fake: 'openai',
    provider: 'openai',
    client: 'responses',
    upstream: 'responses',
    streams: true,
  },
  {
    name: 'responses → openrouter (native)',
    path: '/responses',
    model: 'openrouter/openai/gpt-5.5',
    fake: 'openrouter',
    provider: 'openrouter',
    client: 'responses',
    upstream: 'responses',
    streams: true,
  },
  {
    name: 'responses → local (bridged)',
    path: '/responses',
    model: 'qwen3-8b',
    fake: 'local',
    provider: 'local',
    client: 'responses',
    upstream: 'chat',
    streams: true,
  },
  {
    name: 'responses → anthropic',
    path: '/responses',
    model: 'anthropic/claude-sonnet-5-5',
    fake: 'anthropic',
    provider: 'anthropic',
    client: 'responses',
    upstream: 'messages',
    streams: true,
  },
  {
    name: 'completions → local',
    path: '/completions',
    model: 'qwen3-8b',
    fake: 'local',
    provider: 'local',
    client: 'chat',
    upstream: 'completions',
    streams: true,
  },
  {
    name: 'embeddings → openai',
    path: '/embeddings',
    model: 'openai/text-embedding-3-small',
    fake: 'openai',
    provider: 'openai',
    client: 'chat',
    upstream: 'chat',
    streams: false,
  },
];
const STREAMING = ROUTES.filter((route) => route.streams);
const rows = (routes: RouteCase[]): Array<[string, RouteCase]> => routes.map((route) => [route.name, route]);

const GROQ_KEY = 'gsk-test-0123456789abcdefghij';
/** The provider declared in env, `groq`, pointed at its own fake once the fakes are up. */
const DECLARED: Record<string, string> = { OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_API_KEY: GROQ_KEY };
const TEXT = 'Hello';
/**
 * How soon the upstream must see a client's hang-up (section 2: "at once"): well before the idle
 * timeout (TIMEOUT_MS after the upstream's headers) would have closed it, with room for a loaded machine.
 */
const CLOSE_WITHIN_MS = 250;
const TIMEOUT_MS = 400;

let fakes: Record<FakeName, FakeUpstream>;
let host: Host;
let deadHost: Host;
const seen = observe();

beforeAll(async () => {
  const [openai, openrouter, local, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic');
  const groq = await startFakeUpstream('openai');
  fakes = { openai, openrouter, local, anthropic, groq };
  DECLARED.GROQ_BASE_URL = groq.baseUrl;
  host = await startHost({
    env: {
      ...envFor({ openai, openrouter, local, anthropic }),
      ...DECLARED,
      PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
      PROVIDER_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
      PROVIDER_MAX_BODY_BYTES: String(16 * 1024),
    },
  });
  seen.listen(host.router);
  const nowhere = `http://127.0.0.1:${await unusedPort()}`;
  deadHost = await startHost({
    env: {
      OPENAI_API_KEY: KEYS.openai,
      OPENROUTER_API_KEY: KEYS.openrouter,
      ANTHROPIC_API_KEY: KEYS.anthropic,
      ...DECLARED,
      OPENAI_BASE_URL: `${nowhere}/v1`,
      OPENROUTER_BASE_URL: `${nowhere}/api/v1`,
      ANTHROPIC_BASE_URL: nowhere,
      LOCAL_BASE_URL: `${nowhere}/v1`,
      GROQ_BASE_URL: `${nowhere}/v1`,
    },
  });
  seen.listen(deadHost.router);
});

beforeEach(() => seen.clear());
afterEach(() => {
  destroyHeldResponses();
  for (const fake of Object.values(fakes)) fake.reset();
});
afterAll(async () => {
  await host?.close();
  await deadHost?.close();
  await Promise.all(Object.values(fakes ?? {}).map((fake) => fake.close()));
});

/** A minimal valid request body of the route's dialect. */
function bodyOf(route: RouteCase, stream: boolean, extra: Json = {}): Json {
  const base: Json = { model: route.model, ...extra };
  switch (route.path) {
    case '/chat/completions':
      return { messages: [{ role: 'user', content: 'hi' }], stream, ...base };
    case '/messages':
      return { max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream, ...base };
    case '/responses':
      return { input: 'hi', stream, ...base };
    case '/completions':
      return { prompt: 'hi', stream, ...base };
    case '/embeddings':
      return { input: 'hi', ...base };
  }
}

const urlOf = (route: RouteCase, base = host.url): string => `${base}/v1${route.path}`;

/** The upstream frames of a stream in `dialect`: those up to and including the first text, and the rest. */
function upstreamFrames(dialect: UpstreamDialect): { head: string[]; tail: string[] } {
  const identity = { id: 'chatcmpl-1', created: 1, model: 'm' };
  switch (dialect) {
    case 'chat':
      return {
        head: [chatChunkFrame(identity, { role: 'assistant', content: '' }), chatChunkFrame(identity, { content: TEXT })],
        tail: [chatChunkFrame(identity, {}, 'stop'), DONE_FRAME],
      };
    case 'completions': {
      const frame = (text: string, finish: string | null): string =>
        dataFrame({
          id: 'cmpl-1',
          object: 'text_completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, text, finish_reason: finish, logprobs: null }],
        });
      return { head: [frame(TEXT, null)], tail: [frame('', 'stop'), DONE_FRAME] };
    }
    case 'messages':
      return {
        head: [
          messageStartFrame(),
          anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: TEXT } }),
        ],
        tail: [
          anthropicEvent('content_block_stop', { index: 0 }),
          anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } }),
          anthropicEvent('message_stop'),
        ],
      };
    case 'responses': {
      const frames = responsesFrames({ type: 'text' });
      const first = frames.findIndex((frame) => frame.includes('response.output_text.delta'));
      return { head: frames.slice(0, first + 1), tail: frames.slice(first + 1) };
    }
  }
}

/** An error body in the upstream's own shape. */
function upstreamErrorBody(dialect: UpstreamDialect, status: number, message: string): Json {
  if (dialect === 'messages') return { type: 'error', error: { type: MESSAGES_TYPE_BY_STATUS[status] ?? 'api_error', message } };
  return { error: { message, type: status === 429 ? 'rate_limit_error' : 'server_error', code: null } };
}

/** Checks `text` is the route's error body for `status`, carrying `message`; returns the error object. */
function expectRouteError(route: RouteCase, status: number, text: string, message?: string | RegExp): Json {
  const body = asJson(JSON.parse(text));
  const error = asJson(body.error);
  if (route.client === 'messages') {
    expect(body.type).toBe('error');
    expect(error.type).toBe(MESSAGES_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'));
  } else {
    expect(Object.keys(error)).toEqual(expect.arrayContaining(['message', 'type', 'code']));
    expect(typeof error.type).toBe('string');
  }
  expect(typeof error.message).toBe('string');
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

const MESSAGES_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
  504: 'timeout_error',
};

/** The error frame a stream of the route's dialect ends with, and that nothing follows. */
function expectErrorEnding(route: RouteCase, text: string, message?: RegExp): void {
  const frames = parseSse(text);
  expect(frames.length).toBeGreaterThan(0);
  switch (route.client) {
    case 'chat': {
      const payloads = dataPayloads(text);
      const errorAt = payloads.findIndex((payload) => {
        const p = asJson(payload);
        return typeof p.error === 'object' && p.choices === undefined;
      });
      expect(errorAt).toBeGreaterThanOrEqual(0);
      // Only the terminator, if anything, after it.
      expect(payloads.slice(errorAt + 1).filter((payload) => payload !== '[DONE]')).toEqual([]);
      const error = asJson(asJson(payloads[errorAt]).error);
      expect(typeof error.type).toBe('string');
      if (message) expect(error.message).toMatch(message);
      return;
    }
    case 'messages': {
      const last = frames[frames.length - 1]!;
      expect(last.event).toBe('error');
      const payload = asJson(JSON.parse(last.data));
      expect(payload.type).toBe('error');
      if (message) expect(asJson(payload.error).message).toMatch(message);
      return;
    }
    case 'responses': {
      const last = frames[frames.length - 1]!;
      expect(last.event).toBe('response.failed');
      const payload = asJson(JSON.parse(last.data));
      const error = asJson(asJson(payload.response).error);
      expect(typeof error.code).toBe('string');
      if (message) expect(error.message).toMatch(message);
      const numbers = frames.map((frame) => asJson(JSON.parse(frame.data)).sequence_number).filter((n) => typeof n === 'number') as number[];
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(numbers.length);
      return;
    }
  }
}

/** What the route's official SDK surfaces for a streamed call: the text it got, and the error's message. */
async function sdkStream(route: RouteCase, signal?: AbortSignal): Promise<{ text: string; error: string | undefined }> {
  let text = '';
  try {
    if (route.client === 'messages') {
      const client = new Anthropic({ baseURL: host.url, apiKey: 'host-token', maxRetries: 0 });
      const stream = await client.messages.create(bodyOf(route, true) as unknown as Anthropic.MessageCreateParamsStreaming, { signal });
      for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      return { text, error: undefined };
    }
    const client = new OpenAI({ baseURL: `${host.url}/v1`, apiKey: 'host-token', maxRetries: 0 });
    if (route.path === '/responses') {
      const stream = await client.responses.create(bodyOf(route, true) as unknown as OpenAI.Responses.ResponseCreateParamsStreaming, { signal });
      for await (const event of stream) {
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.failed') return { text, error: event.response.error?.message ?? 'response.failed without a message' };
      }
      return { text, error: undefined };
    }
    if (route.path === '/completions') {
      const stream = await client.completions.create(bodyOf(route, true) as unknown as OpenAI.CompletionCreateParamsStreaming, { signal });
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
      return { text, error: undefined };
    }
    const stream = await client.chat.completions.create(bodyOf(route, true) as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal });
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    return { text, error: undefined };
  } catch (error) {
    return { text, error: (error as Error).message };
  }
}

/** Writes the upstream's head frames as separate writes, then does `then` to the response. */
function afterHead(route: RouteCase, then: (res: ServerResponse) => void): void {
  fakes[route.fake].handler = (_request, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const frame of upstreamFrames(route.upstream).head) res.write(frame);
    setTimeout(() => then(res), 20);
  };
}

describe('section 3: errors the router answers itself, in the route’s shape, with no request events', () => {
  const MALFORMED: Array<[string, (route: RouteCase) => string, number]> = [
    ['malformed JSON', () => '{"model": "x", ', 400],
    ['no model', (route) => JSON.stringify({ ...bodyOf(route, false), model: undefined }), 400],
    ['a numeric model', (route) => JSON.stringify({ ...bodyOf(route, false), model: 42 }), 400],
    ['an empty model', (route) => JSON.stringify({ ...bodyOf(route, false), model: '' }), 400],
    ['a body over PROVIDER_MAX_BODY_BYTES', (route) => JSON.stringify(bodyOf(route, false, { pad: 'a'.repeat(20 * 1024) })), 413],
  ];
  const cases = ROUTES.flatMap((route) => MALFORMED.map(([what, body, status]) => [route.name, what, route, body, status] as const));

  test.each(cases)('%s: %s', async (_name, _what, route, body, status) => {
    const response = await postJson(urlOf(route), body(route));
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expectRouteError(route, status, response.text);
    await sleep(20);
    expect(seen.events.filter((event) => event.type.startsWith('request.'))).toEqual([]);
    expect(Object.values(fakes).flatMap((fake) => fake.requests)).toEqual([]);
  });
});

describe('section 3: upstream failures before an answer', () => {
  test.each(rows(ROUTES))('%s: an unreachable upstream is a 502, streamed or not; request.end says error', async (_name, route) => {
    for (const stream of route.streams ? [false, true] : [false]) {
      seen.clear();
      const response = await postJson(urlOf(route, deadHost.url), bodyOf(route, stream));
      expect(response.status).toBe(502);
      expectRouteError(route, 502, response.text);
      const [end] = await seen.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ provider: route.provider, status: 502, outcome: 'error' }));
    }
  });

  test.each(rows(ROUTES))('%s: no response headers within PROVIDER_TIMEOUT_MS is a 504; the upstream request is abandoned', async (_name, route) => {
    const fake = fakes[route.fake];
    fake.handler = () => true; // never answers
    const response = await postJson(urlOf(route), bodyOf(route, route.streams));
    expect(response.status).toBe(504);
    expectRouteError(route, 504, response.text);
    await waitUntil(() => fake.closedRequests === 1, 1000, 'the upstream request closed');
    const [end] = await seen.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ status: 504, outcome: 'error' }));
  });

  const statuses = ROUTES.flatMap((route) =>
    [429, 503, 529].flatMap((status) => (route.streams ? [false, true] : [false]).map((stream) => [route.name, status, stream, route] as const)),
  );
  test.each(statuses)(
    '%s: an upstream %i keeps its status and message in the route’s shape (stream: %s), not a stream',
    async (_name, status, stream, route) => {
      const message = `upstream says no (${status})`;
      fakes[route.fake].handler = (_request, res) => sendJson(res, status, upstreamErrorBody(route.upstream, status, message));
      const response = await postJson(urlOf(route), bodyOf(route, stream));
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectRouteError(route, status, response.text, message);
      const [end] = await seen.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ status, outcome: 'error', stream }));
    },
  );

  test.each(rows(ROUTES))('%s: an upstream 401 echoing the key: the key reaches neither the client nor telemetry', async (_name, route) => {
    const key = route.fake === 'groq' ? GROQ_KEY : route.fake === 'local' ? undefined : KEYS[route.fake];
    fakes[route.fake].handler = (_request, res) =>
      sendJson(res, 401, upstreamErrorBody(route.upstream, 401, `Incorrect API key provided: ${key ?? 'none'}`));
    const response = await postJson(urlOf(route), bodyOf(route, false));
    expect(response.status).toBe(401);
    expectRouteError(route, 401, response.text, /Incorrect API key/);
    await seen.waitForEnds(1);
    for (const secret of [KEYS.openai, KEYS.openrouter, KEYS.anthropic, GROQ_KEY]) {
      expect(keyPiecesIn(response.text + JSON.stringify(response.headers), secret)).toEqual([]);
      expect(keyPiecesIn(JSON.stringify(seen.events), secret)).toEqual([]);
    }
  });

  test.each(rows(STREAMING))('%s: the SDK gets an upstream 429 to a streamed call as an error with its status and message', async (_name, route) => {
    fakes[route.fake].handler = (_request, res) => sendJson(res, 429, upstreamErrorBody(route.upstream, 429, 'slow down please'));
    const { error } = await sdkStream(route);
    expect(error).toMatch(/429/);
    expect(error).toMatch(/slow down please/);
  });
});

describe('section 2: stream response headers', () => {
  let firstHost: Host;
  beforeAll(async () => {
    // The first host DESIGN plans for: express.json(), cors(), compression() and loggers wrapping
    // res.write / res.end before the router, on Express 4.
    firstHost = await startHost(
      { env: { ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter, local: fakes.local, anthropic: fakes.anthropic }), ...DECLARED } },
      { expressVersion: 4, before: (app) => beforeRouter(app, express4) },
    );
  });
  afterAll(() => firstHost?.close());

  const cases = STREAMING.flatMap((route) => (['a bare host', 'the first host'] as const).map((which) => [route.name, which, route] as const));
  test.each(cases)('%s, on %s: the headers are flushed once the upstream answered 200, before its first frame', async (_name, which, route) => {
    const fake = fakes[route.fake];
    let upstreamRes: ServerResponse | undefined;
    fake.handler = (_request, res) => {
      upstreamRes = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
    };
    const base = which === 'a bare host' ? host.url : firstHost.url;
    const call = sendRequest({
      url: urlOf(route, base),
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify(bodyOf(route, true)),
    });
    const head = await within(call.head, TIMEOUT_MS / 2, 'the stream headers before any upstream frame');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(head.headers['cache-control']).toBe('no-cache, no-transform');
    expect(head.headers['x-accel-buffering']).toBe('no');
    expect(head.headers['content-encoding']).toBeUndefined();
    const { head: frames, tail } = upstreamFrames(route.upstream);
    for (const frame of [...frames, ...tail]) upstreamRes!.write(frame);
    upstreamRes!.end();
    const response = await call.response;
    expect(response.text).toContain(TEXT);
  });
});

describe('section 2: failures after the first byte end with the dialect’s error frame; request.end says error', () => {
  const FAILURES: Array<[string, (res: ServerResponse) => void, RegExp | undefined]> = [
    ['the upstream connection drops', (res) => res.destroy(), undefined],
    ['PROVIDER_IDLE_TIMEOUT_MS of silence', () => undefined, undefined],
    ['the upstream stream ends before its terminator', (res) => res.end(), undefined],
  ];
  const cases = STREAMING.flatMap((route) => FAILURES.map(([what, then, message]) => [route.name, what, route, then, message] as const));

  test.each(cases)('%s: %s (raw bytes)', async (_name, _what, route, then, message) => {
    afterHead(route, then);
    const stream = await openStream(urlOf(route), bodyOf(route, true));
    expect(stream.status).toBe(200);
    const text = await within(stream.ended, TIMEOUT_MS * 4, 'the stream ending');
    expect(text).toContain(TEXT);
    expectErrorEnding(route, text, message);
    const [end] = await seen.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ status: 200, outcome: 'error', stream: true }));
    await sleep(20);
    expect(seen.ends()).toHaveLength(1);
  });

  test.each(cases)('%s: %s (the SDK surfaces an error, after the text)', async (_name, _what, route, then) => {
    afterHead(route, then);
    const { text, error } = await within(sdkStream(route), TIMEOUT_MS * 4, 'the SDK call settling');
    expect(text.startsWith(TEXT)).toBe(true);
    expect(error).toEqual(expect.any(String));
  });

  const IN_STREAM: RouteCase[] = STREAMING.filter((route) => route.upstream !== 'responses');
  test.each(rows(IN_STREAM))(
    "%s: the provider's own in-stream error ends the stream with the router's error frame carrying its message",
    async (_name, route) => {
      const message = 'Provider returned error: overloaded';
      afterHead(route, (res) => {
        if (route.upstream === 'messages') res.end(anthropicEvent('error', { error: { type: 'overloaded_error', message } }));
        else {
          const identity = { id: 'chatcmpl-1', created: 1, model: 'm' };
          res.end(chatChunkFrame(identity, { content: '' }, 'error', { extra: { error: { code: 502, message } } }));
        }
      });
      const stream = await openStream(urlOf(route), bodyOf(route, true));
      const text = await within(stream.ended, TIMEOUT_MS * 4, 'the stream ending');
      expectErrorEnding(route, text, /^Provider returned error: overloaded$/);
      if (route.client === 'chat' && route.upstream !== 'messages') {
        // Passed through as it is, then the router's own frame.
        const withChoices = dataPayloads(text).filter((payload) => asJson(payload).error !== undefined && asJson(payload).choices !== undefined);
        expect(withChoices).toHaveLength(1);
      }
      const [end] = await seen.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ outcome: 'error' }));
      const sdk = await (async () => {
        seen.clear();
        afterHead(route, (res) => {
          if (route.upstream === 'messages') res.end(anthropicEvent('error', { error: { type: 'overloaded_error', message } }));
          else
            res.end(
              chatChunkFrame({ id: 'chatcmpl-1', created: 1, model: 'm' }, { content: '' }, 'error', { extra: { error: { code: 502, message } } }),
            );
        });
        return within(sdkStream(route), TIMEOUT_MS * 4, 'the SDK call settling');
      })();
      expect(sdk.error).toMatch(/overloaded/);
    },
  );
});

describe('section 2: client hang-up aborts the upstream request at once; request.end once, aborted', () => {
  test.each(rows(STREAMING))('%s: an SDK AbortController mid-stream', async (_name, route) => {
    const fake = fakes[route.fake];
    afterHead(route, () => undefined);
    const controller = new AbortController();
    const settled = sdkStream(route, controller.signal);
    await waitUntil(() => fake.requests.length === 1, 2000, 'the upstream request');
    await sleep(50);
    const closed = fake.waitForClientClose().then(() => performance.now());
    const abortedAt = performance.now();
    controller.abort();
    const closedAt = await within(closed, 2000, 'the upstream seeing its connection close');
    expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
    await settled;
    const [end] = await seen.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ outcome: 'aborted', status: 200 }));
    await sleep(30);
    expect(seen.ends()).toHaveLength(1);
  });

  const RAW: Array<[string, boolean]> = [
    ['mid-stream', true],
    ['before the upstream answered', false],
  ];
  const cases = STREAMING.flatMap((route) => RAW.map(([when, started]) => [route.name, when, route, started] as const));
  test.each(cases)('%s: a raw socket destroyed %s', async (_name, _when, route, started) => {
    const fake = fakes[route.fake];
    if (started) afterHead(route, () => undefined);
    else fake.handler = () => true;
    const call = sendRequest({ url: urlOf(route), headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodyOf(route, true)) });
    await waitUntil(() => fake.requests.length === 1, 2000, 'the upstream request');
    if (started) await call.waitForBody((text) => text.length > 0);
    const closed = fake.waitForClientClose().then(() => performance.now());
    const abortedAt = performance.now();
    call.abort();
    const closedAt = await within(closed, 2000, 'the upstream seeing its connection close');
    expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
    const [end] = await seen.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ outcome: 'aborted', status: started ? 200 : 499 }));
    await sleep(30);
    expect(seen.ends()).toHaveLength(1);
  });
});

describe('section 3 through the SDKs: a non-streamed upstream 503 is an APIError with its status and message', () => {
  test.each(rows(ROUTES))('%s', async (_name, route) => {
    fakes[route.fake].handler = (_request, res) => sendJson(res, 503, upstreamErrorBody(route.upstream, 503, 'down for maintenance'));
    if (route.client === 'messages') {
      const client = new Anthropic({ baseURL: host.url, apiKey: 'host-token', maxRetries: 0 });
      const error = await rejectionOf(
        client.messages.create(bodyOf(route, false) as unknown as Anthropic.MessageCreateParamsNonStreaming),
        Anthropic.APIError,
      );
      expect(error.status).toBe(503);
      expect(error.message).toMatch(/down for maintenance/);
      return;
    }
    const client = new OpenAI({ baseURL: `${host.url}/v1`, apiKey: 'host-token', maxRetries: 0 });
    const body = bodyOf(route, false);
    const call =
      route.path === '/responses'
        ? client.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        : route.path === '/completions'
          ? client.completions.create(body as unknown as OpenAI.CompletionCreateParamsNonStreaming)
          : route.path === '/embeddings'
            ? client.embeddings.create(body as unknown as OpenAI.EmbeddingCreateParams)
            : client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const error = await rejectionOf(call, OpenAI.APIError);
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/down for maintenance/);
  });
});

describe('section 3: upstreams that fail in other ways', () => {
  const streamedOrNot = (routes: RouteCase[]) =>
    routes.flatMap((route) => (route.streams ? [false, true] : [false]).map((stream) => [route.name, stream, route] as const));

  test.each(streamedOrNot(ROUTES))(
    '%s: an upstream that drops the connection without answering is a 502 (stream: %s)',
    async (_name, stream, route) => {
      fakes[route.fake].handler = (_request, res) => {
        res.socket?.destroy();
      };
      const response = await postJson(urlOf(route), bodyOf(route, stream));
      expect(response.status).toBe(502);
      expectRouteError(route, 502, response.text);
      const [end] = await seen.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ status: 502, outcome: 'error' }));
    },
  );

  test.each(streamedOrNot(ROUTES))(
    '%s: a proxy’s HTML 502 page keeps its status, its text as the message (stream: %s)',
    async (_name, stream, route) => {
      fakes[route.fake].handler = (_request, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway from nginx</body></html>');
      };
      const response = await postJson(urlOf(route), bodyOf(route, stream));
      expect(response.status).toBe(502);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectRouteError(route, 502, response.text, /Bad Gateway from nginx/);
    },
  );

  test.each(streamedOrNot(ROUTES))(
    '%s: an error given as a plain string (`{"error": "..."}`, llama-server and Ollama) carries its message (stream: %s)',
    async (_name, stream, route) => {
      fakes[route.fake].handler = (_request, res) => sendJson(res, 404, { error: "model 'qwen3-8b' not found" });
      const response = await postJson(urlOf(route), bodyOf(route, stream));
      expect(response.status).toBe(404);
      expectRouteError(route, 404, response.text, /not found/);
    },
  );

  const TYPED = ROUTES.flatMap((route) => [400, 401, 403, 404, 413, 500].map((status) => [route.name, status, route] as const));
  test.each(TYPED)('%s: an upstream %i keeps its status, typed as section 8 says on Messages', async (_name, status, route) => {
    fakes[route.fake].handler = (_request, res) => sendJson(res, status, upstreamErrorBody(route.upstream, status, `status ${status} here`));
    const response = await postJson(urlOf(route), bodyOf(route, false));
    expect(response.status).toBe(status);
    expectRouteError(route, status, response.text, `status ${status} here`);
  });

  test.each(rows(ROUTES))('%s: a non-streamed answer whose body stalls after its headers is a 504, not a hang', async (_name, route) => {
    fakes[route.fake].handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":');
    };
    const response = await within(postJson(urlOf(route), bodyOf(route, false)), TIMEOUT_MS * 4, 'the answer');
    // README: silence before any of the answer was passed on is the 504 of a timeout.
    expect(response.status).toBe(504);
    expectRouteError(route, 504, response.text, /PROVIDER_IDLE_TIMEOUT_MS|stalled/);
    const [end] = await seen.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ outcome: 'error' }));
  });

  test.each(rows(STREAMING))('%s: a stream that drops after its 200 headers, before any frame, ends with the error frame', async (_name, route) => {
    fakes[route.fake].handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.destroy(), 20);
    };
    const stream = await openStream(urlOf(route), bodyOf(route, true));
    expect(stream.status).toBe(200);
    const text = await within(stream.ended, TIMEOUT_MS * 4, 'the stream ending');
    expectErrorEnding(route, text);
    const [end] = await seen.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ status: 200, outcome: 'error' }));
    const sdk = await (async () => {
      fakes[route.fake].handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.flushHeaders();
        setTimeout(() => res.destroy(), 20);
      };
      return within(sdkStream(route), TIMEOUT_MS * 4, 'the SDK call settling');
    })();
    expect(sdk.error).toEqual(expect.any(String));
  });

  test.each(rows(STREAMING))(
    '%s: an SDK AbortController before the upstream answered closes the upstream request at once; 499',
    async (_name, route) => {
      const fake = fakes[route.fake];
      fake.handler = () => true;
      const controller = new AbortController();
      const settled = sdkStream(route, controller.signal);
      await waitUntil(() => fake.requests.length === 1, 2000, 'the upstream request');
      const closed = fake.waitForClientClose().then(() => performance.now());
      const abortedAt = performance.now();
      controller.abort();
      const closedAt = await within(closed, 2000, 'the upstream seeing its connection close');
      expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
      await settled;
      const [end] = await seen.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ outcome: 'aborted', status: 499 }));
    },
  );
});

describe('decided: PROVIDER_MAX_BODY_BYTES is the limit of what the router reads itself', () => {
  // A host whose `express.json({ limit })` parsed the body first has applied its own limit (the
  // first host's 200 MB, for images); the router does not refuse what the host chose to accept.
  test.each(rows(ROUTES))('%s: a body over it that the host’s express.json() already parsed goes upstream', async (_name, route) => {
    const jsonHost = await startHost(
      {
        env: {
          ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter, local: fakes.local, anthropic: fakes.anthropic }),
          ...DECLARED,
          PROVIDER_MAX_BODY_BYTES: String(16 * 1024),
        },
      },
      { jsonFirst: true, expressVersion: 4 },
    );
    try {
      const longPrompt = JSON.stringify(bodyOf(route, false)).replace('"hi"', JSON.stringify('a'.repeat(20 * 1024)));
      const response = await postJson(urlOf(route, jsonHost.url), longPrompt);
      expect(fakes[route.fake].requests).toHaveLength(1);
      expect(response.status).toBe(200);
    } finally {
      await jsonHost.close();
    }
  });
});

describe('section 2: a client hang-up on a non-streamed request', () => {
  test.each(rows(ROUTES))(
    '%s: after the upstream’s headers, while its body is on the way: upstream closed at once; aborted, 499',
    async (_name, route) => {
      const fake = fakes[route.fake];
      fake.handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"x",');
      };
      const call = sendRequest({ url: urlOf(route), headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodyOf(route, false)) });
      await waitUntil(() => fake.requests.length === 1, 2000, 'the upstream request');
      await sleep(30);
      const closed = fake.waitForClientClose().then(() => performance.now());
      const abortedAt = performance.now();
      call.abort();
      const closedAt = await within(closed, 2000, 'the upstream seeing its connection close');
      expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
      const [end] = await seen.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ outcome: 'aborted', status: 499, stream: false }));
    },
  );
});
