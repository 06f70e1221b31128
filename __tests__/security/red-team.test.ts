/**
 * A red team of DESIGN section 4 over real HTTP, on the angles the other security suites leave out.
 *
 * Keys echoed by an upstream in forms a client decodes that those suites do not write: every byte
 * percent-encoded (`%73%6B%2D...`: real keys hold only characters URL encoding leaves alone, so an
 * encoder that escapes them anyway wrote a form the redactor did not look for), JSON-escaped then
 * URL-encoded (`%5Cu0073`), and base64 or base64url (an upstream that echoes the Basic credentials
 * it was given, or dumps its request headers), each written in two pieces cut in the middle of the
 * key, in every place an upstream can put one: a redirect's `Location`, the request id and other
 * response headers, a cookie, error bodies (plain, gzip-compressed, on count_tokens and Responses
 * passthrough, translated), SSE error events mid-stream, a whole answer, and both model-list
 * shapes. What is checked is everything the router writes: the client's headers and body, every telemetry event (every field), the winston
 * conversation log's lines and the router's log. An echo of a stretch of a key (its first or last
 * 20 characters) must leave none of it, not only no 12-character piece.
 *
 * Then the host's client credentials, and the keys of other providers: `Expect: 100-continue`,
 * hop-by-hop `Connection` naming credential or auth headers, duplicate and oddly cased credential
 * headers, a `scrubHeaders` hook that returns odd values or tries to set auth, provider A never
 * getting provider B's key, the fallback llama-server never getting a cloud key, and a host
 * adapter's key that is not in its `secrets` (in `defaultHeaders`, an `Authentication` header, or
 * read from a store and rotated after creation) kept from the hook and everything the router writes.
 */
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import Transport from 'winston-transport';
import winston from 'winston';
import { defineProvider, type ScrubHeadersHook } from '../../lib';
import { PROVIDER_IDS, startFakes, type Fakes, type FakeUpstream, type ProviderId, type RecordedRequest } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest, type RawResponse } from '../support/http-client';
import { KEYS } from '../support/keys';
import { observe } from '../support/observe';
import { chatBody, messagesBody } from '../support/request-bodies';
import { MODEL_FOR } from './helpers/hosts';
import { ALL_KEYS, LOCAL_KEY, headerText } from './helpers/secrets';

// --- finding a key the way a client could decode it ---------------------------------------------

const PIECE = 12;
const PIECES = [
  ...new Set(
    Object.values(ALL_KEYS).flatMap((key) => Array.from({ length: key.length - PIECE + 1 }, (_, i) => key.slice(i, i + PIECE).toLowerCase())),
  ),
];

/** `text` with JSON escapes, percent escapes and HTML character references decoded, `rounds` times. */
function unescaped(text: string, rounds = 3): string {
  let decoded = text;
  for (let round = 0; round < rounds; round++) {
    decoded = decoded
      .replace(/\\u([0-9a-f]{4})|\\(.)|%([0-9a-f]{2})/gi, (_m, hex4?: string, char?: string, hex2?: string) =>
        char !== undefined ? char : String.fromCharCode(parseInt(hex4 ?? hex2 ?? '', 16)),
      )
      .replace(/&#(x[0-9a-f]+|\d+);/gi, (_m, code: string) =>
        String.fromCharCode(code[0] === 'x' || code[0] === 'X' ? parseInt(code.slice(1), 16) : Number(code)),
      );
  }
  return decoded;
}

/** Every base64 or base64url run of `text`, decoded from each of its four possible starts. */
function base64Decodings(text: string): string[] {
  const decodings: string[] = [];
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{16,}/g)) {
    for (let start = 0; start < 4; start++) {
      const aligned = run.slice(start).replace(/-/g, '+').replace(/_/g, '/');
      decodings.push(Buffer.from(aligned.slice(0, aligned.length - (aligned.length % 4)), 'base64').toString('latin1'));
    }
  }
  return decodings;
}

/** The leaks of a key piece in `text`, as it is or as a client may decode it; one line naming `where`. */
function leaksIn(where: string, text: string): string[] {
  const plain = unescaped(text);
  const forms = [text, plain, ...base64Decodings(text), ...base64Decodings(plain)];
  for (const form of forms) {
    const lower = form.toLowerCase();
    const piece = PIECES.find((candidate) => lower.includes(candidate));
    if (piece !== undefined) {
      const at = lower.indexOf(piece);
      return [`${where}: "${piece}" in ${JSON.stringify(form.slice(Math.max(0, at - 40), at + PIECE + 40))}`];
    }
  }
  return [];
}

// --- a host that reports everything --------------------------------------------------------------

/** A winston transport that keeps each formatted line: the conversation log as it would be written. */
class MemoryTransport extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    this.lines.push(String(info[Symbol.for('message')]));
    callback();
  }
}

let fakes: Fakes;
let host: Host;
/** The same providers, but llama-server without `LOCAL_API_KEY`, and a hook that returns odd headers. */
let keylessHost: Host;
const observed = observe();
const conversationLines = new MemoryTransport();
const routerLog: string[] = [];
const logger = {
  warn: (message: string, meta?: unknown) => routerLog.push(`${message} ${JSON.stringify(meta) ?? ''}`),
  error: (message: string, meta?: unknown) => routerLog.push(`${message} ${JSON.stringify(meta) ?? ''}`),
};

/** A hook that tries everything a careless or hostile host hook could. */
const oddHook: ScrubHeadersHook = (headers, context) => {
  if (context.direction === 'client') return { ...headers, 'set-cookie': 'hook=1', 'x-hook': '1' };
  const odd: Record<string, unknown> = {
    ...headers,
    AUTHORIZATION: 'Bearer hook-authorization',
    'X-Api-Key': 'hook-x-api-key',
    'x-array': ['a', 'b'],
    'x-number': 7,
    'x-null': null,
    'x-object': { toString: () => 'object' },
    'Content-Length': '1',
    'transfer-encoding': 'chunked',
    Host: 'evil.example',
    Connection: 'authorization',
    Expect: '100-continue',
  };
  return odd as Record<string, string>;
};

beforeAll(async () => {
  fakes = await startFakes();
  const conversationLogger = winston.createLogger({ format: winston.format.json(), transports: [conversationLines] });
  host = await startHost({ env: { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY }, conversationLogger, logger, modelsTtlMs: 1 });
  keylessHost = await startHost({ env: envFor(fakes), scrubHeaders: oddHook, modelsTtlMs: 1 });
  observed.listen(host.router);
});
afterEach(() => {
  fakes.reset();
  observed.clear();
  conversationLines.lines.length = 0;
  routerLog.length = 0;
});
afterAll(async () => {
  await Promise.all([host?.close(), keylessHost?.close()]);
  await fakes?.close();
});

/** Every leak in what the client got and in everything the router reported about it. */
async function leaksOf(response: RawResponse): Promise<string[]> {
  // Telemetry and the log are written when the response has ended; a tick lets them land.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return [
    ...leaksIn('client headers', headerText(response.rawHeaders)),
    ...leaksIn('client body', response.text),
    ...observed.events.flatMap((event) => leaksIn(`telemetry ${event.type}`, JSON.stringify(event))),
    ...conversationLines.lines.flatMap((line) => leaksIn('winston conversation line', line)),
    ...leaksIn('router log', routerLog.join('\n')),
  ];
}

// --- how an upstream writes the key it received -------------------------------------------------

type Encoding = 'every byte percent-encoded' | 'JSON-escaped, then URL-encoded' | 'base64 of Basic credentials' | 'base64url';
const ENCODINGS: readonly Encoding[] = ['every byte percent-encoded', 'JSON-escaped, then URL-encoded', 'base64 of Basic credentials', 'base64url'];

function encode(key: string, encoding: Encoding): string {
  switch (encoding) {
    case 'every byte percent-encoded':
      return Array.from(Buffer.from(key), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    case 'JSON-escaped, then URL-encoded':
      // A JSON document carried in a query parameter: `%5Cu0073%5Cu006B...`.
      return encodeURIComponent(Array.from(key, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''));
    case 'base64 of Basic credentials':
      return Buffer.from(`router:${key}`).toString('base64');
    case 'base64url':
      return Buffer.from(key).toString('base64url');
  }
}

/** The key `request` carried to its upstream. */
function keyIn(request: RecordedRequest): string {
  const { authorization, 'x-api-key': apiKey } = request.headers;
  return (typeof apiKey === 'string' ? apiKey : typeof authorization === 'string' ? authorization : '').replace(/^Bearer /, '');
}

/** Writes `body` in two writes cut in the middle of `echoed` (or of the body), then ends. */
function writeSplit(res: ServerResponse, body: Buffer | string, echoed: string): void {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const at = Buffer.isBuffer(body) ? -1 : bytes.indexOf(echoed);
  const cut = at === -1 ? Math.floor(bytes.length / 2) : at + Math.floor(echoed.length / 2);
  res.write(bytes.subarray(0, cut));
  setTimeout(() => res.end(bytes.subarray(cut)), 20);
}

const MARKER = 'REDTEAM-MARKER';

function openAIError(text: string): string {
  return JSON.stringify({
    error: { message: `${MARKER} Incorrect API key provided: ${text}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' },
  });
}
function anthropicError(text: string): string {
  return JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `${MARKER} invalid x-api-key ${text}` } });
}

/** Response headers echoing `text` under every name a client may or may not see. */
function echoingHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': `req_${text}`,
    'request-id': `req_${text}`,
    'x-ratelimit-limit-requests': text,
    'anthropic-ratelimit-requests-limit': text,
    'retry-after': text,
    'retry-after-ms': text,
    'x-should-retry': text,
    'set-cookie': `session=${text}; Path=/`,
    'www-authenticate': `Basic realm="${text}"`,
    'openai-organization': text,
  };
  // In a header's name too, where HTTP allows its characters (not `/`, `+` or `=`).
  if (/^[A-Za-z0-9%_-]+$/.test(text)) headers[`x-ratelimit-${text.toLowerCase()}`] = '1';
  return headers;
}

const SSE = { 'content-type': 'text/event-stream' };

interface Place {
  name: string;
  /** What the client sends: path, headers, body. */
  request: { path: string; method?: string; headers?: Record<string, string>; body?: unknown };
  fake: () => FakeUpstream;
  /** Answers `request` echoing `text` (the encoded key). */
  answer(res: ServerResponse, text: string, request: RecordedRequest): void;
  /** The status the client must get: the answer reached it. */
  status: number;
}

const chatStreamBody = (model: string): unknown => chatBody(model, { stream: true });

const PLACES: Place[] = [
  {
    name: "a 307 redirect's Location (chat to openai)",
    request: { path: '/v1/chat/completions', body: chatBody(MODEL_FOR.openai) },
    fake: () => fakes.openai,
    answer: (res, text) => {
      res.writeHead(307, { location: `https://login.example/cb?key=${text}&next=%2F` });
      res.end();
    },
    status: 502,
  },
  {
    name: 'a 401 with the key in every response header and its body (messages passed through to anthropic)',
    request: { path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, body: messagesBody(MODEL_FOR.anthropic) },
    fake: () => fakes.anthropic,
    answer: (res, text) => {
      res.writeHead(401, { 'content-type': 'application/json', ...echoingHeaders(text) });
      writeSplit(res, anthropicError(text), text);
    },
    status: 401,
  },
  {
    name: 'a 401 with the key in every response header and its body (chat to openai)',
    request: { path: '/v1/chat/completions', body: chatBody(MODEL_FOR.openai) },
    fake: () => fakes.openai,
    answer: (res, text) => {
      res.writeHead(401, { 'content-type': 'application/json', ...echoingHeaders(text) });
      writeSplit(res, openAIError(text), text);
    },
    status: 401,
  },
  {
    name: 'a gzip-compressed error body in two pieces (chat to openrouter)',
    request: { path: '/v1/chat/completions', body: chatBody(MODEL_FOR.openrouter) },
    fake: () => fakes.openrouter,
    answer: (res, text) => {
      res.writeHead(500, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      writeSplit(res, gzipSync(openAIError(text)), text);
    },
    status: 500,
  },
  {
    name: 'an error body translated (responses to anthropic)',
    request: { path: '/v1/responses', body: { model: MODEL_FOR.anthropic, input: 'hi' } },
    fake: () => fakes.anthropic,
    answer: (res, text) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      writeSplit(res, anthropicError(text), text);
    },
    status: 401,
  },
  {
    name: 'a Responses passthrough error body (responses to openai)',
    request: { path: '/v1/responses', body: { model: MODEL_FOR.openai, input: 'hi' } },
    fake: () => fakes.openai,
    answer: (res, text) => {
      res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': `req_${text}` });
      writeSplit(res, openAIError(text), text);
    },
    status: 400,
  },
  {
    name: 'a count_tokens passthrough error body (to anthropic)',
    request: { path: '/v1/messages/count_tokens', headers: { 'anthropic-version': '2023-06-01' }, body: messagesBody(MODEL_FOR.anthropic) },
    fake: () => fakes.anthropic,
    answer: (res, text) => {
      res.writeHead(401, { 'content-type': 'application/json', 'request-id': `req_${text}` });
      writeSplit(res, anthropicError(text), text);
    },
    status: 401,
  },
  {
    name: 'a count_tokens passthrough error body (to llama-server)',
    request: { path: '/v1/messages/count_tokens', body: messagesBody(MODEL_FOR.local) },
    fake: () => fakes.local,
    answer: (res, text) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      writeSplit(res, openAIError(text), text);
    },
    status: 401,
  },
  {
    name: 'an SSE error event mid-stream (chat stream passed through to openrouter)',
    request: { path: '/v1/chat/completions', body: chatStreamBody(MODEL_FOR.openrouter) },
    fake: () => fakes.openrouter,
    answer: (res, text) => {
      res.writeHead(200, SSE);
      res.write(
        'data: {"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n',
      );
      const frame = `data: ${JSON.stringify({ id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'm', error: { code: 502, message: `${MARKER} ${text}` }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] })}\n\n`;
      writeSplit(res, frame, text);
    },
    status: 200,
  },
  {
    name: 'an SSE error event mid-stream (messages stream passed through to anthropic)',
    request: { path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, body: messagesBody(MODEL_FOR.anthropic, { stream: true }) },
    fake: () => fakes.anthropic,
    answer: (res, text) => {
      res.writeHead(200, SSE);
      res.write(
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      );
      writeSplit(
        res,
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: `${MARKER} ${text}` } })}\n\n`,
        text,
      );
    },
    status: 200,
  },
  {
    name: 'an SSE error event mid-stream (chat stream translated to anthropic)',
    request: { path: '/v1/chat/completions', body: chatStreamBody(MODEL_FOR.anthropic) },
    fake: () => fakes.anthropic,
    answer: (res, text) => {
      res.writeHead(200, SSE);
      res.write(
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      );
      writeSplit(
        res,
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `${MARKER} ${text}` } })}\n\n`,
        text,
      );
    },
    status: 200,
  },
  {
    name: 'a response.failed event mid-stream (responses stream passed through to openai)',
    request: { path: '/v1/responses', body: { model: MODEL_FOR.openai, input: 'hi', stream: true } },
    fake: () => fakes.openai,
    answer: (res, text) => {
      res.writeHead(200, SSE);
      const response = {
        id: 'resp_1',
        object: 'response',
        created_at: 1,
        status: 'in_progress',
        model: 'gpt-4o-mini',
        output: [],
        usage: null,
        error: null,
      };
      res.write(`event: response.created\ndata: ${JSON.stringify({ type: 'response.created', sequence_number: 0, response })}\n\n`);
      const failed = { ...response, status: 'failed', error: { code: 'server_error', message: `${MARKER} ${text}` } };
      writeSplit(res, `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 1, response: failed })}\n\n`, text);
    },
    status: 200,
  },
  {
    name: 'an error chunk mid-stream (responses stream bridged to llama-server)',
    request: { path: '/v1/responses', body: { model: MODEL_FOR.local, input: 'hi', stream: true } },
    fake: () => fakes.local,
    answer: (res, text) => {
      res.writeHead(200, SSE);
      res.write(
        'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n',
      );
      writeSplit(res, `data: ${JSON.stringify({ error: { message: `${MARKER} ${text}`, type: 'server_error', code: 500 } })}\n\n`, text);
    },
    status: 200,
  },
  {
    name: "a whole answer's text, model and finish reason (chat to openai)",
    request: { path: '/v1/chat/completions', body: chatBody(MODEL_FOR.openai) },
    fake: () => fakes.openai,
    answer: (res, text) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': text });
      const answer = {
        id: `chatcmpl-${text}`,
        object: 'chat.completion',
        created: 1,
        model: `gpt-4o-${text}`,
        choices: [{ index: 0, message: { role: 'assistant', content: `${MARKER} ${text}` }, finish_reason: `stop-${text}` }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      };
      writeSplit(res, JSON.stringify(answer), text);
    },
    status: 200,
  },
];

describe('an upstream echoing its key in a form a client decodes leaks it nowhere', () => {
  const cases = PLACES.flatMap((place) => ENCODINGS.map((encoding) => [place.name, encoding, place] as const));
  test.each(cases)('%s: the key %s, in two writes', async (_name, encoding, place) => {
    const fake = place.fake();
    fake.handler = (request, res) => place.answer(res, encode(keyIn(request), encoding), request);
    const response = await rawRequest({
      url: `${host.url}${place.request.path}`,
      method: place.request.method,
      headers: { 'content-type': 'application/json', ...place.request.headers },
      body: JSON.stringify(place.request.body),
    });
    expect(fake.requests).toHaveLength(1);
    expect(response.status).toBe(place.status);
    expect(await leaksOf(response)).toEqual([]);
  });
});

describe('an upstream echoing part of its key', () => {
  test.each([
    ['its last 20 characters', (key: string) => key.slice(-20), (key: string) => key.slice(-8)],
    ['its first 20 characters', (key: string) => key.slice(0, 20), (key: string) => key.slice(12, 20)],
  ])('%s: nothing of them is left beside the redacted piece', async (_name, echoed, rest) => {
    fakes.openai.handler = (request, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': `req_${echoed(keyIn(request))}` });
      res.end(openAIError(`...${echoed(keyIn(request))}.`));
    };
    const response = await rawRequest({
      url: `${host.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody(MODEL_FOR.openai)),
    });
    expect(response.status).toBe(401);
    expect(response.text).toContain(MARKER);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const written = [
      headerText(response.rawHeaders),
      response.text,
      ...observed.events.map((event) => JSON.stringify(event)),
      ...conversationLines.lines,
    ];
    for (const text of written) expect(text).not.toContain(rest(KEYS.openai));
  });
});

describe('GET /models', () => {
  /** A list in each provider's shape whose entries echo the key the request carried. */
  function echoLists(encoding: Encoding): void {
    for (const fake of fakes.all()) {
      fake.handler = (request, res) => {
        if (request.method !== 'GET') return false;
        const text = encode(keyIn(request) || 'no-key', encoding);
        const entry =
          fake.kind === 'anthropic'
            ? { type: 'model', id: `claude-${text}`, display_name: text, created_at: '2025-01-01T00:00:00Z' }
            : { id: `m-${text}`, object: 'model', created: 1, owned_by: text, name: text };
        const list =
          fake.kind === 'anthropic' ? { data: [entry], has_more: false, first_id: entry.id, last_id: entry.id } : { object: 'list', data: [entry] };
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': text });
        writeSplit(res, JSON.stringify(list), text);
        return true;
      };
    }
  }

  test.each(ENCODINGS)('lists whose entries echo the key %s leak it into neither shape nor listModels()', async (encoding) => {
    echoLists(encoding);
    const openaiShape = await rawRequest({ url: `${host.url}/v1/models`, method: 'GET' });
    const anthropicShape = await rawRequest({ url: `${host.url}/v1/models`, method: 'GET', headers: { 'anthropic-version': '2023-06-01' } });
    expect([openaiShape.status, anthropicShape.status]).toEqual([200, 200]);
    // Every provider's entry is there: the lists were read, not dropped.
    expect((JSON.parse(openaiShape.text) as { data: unknown[] }).data.length).toBeGreaterThanOrEqual(4);
    expect(JSON.parse(anthropicShape.text)).toMatchObject({ has_more: false });
    const listed = JSON.stringify(await host.router.listModels());
    expect([...(await leaksOf(openaiShape)), ...(await leaksOf(anthropicShape)), ...leaksIn('listModels()', listed)]).toEqual([]);
  });

  test.each(ENCODINGS)('lists that fail echoing the key %s leak it into no models.error event or log line', async (encoding) => {
    for (const fake of fakes.all()) {
      fake.handler = (request, res) => {
        if (request.method !== 'GET') return false;
        const text = encode(keyIn(request) || 'no-key', encoding);
        res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': text });
        writeSplit(res, fake.kind === 'anthropic' ? anthropicError(text) : openAIError(text), text);
        return true;
      };
    }
    const response = await rawRequest({ url: `${host.url}/v1/models`, method: 'GET' });
    expect(response.status).toBe(200);
    expect(observed.events.filter((event) => event.type === 'models.error').length).toBeGreaterThanOrEqual(3);
    expect(await leaksOf(response)).toEqual([]);
  });
});

// --- the host's client credentials and the other providers' keys ------------------------------------

/** The host's own token, as its clients send it under every name. */
const HOST_SECRET = 'host-secret-d41d8cd98f00';
const CREDENTIALS: Record<string, string> = {
  authorization: `Bearer ${HOST_SECRET}`,
  'x-api-key': HOST_SECRET,
  cookie: `sid=${HOST_SECRET}`,
  'x-goog-api-key': HOST_SECRET,
  'api-key': HOST_SECRET,
  'proxy-authorization': `Basic ${HOST_SECRET}`,
};

/** Every key but `own` (the provider's own key, when it has one). */
function foreignKeys(own: string | undefined): string[] {
  return Object.values(ALL_KEYS).filter((key) => key !== own);
}

/** What `request` carried that it must not have: the host's secret, or a key that is not its provider's. */
function foreignIn(request: RecordedRequest, own: string | undefined): string[] {
  const carried = `${request.method} ${request.url}\n${JSON.stringify(request.headers)}\n${request.rawBody}`;
  const found: string[] = [];
  if (carried.includes(HOST_SECRET)) found.push(`the host's secret in ${request.method} ${request.url}`);
  for (const key of foreignKeys(own)) if (carried.includes(key)) found.push(`${key.slice(0, 12)}... in ${request.method} ${request.url}`);
  return found;
}

const OWN_KEY: Record<ProviderId, string> = { openai: KEYS.openai, openrouter: KEYS.openrouter, anthropic: KEYS.anthropic, local: LOCAL_KEY };

/** One request on each route a provider serves, with the host's credentials and a trick header. */
async function everyRoute(target: Host, provider: ProviderId, extraHeaders: Record<string, string | string[]>): Promise<RawResponse[]> {
  const model = MODEL_FOR[provider];
  const headers = { 'content-type': 'application/json', ...CREDENTIALS, ...extraHeaders };
  const post = (path: string, body: unknown): Promise<RawResponse> =>
    rawRequest({ url: `${target.url}${path}`, headers, body: JSON.stringify(body) });
  return [
    await post('/v1/chat/completions', chatBody(model)),
    await post('/v1/chat/completions', chatBody(model, { stream: true })),
    await post('/v1/messages', messagesBody(model)),
    await post('/v1/messages', messagesBody(model, { stream: true })),
    await post('/v1/responses', { model, input: 'hi' }),
    ...(provider === 'anthropic' || provider === 'local' ? [await post('/v1/messages/count_tokens', messagesBody(model))] : []),
    await rawRequest({ url: `${target.url}/v1/models`, method: 'GET', headers }),
  ];
}

describe("the host's client credentials never reach an upstream, nor another provider's key", () => {
  const tricks: Array<[string, Record<string, string | string[]>]> = [
    ['Expect: 100-continue', { expect: '100-continue' }],
    [
      'Connection naming the credentials and the auth headers (hop-by-hop)',
      { connection: 'keep-alive, x-api-key, authorization, cookie, anthropic-version, content-type' },
    ],
    [
      'duplicated and oddly cased credential headers',
      { 'X-API-KEY': [HOST_SECRET, HOST_SECRET], Authorization: [`Bearer ${HOST_SECRET}`], 'Api-Key': HOST_SECRET, 'X-Goog-Api-Key': HOST_SECRET },
    ],
  ];
  const cases = PROVIDER_IDS.flatMap((provider) => tricks.map(([name, headers]) => [provider, name, headers] as const));

  test.each(cases)('to %s, with %s: every route, every request only with its own key', async (provider, _trick, headers) => {
    const responses = await everyRoute(host, provider, headers);
    for (const response of responses) expect([200, 400]).toContain(response.status);
    expect(responses.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(responses.length - 1);
    const problems: string[] = [];
    for (const fake of fakes.all()) {
      for (const request of fake.requests) {
        const own = OWN_KEY[fake.kind];
        problems.push(...foreignIn(request, own));
        // Its own key, under its own header: a client cannot strip it by naming it in Connection.
        const auth = fake.kind === 'anthropic' ? request.headers['x-api-key'] : request.headers.authorization;
        expect(auth).toBe(fake.kind === 'anthropic' ? own : `Bearer ${own}`);
        expect(request.headers.expect).toBeUndefined();
        expect(request.headers.cookie).toBeUndefined();
        expect(request.headers['x-goog-api-key']).toBeUndefined();
        expect(request.headers['api-key']).toBeUndefined();
        expect(request.headers['proxy-authorization']).toBeUndefined();
        if (fake.kind !== 'anthropic') expect(request.headers['x-api-key']).toBeUndefined();
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the fallback llama-server without LOCAL_API_KEY, behind a hook that returns odd headers', () => {
  test.each([
    ['an unmatched model', 'some-model.gguf'],
    ['local/<id>', 'local/gpt-4o'],
  ])('%s: no cloud key, no client credential, no hook auth beyond what the host added, no framing from the hook', async (_name, model) => {
    const headers = { 'content-type': 'application/json', ...CREDENTIALS };
    const post = (path: string, body: unknown): Promise<RawResponse> =>
      rawRequest({ url: `${keylessHost.url}${path}`, headers, body: JSON.stringify(body) });
    const responses = [
      await post('/v1/chat/completions', chatBody(model)),
      await post('/v1/chat/completions', chatBody(model, { stream: true })),
      await post('/v1/messages', messagesBody(model)),
      await post('/v1/messages/count_tokens', messagesBody(model)),
      await post('/v1/responses', { model, input: 'hi' }),
      await post('/v1/completions', { model, prompt: 'hi' }),
      await post('/v1/embeddings', { model, input: 'hi' }),
      await rawRequest({ url: `${keylessHost.url}/v1/models`, method: 'GET', headers }),
    ];
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    expect(fakes.local.requests.filter((request) => request.method === 'POST')).toHaveLength(7);
    for (const request of fakes.local.requests) {
      expect(foreignIn(request, undefined)).toEqual([]);
      if (request.method === 'GET') continue;
      // The hook's own headers are the host's to add; what frames the message stays the transport's.
      expect(request.headers.host).not.toBe('evil.example');
      expect(request.headers['transfer-encoding']).toBeUndefined();
      expect(Number(request.headers['content-length'])).toBe(Buffer.byteLength(request.rawBody));
      expect(request.headers.expect).toBeUndefined();
      expect(request.headers['x-array']).toBeUndefined();
      expect(request.headers['x-number']).toBeUndefined();
      expect(request.headers['x-null']).toBeUndefined();
      expect(request.headers['x-object']).toBeUndefined();
    }
    // The hook ran on the answers, and what it added reached the client.
    for (const response of responses.slice(0, -1)) expect(response.headers['x-hook']).toBe('1');
  });

  test('a cloud provider behind the same hook keeps its own auth, whatever the hook set', async () => {
    const responses = [
      await rawRequest({
        url: `${keylessHost.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(chatBody(MODEL_FOR.openai)),
      }),
      await rawRequest({
        url: `${keylessHost.url}/v1/messages`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(messagesBody(MODEL_FOR.anthropic)),
      }),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    const [toOpenAI] = fakes.openai.requests;
    const [toAnthropic] = fakes.anthropic.requests;
    expect(toOpenAI!.headers.authorization).toBe(`Bearer ${KEYS.openai}`);
    expect(toAnthropic!.headers['x-api-key']).toBe(KEYS.anthropic);
    // Nor does a hook's auth go beside it: the key is the request's only auth.
    expect(toOpenAI!.headers['x-api-key']).toBeUndefined();
    expect(toAnthropic!.headers.authorization).toBeUndefined();
    expect(foreignIn(toOpenAI!, KEYS.openai)).toEqual([]);
    expect(foreignIn(toAnthropic!, KEYS.anthropic)).toEqual([]);
  });
});

describe("a host adapter's key it does not list in secrets", () => {
  const AZURE_KEY = 'azure-default-QwErTyUiOpAsDfGhJk';
  const GATEWAY_KEY = 'gw-authentication-ZxCvBnMlKjHgFdSa';
  /** A key the host's adapter reads from its store on each request: rotated after the router was created. */
  const store = { key: 'rotating-first-key-PlOkMiJnUhBy' };
  const ROTATED_KEY = 'rotating-second-key-QaZwSxEdCrFv';
  let azureHost: Host;
  const hookSaw: string[] = [];
  beforeAll(async () => {
    const azure = defineProvider({
      id: 'azure',
      dialect: 'openai',
      baseUrl: fakes.openai.baseUrl,
      enabled: true,
      defaultHeaders: { 'api-key': AZURE_KEY },
      upstreamHeaders: () => ({}),
    });
    // A gateway that reads its key from `Authentication` (not `Authorization`).
    const gateway = defineProvider({
      id: 'gateway',
      dialect: 'openai',
      baseUrl: fakes.openrouter.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({ Authentication: `Token ${GATEWAY_KEY}` }),
    });
    const rotating = defineProvider({
      id: 'rotating',
      dialect: 'openai',
      baseUrl: fakes.local.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({ authorization: `Bearer ${store.key}` }),
      listModels: async (context) => ((await context.getJson(`${fakes.local.baseUrl}/models`)) as { data: Array<{ id: string }> }).data,
    });
    azureHost = await startHost({
      env: envFor(fakes),
      providers: { azure, gateway, rotating },
      conversationLogger: observed.conversationLogger,
      modelsTtlMs: 1,
      scrubHeaders: (headers) => {
        hookSaw.push(JSON.stringify(headers));
        return headers;
      },
    });
  });
  afterAll(() => azureHost?.close());

  test('in an `Authentication` header of upstreamHeaders(): its echo is redacted', async () => {
    fakes.openrouter.handler = (request, res) => {
      const echoed = String(request.headers.authentication).replace(/^Token /, '');
      res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': `req_${echoed}` });
      res.end(openAIError(echoed));
    };
    const response = await rawRequest({
      url: `${azureHost.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody('gateway/llama')),
    });
    expect(response.status).toBe(401);
    expect(response.text).toContain(MARKER);
    expect(fakes.openrouter.requests[0]!.headers.authentication).toBe(`Token ${GATEWAY_KEY}`);
    expect(`${headerText(response.rawHeaders)}\n${response.text}`).not.toContain(GATEWAY_KEY.slice(-12));
  });

  test('read from a store on each request, rotated after creation: the new key is redacted everywhere too', async () => {
    store.key = ROTATED_KEY;
    const echo = (request: RecordedRequest): string => keyIn(request);
    fakes.local.handler = (request, res) => {
      if (request.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: `m-${echo(request)}`, object: 'model', owned_by: echo(request) }] }));
        return;
      }
      // The first request fails echoing the key; the second is answered, its text echoing it.
      if (request.body?.stream !== true) {
        res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': `req_${echo(request)}` });
        res.end(openAIError(echo(request)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = {
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: `${MARKER} ${echo(request)}` }, finish_reason: 'stop' }],
      };
      res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
    };
    const events: string[] = [];
    azureHost.router.telemetry.on('event', (event) => events.push(JSON.stringify(event)));
    const post = (body: unknown): Promise<RawResponse> =>
      rawRequest({ url: `${azureHost.url}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const response = await post(chatBody('rotating/llama'));
    const streamed = await post(chatBody('rotating/llama', { stream: true }));
    const models = await rawRequest({ url: `${azureHost.url}/v1/models`, method: 'GET' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([response.status, streamed.status]).toEqual([401, 200]);
    expect(response.text).toContain(MARKER);
    expect(streamed.text).toContain(MARKER);
    expect(observed.records).toHaveLength(2);
    expect(fakes.local.requests[0]!.headers.authorization).toBe(`Bearer ${ROTATED_KEY}`);
    const written = [
      headerText(response.rawHeaders),
      response.text,
      streamed.text,
      models.text,
      JSON.stringify(await azureHost.router.listModels()),
      ...events,
    ];
    written.push(...observed.records.map((record) => JSON.stringify(record)));
    for (const text of written) expect(text).not.toContain(ROTATED_KEY.slice(-12));
  });

  test('read from a store, rotated after creation: a model list failing with it echoed reports it redacted in models.error and the log', async () => {
    const listStore = { key: 'listing-first-key-WsXcDeRfVbGt' };
    const LISTING_ROTATED = 'listing-second-key-YhNmJuIkLoPp';
    // A host adapter that lists with its own client and throws the provider's 401 text.
    const listing = defineProvider({
      id: 'listing',
      dialect: 'openai',
      baseUrl: fakes.local.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({ authorization: `Bearer ${listStore.key}` }),
      listModels: () => Promise.reject(new Error(`401 Incorrect API key provided: ${listStore.key}`)),
    });
    const logged: string[] = [];
    const record = (message: string, meta?: Record<string, unknown>): void => void logged.push(`${message} ${JSON.stringify(meta)}`);
    const listingHost = await startHost({
      env: envFor({ local: fakes.local }),
      providers: { listing },
      modelsTtlMs: 1,
      logger: { warn: record, error: record },
    });
    try {
      const events: string[] = [];
      listingHost.router.telemetry.on('models.error', (event) => events.push(JSON.stringify(event)));
      listStore.key = LISTING_ROTATED;
      await listingHost.router.listModels();
      expect(events).toHaveLength(1);
      expect(events[0]).toContain('Incorrect API key provided');
      expect(logged).toHaveLength(1);
      for (const text of [...events, ...logged]) expect(text).not.toContain(LISTING_ROTATED.slice(-12));
    } finally {
      await listingHost.close();
    }
  });

  test('in defaultHeaders: the upstream gets it, the hook never sees it, and its echo is redacted', async () => {
    fakes.openai.handler = (request, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': `req_${String(request.headers['api-key'])}` });
      res.end(openAIError(String(request.headers['api-key'])));
    };
    const response = await rawRequest({
      url: `${azureHost.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody('azure/gpt-4o')),
    });
    expect(response.status).toBe(401);
    expect(response.text).toContain(MARKER);
    expect(fakes.openai.requests[0]!.headers['api-key']).toBe(AZURE_KEY);
    expect(`${headerText(response.rawHeaders)}\n${response.text}`).not.toContain(AZURE_KEY.slice(0, 12));
    expect(hookSaw.length).toBeGreaterThanOrEqual(2);
    expect(hookSaw.join('\n')).not.toContain(AZURE_KEY.slice(0, 12));
  });
});
