/**
 * DESIGN section 4 (and section 3's "Nothing the router writes contains a secret", section 8's "the
 * client's x-api-key and Authorization ... never go upstream") with the official SDKs as clients,
 * on the angles `key-leak.test.ts`, `client-credentials.test.ts` and `header-matrix.test.ts` leave
 * out:
 *
 * - keys that are awkward to find: regular-expression characters, `/ + = & < >` (which encoders
 *   escape), whitespace around them in env, an `OPENAI_COMPATIBLE_PROVIDERS` provider's key and the
 *   key of a host adapter added in code, and a 4-character key;
 * - an upstream echoing the key it received escaped: as JSON escapes it (`\/`, `\u00xx`), URL-encoded,
 *   and inside a JSON string nested in another, in every place it can (error body and headers, a
 *   whole answer's content, stream frames, a gzip-compressed error, a redirect, count_tokens, the
 *   model list), on every route, passthrough and translated;
 * - what sees it afterwards: the SDK client (decoded), telemetry, the conversation log, the
 *   OpenTelemetry bridge, the router's logger, a host process's stdout and stderr, and errors thrown
 *   by `createProviderRouter`;
 * - client credentials on the routes the other suites do not send them on: `GET /models`,
 *   `count_tokens`, Claude Code's `?beta=true` passthrough, and upstream account headers there.
 */
import type { ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createProviderRouter, defineProvider, instrumentOpenTelemetry, ProviderRouterError, type ProviderAdapter } from '../../lib';
import { startFakes, type Fakes, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { startHost, type Host } from '../support/host';
import { startHostProcess } from '../support/host-process';
import { rawRequest } from '../support/http-client';
import { observe } from '../support/observe';
import { thrownBy } from '../support/rejection';
import { waitUntil } from '../support/wait';
import { headerText } from './helpers/secrets';

// --- keys and where they are configured ---------------------------------------------------------

type ProviderName = 'openai' | 'openrouter' | 'anthropic' | 'local' | 'groq' | 'azure';
const PROVIDERS: readonly ProviderName[] = ['openai', 'openrouter', 'anthropic', 'local', 'groq', 'azure'];

/** One key per provider, each with characters that encoders escape or regular expressions read. */
const KEY: Record<ProviderName, string> = {
  openai: 'sk-proj-Rx/+.*?^$|(a)[b]{2}\\c-0123456789',
  openrouter: 'sk-or-v1-b64+/Key=0123456789abcdefAB',
  anthropic: 'sk-ant-api03-Go&<esc>=0123456789abcdef',
  local: 'llama/key+0123456789==',
  groq: 'gsk_compat/key+0123456789abcdef',
  azure: 'az/host+adapter=0123456789abcdef',
};

/** Which fake serves each provider (an added provider shares a fake with a built-in one). */
let fakes: Fakes;
const fakeOf = (provider: ProviderName): FakeUpstream =>
  ({
    openai: fakes.openai,
    openrouter: fakes.openrouter,
    anthropic: fakes.anthropic,
    local: fakes.local,
    groq: fakes.openrouter,
    azure: fakes.openai,
  })[provider];

const MODEL: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  openrouter: 'openrouter/meta-llama/llama-3.1-8b-instruct',
  anthropic: 'claude-sonnet-5-5',
  local: 'qwen2.5-0.5b',
  groq: 'groq/llama-3.1-8b-instant',
  azure: 'azure/gpt-4o',
};

/** The environment of the hosts: keys with whitespace around them, as a `.env` file may hold them. */
function leakEnv(): Record<string, string> {
  return {
    PROVIDER_TIMEOUT_MS: '2000',
    PROVIDER_IDLE_TIMEOUT_MS: '2000',
    OPENAI_BASE_URL: fakes.openai.baseUrl,
    OPENAI_API_KEY: KEY.openai,
    OPENROUTER_BASE_URL: fakes.openrouter.baseUrl,
    OPENROUTER_API_KEY: `  ${KEY.openrouter}\t`,
    ANTHROPIC_BASE_URL: fakes.anthropic.baseUrl,
    ANTHROPIC_API_KEY: ` ${KEY.anthropic} `,
    LOCAL_BASE_URL: fakes.local.baseUrl,
    LOCAL_API_KEY: KEY.local,
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: fakes.openrouter.baseUrl,
    GROQ_API_KEY: ` ${KEY.groq}`,
  };
}

/** A host's own adapter that sets its key in a header and does not list it in `secrets`. */
function azureAdapter(): ProviderAdapter {
  return defineProvider({
    id: 'azure',
    dialect: 'openai',
    baseUrl: fakes.openai.baseUrl,
    enabled: true,
    upstreamHeaders: () => ({ 'api-key': KEY.azure }),
  });
}

// --- ways an upstream writes a key --------------------------------------------------------------

type Encoding = 'as JSON writes it' | 'slash-escaped (\\/)' | 'unicode-escaped (\\u00xx)' | 'URL-encoded' | 'in a JSON string nested in another';
const ENCODINGS: readonly Encoding[] = [
  'as JSON writes it',
  'slash-escaped (\\/)',
  'unicode-escaped (\\u00xx)',
  'URL-encoded',
  'in a JSON string nested in another',
];

/** `key` as the inside of a JSON string, written the way `encoding` says. */
function encode(key: string, encoding: Encoding): string {
  const json = JSON.stringify(key).slice(1, -1);
  switch (encoding) {
    case 'as JSON writes it':
      return json;
    case 'slash-escaped (\\/)':
      // PHP's and Java's encoders.
      return json.replace(/\//g, '\\/');
    case 'unicode-escaped (\\u00xx)':
      // Go's encoder writes & < > so; an encoder may write any character so.
      return key.replace(/[^A-Za-z0-9]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 'URL-encoded':
      return encodeURIComponent(key);
    case 'in a JSON string nested in another':
      // OpenRouter quotes a provider's raw error as a string (`metadata.raw`).
      return JSON.stringify(JSON.stringify({ error: { message: `bad key ${json.replace(/\//g, '\\/')}` } })).slice(1, -1);
  }
}

/** The key a request carried to its upstream: the one to echo. */
function keyIn(request: RecordedRequest): string {
  const { authorization, 'x-api-key': apiKey, 'api-key': azureKey } = request.headers;
  const value =
    (typeof azureKey === 'string' && azureKey) ||
    (typeof apiKey === 'string' && apiKey) ||
    (typeof authorization === 'string' && authorization) ||
    '';
  return value.replace(/^Bearer /, '');
}

/** Headers of an upstream's answer that echo `key`: every name a client may or may not see. */
function echoingHeaders(key: string): Record<string, string> {
  const encoded = encodeURIComponent(key);
  return {
    'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="${encoded}"`,
    'x-request-id': `req_${encoded}`,
    'request-id': `req_${encoded}`,
    'x-ratelimit-limit-requests': encoded,
    'retry-after': encoded,
    'x-custom-echo': encoded,
    'set-cookie': `session=${encoded}; Path=/`,
    'openai-organization': encoded,
    'anthropic-organization-id': encoded,
  };
}

/** Headers no client may see, whatever the answer. */
const ACCOUNT_HEADERS = ['set-cookie', 'openai-organization', 'anthropic-organization-id', 'www-authenticate', 'location', 'x-custom-echo'];

type Place = '401 error body and headers' | 'a whole answer' | 'stream frames' | 'a gzip-compressed error' | 'a 307 redirect';
const PLACES: readonly Place[] = ['401 error body and headers', 'a whole answer', 'stream frames', 'a gzip-compressed error', 'a 307 redirect'];

/** An error body in the wire format the fake speaks for `request`. */
function errorBody(fake: FakeUpstream, request: RecordedRequest, text: string): string {
  const message = `Incorrect API key provided: ${text}.`;
  return fake.dialectOf(request) === 'messages'
    ? `{"type":"error","error":{"type":"authentication_error","message":"${message}"}}`
    : `{"error":{"message":"${message}","type":"invalid_request_error","param":"${text}","code":"invalid_api_key"}}`;
}

/**
 * Lets the fake answer as it would, with every "Hello" of its answer (the fixtures' first text)
 * replaced by `text`.
 */
function substituteHello(res: ServerResponse, text: string): void {
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
  const swap = (chunk: unknown): unknown => (typeof chunk === 'string' || Buffer.isBuffer(chunk) ? chunk.toString().replace(/Hello/g, text) : chunk);
  res.write = ((chunk: unknown, ...rest: unknown[]) => write(swap(chunk), ...rest)) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => end(swap(chunk), ...rest)) as typeof res.end;
}

/** Scripts `fake` to echo the key of each request it gets, at `place`, written as `encoding`. */
function echoAt(fake: FakeUpstream, place: Place, encoding: Encoding): void {
  fake.handler = (request, res) => {
    if (request.method === 'GET') return false;
    const key = keyIn(request);
    const text = encode(key, encoding);
    switch (place) {
      case '401 error body and headers':
        res.writeHead(401, { ...echoingHeaders(key), 'content-type': `application/json; charset=utf-8; echo="${encodeURIComponent(key)}"` });
        res.end(errorBody(fake, request, text));
        return true;
      case 'a whole answer':
      case 'stream frames':
        res.setHeader('x-custom-echo', encodeURIComponent(key));
        res.setHeader('set-cookie', `session=${encodeURIComponent(key)}`);
        substituteHello(res, text);
        return false;
      case 'a gzip-compressed error':
        res.writeHead(500, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync(errorBody(fake, request, text)));
        return true;
      case 'a 307 redirect':
        res.writeHead(307, { location: `https://login.example/?key=${encodeURIComponent(key)}`, 'content-type': 'application/json' });
        res.end(errorBody(fake, request, text));
        return true;
    }
  };
}

// --- finding a key, decoded the way a client would ----------------------------------------------

/** The forms a client may decode `text` into: as it is, JSON-unescaped and URL-decoded, up to three levels. */
function decodedForms(text: string): string[] {
  const forms = [text];
  let decoded = text;
  for (let round = 0; round < 3; round++) {
    decoded = decoded.replace(
      /\\u([0-9a-fA-F]{4})|\\(.)|%([0-9a-fA-F]{2})/g,
      (_match, hex4?: string, char?: string, hex2?: string) => char ?? String.fromCharCode(parseInt(hex4 ?? hex2 ?? '', 16)),
    );
    forms.push(decoded);
  }
  return forms;
}

/** 12-character pieces of every key, and short keys whole. */
function forbiddenPieces(keys: readonly string[]): string[] {
  return keys.flatMap((key) => (key.length < 12 ? [key] : Array.from({ length: key.length - 11 }, (_, i) => key.slice(i, i + 12))));
}
const PIECES = forbiddenPieces(Object.values(KEY));

/** A line naming `where` for each leak in `text`, in any of its decoded forms, ignoring case. */
function leaksIn(where: string, text: string, pieces: readonly string[] = PIECES): string[] {
  for (const form of decodedForms(text)) {
    const lower = form.toLowerCase();
    const piece = pieces.find((candidate) => lower.includes(candidate.toLowerCase()));
    if (piece) {
      const at = lower.indexOf(piece.toLowerCase());
      return [`${where}: "${piece}" in ${JSON.stringify(form.slice(Math.max(0, at - 40), at + piece.length + 40))}`];
    }
  }
  return [];
}

// --- hosts, clients and what they report ----------------------------------------------------------

let host: Host;
const observed = observe();
const exporter = new InMemorySpanExporter();
const tracing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const logLines: string[] = [];
const logger = {
  warn: (message: string, meta?: unknown) => logLines.push(`${message} ${JSON.stringify(meta) ?? ''}`),
  error: (message: string, meta?: unknown) => logLines.push(`${message} ${JSON.stringify(meta) ?? ''}`),
};

/** The host's own token, which its clients send and no provider may receive. */
const HOST_SECRET = 'host-secret-7c1e9a4f';

const openai = (): OpenAI => new OpenAI({ apiKey: `${HOST_SECRET}-bearer`, baseURL: `${host.url}/v1`, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: `${HOST_SECRET}-x-api-key`, baseURL: host.url, maxRetries: 0 });

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: leakEnv(), providers: { azure: azureAdapter() }, conversationLogger: observed.conversationLogger, logger });
  observed.listen(host.router);
  instrumentOpenTelemetry(host.router.telemetry, tracing.getTracer('leak-matrix'));
});
afterEach(() => {
  fakes.reset();
  observed.clear();
  exporter.reset();
  logLines.length = 0;
});
afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

/** Everything the router reported about the requests so far: events, records, spans, log lines. */
function reportedLeaks(): string[] {
  return [
    ...observed.events.flatMap((event) => leaksIn(`telemetry ${event.type}`, JSON.stringify(event))),
    ...observed.records.flatMap((record) => leaksIn('conversation record', JSON.stringify(record))),
    ...exporter
      .getFinishedSpans()
      .flatMap((span) => leaksIn(`span ${span.name}`, JSON.stringify({ name: span.name, attributes: span.attributes, status: span.status }))),
    ...leaksIn('router log', logLines.join('\n')),
  ];
}

/** What a client saw: its answer or its error, whole, with the headers. */
interface Seen {
  status: number;
  text: string;
  headers: Record<string, string>;
}

function headersOf(headers: Headers | Record<string, string> | undefined): Record<string, string> {
  if (!headers) return {};
  return headers instanceof Headers ? Object.fromEntries(headers.entries()) : headers;
}

/** Runs an SDK call and returns what the client saw: everything it decoded, errors included. */
async function seen(call: () => Promise<{ data: unknown; response: Response }>, stream: boolean): Promise<Seen> {
  try {
    const { data, response } = await call();
    let text: string;
    if (stream) {
      const events: unknown[] = [];
      try {
        for await (const event of data as AsyncIterable<unknown>) events.push(event);
      } catch (error) {
        events.push({ thrown: String(error), error: (error as { error?: unknown }).error });
      }
      text = JSON.stringify(events);
    } else {
      text = JSON.stringify(data);
    }
    return { status: response.status, text, headers: headersOf(response.headers) };
  } catch (error) {
    const apiError = error as { status?: number; message: string; error?: unknown; headers?: Headers };
    return { status: apiError.status ?? 0, text: `${apiError.message} ${JSON.stringify(apiError.error)}`, headers: headersOf(apiError.headers) };
  }
}

type Route = 'chat' | 'messages' | 'responses';

/** One request on `route` to `provider`'s model, with the official SDK of the route's dialect. */
function callRoute(route: Route, provider: ProviderName, stream: boolean): Promise<Seen> {
  const model = MODEL[provider];
  const messages = [{ role: 'user' as const, content: 'hi' }];
  if (route === 'chat') return seen(() => openai().chat.completions.create({ model, messages, stream }).withResponse(), stream);
  if (route === 'responses') return seen(() => openai().responses.create({ model, input: 'hi', stream }).withResponse(), stream);
  return seen(() => anthropic().messages.create({ model, max_tokens: 16, messages, stream }).withResponse(), stream);
}

// --- the matrix -------------------------------------------------------------------------------------

const matrix: Array<[Route, ProviderName, Place, Encoding]> = [];
for (const route of ['chat', 'messages', 'responses'] as const) {
  for (const provider of PROVIDERS) {
    for (const place of PLACES) for (const encoding of ENCODINGS) matrix.push([route, provider, place, encoding]);
  }
}

describe('an upstream echoing the key it received, escaped or not, leaks it nowhere', () => {
  test.each(matrix)('%s route to %s: %s, the key %s', async (route, provider, place, encoding) => {
    const fake = fakeOf(provider);
    echoAt(fake, place, encoding);
    const stream = place === 'stream frames';
    const client = await callRoute(route, provider, stream);
    await waitUntil(() => observed.ends().length === 1 && exporter.getFinishedSpans().length === 1, 3000, 'request.end and its span');

    // The upstream got the request with its own key, and the case happened as scripted.
    expect(fake.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    expect(keyIn(fake.requests[0]!)).toBe(KEY[provider]);
    const end = observed.ends()[0]!;
    expect(end).toMatchObject({ provider });
    const expected: Record<Place, number> = {
      '401 error body and headers': 401,
      'a whole answer': 200,
      'stream frames': 200,
      'a gzip-compressed error': 500,
      'a 307 redirect': 502,
    };
    expect(client.status).toBe(expected[place]);
    if (place !== 'a 307 redirect') expect(client.text).toContain('[REDACTED]');
    await waitUntil(() => observed.records.length > 0, 3000, 'the conversation record');

    expect([...leaksIn('client headers', JSON.stringify(client.headers)), ...leaksIn('client', client.text), ...reportedLeaks()]).toEqual([]);
    expect(Object.keys(client.headers).filter((name) => ACCOUNT_HEADERS.includes(name))).toEqual([]);
  });
});

describe('count_tokens (passed through to anthropic and llama-server)', () => {
  const cases = (['anthropic', 'local'] as const).flatMap((provider) =>
    (['200 answer', '401 error'] as const).flatMap((answer) => ENCODINGS.map((encoding) => [provider, answer, encoding] as const)),
  );
  test.each(cases)('%s: a %s echoing the key %s', async (provider, answer, encoding) => {
    const fake = fakeOf(provider);
    fake.handler = (request, res) => {
      const key = keyIn(request);
      const headers = { 'content-type': 'application/json', ...echoingHeaders(key) };
      res.writeHead(answer === '200 answer' ? 200 : 401, headers);
      res.end(
        answer === '200 answer'
          ? `{"input_tokens":5,"note":"counted for ${encode(key, encoding)}"}`
          : errorBody(fake, request, encode(key, encoding)),
      );
    };
    const client = await seen(
      () =>
        anthropic()
          .messages.countTokens({ model: MODEL[provider], messages: [{ role: 'user', content: 'hi' }] })
          .withResponse(),
      false,
    );
    await observed.waitForEnds(1);
    expect(fake.requests[0]!.url).toMatch(/\/messages\/count_tokens$/);
    expect(keyIn(fake.requests[0]!)).toBe(KEY[provider]);
    expect(client.status).toBe(answer === '200 answer' ? 200 : 401);
    expect(client.text).toContain('[REDACTED]');
    expect([...leaksIn('client headers', JSON.stringify(client.headers)), ...leaksIn('client', client.text), ...reportedLeaks()]).toEqual([]);
    expect(Object.keys(client.headers).filter((name) => ACCOUNT_HEADERS.includes(name))).toEqual([]);
  });
});

describe('GET /models', () => {
  test.each(ENCODINGS)('lists that echo their key %s, in ids and in errors, leak it into neither list shape', async (encoding) => {
    // One list answers with its key in an entry, the others fail echoing theirs.
    for (const fake of fakes.all()) {
      fake.handler = (request, res) => {
        const key = keyIn(request);
        if (fake === fakes.openai) {
          res.writeHead(200, { 'content-type': 'application/json', ...echoingHeaders(key) });
          res.end(
            `{"object":"list","data":[{"id":"gpt-${encode(key, encoding)}","object":"model","created":1,"owned_by":"${encode(key, encoding)}"}]}`,
          );
          return;
        }
        res.writeHead(401, { 'content-type': 'application/json', ...echoingHeaders(key) });
        res.end(errorBody(fake, request, encode(key, encoding)));
      };
    }
    const listHost = await startHost({ env: leakEnv(), providers: { azure: azureAdapter() }, logger });
    const events = observe();
    events.listen(listHost.router);
    try {
      const viaOpenAI = await seen(
        () => new OpenAI({ apiKey: HOST_SECRET, baseURL: `${listHost.url}/v1`, maxRetries: 0 }).models.list().withResponse(),
        false,
      );
      const viaAnthropic = await seen(
        () => new Anthropic({ apiKey: HOST_SECRET, baseURL: listHost.url, maxRetries: 0 }).models.list().withResponse(),
        false,
      );
      expect([viaOpenAI.status, viaAnthropic.status]).toEqual([200, 200]);
      // The openai list (asked for by both the openai provider and the azure adapter) is there, redacted.
      expect(viaOpenAI.text).toContain('[REDACTED]');
      expect(events.events.filter((event) => event.type === 'models.error').length).toBeGreaterThan(0);
      expect([
        ...leaksIn('openai SDK list', viaOpenAI.text + JSON.stringify(viaOpenAI.headers)),
        ...leaksIn('anthropic SDK list', viaAnthropic.text + JSON.stringify(viaAnthropic.headers)),
        ...leaksIn('listModels()', JSON.stringify(await listHost.router.listModels())),
        ...events.events.flatMap((event) => leaksIn(`telemetry ${event.type}`, JSON.stringify(event))),
        ...leaksIn('router log', logLines.join('\n')),
      ]).toEqual([]);
    } finally {
      await listHost.close();
    }
  });
});

// --- a key of 4 characters ------------------------------------------------------------------------

describe('a 4-character LOCAL_API_KEY', () => {
  const SHORT = '1234';
  let shortHost: Host;
  beforeAll(async () => {
    shortHost = await startHost({ env: { LOCAL_BASE_URL: fakes.local.baseUrl, LOCAL_API_KEY: SHORT } });
  });
  afterAll(async () => {
    await shortHost?.close();
  });

  test('is redacted where it stands as a word, not inside numbers and ids, so answers stay whole', async () => {
    fakes.local.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-a12345',
          object: 'chat.completion',
          created: 1712345678,
          model: 'qwen2.5-0.5b',
          choices: [{ index: 0, message: { role: 'assistant', content: 'The key is 1234, call 555-12345.' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1234, completion_tokens: 7, total_tokens: 1241 },
        }),
      );
    };
    const client = new OpenAI({ apiKey: HOST_SECRET, baseURL: `${shortHost.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'qwen2.5-0.5b', messages: [{ role: 'user', content: 'hi' }] });
    expect(fakes.local.requests[0]!.headers.authorization).toBe(`Bearer ${SHORT}`);
    expect(answer.created).toBe(1712345678);
    expect(answer.id).toBe('chatcmpl-a12345');
    expect(answer.choices[0]!.message.content).toBe('The key is [REDACTED], call 555-12345.');
  });

  test('an error echoing it is redacted', async () => {
    fakes.local.handler = (_request, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Invalid API Key: 1234', type: 'authentication_error' } }));
    };
    const client = await seen(
      () =>
        new OpenAI({ apiKey: HOST_SECRET, baseURL: `${shortHost.url}/v1`, maxRetries: 0 }).chat.completions
          .create({ model: 'qwen2.5-0.5b', messages: [{ role: 'user', content: 'hi' }] })
          .withResponse(),
      false,
    );
    expect(client.status).toBe(401);
    expect(client.text).toContain('Invalid API Key: [REDACTED]');
  });
});

// --- what a host process writes ---------------------------------------------------------------------

describe("a host process's stdout and stderr", () => {
  test('stay free of keys while upstreams echo them in errors, streams and model lists', async () => {
    for (const fake of fakes.all()) {
      fake.handler = (request, res) => {
        const key = keyIn(request);
        res.writeHead(401, { 'content-type': 'application/json', ...echoingHeaders(key) });
        res.end(errorBody(fake, request, encode(key, 'slash-escaped (\\/)')));
      };
    }
    const env = Object.fromEntries(Object.entries(leakEnv()).filter(([name]) => name !== 'OPENAI_COMPATIBLE_PROVIDERS'));
    const logFile = path.join(mkdtempSync(path.join(tmpdir(), 'leak-matrix-')), 'conversations.jsonl');
    const running = await startHostProcess(path.join(__dirname, '../support/quiet-host/host.cjs'), { ...env, CONVERSATION_LOG_FILE: logFile });
    try {
      for (const provider of ['openai', 'openrouter', 'anthropic', 'local'] as const) {
        for (const route of ['/v1/chat/completions', '/v1/messages'] as const) {
          const res = await rawRequest({
            url: `${running.origin}${route}`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: MODEL[provider], max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
          });
          expect(res.status).toBe(401);
          expect(leaksIn(`${route} to ${provider}`, res.text + headerText(res.rawHeaders))).toEqual([]);
        }
      }
      const list = await rawRequest({ url: `${running.origin}/v1/models`, method: 'GET' });
      expect(list.status).toBe(200);
      expect(leaksIn('model list', list.text)).toEqual([]);
      // The conversation log file, written by winston in the host's process, holds a record per request.
      await waitUntil(
        () => existsSync(logFile) && readFileSync(logFile, 'utf8').trim().split('\n').length === 8,
        3000,
        'eight records in the log file',
      );
      expect([
        ...leaksIn('conversation log file', readFileSync(logFile, 'utf8')),
        ...leaksIn('stderr', running.stderr()),
        ...leaksIn('stdout', running.stdout()),
      ]).toEqual([]);
    } finally {
      await running.stop();
    }
  });
});

// --- createProviderRouter's own errors ----------------------------------------------------------------

describe('configuration errors never quote a key', () => {
  const base = (): Record<string, string> => leakEnv();
  test.each([
    ['a key, with its whitespace, pasted into PROVIDER_MODEL_MAP', { PROVIDER_MODEL_MAP: `fast=${` ${KEY.openai} `}` }],
    ['a compatible provider key pasted into OPENAI_COMPATIBLE_PROVIDERS', { OPENAI_COMPATIBLE_PROVIDERS: `groq,${KEY.groq}` }],
    ['a key pasted into ANTHROPIC_THINKING', { ANTHROPIC_THINKING: KEY.anthropic }],
    ['a key pasted into a timeout', { PROVIDER_TIMEOUT_MS: KEY.openrouter }],
    ['a key pasted into a base URL', { LOCAL_BASE_URL: `http://127.0.0.1:1/v1?key=${KEY.local}`, LOCAL_RESPONSES: KEY.local }],
    ['a key with a line break in GROQ_API_KEY', { GROQ_API_KEY: `${KEY.groq}\nx` }],
    ['a 4-character key pasted into a map rule', { LOCAL_API_KEY: 'zq9x', PROVIDER_MODEL_MAP: 'zq9x' }],
  ] as const)('%s', (_name, overrides) => {
    const error = thrownBy(
      () => createProviderRouter({ env: { ...base(), ...overrides }, providers: { azure: azureAdapter() } }),
      ProviderRouterError,
    );
    expect(error.code).toBe('invalid_config');
    expect(leaksIn('error', `${error.message} ${JSON.stringify(error)}`, forbiddenPieces([...Object.values(KEY), 'zq9x']))).toEqual([]);
  });

  test.each([
    ['listed in its secrets', true, { modelMap: `x=${KEY.azure}` }],
    ['only set in its headers', false, { modelMap: `x=${KEY.azure}` }],
    ['only set in its headers, pasted as the fallback', false, { fallback: KEY.azure as 'local' }],
    ['only set in its headers, URL-encoded into a map rule', false, { modelMap: `x=${encodeURIComponent(KEY.azure)}` }],
  ] as const)("a host adapter's key (%s) pasted into an option", (_name, listed, options) => {
    const adapter = listed ? { ...azureAdapter(), secrets: [KEY.azure] } : azureAdapter();
    const error = thrownBy(() => createProviderRouter({ env: base(), providers: { azure: adapter }, ...options }), ProviderRouterError);
    expect(error.code).toBe('invalid_config');
    expect(leaksIn('error', error.message)).toEqual([]);
  });
});

// --- client credentials on GET /models and count_tokens -------------------------------------------------

/** Every credential a client of the host may send, by header. */
const CLIENT_CREDENTIALS: Record<string, string> = {
  authorization: `Bearer ${HOST_SECRET}-authorization`,
  'x-api-key': `${HOST_SECRET}-x-api-key`,
  cookie: `sid=${HOST_SECRET}-cookie`,
  'proxy-authorization': `Basic ${HOST_SECRET}-proxy`,
  'api-key': `${HOST_SECRET}-azure`,
  'x-goog-api-key': `${HOST_SECRET}-goog`,
  'x-custom-token': `${HOST_SECRET}-custom`,
  'x-my-service-token': `${HOST_SECRET}-service`,
};
const CREDENTIAL_QUERY = `key=${HOST_SECRET}-q1&api_key=${HOST_SECRET}-q2&access_token=${HOST_SECRET}-q3`;

/** The auth header each fake's provider(s) must carry, by the key they carry. */
const OWN_KEYS = new Set(Object.values(KEY));

describe("the host's client credentials on GET /models and count_tokens", () => {
  test('no model list fetch carries a client credential or query, each carries its own key, and no account header comes back', async () => {
    for (const fake of fakes.all()) {
      fake.handler = (request, res) => {
        res.setHeader('set-cookie', 'upstream=1');
        res.setHeader('openai-organization', 'org-upstream');
        res.setHeader('anthropic-organization-id', 'org-upstream');
        return false;
      };
    }
    const listHost = await startHost({ env: leakEnv(), providers: { azure: azureAdapter() } });
    try {
      for (const headers of [{}, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'x' }] as Array<Record<string, string>>) {
        const res = await rawRequest({
          url: `${listHost.url}/v1/models?beta=true&${CREDENTIAL_QUERY}`,
          method: 'GET',
          headers: { ...CLIENT_CREDENTIALS, ...headers },
        });
        expect(res.status).toBe(200);
        expect(headerText(res.rawHeaders).toLowerCase()).not.toMatch(/set-cookie|organization/);
      }
      const fetches = fakes.received().filter((request) => request.method === 'GET');
      expect(fetches.length).toBeGreaterThanOrEqual(5);
      for (const request of fetches) {
        expect(JSON.stringify(request.headers)).not.toContain(HOST_SECRET);
        expect(request.url).not.toContain(HOST_SECRET);
        expect(OWN_KEYS.has(keyIn(request))).toBe(true);
      }
    } finally {
      await listHost.close();
    }
  });

  test.each(['anthropic', 'local'] as const)(
    'count_tokens to %s from a Claude-Code-like client: its x-api-key, Authorization and query stay home, ?beta=true goes, no account header comes back',
    async (provider) => {
      const fake = fakeOf(provider);
      fake.handler = (_request, res) => {
        res.setHeader('set-cookie', 'upstream=1');
        res.setHeader('openai-organization', 'org-upstream');
        res.setHeader('anthropic-organization-id', 'org-upstream');
        return false;
      };
      // Claude Code sends x-api-key (ANTHROPIC_API_KEY) or Authorization: Bearer (ANTHROPIC_AUTH_TOKEN), and ?beta=true.
      const client = new Anthropic({
        apiKey: `${HOST_SECRET}-x-api-key`,
        baseURL: host.url,
        maxRetries: 0,
        defaultHeaders: { ...CLIENT_CREDENTIALS, authorization: `Bearer ${HOST_SECRET}-auth-token`, 'anthropic-beta': 'token-counting-2024-11-01' },
        defaultQuery: { beta: 'true', key: `${HOST_SECRET}-q1`, api_key: `${HOST_SECRET}-q2` },
      });
      const { response } = await client.messages.countTokens({ model: MODEL[provider], messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(response.status).toBe(200);
      expect([...response.headers.keys()].filter((name) => /set-cookie|organization/.test(name))).toEqual([]);
      const [upstream] = fake.requests;
      expect(upstream!.url).toBe('/v1/messages/count_tokens?beta=true');
      expect(JSON.stringify(upstream!.headers)).not.toContain(HOST_SECRET);
      expect(keyIn(upstream!)).toBe(KEY[provider]);
      expect(upstream!.headers['anthropic-beta']).toBe('token-counting-2024-11-01');
    },
  );

  test.each(PROVIDERS)('messages to %s from a Claude-Code-like client: nothing of its credentials reaches the upstream', async (provider) => {
    const client = new Anthropic({
      apiKey: `${HOST_SECRET}-x-api-key`,
      baseURL: host.url,
      maxRetries: 0,
      defaultHeaders: CLIENT_CREDENTIALS,
      defaultQuery: { beta: 'true', key: `${HOST_SECRET}-q1`, api_key: `${HOST_SECRET}-q2` },
    });
    await client.messages.create({ model: MODEL[provider], max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    const [upstream] = fakeOf(provider).requests;
    expect(JSON.stringify(upstream!.headers)).not.toContain(HOST_SECRET);
    expect(upstream!.url).not.toContain(HOST_SECRET);
    expect(keyIn(upstream!)).toBe(KEY[provider]);
  });
});

describe("the host's client credentials on chat completions and /responses, with the openai SDK", () => {
  const cases = PROVIDERS.flatMap((provider) => (['chat', 'responses'] as const).map((route) => [route, provider] as const));
  test.each(cases)('%s to %s: no client header or query parameter reaches the upstream, only its own key', async (route, provider) => {
    const client = new OpenAI({
      apiKey: `${HOST_SECRET}-bearer`,
      baseURL: `${host.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { ...CLIENT_CREDENTIALS, authorization: `Bearer ${HOST_SECRET}-bearer` },
      defaultQuery: { key: `${HOST_SECRET}-q1`, api_key: `${HOST_SECRET}-q2`, beta: 'true' },
    });
    if (route === 'chat') await client.chat.completions.create({ model: MODEL[provider], messages: [{ role: 'user', content: 'hi' }] });
    else await client.responses.create({ model: MODEL[provider], input: 'hi' });
    const [upstream] = fakeOf(provider).requests;
    expect(JSON.stringify(upstream!.headers)).not.toContain(HOST_SECRET);
    expect(upstream!.url).not.toContain('?');
    expect(keyIn(upstream!)).toBe(KEY[provider]);
  });
});

describe("a host adapter's forwardHeaders", () => {
  /** Credentials under names a proxy or a platform gives them; none may reach a provider, whatever an adapter lists. */
  const LISTED_CREDENTIALS: Record<string, string> = {
    ...CLIENT_CREDENTIALS,
    'x-forwarded-authorization': `Bearer ${HOST_SECRET}-forwarded`,
    'x-serverless-authorization': `Bearer ${HOST_SECRET}-serverless`,
    'x-original-authorization': `Bearer ${HOST_SECRET}-original`,
    'x-apikey': `${HOST_SECRET}-apikey`,
    'x-goog-iap-jwt-assertion': `${HOST_SECRET}-iap`,
    'cf-access-jwt-assertion': `${HOST_SECRET}-cf`,
    'x-cookie': `${HOST_SECRET}-x-cookie`,
    'x-client-password': `${HOST_SECRET}-password`,
    'x-amz-security-token': `${HOST_SECRET}-amz`,
    'x-client-credential': `${HOST_SECRET}-credential`,
  };

  test('forward what they list, never a credential', async () => {
    const adapter = defineProvider({
      id: 'azure',
      dialect: 'openai',
      baseUrl: fakes.openai.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({ 'api-key': KEY.azure }),
      forwardHeaders: [...Object.keys(LISTED_CREDENTIALS), 'x-trace-id'],
    });
    const adapterHost = await startHost({
      env: { OPENAI_API_KEY: KEY.openai, OPENAI_BASE_URL: fakes.openai.baseUrl },
      providers: { azure: adapter },
    });
    try {
      const res = await rawRequest({
        url: `${adapterHost.url}/v1/chat/completions`,
        headers: { ...LISTED_CREDENTIALS, 'x-trace-id': 'trace-1', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'azure/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const [upstream] = fakes.openai.requests;
      expect(upstream!.headers['x-trace-id']).toBe('trace-1');
      expect(upstream!.headers['api-key']).toBe(KEY.azure);
      expect(Object.entries(upstream!.headers).filter(([, value]) => String(value).includes(HOST_SECRET))).toEqual([]);
    } finally {
      await adapterHost.close();
    }
  });
});

describe('a key a client pastes, URL-encoded, into model', () => {
  test('reaches no event, record, span or log line, and is not echoed back', async () => {
    const model = `openrouter/${encodeURIComponent(KEY.openrouter)}`;
    const client = await seen(
      () =>
        openai()
          .chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
          .withResponse(),
      false,
    );
    await waitUntil(() => observed.ends().length === 1 && exporter.getFinishedSpans().length === 1, 3000, 'request.end and its span');
    expect(fakes.openrouter.requests).toHaveLength(1);
    expect(observed.ends()[0]).toMatchObject({ provider: 'openrouter', model: expect.stringContaining('[REDACTED]') as string });
    expect([...leaksIn('client', client.text), ...reportedLeaks()]).toEqual([]);
  });
});
