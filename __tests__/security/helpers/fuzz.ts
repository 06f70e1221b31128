/**
 * A seeded generator of malformed requests for the router's five POST routes. Every request of
 * the "refused" families is invalid before routing (no usable `model`, not a JSON object, not JSON
 * at all, not UTF-8, the wrong content type, empty, too large), so it must be refused with a 4xx
 * and never reach an upstream. The "wrong types" family keeps a routable model and puts wrong
 * types everywhere else: the router may refuse it or pass it on, but must never fail itself.
 */
import http from 'node:http';
import { rawRequest, type RawResponse } from '../../support/http-client';

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function prng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
  return rng;
}

export interface Rng {
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export const FUZZ_ROUTES = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/messages', '/v1/messages/count_tokens'] as const;
export type FuzzRoute = (typeof FUZZ_ROUTES)[number];

/** Models the fuzz host routes to a recording fake: openai, anthropic, local. */
export const ROUTABLE_MODELS = ['gpt-4o-mini', 'claude-sonnet-4-5', 'qwen2.5-0.5b', 'openai/gpt-4o', 'anthropic/claude-3-5-haiku', 'local/llama'];

export interface FuzzCase {
  index: number;
  family: string;
  route: FuzzRoute;
  headers: Record<string, string>;
  body: Buffer;
  chunked: boolean;
  /** The status the router must answer with, when one exact status is required. */
  status?: number;
}

const CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789 -_/.:@?#%"\\\'{}[],';
function randomString(rng: Rng, max = 24): string {
  let text = '';
  const length = rng.int(0, max);
  for (let i = 0; i < length; i++) text += CHARS[rng.int(0, CHARS.length - 1)];
  return text;
}

/** A value of a random JSON type (or a deliberately odd one). */
function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 7 : 10)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4096, 0.0001]);
    case 3:
      return randomString(rng);
    case 4:
      return '';
    case 5:
      return rng.pick(['true', 'null', '{}', '[]', '\u0000', '\ud800', '💥', 'user', 'assistant', 'system', 'tool', 'function']);
    case 6:
      return 'x'.repeat(rng.int(100, 4000));
    case 7:
      return rng.pick([[], {}, [[]], [{}]]);
    case 8:
      return Array.from({ length: rng.int(1, 4) }, () => randomValue(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(1, 4); i > 0; i--) object[rng.pick(FIELD_NAMES)] = randomValue(rng, depth + 1);
      return object;
    }
  }
}

const FIELD_NAMES = [
  'role',
  'content',
  'type',
  'text',
  'name',
  'id',
  'tool_calls',
  'function',
  'arguments',
  'tool_call_id',
  'image_url',
  'url',
  'source',
  'input',
  'input_schema',
  'parameters',
  'cache_control',
  'tool_use_id',
  'media_type',
  'data',
  'index',
];

/** Fields of chat completions and Messages requests, each to be given a wrong (or any) type. */
const REQUEST_FIELDS = [
  'messages',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'stop_sequences',
  'system',
  'metadata',
  'prompt',
  'input',
  'n',
  'user',
  'response_format',
  'parallel_tool_calls',
  'thinking',
  'seed',
  'logprobs',
];

/** Messages with something wrong at every level (or, now and then, nothing wrong). */
function randomMessages(rng: Rng): unknown {
  switch (rng.int(0, 9)) {
    case 0:
      return randomValue(rng);
    case 1:
      return [];
    case 2:
      return [randomValue(rng)];
    case 3:
      return [{ role: randomValue(rng), content: 'hi' }];
    case 4:
      return [{ role: rng.pick(['user', 'assistant', 'system', 'developer', 'tool']), content: randomValue(rng) }];
    case 5:
      return [{ role: 'assistant', content: null, tool_calls: randomValue(rng) }];
    case 6:
      return [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: randomValue(rng), type: 'function', function: { name: randomValue(rng), arguments: randomValue(rng) } }],
        },
      ];
    case 7:
      return [
        {
          role: 'user',
          content: [
            { type: rng.pick(['text', 'image_url', 'image', 'tool_result', 'tool_use', 'document', 'x']), ...(randomValue(rng, 1) as object) },
          ],
        },
      ];
    case 8:
      return [{ role: 'tool', tool_call_id: randomValue(rng), content: randomValue(rng) }];
    default:
      return [{ role: 'user', content: 'hi' }];
  }
}

/** A body with a routable model and random, mostly wrong, types in the other fields. */
function wrongTypesBody(rng: Rng, model: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = { model };
  body.messages = randomMessages(rng);
  for (const field of REQUEST_FIELDS) {
    if (field !== 'messages' && rng.chance(0.3)) body[field] = field === 'stream' && rng.chance(0.3) ? true : randomValue(rng);
  }
  if (rng.chance(0.3)) body.tools = [{ type: 'function', function: { name: randomValue(rng), parameters: randomValue(rng) } }, randomValue(rng)];
  if (rng.chance(0.2)) body.stream_options = { include_usage: randomValue(rng) };
  return body;
}

/** `model` values that no rule can route: wrong type, empty, too long, control characters, an unconfigured provider. */
function unusableModel(rng: Rng): { value: unknown } | undefined {
  switch (rng.int(0, 11)) {
    case 0:
      return undefined; // absent
    case 1:
      return { value: null };
    case 2:
      return { value: rng.pick([0, 1, -1, 3.14, 1e308]) };
    case 3:
      return { value: rng.chance(0.5) };
    case 4:
      return { value: rng.pick([[], ['gpt-4o-mini'], [{ model: 'gpt-4o-mini' }]]) };
    case 5:
      return { value: rng.pick([{}, { model: 'gpt-4o-mini' }, { id: 'gpt-4o-mini' }]) };
    case 6:
      return { value: rng.pick(['', ' ', '\t', '\n', '   \n  ']) };
    case 7:
      return { value: `${rng.pick(ROUTABLE_MODELS)}${rng.pick(['\r\n', '\n', '\u0000', '\u001b[31m', '\u007f', '\r'])}${randomString(rng, 8)}` };
    case 8:
      return { value: rng.pick(ROUTABLE_MODELS) + 'x'.repeat(rng.int(257, 2000)) };
    case 9:
      return { value: `openrouter/m${randomString(rng, 20)}` }; // openrouter has no key on the fuzz host
    case 10:
      return { value: 'openrouter/anthropic/claude-3.5-sonnet' };
    default:
      return { value: 'm'.repeat(rng.int(257, 300)) };
  }
}

function withModel(rng: Rng, model: { value: unknown } | undefined): Record<string, unknown> {
  const body = wrongTypesBody(rng, undefined);
  delete body.model;
  if (model) body.model = model.value;
  // Keys in a random order: the model is not always first.
  const entries = Object.entries(body);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries);
}

function validLookingBody(rng: Rng, route: FuzzRoute): Record<string, unknown> {
  const model = rng.pick(ROUTABLE_MODELS);
  if (route === '/v1/completions') return { model, prompt: 'Say hi' };
  if (route === '/v1/embeddings') return { model, input: 'x' };
  return { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], ...(rng.chance(0.3) ? { stream: true } : {}) };
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Corruptions that always leave text that is not JSON. */
function breakJson(rng: Rng, text: string): string {
  switch (rng.int(0, 13)) {
    case 0:
    case 1:
    case 2:
      return text.slice(0, rng.int(1, text.length - 1)); // truncated
    case 3:
      return `${text.slice(0, -1)},}`; // trailing comma
    case 4:
      return `${text}${rng.pick(['}', ']', ',', 'x', '{}', ' null', '\u0000'])}`;
    case 5:
      // Not a BOM: RFC 8259 lets a parser ignore one, so a BOM-prefixed body may be accepted.
      return `${rng.pick(['x', ',', ']', ")]}'\n", 'data: '])}${text}`;
    case 6:
      return text.replace(/"/g, "'");
    case 7:
      return text.replace('"model"', 'model');
    case 8:
      return text.replace(/:/, ':NaN,"x":');
    case 9:
      return `${text.slice(0, 1)}/* comment */${text.slice(1)}`;
    case 10:
      return text.replace(/"model":"/, '"model":"\n'); // a raw newline inside a string
    case 11:
      return text.replace(/"model":"/, '"model":"\\x41'); // an invalid escape
    case 12:
      return text.replace(/"model":"/, '"model":"\\ud8'); // a cut \u escape
    default:
      return `[${text}`;
  }
}

/** Bytes that are not UTF-8: stray continuation, overlong, surrogate, cut sequence, 0xFF. */
const BAD_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

/** Inserts bytes that are not UTF-8 at `at` (a byte offset). */
function insertBytes(text: string, at: number, bytes: number[]): Buffer {
  const raw = Buffer.from(text, 'utf8');
  return Buffer.concat([raw.subarray(0, at), Buffer.from(bytes), raw.subarray(at)]);
}

/**
 * Content types that are not JSON, sent from a browser page of another site (an absent one is taken
 * as JSON, as SDKs send; from other clients a body labelled otherwise is read as JSON too).
 */
const NOT_JSON = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/html',
  'application/xml',
  'application/jsonp',
  'application/javascript',
  'application/octet-stream',
  'text/event-stream',
  '*/*',
  '',
  'json',
  'application/json-x',
  'application/jsonx',
  'application/json, text/plain',
  'text/json',
  'image/png',
];

/** The families that must be refused before routing: a 4xx, nothing sent upstream, no telemetry. */
export const REFUSED_FAMILIES = [
  'unusable model',
  'broken JSON',
  'JSON that is not an object',
  'invalid UTF-8 between tokens',
  'wrong content type',
  'empty body',
  'oversized body',
  'huge strings',
] as const;
export type RefusedFamily = (typeof REFUSED_FAMILIES)[number];

/** One request of a refused family. `maxBodyBytes` is the fuzz host's PROVIDER_MAX_BODY_BYTES. */
export function refusedCase(rng: Rng, index: number, family: RefusedFamily, maxBodyBytes: number): FuzzCase {
  const fuzzCase = buildRefusedCase(rng, index, family, maxBodyBytes);
  // A random body that happens to be over the limit is refused for its size first (the content type is checked before).
  if (fuzzCase.status !== 415 && fuzzCase.body.length > maxBodyBytes) fuzzCase.status = 413;
  return fuzzCase;
}

function buildRefusedCase(rng: Rng, index: number, family: RefusedFamily, maxBodyBytes: number): FuzzCase {
  const route = rng.pick(FUZZ_ROUTES);
  const chunked = rng.chance(0.2);
  const base = { index, family, route, chunked };
  switch (family) {
    case 'unusable model':
      return { ...base, headers: JSON_TYPE, body: Buffer.from(JSON.stringify(withModel(rng, unusableModel(rng)))), status: 400 };
    case 'broken JSON': {
      const text = JSON.stringify(rng.chance(0.5) ? validLookingBody(rng, route) : withModel(rng, { value: rng.pick(ROUTABLE_MODELS) }));
      return { ...base, headers: JSON_TYPE, body: Buffer.from(breakJson(rng, text)), status: 400 };
    }
    case 'JSON that is not an object': {
      const valid = validLookingBody(rng, route);
      const text = rng.pick([
        '[]',
        '[{}]',
        JSON.stringify([valid]),
        JSON.stringify(JSON.stringify(valid)),
        '0',
        '-1',
        '1e999',
        'true',
        'false',
        'null',
        '"gpt-4o-mini"',
        JSON.stringify(valid.model),
      ]);
      return { ...base, headers: JSON_TYPE, body: Buffer.from(rng.chance(0.2) ? ` \n${text}\t ` : text), status: 400 };
    }
    case 'invalid UTF-8 between tokens': {
      const text = JSON.stringify(validLookingBody(rng, route));
      // Between two tokens, or in place of a structural character: never inside a string.
      const structural = [...text.matchAll(/[{}[\],:]/g)].map((match) => match.index!);
      const at = rng.pick(structural);
      const bytes = rng.pick(BAD_UTF8);
      const body = rng.chance(0.5)
        ? insertBytes(text, at, bytes)
        : Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at + 1))]);
      return { ...base, headers: JSON_TYPE, body, status: 400 };
    }
    case 'wrong content type':
      return {
        ...base,
        headers: { 'content-type': rng.pick(NOT_JSON), origin: 'https://elsewhere.example' },
        body: Buffer.from(JSON.stringify(validLookingBody(rng, route))),
        status: 415,
      };
    case 'empty body': {
      const body = rng.pick(['', '', ' ', '\n', '\r\n\r\n', '\t ']);
      const headers = rng.chance(0.3) ? {} : JSON_TYPE;
      return { ...base, headers, body: Buffer.from(body), status: 400 };
    }
    case 'oversized body': {
      const valid = validLookingBody(rng, route);
      const size = rng.int(maxBodyBytes + 1, maxBodyBytes * 3);
      const padded = { ...valid, messages: [{ role: 'user', content: 'x'.repeat(size) }], prompt: 'x', input: 'x' };
      return { ...base, headers: JSON_TYPE, body: Buffer.from(JSON.stringify(padded)), status: 413 };
    }
    case 'huge strings': {
      // Under the size limit, but a model no rule takes: 257 characters to most of the limit.
      const limit = Math.floor(maxBodyBytes * 0.8);
      const model = rng.pick([...ROUTABLE_MODELS, '']) + rng.pick(['x', '/', '.', 'é', '🦙']).repeat(rng.int(257, Math.floor(limit / 5)));
      const body = { ...validLookingBody(rng, route), model, ...(rng.chance(0.5) ? { system: 'y'.repeat(rng.int(1, Math.floor(limit / 8))) } : {}) };
      return { ...base, headers: JSON_TYPE, body: Buffer.from(JSON.stringify(body)), status: 400 };
    }
  }
}

/** A request with a routable model and wrong types in its other fields. */
export function wrongTypesCase(rng: Rng, index: number): FuzzCase {
  const route = rng.pick(FUZZ_ROUTES);
  const body = wrongTypesBody(rng, rng.pick(ROUTABLE_MODELS));
  return {
    index,
    family: 'wrong types beside a routable model',
    route,
    headers: JSON_TYPE,
    body: Buffer.from(JSON.stringify(body)),
    chunked: rng.chance(0.1),
  };
}

/** A well-formed request with bytes that are not UTF-8 inside one of its strings. */
export function invalidUtf8InStringCase(rng: Rng, index: number): FuzzCase {
  const route = rng.pick(FUZZ_ROUTES);
  const text = JSON.stringify(validLookingBody(rng, route));
  // Inside a string value: right after the opening quote of the model, or of the last string.
  const at = rng.chance(0.5) ? text.indexOf('"model":"') + '"model":"'.length : text.lastIndexOf('"');
  return {
    index,
    family: 'invalid UTF-8 inside a string',
    route,
    headers: JSON_TYPE,
    body: insertBytes(text, at, rng.pick(BAD_UTF8)),
    chunked: false,
    status: 400,
  };
}

export interface FuzzResult {
  fuzzCase: FuzzCase;
  response?: RawResponse;
  error?: Error;
}

/** Sends every case over one keep-alive agent, `concurrency` at a time. */
export async function sendAll(baseUrl: string, cases: readonly FuzzCase[], concurrency: number): Promise<FuzzResult[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const results: FuzzResult[] = new Array(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const at = next++;
      const fuzzCase = cases[at]!;
      try {
        const response = await rawRequest({
          url: `${baseUrl}${fuzzCase.route}`,
          headers: fuzzCase.headers,
          body: fuzzCase.body,
          chunked: fuzzCase.chunked,
          agent,
        });
        results[at] = { fuzzCase, response };
      } catch (error) {
        results[at] = { fuzzCase, error: error as Error };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return results;
}

/** What is wrong with an error answer's shape for its route, or undefined when it is right. */
export function errorShapeProblem(route: string, response: RawResponse): string | undefined {
  if (!/^application\/json/.test(response.headers['content-type'] ?? '')) return `content-type ${response.headers['content-type']}`;
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return `body is not JSON: ${response.text.slice(0, 80)}`;
  }
  const b = body as { type?: unknown; error?: { message?: unknown; type?: unknown; code?: unknown } } | null;
  if (route.startsWith('/v1/messages')) {
    if (b?.type !== 'error' || typeof b.error?.type !== 'string' || typeof b.error.message !== 'string') {
      return `not Anthropic-shaped: ${response.text.slice(0, 120)}`;
    }
    return undefined;
  }
  const code = b?.error?.code;
  if (typeof b?.error?.message !== 'string' || typeof b.error.type !== 'string' || !(code === null || typeof code === 'string')) {
    return `not OpenAI-shaped: ${response.text.slice(0, 120)}`;
  }
  return undefined;
}

/** One line per failed case, enough to replay it (seed, index, family, route). */
export function describeFailure(result: FuzzResult, problem: string): string {
  const { fuzzCase } = result;
  const preview = fuzzCase.body
    .subarray(0, 100)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '·');
  return `#${fuzzCase.index} [${fuzzCase.family}] ${fuzzCase.route} (${fuzzCase.body.length} B${fuzzCase.chunked ? ', chunked' : ''}, content-type ${JSON.stringify(fuzzCase.headers['content-type'])}): ${problem} | body ${preview}`;
}
