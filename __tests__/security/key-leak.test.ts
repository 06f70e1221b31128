/**
 * Key-leak matrix: for every provider, both client dialects, streamed or not, and every way an
 * exchange can end, no configured key, nor any 12-character piece of one, reaches the client's
 * headers or body, a telemetry event or a conversation record.
 */
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import {
  PROVIDER_IDS,
  startFakes,
  type Dialect,
  type Fakes,
  type FakeUpstream,
  type ProviderId,
  type RecordedRequest,
} from '../support/fake-upstream';
import { defineProvider } from '../../lib';
import { envFor, startHost, type Host } from '../support/host';
import { sendJson } from '../support/upstream-answers';
import { rawRequest, sendRequest } from '../support/http-client';
import { observe } from '../support/observe';
import { waitUntil } from '../support/wait';
import { MODEL_FOR, ROUTE_OF, requestBody } from './helpers/hosts';
import { ALL_KEYS, LOCAL_KEY, findLeaks, headerText, innerPiece } from './helpers/secrets';

type LeakCase =
  | 'success'
  | 'upstream error echoing the key in body and headers'
  | 'upstream error echoing the key in a header name'
  | 'error echoing the key in its type and code fields (401, or mid-stream when streamed)'
  | 'timeout'
  | 'client abort'
  | 'mid-stream failure echoing the key'
  | 'mid-stream failure echoing a 12-character piece of the key'
  | 'mid-stream failure echoing the key, split across two upstream writes'
  | 'a redirect whose Location echoes the key'
  | 'a gzip-compressed HTML error page echoing the key';

const CASES: readonly LeakCase[] = [
  'success',
  'upstream error echoing the key in body and headers',
  'upstream error echoing the key in a header name',
  'error echoing the key in its type and code fields (401, or mid-stream when streamed)',
  'timeout',
  'client abort',
  'mid-stream failure echoing the key',
  'mid-stream failure echoing a 12-character piece of the key',
  'mid-stream failure echoing the key, split across two upstream writes',
  'a redirect whose Location echoes the key',
  'a gzip-compressed HTML error page echoing the key',
];

/** Text the scripted upstream messages carry, to prove they reached the client (redacted). */
const ERROR_MARKER = 'MARKER-UPSTREAM-401';
const MIDSTREAM_MARKER = 'MARKER-MIDSTREAM';

let fakes: Fakes;
let host: Host;
/** Same configuration with `PROVIDER_TIMEOUT_MS=150`, for the timeout case. */
let timeoutHost: Host;
const observed = observe();

beforeAll(async () => {
  fakes = await startFakes();
  const env = { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY };
  host = await startHost({ env, conversationLogger: observed.conversationLogger });
  timeoutHost = await startHost({ env: { ...env, PROVIDER_TIMEOUT_MS: '150' }, conversationLogger: observed.conversationLogger });
  observed.listen(host.router);
  observed.listen(timeoutHost.router);
});
afterEach(() => {
  fakes.reset();
  observed.clear();
});
afterAll(async () => {
  await Promise.all([host?.close(), timeoutHost?.close()]);
  await fakes?.close();
});

// --- what the scripted upstreams send -------------------------------------------------------

/** Headers a careless upstream might send back: every value echoes the key or a piece of it. */
function echoingHeaders(key: string): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': key,
    'x-ratelimit-remaining-tokens': innerPiece(key),
    'x-ratelimit-reset-requests': `${key}s`,
    'anthropic-ratelimit-requests-limit': key,
    'anthropic-ratelimit-tokens-remaining': innerPiece(key),
    'retry-after': key,
    'retry-after-ms': innerPiece(key),
    'x-request-id': `req_${key}`,
    'request-id': `req_${innerPiece(key)}`,
    'www-authenticate': `Bearer realm="api", error="invalid_token", key="${key}"`,
    'set-cookie': `session=${key}; Path=/`,
    'openai-organization': key,
    'anthropic-organization-id': key,
    'x-error-detail': key,
  };
}

function echoError(fake: FakeUpstream, request: RecordedRequest, res: ServerResponse, key: string, headers: Record<string, string>): void {
  const message = `${ERROR_MARKER} Incorrect API key provided: ${key}. (key ${innerPiece(key)}...)`;
  const body =
    fake.dialectOf(request) === 'messages'
      ? { type: 'error', error: { type: 'authentication_error', message }, request_id: `req_${key}` }
      : { error: { message, type: 'invalid_request_error', param: key, code: 'invalid_api_key' } };
  res.writeHead(401, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The frames of a stream that starts well, in the fake's dialect. */
function openingFrames(anthropicDialect: boolean): string[] {
  if (anthropicDialect) {
    return [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}\n\n',
    ];
  }
  return [
    'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n',
  ];
}

/** A provider's own in-stream error frame carrying `message`. */
function errorFrame(fake: FakeUpstream, anthropicDialect: boolean, message: string): string {
  if (anthropicDialect) return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`;
  if (fake.kind === 'openrouter') {
    // OpenRouter's shape: the error beside `choices`, finish_reason "error".
    return `data: ${JSON.stringify({
      id: 'gen-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      error: { code: 502, message },
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
    })}\n\n`;
  }
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', code: null } })}\n\n`;
}

/** Scripts `fake` to answer the next request as `leakCase` needs. */
function script(fake: FakeUpstream, key: string, leakCase: LeakCase, stream: boolean): void {
  switch (leakCase) {
    case 'success':
      return;
    case 'upstream error echoing the key in body and headers':
      fake.handler = (request, res) => echoError(fake, request, res, key, echoingHeaders(key));
      return;
    case 'upstream error echoing the key in a header name':
      // Node lower-cases header names: a key in a name comes out lower-cased.
      fake.handler = (request, res) =>
        echoError(fake, request, res, key, { [`x-ratelimit-${key.toLowerCase()}`]: '1', [`anthropic-ratelimit-${key.toLowerCase()}`]: '1' });
      return;
    case 'error echoing the key in its type and code fields (401, or mid-stream when streamed)':
      fake.handler = (request, res) => {
        const anthropicDialect = fake.dialectOf(request) === 'messages';
        const message = `${stream ? MIDSTREAM_MARKER : ERROR_MARKER} rejected`;
        const error = { message, type: `invalid_key_${key}`, code: `${innerPiece(key)}_rejected` };
        if (!stream) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(anthropicDialect ? { type: 'error', error } : { error }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const frame of openingFrames(anthropicDialect)) res.write(frame);
        res.write(
          anthropicDialect ? `event: error\ndata: ${JSON.stringify({ type: 'error', error })}\n\n` : `data: ${JSON.stringify({ error })}\n\n`,
        );
        setTimeout(() => res.destroy(), 10);
      };
      return;
    case 'a redirect whose Location echoes the key':
      fake.handler = (_request, res) => {
        res.writeHead(307, { location: `https://login.example/?key=${key}&hint=${innerPiece(key)}`, 'x-redirect-key': key });
        res.end(`${ERROR_MARKER} moved: ${key}`);
      };
      return;
    case 'a gzip-compressed HTML error page echoing the key':
      fake.handler = (_request, res) => {
        res.writeHead(401, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'www-authenticate': `Bearer ${key}` });
        res.end(gzipSync(`<html><body><h1>${ERROR_MARKER}</h1><p>Invalid key ${key} (${innerPiece(key)})</p></body></html>`));
      };
      return;
    case 'timeout':
    case 'client abort':
      fake.handler = (request, res) => {
        // Streams start and then hang; other answers never start.
        if (leakCase === 'client abort' && stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const frame of openingFrames(fake.dialectOf(request) === 'messages')) res.write(frame);
        }
      };
      return;
    case 'mid-stream failure echoing the key':
    case 'mid-stream failure echoing a 12-character piece of the key':
    case 'mid-stream failure echoing the key, split across two upstream writes': {
      const echoed =
        leakCase === 'mid-stream failure echoing a 12-character piece of the key' ? `key ending ${innerPiece(key)}` : `${key} (${innerPiece(key)})`;
      const message = `${MIDSTREAM_MARKER} upstream failed for ${echoed}`;
      fake.handler = (request, res) => {
        const anthropicDialect = fake.dialectOf(request) === 'messages';
        let tail: string;
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const frame of openingFrames(anthropicDialect)) res.write(frame);
          tail = errorFrame(fake, anthropicDialect, message);
        } else {
          // A JSON answer cut off in the middle, its partial text echoing the key.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
          tail = `{"id":"x","error":{"message":${JSON.stringify(message)}},"choices":[{"message":{"content":"${echoed}`;
        }
        if (leakCase !== 'mid-stream failure echoing the key, split across two upstream writes') {
          res.write(tail);
          setTimeout(() => res.destroy(), 10);
          return;
        }
        // The key cut in the middle: each write holds one half (each longer than 12 characters).
        const cut = tail.indexOf(key) + Math.floor(key.length / 2);
        res.write(tail.slice(0, cut));
        setTimeout(() => {
          res.write(tail.slice(cut));
          setTimeout(() => res.destroy(), 10);
        }, 25);
      };
      return;
    }
  }
}

// --- the matrix ---------------------------------------------------------------------------

const matrix: Array<[Dialect, ProviderId, boolean, LeakCase]> = [];
for (const dialect of ['chat', 'messages'] as const) {
  for (const provider of PROVIDER_IDS) {
    for (const stream of [false, true]) {
      for (const leakCase of CASES) matrix.push([dialect, provider, stream, leakCase]);
    }
  }
}

describe('no key, nor a 12-character piece of one, leaves the router', () => {
  test.each(matrix)('%s dialect, %s, stream=%s: %s', async (dialect, provider, stream, leakCase) => {
    const fake = fakes[provider];
    const key = ALL_KEYS[provider];
    script(fake, key, leakCase, stream);
    const target = leakCase === 'timeout' ? timeoutHost : host;
    const url = `${target.url}${ROUTE_OF[dialect]}`;
    const body = JSON.stringify(requestBody(dialect, MODEL_FOR[provider], stream));
    const headers = { 'content-type': 'application/json' };

    let status: number | undefined;
    let rawHeaders: string[];
    let text: string;
    if (leakCase === 'client abort') {
      const call = sendRequest({ url, headers, body });
      if (stream) await call.waitForBody((received) => received.length > 0);
      else await waitUntil(() => fake.requests.length === 1, 3000, 'the upstream to receive the request');
      call.abort();
      await waitUntil(() => observed.events.some((e) => e.type === 'request.end'), 3000, 'request.end');
      ({ status, rawHeaders, text } = call.received());
    } else {
      const res = await rawRequest({ url, headers, body });
      ({ status, rawHeaders, text } = res);
    }
    await waitUntil(
      () => observed.events.some((e) => e.type === 'request.end') && observed.records.length > 0,
      3000,
      'request.end and the conversation record',
    );

    // The case really happened as scripted (else the test proves nothing).
    const end = observed.events.find((e) => e.type === 'request.end');
    expect(end).toMatchObject({ provider });
    expect(fake.requests).toHaveLength(1);
    switch (leakCase) {
      case 'success':
        expect(status).toBe(200);
        expect(end).toMatchObject({ outcome: 'ok' });
        break;
      case 'upstream error echoing the key in body and headers':
      case 'upstream error echoing the key in a header name':
      case 'error echoing the key in its type and code fields (401, or mid-stream when streamed)':
        expect(status).toBe(stream && leakCase.startsWith('error echoing') ? 200 : 401);
        expect(text).toContain(stream && leakCase.startsWith('error echoing') ? MIDSTREAM_MARKER : ERROR_MARKER);
        expect(end).toMatchObject({ outcome: 'error' });
        break;
      case 'a redirect whose Location echoes the key':
        expect(status).toBe(502);
        expect(text).toContain('redirect');
        expect(end).toMatchObject({ outcome: 'error' });
        break;
      case 'a gzip-compressed HTML error page echoing the key':
        expect(status).toBe(401);
        expect(text).toContain(ERROR_MARKER);
        expect(end).toMatchObject({ outcome: 'error' });
        break;
      case 'timeout':
        expect(status).toBe(504);
        expect(end).toMatchObject({ outcome: 'error' });
        break;
      case 'client abort':
        expect(end).toMatchObject({ outcome: 'aborted' });
        break;
      default:
        expect(end).toMatchObject({ outcome: 'error' });
        if (stream) {
          expect(status).toBe(200);
          expect(text).toContain(MIDSTREAM_MARKER);
        } else {
          expect(status).toBe(502);
        }
    }

    const leaks = [
      ...findLeaks('response headers', headerText(rawHeaders)),
      ...findLeaks('response body', text),
      ...observed.events.flatMap((event) => findLeaks(`telemetry ${event.type}`, JSON.stringify(event))),
      ...observed.records.flatMap((record) => findLeaks('conversation record', JSON.stringify(record))),
    ];
    expect(leaks).toEqual([]);
  });
});

describe('the matrix can see a leak', () => {
  // Guards the detector itself: were findLeaks blind, every case above would pass vacuously.
  test('findLeaks reports a whole key, a 12-character piece and a lower-cased piece of every key', () => {
    for (const key of Object.values(ALL_KEYS)) {
      expect(findLeaks('x', `a ${key} b`)).toHaveLength(1);
      expect(findLeaks('x', `a ${innerPiece(key)} b`)).toHaveLength(1);
      expect(findLeaks('x', `a ${innerPiece(key).toLowerCase()} b`)).toHaveLength(1);
      expect(findLeaks('x', `a ${key.slice(0, 11)} b`)).toHaveLength(0);
    }
  });
});

describe('POST /responses (passed through to OpenAI and OpenRouter, bridged to llama-server, translated to Anthropic)', () => {
  /** The upstream's own error frame, in the wire format it speaks on `request`'s path. */
  function failingFrames(fake: FakeUpstream, request: RecordedRequest, message: string): string {
    if (fake.speaksResponses(request)) {
      return [
        'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[]}}\n\n',
        `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 1, response: { id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code: 'server_error', message } } })}\n\n`,
      ].join('');
    }
    return [...openingFrames(fake.dialectOf(request) === 'messages'), errorFrame(fake, fake.dialectOf(request) === 'messages', message)].join('');
  }

  const cases = PROVIDER_IDS.flatMap((provider) =>
    (['upstream error echoing the key in body and headers', 'mid-stream failure echoing the key'] as const).flatMap((leakCase) =>
      [false, true].map((stream) => [provider, leakCase, stream] as const),
    ),
  );
  test.each(cases)('%s: %s, stream=%s', async (provider, leakCase, stream) => {
    const fake = fakes[provider];
    const key = ALL_KEYS[provider];
    if (leakCase === 'upstream error echoing the key in body and headers') {
      fake.handler = (request, res) => echoError(fake, request, res, key, echoingHeaders(key));
    } else {
      fake.handler = (request, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(failingFrames(fake, request, `${MIDSTREAM_MARKER} failed for ${key} (${innerPiece(key)})`));
        setTimeout(() => res.destroy(), 10);
      };
    }
    const res = await rawRequest({
      url: `${host.url}/v1/responses`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL_FOR[provider], input: 'hi', stream }),
    });
    await waitUntil(() => observed.events.some((e) => e.type === 'request.end'), 3000, 'request.end');
    expect(fake.requests).toHaveLength(1);
    expect(observed.events.find((e) => e.type === 'request.end')).toMatchObject({ provider, endpoint: 'responses', outcome: 'error' });
    if (leakCase === 'upstream error echoing the key in body and headers') {
      expect(res.status).toBe(401);
      expect(res.text).toContain(ERROR_MARKER);
    } else {
      expect(res.status).toBe(stream ? 200 : 502);
      if (stream) expect(res.text).toContain('response.failed');
    }
    const leaks = [
      ...findLeaks('response headers', headerText(res.rawHeaders)),
      ...findLeaks('response body', res.text),
      ...observed.events.flatMap((event) => findLeaks(`telemetry ${event.type}`, JSON.stringify(event))),
      ...observed.records.flatMap((record) => findLeaks('conversation record', JSON.stringify(record))),
    ];
    expect(leaks).toEqual([]);
  });
});

describe('GET /models', () => {
  test('model lists that fail echoing their key leak nothing into the list, its headers or models.error events', async () => {
    for (const fake of fakes.all()) {
      const key = ALL_KEYS[fake.kind];
      fake.handler = (request, res) => echoError(fake, request, res, key, echoingHeaders(key));
    }
    const events = observe();
    const listHost = await startHost({ env: { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY } });
    events.listen(listHost.router);
    try {
      for (const headers of [{}, { 'anthropic-version': '2023-06-01' }] as Array<Record<string, string>>) {
        const res = await rawRequest({ url: `${listHost.url}/v1/models`, method: 'GET', headers });
        expect(res.status).toBe(200);
        expect([...findLeaks('response headers', headerText(res.rawHeaders)), ...findLeaks('response body', res.text)]).toEqual([]);
      }
      // Every provider's list was asked for, failed, and was reported.
      expect(fakes.all().every((fake) => fake.requests.some((request) => request.method === 'GET' && request.url.includes('/models')))).toBe(true);
      expect(new Set(events.events.filter((e) => e.type === 'models.error').map((e) => e.provider))).toEqual(new Set(PROVIDER_IDS));
      expect(events.events.flatMap((event) => findLeaks(`telemetry ${event.type}`, JSON.stringify(event)))).toEqual([]);
    } finally {
      await listHost.close();
    }
  });

  test('a model list that echoes its key in an id, owned_by or another field leaks it into neither list shape nor listModels()', async () => {
    for (const fake of fakes.all()) {
      const key = ALL_KEYS[fake.kind];
      fake.handler = (request, res) => {
        if (request.method !== 'GET') return false;
        const data =
          fake.kind === 'anthropic'
            ? [{ type: 'model', id: `claude-${key}`, display_name: `Claude ${innerPiece(key)}`, created_at: '2026-01-01T00:00:00Z' }]
            : [{ id: `m-${key}`, object: 'model', created: 1, owned_by: `owner ${innerPiece(key)}`, name: key, [`meta-${key}`]: key }];
        sendJson(res, 200, fake.kind === 'anthropic' ? { data, has_more: false } : { object: 'list', data });
        return true;
      };
    }
    const listHost = await startHost({ env: { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY } });
    try {
      for (const headers of [{}, { 'anthropic-version': '2023-06-01' }] as Array<Record<string, string>>) {
        const res = await rawRequest({ url: `${listHost.url}/v1/models`, method: 'GET', headers });
        expect(res.status).toBe(200);
        // Every provider's entry is listed, its key replaced.
        expect(res.text.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(PROVIDER_IDS.length);
        expect(findLeaks('response body', res.text)).toEqual([]);
      }
      const listed = await listHost.router.listModels();
      expect(new Set(listed.map((model) => model.provider))).toEqual(new Set(PROVIDER_IDS));
      expect(findLeaks('listModels()', JSON.stringify(listed))).toEqual([]);
    } finally {
      await listHost.close();
    }
  });
});

describe("the router's own refusals", () => {
  test('a key the client puts in its Content-Type or x-request-id is not echoed back, nor into telemetry', async () => {
    const key = ALL_KEYS.openai;
    const events = observe();
    events.listen(host.router);
    const answers = [
      await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': `text/plain; x=${key}`, origin: 'https://elsewhere.example' },
        body: '{}',
      }),
      await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': key },
        body: JSON.stringify({ model: '' }),
      }),
      await rawRequest({ url: `${host.url}/v1/responses/resp_1`, method: 'GET', headers: { 'x-request-id': key } }),
    ];
    expect(answers.map((res) => res.status)).toEqual([415, 400, 404]);
    expect(answers[0]!.text).toContain('text/plain');
    for (const res of answers) {
      expect([...findLeaks('response headers', headerText(res.rawHeaders)), ...findLeaks('response body', res.text)]).toEqual([]);
    }
    expect(events.events.flatMap((event) => findLeaks(`telemetry ${event.type}`, JSON.stringify(event)))).toEqual([]);
  });
});

describe('upstream text the router quotes cut at 2000 characters', () => {
  /** Where the key starts: the first 10 of its characters fall inside the quote, too few to be found once cut. */
  const KEY_AT = 2000 - 10;

  test.each([
    [
      'a 401 whose body is no JSON, to a chat client',
      'openai',
      'chat',
      (key: string) => (res: ServerResponse) => {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end(`${'x'.repeat(KEY_AT)}${key} is not a valid key`);
      },
    ],
    [
      "a load balancer's 502 page, to a Messages client on passthrough",
      'anthropic',
      'messages',
      (key: string) => (res: ServerResponse) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end(`<html>${'x'.repeat(KEY_AT - 6)}${key}</html>`);
      },
    ],
    [
      'an error without a message sent with a 200, quoted as JSON',
      'openrouter',
      'chat',
      (key: string) => (res: ServerResponse) => {
        const prefix = JSON.stringify({ error: { code: 503, detail: '' } }).indexOf('""') + 1;
        sendJson(res, 200, { error: { code: 503, detail: `${'x'.repeat(KEY_AT - prefix)}${key}` } });
      },
    ],
    [
      "llama-server's old error: line whose text is no JSON",
      'local',
      'chat',
      (key: string) => (res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`error: ${'x'.repeat(KEY_AT)}${key}\n\n`);
      },
    ],
  ] as const)(
    '%s: the key is redacted before the text is cut; no piece of it reaches the client, telemetry or the log',
    async (_name, provider, dialect, answer) => {
      const key = ALL_KEYS[provider];
      fakes[provider].handler = (_request, res) => answer(key)(res);
      const res = await rawRequest({
        url: `${host.url}${ROUTE_OF[dialect]}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(requestBody(dialect, MODEL_FOR[provider], provider === 'local')),
      });
      const [end] = await observed.waitForEnds(1);
      expect(end).toMatchObject({ provider, outcome: 'error' });
      // The quote reached them: its cut, not its absence, is what is tested.
      expect(res.text).toContain('xxxxxxxxxx');
      await waitUntil(() => observed.records.length > 0, 3000, 'the conversation record');
      for (const [where, text] of [
        ['response body', res.text],
        ['request.end', JSON.stringify(end)],
        ['conversation record', JSON.stringify(observed.records)],
      ] as const) {
        expect({ where, leaked: text.includes(key.slice(0, 6)) }).toEqual({ where, leaked: false });
      }
    },
  );
});

describe("a host's own adapter", () => {
  test('the key it sets in its headers without listing it in secrets is redacted all the same', async () => {
    const key = 'az-host-adapter-key-0123456789abcdef';
    const mine = defineProvider({
      id: 'azure',
      dialect: 'openai',
      baseUrl: fakes.openai.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({ 'api-key': key, 'x-max-tokens': '4096' }),
    });
    fakes.openai.handler = (_request, res) =>
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } });
    const adapterHost = await startHost({ env: envFor({}), providers: { azure: mine } });
    try {
      const answer = await rawRequest({
        url: `${adapterHost.url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'azure/gpt-4o', messages: [{ role: 'user', content: 'hi 4096' }] }),
      });
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('Incorrect API key provided');
      expect(answer.text).not.toContain(key.slice(6, 18));
      expect(fakes.openai.requests.at(-1)?.headers['api-key']).toBe(key);
    } finally {
      fakes.openai.reset();
      await adapterHost.close();
    }
  });
});

describe('telemetry and the router log: request fields that quote a client or an upstream', () => {
  test('a key pasted into model, and one an upstream puts in its answer model, reach no event', async () => {
    const key = ALL_KEYS.openrouter;
    fakes.openrouter.handler = (_request, res) =>
      sendJson(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: `echo-${ALL_KEYS.openrouter}`,
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      });
    const res = await rawRequest({
      url: `${host.url}/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: `openrouter/${key}`, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const [end] = await observed.waitForEnds(1);
    expect(end).toMatchObject({
      provider: 'openrouter',
      model: expect.stringContaining('[REDACTED]') as string,
      responseModel: expect.stringContaining('[REDACTED]') as string,
    });
    expect(observed.events.flatMap((event) => findLeaks(`telemetry ${event.type}`, JSON.stringify(event)))).toEqual([]);
  });

  test("a throwing listener whose message quotes a key is reported to the host's logger redacted", async () => {
    const lines: string[] = [];
    const logger = {
      warn: (message: string, meta?: unknown) => lines.push(message + JSON.stringify(meta)),
      error: (message: string, meta?: unknown) => lines.push(message + JSON.stringify(meta)),
    };
    const quiet = await startHost({ env: envFor(fakes), logger });
    try {
      quiet.router.telemetry.on('request.end', () => {
        throw new Error(`listener failed near ${ALL_KEYS.openai}`);
      });
      await rawRequest({
        url: `${quiet.url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await waitUntil(() => lines.length > 0, 2000, 'the logger line');
      expect(lines.join('\n')).toContain('listener failed near');
      expect(findLeaks('router log', lines.join('\n'))).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});
