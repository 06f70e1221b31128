/**
 * DESIGN.md's model list, sentence by sentence, as tables: section 6 (`GET /models`), section 8
 * (the Anthropic shape for a request with `anthropic-version`), section 1 (`local/<id>`), section 9
 * (lists fetched with the requests' HTTP client) and section 7's pitfalls. Every provider kind is
 * in each table: the built-ins, one declared in `OPENAI_COMPATIBLE_PROVIDERS` (`groq`) and a host's
 * own adapter from `options.providers` (`mine`), each behind a fake upstream. The clients are the
 * `openai` SDK, the `@anthropic-ai/sdk`, `router.listModels()` and supertest.
 */
import Anthropic from '@anthropic-ai/sdk';
import compression from 'compression';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import request from 'supertest';
import {
  createOpenAICompatibleProvider,
  defineProvider,
  type MergedModel,
  type ProviderModel,
  type ProviderRouterOptions,
  type TelemetryEvent,
} from '../../lib';
import { startFakeUpstream, type FakeHandler, type FakeUpstream, type ProviderId } from '../support/fake-upstream';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host, type HostOptions } from '../support/host';
import { openStream } from '../support/http-client';
import { KEYS, keyPiecesIn } from '../support/keys';
import { observe } from '../support/observe';
import { unusedPort } from '../support/ports';
import { sendHeldStream, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { deferred, sleep, waitUntil, within } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof import('express');

const fakes = useFakes();

/** Every provider of the matrix: the built-ins, one from env, one a host's own adapter. */
const PROVIDERS = ['local', 'openai', 'openrouter', 'anthropic', 'groq', 'mine'] as const;
type MatrixProvider = (typeof PROVIDERS)[number];

const GROQ_KEY = 'gsk-groq-test-0123456789abcdefghij';
const MINE_KEY = 'sk-mine-test-0123456789abcdefghij';
const LOCAL_KEY = 'sk-local-test-0123456789abcdefghij';
const ALL_KEYS = [...Object.values(KEYS), GROQ_KEY, MINE_KEY, LOCAL_KEY];

const HI = [{ role: 'user' as const, content: 'Hi' }];

let groq: FakeUpstream;
let mine: FakeUpstream;
beforeAll(async () => {
  [groq, mine] = await Promise.all([startFakeUpstream('openai'), startFakeUpstream('openai')]);
});
afterEach(() => {
  groq.reset();
  mine.reset();
});
afterAll(async () => {
  await Promise.all([groq.close(), mine.close()]);
});

const fakeOf = (provider: MatrixProvider): FakeUpstream => (provider === 'groq' ? groq : provider === 'mine' ? mine : fakes[provider as ProviderId]);
const allFakes = (): FakeUpstream[] => PROVIDERS.map(fakeOf);

/** How a matrix host is configured beyond every fake enabled. */
interface MatrixSetup {
  env?: Record<string, string>;
  /** Base URLs (with the API path; Anthropic's without `/v1`) replacing the fakes'. */
  baseUrls?: Partial<Record<MatrixProvider, string>>;
  /** The host adapter's key; `null` leaves it without one (disabled). */
  mineKey?: string | null;
  router?: Omit<ProviderRouterOptions, 'env' | 'providers'>;
  /** Host adapters besides `mine`. */
  providers?: ProviderRouterOptions['providers'];
  host?: HostOptions;
}

const BASE_URL_VARIABLES: Record<Exclude<MatrixProvider, 'mine'>, string> = {
  local: 'LOCAL_BASE_URL',
  openai: 'OPENAI_BASE_URL',
  openrouter: 'OPENROUTER_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  groq: 'GROQ_BASE_URL',
};

/** A host with all six providers enabled, each at its fake, with what it reports. */
async function startMatrixHost(setup: MatrixSetup = {}): Promise<{ host: Host; events: TelemetryEvent[] }> {
  const env: Record<string, string> = {
    ...envFor(fakes),
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: groq.baseUrl,
    GROQ_API_KEY: GROQ_KEY,
  };
  for (const [provider, url] of Object.entries(setup.baseUrls ?? {})) {
    if (provider !== 'mine') env[BASE_URL_VARIABLES[provider as Exclude<MatrixProvider, 'mine'>]] = url;
  }
  Object.assign(env, setup.env);
  const hostAdapter = createOpenAICompatibleProvider({
    id: 'mine',
    baseUrl: setup.baseUrls?.mine ?? mine.baseUrl,
    apiKey: setup.mineKey === null ? undefined : (setup.mineKey ?? MINE_KEY),
  });
  const host = await startHost({ ...setup.router, env, providers: { mine: hostAdapter, ...setup.providers } }, setup.host);
  const observed = observe();
  observed.listen(host.router);
  return { host, events: observed.events };
}

/** Runs `run` against a matrix host, closing it afterwards. */
async function withMatrixHost(setup: MatrixSetup, run: (host: Host, events: TelemetryEvent[]) => Promise<void>): Promise<void> {
  const { host, events } = await startMatrixHost(setup);
  try {
    await run(host, events);
  } finally {
    await host.close();
  }
}

/** A llama-server model list of `ids`, as llama-server words it. */
function llamaServerListing(ids: string[]): FakeHandler {
  const data = ids.map((id) => ({
    id,
    object: 'model',
    created: 1_738_960_000,
    owned_by: 'llamacpp',
    meta: { n_ctx_train: 32768 },
  }));
  return (r, res) => (r.method === 'GET' ? sendJson(res, 200, { object: 'list', data }) : false);
}

const openaiClient = (host: Host): OpenAI =>
  new OpenAI({
    apiKey: 'host-token',
    baseURL: `${host.url}/v1`,
    maxRetries: 0,
  });
const anthropicClient = (host: Host): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

/** The list as the `openai` SDK's `models.list()` reads it. */
async function listWithOpenAI(host: Host): Promise<MergedModel[]> {
  const listed: MergedModel[] = [];
  for await (const model of openaiClient(host).models.list()) listed.push(model as unknown as MergedModel);
  return listed;
}

/** The list through each client that reads the OpenAI shape. */
const OPENAI_SHAPE_CLIENTS: Array<[string, (host: Host) => Promise<MergedModel[]>]> = [
  ["the openai SDK's models.list()", listWithOpenAI],
  ['supertest GET /v1/models', async (host) => (await request(host.url).get('/v1/models').expect(200)).body.data as MergedModel[]],
  ['router.listModels()', (host) => host.router.listModels()],
];

/** The provider name an entry's id reaches, and the model it is sent under: the fake (or `host`) that received it. */
type Reached = [string, unknown];

/**
 * Sends each listed id as `model` through chat completions (the `openai` SDK) and records where it
 * went: which fake received a request, with which upstream model, or the host's own handler.
 */
async function whereEachIdGoes(host: Host, entries: MergedModel[], hostServed: string[] = []): Promise<Array<[string, Reached[]]>> {
  const client = openaiClient(host);
  const reached: Array<[string, Reached[]]> = [];
  for (const entry of entries) {
    for (const fake of allFakes()) fake.requests.length = 0;
    hostServed.length = 0;
    await client.chat.completions.create({
      model: entry.id,
      max_tokens: 5,
      messages: HI,
    });
    const posts: Reached[] = PROVIDERS.flatMap((provider) =>
      fakeOf(provider)
        .requests.filter((r) => r.method === 'POST')
        .map((r): Reached => [provider, r.body?.model]),
    );
    reached.push([entry.id, [...posts, ...hostServed.map((model): Reached => ['host', model])]]);
  }
  return reached;
}

/** Where an entry should go: its provider, under the provider's own id. */
const expectedDestination = (entry: MergedModel): Reached => [entry.provider, entry.provider_model_id ?? entry.id];

const modelErrors = (events: TelemetryEvent[]) => events.filter((e) => e.type === 'models.error');
const providersIn = (entries: MergedModel[]): string[] => [...new Set(entries.map((m) => m.provider))].sort();
const listRequests = (fake: FakeUpstream) => fake.requests.filter((r) => r.method === 'GET');

describe('GET /models: the shape', () => {
  test.each(OPENAI_SHAPE_CLIENTS)('%s: every entry an OpenAI model object with its provider, from every enabled provider', async (_client, list) => {
    await withMatrixHost({}, async (host, events) => {
      const entries = await list(host);
      expect(providersIn(entries)).toEqual([...PROVIDERS].sort());
      for (const entry of entries) {
        expect(entry).toEqual(
          expect.objectContaining({
            id: expect.any(String),
            object: 'model',
            created: expect.any(Number),
            owned_by: expect.any(String),
            provider: expect.stringMatching(/./),
          }),
        );
      }
      expect(new Set(entries.map((m) => m.id)).size).toBe(entries.length);
      expect(modelErrors(events)).toEqual([]);
    });
  });

  test('the answer is {object:"list", data}; llama-server entries are kept as they are with provider "local"', async () => {
    await withMatrixHost({}, async (host) => {
      const res = await request(host.url).get('/v1/models').expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'object']);
      expect(res.body.object).toBe('list');
      const local = fixtureJson<{ data: Array<Record<string, unknown>> }>('llama-server-models.json').data;
      expect((res.body.data as MergedModel[]).filter((m) => m.provider === 'local')).toEqual(local.map((m) => ({ ...m, provider: 'local' })));
    });
  });

  // prettier-ignore
  test.each<[MatrixProvider, string, string[]]>([
    ['openai', 'openai-models.json', ['openai/gpt-4o-mini', 'openai/gpt-4.1', 'openai/text-embedding-3-small']],
    ['openrouter', 'openrouter-models.json', ['openrouter/meta-llama/llama-3.1-8b-instruct', 'openrouter/anthropic/claude-3.5-sonnet']],
    ['anthropic', 'anthropic-models.json (Anthropic-shaped)', ['anthropic/claude-opus-5-5', 'anthropic/claude-sonnet-5-5', 'anthropic/claude-haiku-5-5']],
    ['groq', 'an OpenAI-shaped list (OPENAI_COMPATIBLE_PROVIDERS)', ['groq/gpt-4o-mini', 'groq/gpt-4.1', 'groq/text-embedding-3-small']],
    ['mine', "an OpenAI-shaped list (the host's adapter)", ['mine/gpt-4o-mini', 'mine/gpt-4.1', 'mine/text-embedding-3-small']],
  ])('%s: its list (%s) is merged as <provider>/<id>, each an OpenAI model object', async (provider, _source, ids) => {
    await withMatrixHost({}, async (host) => {
      const entries = (await listWithOpenAI(host)).filter((m) => m.provider === provider);
      expect(entries.map((m) => m.id)).toEqual(ids);
      for (const entry of entries) {
        expect(entry.created).toBeGreaterThan(1_600_000_000);
        expect(entry.object).toBe('model');
        expect(entry.provider_model_id).toBe(entry.id.slice(provider.length + 1));
      }
    });
  });
});

interface RoutingRow {
  /** The llama-server's own ids; the fixture's list when absent. */
  localIds?: string[];
  setup?: MatrixSetup;
  /** Ids the list must hold. */
  listed?: string[];
  /** Ids it must not. */
  unlisted?: string[];
}

// prettier-ignore
const ROUTING_ROWS: Array<[string, RoutingRow]> = [
  ['every provider, the default rules', {
    listed: ['qwen2.5-0.5b-instruct-q4_k_m.gguf', 'openai/gpt-4o-mini', 'openrouter/anthropic/claude-3.5-sonnet', 'anthropic/claude-sonnet-5-5', 'groq/gpt-4.1', 'mine/gpt-4.1'],
  }],
  ['a GGUF aliased gpt-4o and one claude-x, while openai and anthropic are enabled', {
    localIds: ['gpt-4o', 'claude-x', 'o3-local'],
    listed: ['local/gpt-4o', 'local/claude-x', 'local/o3-local'],
    unlisted: ['gpt-4o', 'claude-x', 'o3-local'],
  }],
  ['the same GGUFs while openai and anthropic have no key (no built-in rule applies)', {
    localIds: ['gpt-4o', 'claude-x'],
    setup: { env: { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' } },
    listed: ['gpt-4o', 'claude-x'],
    unlisted: ['local/gpt-4o', 'local/claude-x'],
  }],
  ['llama-server ids with "/", some starting with a provider id', {
    localIds: ['anthropic/claude-3.5-sonnet', 'unsloth/Qwen3-8B-GGUF:Q4_K_M', 'groq/llama-3', 'mine/x', 'local/y'],
    listed: ['local/anthropic/claude-3.5-sonnet', 'unsloth/Qwen3-8B-GGUF:Q4_K_M', 'local/groq/llama-3', 'local/mine/x', 'local/local/y', 'openrouter/anthropic/claude-3.5-sonnet'],
    unlisted: ['anthropic/claude-3.5-sonnet', 'groq/llama-3'],
  }],
  ['the same model ids at several providers', {
    localIds: ['gpt-4.1', 'meta-llama/llama-3.1-8b-instruct', 'claude-sonnet-5-5'],
    listed: ['local/gpt-4.1', 'openai/gpt-4.1', 'groq/gpt-4.1', 'mine/gpt-4.1', 'meta-llama/llama-3.1-8b-instruct', 'openrouter/meta-llama/llama-3.1-8b-instruct', 'local/claude-sonnet-5-5', 'anthropic/claude-sonnet-5-5'],
  }],
  ['PROVIDER_MODEL_MAP rules that capture llama-server ids, and an exact alias', {
    localIds: ['qwen2.5.gguf', 'llama-3.gguf', 'fast', 'plain.gguf'],
    setup: { env: { PROVIDER_MODEL_MAP: 'qwen*=openrouter,fast=openai:gpt-4o-mini,llama-*=local:other.gguf' } },
    listed: ['local/qwen2.5.gguf', 'local/llama-3.gguf', 'local/fast', 'fast', 'plain.gguf'],
    unlisted: ['qwen2.5.gguf', 'llama-3.gguf'],
  }],
  ['a map rule that sends a GGUF id to local under its own name', {
    localIds: ['gpt-4o'],
    setup: { env: { PROVIDER_MODEL_MAP: 'gpt-4o=local' } },
    listed: ['gpt-4o', 'openai/gpt-4o-mini'],
    unlisted: ['local/gpt-4o'],
  }],
  ['an exact alias that an earlier wildcard rule shadows', {
    setup: { env: { PROVIDER_MODEL_MAP: 'f*=openrouter,fast=openai:gpt-4o-mini' } },
    unlisted: ['fast'],
  }],
  ['the same alias twice: the first rule wins', {
    setup: { env: { PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini,fast=groq:gpt-4.1' } },
    listed: ['fast'],
  }],
  ['an alias whose pattern starts with a provider id (rule 1 takes it first)', {
    setup: { env: { PROVIDER_MODEL_MAP: 'openrouter/cheap=openai:gpt-4o-mini,quick=mine:gpt-4.1' } },
    listed: ['quick'],
    unlisted: ['openrouter/cheap'],
  }],
  ["fallback 'next'", {
    localIds: ['qwen.gguf', 'gpt-4o'],
    setup: { router: { fallback: 'next' } },
    listed: ['qwen.gguf', 'local/gpt-4o'],
  }],
  ["express.json() and compression() before the router (Express 4)", {
    localIds: ['gpt-4o', 'qwen.gguf'],
    setup: { host: { expressVersion: 4, jsonFirst: true, before: (app) => app.use(compression()) } },
    listed: ['local/gpt-4o', 'qwen.gguf'],
  }],
];

describe('GET /models: every listed id routes back to its provider', () => {
  test.each(ROUTING_ROWS)('%s', async (_name, row) => {
    if (row.localIds) fakes.local.handler = llamaServerListing(row.localIds);
    const hostServed: string[] = [];
    const next = row.setup?.router?.fallback === 'next';
    const host: HostOptions = {
      ...row.setup?.host,
      after: (app) =>
        app.post('/v1/chat/completions', (req, res) => {
          hostServed.push((req.body as { model: string }).model);
          res.json(fixtureJson('openai-chat.json'));
        }),
    };
    await withMatrixHost({ ...row.setup, host }, async (host) => {
      const entries = await listWithOpenAI(host);
      const ids = entries.map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining(row.listed ?? []));
      for (const id of row.unlisted ?? []) expect(ids).not.toContain(id);
      expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
      // With fallback 'next' a llama-server id no rule claims reaches the host's own local handler.
      const servedByHost = (entry: MergedModel) => next && entry.provider === 'local' && entry.provider_model_id === undefined;
      const expected = entries.map((entry): [string, Reached[]] => [
        entry.id,
        [servedByHost(entry) ? ['host', entry.id] : expectedDestination(entry)],
      ]);
      expect(await whereEachIdGoes(host, entries, hostServed)).toEqual(expected);
    });
  });
});

describe('GET /models: caching for PROVIDER_MODELS_TTL_MS', () => {
  test.each<[string, MatrixSetup]>([
    ['PROVIDER_MODELS_TTL_MS', { env: { PROVIDER_MODELS_TTL_MS: '400' } }],
    ['the modelsTtlMs option', { router: { modelsTtlMs: 400 } }],
  ])(
    'with the TTL from %s: one upstream fetch per provider for many lists, concurrent ones included, and one more after the TTL',
    async (_source, setup) => {
      await withMatrixHost(setup, async (host) => {
        await Promise.all([
          listWithOpenAI(host),
          request(host.url).get('/v1/models'),
          request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01'),
          anthropicClient(host).models.list(),
          host.router.listModels(),
          host.router.listModels(),
        ]);
        await request(host.url).get('/v1/models');
        await host.router.listModels();
        expect(allFakes().map((fake) => listRequests(fake).length)).toEqual(PROVIDERS.map(() => 1));
        await sleep(450);
        await Promise.all([request(host.url).get('/v1/models'), host.router.listModels()]);
        expect(allFakes().map((fake) => listRequests(fake).length)).toEqual(PROVIDERS.map(() => 2));
      });
    },
  );
});

/** A way a provider's list fails: a handler for its fake, or a base URL where nothing answers. */
type Failure = { handler: (key: string) => FakeHandler } | { unreachable: true };

const onList =
  (answer: FakeHandler): FakeHandler =>
  (r, res, req) =>
    r.method === 'GET' ? answer(r, res, req) : false;

// prettier-ignore
const FAILURES: Array<[string, Failure]> = [
  ['401 echoing the key', { handler: (key) => onList((_r, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${key}` } })) }],
  ['404', { handler: () => onList((_r, res) => sendJson(res, 404, { error: { message: 'not found' } })) }],
  ['500', { handler: () => onList((_r, res) => sendJson(res, 500, { error: { message: 'boom' } })) }],
  ['503 (a llama-server loading its model)', { handler: () => onList((_r, res) => sendJson(res, 503, { error: { code: 503, message: 'Loading model' } })) }],
  ['an HTML page with status 200', { handler: (key) => onList((_r, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(`<html><body>Sign in ${key}</body></html>`); }) }],
  ['invalid JSON', { handler: () => onList((_r, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"data": [{"id": "x"'); }) }],
  ['an empty body', { handler: () => onList((_r, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(); }) }],
  ['JSON null', { handler: () => onList((_r, res) => sendJson(res, 200, null)) }],
  ['JSON whose data is not an array', { handler: () => onList((_r, res) => sendJson(res, 200, { object: 'list', data: 'none' })) }],
  ['an object without data (Ollama\'s /api/tags shape)', { handler: () => onList((_r, res) => sendJson(res, 200, { models: [{ name: 'x' }] })) }],
  ['a redirect', { handler: () => onList((_r, res) => { res.writeHead(302, { location: 'https://login.example/' }); res.end(); }) }],
  ['connection refused', { unreachable: true }],
  ['no answer within the wait', { handler: () => onList(() => undefined) }],
  ['headers, then silence within the body', { handler: () => onList((_r, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"data":['); }) }],
];

const KEY_OF: Record<MatrixProvider, string> = {
  local: LOCAL_KEY,
  openai: KEYS.openai,
  openrouter: KEYS.openrouter,
  anthropic: KEYS.anthropic,
  groq: GROQ_KEY,
  mine: MINE_KEY,
};

const WAIT_MS = 300;

describe('GET /models: a provider whose list fails is left out, reported once, and never fails or stalls the list', () => {
  const rows = FAILURES.flatMap(([failure, how]) => PROVIDERS.map((provider): [string, MatrixProvider, Failure] => [failure, provider, how]));
  test.each(rows)('%s from %s', async (_failure, provider, how) => {
    const baseUrls: MatrixSetup['baseUrls'] = {};
    if ('unreachable' in how) {
      const port = await unusedPort();
      baseUrls[provider] = `http://127.0.0.1:${port}${provider === 'anthropic' ? '' : '/v1'}`;
    } else {
      fakeOf(provider).handler = how.handler(KEY_OF[provider]);
    }
    const setup: MatrixSetup = {
      baseUrls,
      env: { LOCAL_API_KEY: LOCAL_KEY },
      router: { modelListTimeoutMs: WAIT_MS },
    };
    await withMatrixHost(setup, async (host, events) => {
      const started = Date.now();
      const res = await request(host.url)
        .get('/v1/models')
        .timeout(WAIT_MS + 3000);
      expect(Date.now() - started).toBeLessThan(WAIT_MS + 1000);
      expect(res.status).toBe(200);
      const entries = res.body.data as MergedModel[];
      expect(providersIn(entries)).toEqual(PROVIDERS.filter((p) => p !== provider).sort());
      expect(modelErrors(events)).toEqual([
        {
          type: 'models.error',
          provider,
          timestamp: expect.any(String),
          error: expect.stringMatching(/./),
        },
      ]);
      const reported = JSON.stringify(events) + res.text;
      for (const key of ALL_KEYS) expect(keyPiecesIn(reported, key)).toEqual([]);
    });
  });
});

/**
 * A list answer written as some servers write it: compressed although `identity` was asked for,
 * after a byte order mark, or in pieces that split its multi-byte characters (section 7's
 * `TextDecoder` pitfall).
 */
// prettier-ignore
const READABLE_ANSWERS: Array<[string, (body: string) => { headers: Record<string, string>; pieces: Buffer[] }]> = [
  ['gzip-compressed', (body) => ({ headers: { 'content-encoding': 'gzip' }, pieces: [gzipSync(body)] })],
  ['deflate-compressed', (body) => ({ headers: { 'content-encoding': 'deflate' }, pieces: [deflateSync(body)] })],
  ['brotli-compressed', (body) => ({ headers: { 'content-encoding': 'br' }, pieces: [brotliCompressSync(body)] })],
  ['after a UTF-8 byte order mark', (body) => ({ headers: {}, pieces: [Buffer.from(`\uFEFF${body}`, 'utf8')] })],
  ['in one-byte pieces', (body) => ({ headers: {}, pieces: [...Buffer.from(body, 'utf8')].map((byte) => Buffer.from([byte])) })],
];

describe('GET /models: a list answered the way a request answer may be is read, as requests read it', () => {
  const rows = READABLE_ANSWERS.flatMap(([how, write]) =>
    PROVIDERS.map((provider): [string, MatrixProvider, typeof write] => [how, provider, write]),
  );
  test.each(rows)('%s, from %s', async (_how, provider, write) => {
    const fake = fakeOf(provider);
    const body =
      provider === 'anthropic'
        ? { data: [{ type: 'model', id: 'claude-z', display_name: 'Zé 通义 😀', created_at: '2026-01-01T00:00:00Z' }], has_more: false }
        : { object: 'list', data: [{ id: 'model-z', object: 'model', created: 1, owned_by: 'me', name: 'Zé 通义 😀', display_name: 'Zé 通义 😀' }] };
    fake.handler = onList((_r, res) => {
      const { headers, pieces } = write(JSON.stringify(body));
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      void (async () => {
        for (const piece of pieces) {
          res.write(piece);
          if (pieces.length > 1) await new Promise((resolve) => setImmediate(resolve));
        }
        res.end();
      })();
    });
    await withMatrixHost({}, async (host, events) => {
      const entries = (await host.router.listModels()).filter((m) => m.provider === provider);
      expect(modelErrors(events)).toEqual([]);
      expect(entries.map((m) => m.provider_model_id ?? m.id)).toEqual([provider === 'anthropic' ? 'claude-z' : 'model-z']);
      // OpenRouter's entries keep `name` of the two.
      expect(entries[0]!.display_name ?? entries[0]!.name).toBe('Zé 通义 😀');
    });
  });
});

describe("GET /models: a host adapter's list that cannot be sent as JSON is left out and reported, the rest served", () => {
  const circular: Record<string, unknown> = { id: 'loop', owned_by: 'me' };
  circular.self = circular;
  test.each<[string, unknown[]]>([
    ['a BigInt field', [{ id: 'big', owned_by: 'me', meta: { size: 10n } }]],
    ['an entry that holds itself', [circular]],
    [
      'a field whose toJSON throws',
      [
        {
          id: 'odd',
          owned_by: 'me',
          meta: {
            toJSON: () => {
              throw new Error('no JSON');
            },
          },
        },
      ],
    ],
  ])('%s', async (_shape, listed) => {
    const odd = defineProvider({
      id: 'odd',
      dialect: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
      enabled: true,
      upstreamHeaders: () => ({}),
      listModels: () => Promise.resolve(listed as ProviderModel[]),
    });
    await withMatrixHost({ providers: { odd } }, async (host, events) => {
      for (const anthropicVersion of [undefined, '2023-06-01']) {
        const get = request(host.url).get('/v1/models');
        const res = await (anthropicVersion ? get.set('anthropic-version', anthropicVersion) : get).timeout(3000);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeGreaterThan(10);
      }
      expect(providersIn(await host.router.listModels())).toEqual([...PROVIDERS].sort());
      // A failed list is asked for again on the next list: one report per list here.
      expect(modelErrors(events)).toEqual(
        [1, 2, 3].map(() => expect.objectContaining({ provider: 'odd', error: expect.stringMatching(/"odd" .* cannot be sent as JSON/) })),
      );
    });
  });
});

describe('GET /models: concurrent lists share one failing fetch, reported as one event', () => {
  test.each(PROVIDERS)('%s', async (provider) => {
    const held: ServerResponse[] = [];
    fakeOf(provider).handler = onList((_r, res) => void held.push(res));
    await withMatrixHost({}, async (host, events) => {
      const lists = Promise.all([
        request(host.url).get('/v1/models'),
        request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01'),
        listWithOpenAI(host),
        host.router.listModels(),
      ]);
      await waitUntil(() => held.length === 1, 2000, 'the list request upstream');
      await sleep(50);
      sendJson(held[0]!, 502, { error: { message: 'bad gateway' } });
      const [plain, anthropicShape, viaSdk, listed] = await lists;
      expect(providersIn(plain.body.data as MergedModel[])).toEqual(PROVIDERS.filter((p) => p !== provider).sort());
      for (const entries of [anthropicShape.body.data, viaSdk, listed] as MergedModel[][]) {
        expect(entries.map((m) => m.id)).toEqual((plain.body.data as MergedModel[]).map((m) => m.id));
      }
      expect(held).toHaveLength(1);
      expect(modelErrors(events)).toEqual([expect.objectContaining({ provider, error: expect.stringMatching(/502/) })]);
    });
  });
});

describe('GET /models: a provider without its key is not asked', () => {
  test.each<[MatrixProvider, MatrixSetup]>([
    ['openai', { env: { OPENAI_API_KEY: '' } }],
    ['openrouter', { env: { OPENROUTER_API_KEY: '' } }],
    ['anthropic', { env: { ANTHROPIC_API_KEY: '' } }],
    ['mine', { mineKey: null }],
  ])('%s', async (provider, setup) => {
    await withMatrixHost(setup, async (host, events) => {
      const entries = (await request(host.url).get('/v1/models').expect(200)).body.data as MergedModel[];
      expect(providersIn(entries)).toEqual(PROVIDERS.filter((p) => p !== provider).sort());
      expect(fakeOf(provider).requests).toEqual([]);
      expect(modelErrors(events)).toEqual([]);
    });
  });
});

describe('GET /models: keys are redacted from the list', () => {
  test.each(PROVIDERS)('%s echoing its key in an entry', async (provider) => {
    const key = KEY_OF[provider];
    const entry = {
      id: `model-${key}`,
      object: 'model',
      created: 1,
      owned_by: key,
      display_name: key,
      note: `key ${key}`,
    };
    fakeOf(provider).handler = onList((_r, res) =>
      provider === 'anthropic'
        ? sendJson(res, 200, {
            data: [{ ...entry, type: 'model', created_at: '2026-01-01T00:00:00Z' }],
            has_more: false,
          })
        : sendJson(res, 200, { object: 'list', data: [entry] }),
    );
    await withMatrixHost({ env: { LOCAL_API_KEY: LOCAL_KEY } }, async (host) => {
      const openaiShape = await request(host.url).get('/v1/models').expect(200);
      const anthropicShape = await request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01').expect(200);
      expect((openaiShape.body.data as MergedModel[]).filter((m) => m.provider === provider)).toHaveLength(1);
      const everything =
        JSON.stringify(openaiShape.headers) + openaiShape.text + anthropicShape.text + JSON.stringify(await host.router.listModels());
      expect(keyPiecesIn(everything, key)).toEqual([]);
    });
  });
});

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('GET /models with anthropic-version: Anthropic’s list shape', () => {
  test('{data:[{type, id, display_name, created_at}], has_more:false, first_id, last_id}, the same ids as the OpenAI shape', async () => {
    fakes.local.handler = llamaServerListing(['qwen.gguf', 'gpt-4o']);
    await withMatrixHost({ env: { PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini' } }, async (host) => {
      const openaiShape = (await request(host.url).get('/v1/models').expect(200)).body.data as MergedModel[];
      const res = await request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01').expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'first_id', 'has_more', 'last_id']);
      const data = res.body.data as Array<Record<string, unknown>>;
      expect(data.map((m) => m.id)).toEqual(openaiShape.map((m) => m.id));
      expect(res.body).toEqual(
        expect.objectContaining({
          has_more: false,
          first_id: data[0]!.id,
          last_id: data.at(-1)!.id,
        }),
      );
      for (const [index, model] of data.entries()) {
        expect(Object.keys(model).sort()).toEqual(['created_at', 'display_name', 'id', 'type']);
        expect(model).toEqual({
          type: 'model',
          id: expect.any(String),
          display_name: expect.stringMatching(/./),
          created_at: expect.stringMatching(RFC_3339),
        });
        expect(Date.parse(model.created_at as string)).toBe(openaiShape[index]!.created * 1000);
      }
      expect(data.find((m) => m.id === 'anthropic/claude-sonnet-5-5')).toEqual(
        expect.objectContaining({
          display_name: 'Claude Sonnet 5.5',
          created_at: '2026-09-15T00:00:00.000Z',
        }),
      );
    });
  });

  test.each<[string, Anthropic.ModelListParams]>([
    ['no parameters', {}],
    ['limit 2', { limit: 2 }],
    ['limit 1000', { limit: 1000 }],
  ])("the Anthropic SDK's models.list() with %s ends, and lists every routable id once", async (_name, params) => {
    fakes.local.handler = llamaServerListing(['qwen.gguf', 'gpt-4o']);
    await withMatrixHost({}, async (host) => {
      const expected = (await host.router.listModels()).map((m) => m.id);
      const ids: string[] = [];
      await within(
        (async () => {
          for await (const model of anthropicClient(host).models.list(params)) ids.push(model.id);
        })(),
        3000,
        'the SDK’s pagination',
      );
      expect(ids).toEqual(expected);
    });
  });

  test.each<[string, (ids: string[]) => Anthropic.ModelListParams, (ids: string[]) => string[]]>([
    ['after_id: the entries after that id', (ids) => ({ after_id: ids[2]! }), (ids) => ids.slice(3)],
    ['after_id of the last entry: none', (ids) => ({ after_id: ids.at(-1)! }), () => []],
    ['before_id: the entries before that id', (ids) => ({ before_id: ids[2]! }), (ids) => ids.slice(0, 2)],
  ])("the Anthropic SDK's models.list() with %s, once each", async (_name, params, expectedOf) => {
    await withMatrixHost({}, async (host) => {
      const all = (await host.router.listModels()).map((m) => m.id);
      const ids: string[] = [];
      for await (const model of anthropicClient(host).models.list(params(all))) ids.push(model.id);
      expect(ids).toEqual(expectedOf(all));
    });
  });

  test('a cursor that names no listed id leaves nothing to follow it; limit is not applied: the answer is the last page', async () => {
    await withMatrixHost({}, async (host) => {
      const all = (await host.router.listModels()).map((m) => m.id);
      const unknown = await request(host.url).get('/v1/models?after_id=gone-model').set('anthropic-version', '2023-06-01').expect(200);
      expect(unknown.body).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
      const limited = await request(host.url).get('/v1/models?limit=1').set('anthropic-version', '2023-06-01').expect(200);
      expect(limited.body.data.map((m: { id: string }) => m.id)).toEqual(all);
      expect(limited.body.has_more).toBe(false);
    });
  });

  test.each<[string, Record<string, string>, unknown]>([
    [
      'without anthropic-version, in OpenAI’s error shape',
      {},
      { error: expect.objectContaining({ code: 'router_closed', message: expect.any(String) }) },
    ],
    [
      'with anthropic-version, in Anthropic’s error shape',
      { 'anthropic-version': '2023-06-01' },
      { type: 'error', error: { type: 'api_error', message: expect.stringMatching(/closed/) } },
    ],
  ])('after close(), GET /models is a 503 %s', async (_shape, headers, body) => {
    const { host } = await startMatrixHost();
    try {
      await host.router.close();
      const res = await request(host.url).get('/v1/models').set(headers);
      expect([res.status, res.body]).toEqual([503, body]);
    } finally {
      await host.close();
    }
  });

  test('every id of the Anthropic-shaped list routes back to its provider', async () => {
    fakes.local.handler = llamaServerListing(['qwen.gguf', 'claude-x']);
    await withMatrixHost({}, async (host) => {
      const byId = new Map((await host.router.listModels()).map((m) => [m.id, m]));
      const ids: string[] = [];
      for await (const model of anthropicClient(host).models.list()) ids.push(model.id);
      expect(ids).toContain('local/claude-x');
      const entries = ids.map((id) => byId.get(id)!);
      expect(await whereEachIdGoes(host, entries)).toEqual(entries.map((entry) => [entry.id, [expectedDestination(entry)]]));
    });
  });
});

/** WHATWG "bad ports" (https://fetch.spec.whatwg.org/#port-blocking) an unprivileged test can bind. */
const BAD_PORTS = [6666, 6665, 6667, 6668, 6669, 6000, 6566, 6679, 6697, 10080, 5060, 5061];

/** A fake of `kind` on the first free bad port. */
async function startOnBadPort(kind: ProviderId): Promise<FakeUpstream> {
  for (const port of BAD_PORTS) {
    try {
      return await startFakeUpstream(kind, { port });
    } catch {
      // Taken: the next one.
    }
  }
  throw new Error(`none of the bad ports ${BAD_PORTS.join(', ')} is free`);
}

describe('section 7: known pitfalls', () => {
  test.each<[ProviderId, string]>([
    ['local', 'qwen2.5-0.5b-instruct-q4_k_m.gguf'],
    ['openai', 'openai/gpt-4.1'],
    ['openrouter', 'openrouter/anthropic/claude-3.5-sonnet'],
    ['anthropic', 'anthropic/claude-haiku-5-5'],
  ])('%s on a WHATWG bad port answers chat and lists its models through the router', async (kind, listedId) => {
    const upstream = await startOnBadPort(kind);
    try {
      const port = new URL(upstream.baseUrl).port;
      // The pitfall itself: fetch() refuses the port that http.request reaches.
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
      await withMatrixHost({ baseUrls: { [kind]: upstream.baseUrl } }, async (host, events) => {
        const ids = (await listWithOpenAI(host)).filter((m) => m.provider === kind).map((m) => m.id);
        expect(ids).toContain(listedId);
        expect(modelErrors(events)).toEqual([]);
        const answer = await openaiClient(host).chat.completions.create({
          model: listedId,
          max_tokens: 5,
          messages: HI,
        });
        expect(answer.choices[0]!.message.content).toEqual(expect.any(String));
        expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      });
    } finally {
      await upstream.close();
    }
  });

  test.each<[string, ProviderId, (fake: FakeUpstream) => string, { host?: string }]>([
    ['the IPv6 loopback [::1]', 'local', (fake) => fake.baseUrl, { host: '::1' }],
    ['the IPv6 loopback [::1]', 'anthropic', (fake) => fake.baseUrl, { host: '::1' }],
    ['the name localhost', 'local', (fake) => fake.baseUrl.replace('127.0.0.1', 'localhost'), {}],
    ['the name localhost', 'openrouter', (fake) => fake.baseUrl.replace('127.0.0.1', 'localhost'), {}],
  ])('an upstream at %s (%s) answers chat and lists its models through the router (section 9)', async (_where, kind, baseUrlOf, listen) => {
    const upstream = await startFakeUpstream(kind, listen);
    try {
      await withMatrixHost({ baseUrls: { [kind]: baseUrlOf(upstream) } }, async (host, events) => {
        const listed = (await listWithOpenAI(host)).filter((m) => m.provider === kind);
        expect(listed.length).toBeGreaterThan(0);
        expect(modelErrors(events)).toEqual([]);
        await openaiClient(host).chat.completions.create({ model: listed[0]!.id, max_tokens: 5, messages: HI });
        expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      });
    } finally {
      await upstream.close();
    }
  });

  test('list refreshes and requests share kept-alive upstream sockets, and close() releases them so that nothing hangs', async () => {
    const sockets = new Set<Socket>();
    let accepted = 0;
    const llamaServer = http.createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        req.method === 'GET' ? sendJson(res, 200, fixtureJson('llama-server-models.json')) : sendJson(res, 200, fixtureJson('openai-chat.json')),
      );
    });
    llamaServer.on('connection', (socket: Socket) => {
      accepted++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => llamaServer.listen(0, '127.0.0.1', resolve));
    const { port } = llamaServer.address() as AddressInfo;
    try {
      const { host } = await startMatrixHost({
        baseUrls: { local: `http://127.0.0.1:${port}/v1` },
        router: { modelsTtlMs: 50 },
      });
      await host.router.listModels();
      await sleep(80);
      await host.router.listModels();
      await openaiClient(host).chat.completions.create({
        model: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
        messages: HI,
      });
      expect(accepted).toBe(1);
      expect(sockets.size).toBe(1);
      await host.close();
      await waitUntil(() => sockets.size === 0, 1000, 'the kept-alive socket closed by router.close()');
    } finally {
      llamaServer.closeAllConnections();
      await new Promise<void>((resolve) => llamaServer.close(() => resolve()));
    }
  });

  test.each<[MatrixProvider, string]>([
    ['local', 'llama-server-chat-stream.sse'],
    ['openrouter', 'openrouter-chat-stream.sse'],
    ['groq', 'openai-chat-stream-usage.sse'],
    ['mine', 'openai-chat-stream-usage.sse'],
  ])("compression() before the router leaves %s's stream unbuffered (no-transform) for a listed id", async (provider, fixture) => {
    const frames = sseFrames(fixture);
    const release = deferred();
    fakeOf(provider).handler = (r, res) =>
      r.method === 'POST'
        ? sendHeldStream(
            res,
            frames,
            frames.findIndex((frame) => frame.includes('"content":"')),
            release.promise,
          )
        : false;
    const host: HostOptions = {
      expressVersion: 4,
      jsonFirst: true,
      before: (app) => app.use(compression()),
    };
    try {
      await withMatrixHost({ host }, async (host) => {
        const model = (await host.router.listModels()).find((m) => m.provider === provider)!.id;
        const stream = await openStream(
          `${host.url}/v1/chat/completions`,
          { model, stream: true, messages: HI },
          { headers: { 'accept-encoding': 'gzip, br' } },
        );
        expect(stream.headers['cache-control']).toContain('no-transform');
        expect(stream.headers['content-encoding']).toBeUndefined();
        await within(
          stream.waitFor((text) => text.includes('"content":"')),
          2000,
          'the first frame before the upstream finished',
        );
        release.resolve();
        expect(await stream.ended).toContain('[DONE]');
      });
    } finally {
      release.resolve();
    }
  });

  test('with express.json() before the router, GET /models and a chat to every provider answer', async () => {
    const host: HostOptions = {
      expressVersion: 4,
      jsonFirst: true,
      before: (app) => app.use(express4.json()),
    };
    await withMatrixHost({ host }, async (host) => {
      const entries = await listWithOpenAI(host);
      const oneEach = PROVIDERS.map((provider) => entries.find((m) => m.provider === provider)!);
      expect(await within(whereEachIdGoes(host, oneEach), 5000, 'the chats')).toEqual(
        oneEach.map((entry) => [entry.id, [expectedDestination(entry)]]),
      );
    });
  });
});
