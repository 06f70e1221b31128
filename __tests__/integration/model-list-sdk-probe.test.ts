/**
 * A probe of the merged model list (DESIGN sections 1, 6, 7, 8, 9) through the real clients: the
 * `openai` SDK's `models.list()`, the `@anthropic-ai/sdk`'s with its auto-pagination and cursors,
 * and `router.listModels()`, on a host that mounts the router at `/v1` and `/api/v1` at once,
 * against upstream lists that misbehave as real ones do. Every listed id is sent back as `model`
 * through chat completions, `/messages` and `/responses`, and checked at the fake that got it.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import request from 'supertest';
import type { MergedModel, TelemetryEvent } from '../../lib';
import { startFakeUpstream, type FakeHandler, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS, keyPiecesIn } from '../support/keys';
import { observe } from '../support/observe';
import { sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { sleep } from '../support/wait';

const fakes = useFakes();

const MOUNTS = ['/v1', '/api/v1'] as const;

/** Runs `run` against a host with every fake enabled and the router at both mount paths. */
async function withHost(env: Record<string, string>, run: (host: Host, events: TelemetryEvent[]) => Promise<void>): Promise<void> {
  const host = await startHost({ env: { ...envFor(fakes), ...env } }, { mountPath: [...MOUNTS] });
  const observed = observe();
  observed.listen(host.router);
  try {
    await run(host, observed.events);
  } finally {
    await host.close();
  }
}

/** The fake's answer to its list request (any GET), the default answer for the rest. */
const onList =
  (answer: (res: ServerResponse, url: string) => void): FakeHandler =>
  (r, res) =>
    r.method === 'GET' ? answer(res, r.url) : false;

const openaiList = (ids: unknown[], extra: Record<string, unknown> = {}) =>
  onList((res) =>
    sendJson(res, 200, { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'x' })), ...extra }),
  );

const openaiClient = (host: Host, mount: string): OpenAI =>
  new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}${mount}`, maxRetries: 0, timeout: 15_000 });
/** The Anthropic SDK appends `/v1` itself: `/api/v1` is reached from base `/api`. */
const anthropicClient = (host: Host, mount: string): Anthropic =>
  new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}${mount.replace(/\/v1$/, '')}`, maxRetries: 0, timeout: 15_000 });

async function listWithOpenAI(host: Host, mount: string): Promise<MergedModel[]> {
  const listed: MergedModel[] = [];
  for await (const model of openaiClient(host, mount).models.list()) listed.push(model as unknown as MergedModel);
  return listed;
}

async function idsWithAnthropic(host: Host, mount: string, params: Anthropic.ModelListParams = {}): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let page = await anthropicClient(host, mount).models.list(params);
  for (;;) {
    pages++;
    ids.push(...page.data.map((m) => m.id));
    if (!page.hasNextPage() || pages > 50) break;
    page = await page.getNextPage();
  }
  return { ids, pages };
}

const fakeOf = (provider: string): FakeUpstream => fakes[provider as 'local' | 'openai' | 'openrouter' | 'anthropic'];
const posts = (fake: FakeUpstream) => fake.requests.filter((r) => r.method === 'POST');

describe('the SDKs list the merged list at both mount paths', () => {
  test("openai's models.list() and Anthropic's auto-pagination, limit, after_id and before_id all terminate with the same ids", async () => {
    // Cursors the SDK encodes: a space, `+`, `&`, `=`, `%`, `:` and `/`.
    fakes.local.handler = openaiList(['My Model+Q4:latest', 'a&b=c%20d.gguf', 'gpt-4o']);
    await withHost({}, async (host, events) => {
      const direct = (await host.router.listModels()).map((m) => m.id);
      expect(direct.slice(0, 3)).toEqual(['My Model+Q4:latest', 'a&b=c%20d.gguf', 'local/gpt-4o']);
      expect(new Set(direct.map((id) => id.split('/')[0])).size).toBeGreaterThan(3);
      for (const mount of MOUNTS) {
        expect((await listWithOpenAI(host, mount)).map((m) => m.id)).toEqual(direct);
        const auto: string[] = [];
        for await (const model of anthropicClient(host, mount).models.list({ limit: 2 })) auto.push(model.id);
        expect(auto).toEqual(direct);
        expect(await idsWithAnthropic(host, mount, { limit: 1 })).toEqual({ ids: direct, pages: 1 });
        const third = direct[2]!;
        expect(await idsWithAnthropic(host, mount, { after_id: third })).toEqual({ ids: direct.slice(3), pages: 1 });
        expect(await idsWithAnthropic(host, mount, { before_id: third })).toEqual({ ids: direct.slice(0, 2), pages: 1 });
        expect(await idsWithAnthropic(host, mount, { after_id: direct[direct.length - 1]! })).toEqual({ ids: [], pages: 1 });
        for (const [index, id] of direct.slice(0, 3).entries()) {
          expect(await idsWithAnthropic(host, mount, { after_id: id })).toEqual({ ids: direct.slice(index + 1), pages: 1 });
          expect(await idsWithAnthropic(host, mount, { before_id: id })).toEqual({ ids: direct.slice(0, index), pages: 1 });
        }
      }
      expect(events.filter((e) => e.type === 'models.error')).toEqual([]);
    });
  });
});

/** Sends `model` through one route as that route's client would, without streaming. */
async function send(host: Host, route: 'chat' | 'messages' | 'responses', model: string): Promise<number> {
  const bodies = {
    chat: ['/v1/chat/completions', { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }],
    messages: ['/v1/messages', { model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }],
    responses: ['/api/v1/responses', { model, input: 'hi' }],
  } as const;
  const [path, body] = bodies[route];
  const res = await request(host.url).post(path).set('anthropic-version', '2023-06-01').send(body);
  return res.status;
}

describe('every listed id routes back to the provider that listed it, under the id it listed', () => {
  test('ids with slashes, colons and spaces, GGUF ids that collide with the built-in rules and a provider prefix', async () => {
    const localIds = ['gpt-4o', 'claude-x', 'openai/x', 'qwen3:8b', 'My Model Q4_K_M.gguf', 'o3 local', 'local'];
    const routerIds = ['anthropic/claude-3.5-sonnet', 'meta-llama/llama-3.3-70b-instruct:free', 'openai/gpt-4o:extended', 'openrouter/auto'];
    fakes.local.handler = openaiList(localIds);
    fakes.openrouter.handler = openaiList(routerIds);
    fakes.openai.handler = openaiList(['gpt-4o', 'ft:gpt-4o-mini:org::abc']);
    await withHost({}, async (host) => {
      const entries = await listWithOpenAI(host, '/api/v1');
      const listedBy = (provider: string) => entries.filter((m) => m.provider === provider).map((m) => m.provider_model_id ?? m.id);
      expect(listedBy('local')).toEqual(localIds);
      expect(listedBy('openrouter')).toEqual(routerIds);
      for (const entry of entries) {
        for (const route of ['chat', 'messages', 'responses'] as const) {
          fakes.reset();
          const status = await send(host, route, entry.id);
          const reached = (['local', 'openai', 'openrouter', 'anthropic'] as const).flatMap((p) =>
            posts(fakeOf(p)).map((r) => [p, r.body?.model] as const),
          );
          expect([entry.id, route, status, reached]).toEqual([entry.id, route, 200, [[entry.provider, entry.provider_model_id ?? entry.id]]]);
        }
      }
    });
  });

  test('an id the router would refuse as `model` (over 256 characters once prefixed, control characters, blank) is not listed', async () => {
    const longLocal = `${'m'.repeat(300)}.gguf`;
    const longRouter = `vendor/${'r'.repeat(240)}`; // 247 characters: 258 as openrouter/<id>
    const fits = `vendor/${'f'.repeat(238)}`; // 245: 256 as openrouter/<id>, the longest taken
    fakes.local.handler = openaiList([longLocal, 'bell\u0007.gguf', ' ', 'ok.gguf']);
    fakes.openrouter.handler = openaiList([longRouter, fits, 'tab\tmodel']);
    await withHost({}, async (host) => {
      const entries = await host.router.listModels();
      const listed = entries.filter((m) => m.provider === 'local' || m.provider === 'openrouter').map((m) => m.id);
      expect(listed).toEqual(['ok.gguf', `openrouter/${fits}`]);
      const shaped = await request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01');
      expect(shaped.body.data.map((m: { id: string }) => m.id)).toEqual(entries.map((m) => m.id));
      for (const entry of entries) expect([entry.id, await send(host, 'chat', entry.id)]).toEqual([entry.id, 200]);
    });
  });
});

describe('upstream lists that misbehave', () => {
  test("Anthropic's list with has_more is followed page by page, with after_id = last_id", async () => {
    const pages: Record<string, unknown> = {
      '': {
        data: [{ type: 'model', id: 'claude-a', display_name: 'A', created_at: '2025-01-01T00:00:00Z' }],
        has_more: true,
        first_id: 'claude-a',
        last_id: 'claude-a',
      },
      'claude-a': {
        data: [{ type: 'model', id: 'claude-b', display_name: 'B', created_at: '2025-01-02T00:00:00Z' }],
        has_more: false,
        first_id: 'claude-b',
        last_id: 'claude-b',
      },
    };
    fakes.anthropic.handler = onList((res, url) => sendJson(res, 200, pages[new URL(url, 'http://x').searchParams.get('after_id') ?? '']));
    await withHost({}, async (host) => {
      const ids = (await host.router.listModels()).filter((m) => m.provider === 'anthropic').map((m) => m.id);
      expect(ids).toEqual(['anthropic/claude-a', 'anthropic/claude-b']);
      const shaped = await request(host.url).get('/api/v1/models').set('anthropic-version', '2023-06-01');
      expect(
        shaped.body.data.filter((m: { id: string }) => m.id.startsWith('anthropic/')).map((m: { display_name: string }) => m.display_name),
      ).toEqual(['A', 'B']);
    });
  });

  test('an Anthropic-compatible list that ignores after_id (has_more always true, the same last_id) is asked twice, not 20 times, and its page read once', async () => {
    const page = {
      data: [{ type: 'model', id: 'claude-a', created_at: '2025-01-01T00:00:00Z' }],
      has_more: true,
      first_id: 'claude-a',
      last_id: 'claude-a',
    };
    fakes.anthropic.handler = onList((res) => sendJson(res, 200, page));
    await withHost({}, async (host) => {
      expect((await host.router.listModels()).filter((m) => m.provider === 'anthropic').map((m) => m.id)).toEqual(['anthropic/claude-a']);
      expect(fakes.anthropic.requests.map((r) => r.url)).toEqual(['/v1/models?limit=1000', '/v1/models?limit=1000&after_id=claude-a']);
    });
  });

  test.each<[string, Record<string, string>, { modelsTtlMs?: number }]>([
    ['PROVIDER_MODELS_TTL_MS=0', { PROVIDER_MODELS_TTL_MS: '0' }, {}],
    ['modelsTtlMs: 0', {}, { modelsTtlMs: 0 }],
  ])('%s caches nothing: each list asks again, lists asked for at once share one fetch', async (_name, env, options) => {
    // Answered after a while, so that the three lists overlap.
    fakes.openai.handler = onList((res) =>
      setTimeout(() => sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: 1, owned_by: 'openai' }] }), 300),
    );
    const host = await startHost({ env: { ...envFor(fakes), ...env }, ...options }, { mountPath: [...MOUNTS] });
    try {
      await Promise.all([listWithOpenAI(host, '/v1'), idsWithAnthropic(host, '/api/v1'), host.router.listModels()]);
      expect(fakes.openai.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
      await host.router.listModels();
      expect(fakes.openai.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    } finally {
      await host.close();
    }
  });

  test("Together's list, a bare array of model objects rather than {data}, is listed and routes back", async () => {
    const together = await startFakeUpstream('openai');
    const model = (id: string, type: string) => ({
      id,
      object: 'model',
      created: 1_700_000_000,
      type,
      display_name: id,
      organization: 'Meta',
      context_length: 131072,
    });
    together.handler = onList((res) =>
      sendJson(res, 200, [model('meta-llama/Llama-3.3-70B-Instruct-Turbo', 'chat'), model('BAAI/bge-large-en-v1.5', 'embedding')]),
    );
    try {
      await withHost(
        { OPENAI_COMPATIBLE_PROVIDERS: 'together', TOGETHER_BASE_URL: together.baseUrl, TOGETHER_API_KEY: 'tg-test-0123456789abcdefghij' },
        async (host, events) => {
          const listed = (await listWithOpenAI(host, '/api/v1')).filter((m) => m.provider === 'together');
          expect(listed.map((m) => m.id)).toEqual(['together/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'together/BAAI/bge-large-en-v1.5']);
          expect(listed[0]).toEqual(expect.objectContaining({ object: 'model', owned_by: 'together', type: 'chat', context_length: 131072 }));
          expect(events.filter((e) => e.type === 'models.error')).toEqual([]);
          expect(await send(host, 'chat', listed[0]!.id)).toBe(200);
          expect(together.requests.filter((r) => r.method === 'POST').map((r) => r.body?.model)).toEqual(['meta-llama/Llama-3.3-70B-Instruct-Turbo']);
        },
      );
    } finally {
      await together.close();
    }
  });

  test("OpenRouter's large list (5000 rich entries) is listed in time and every id kept", async () => {
    const data = Array.from({ length: 5000 }, (_, i) => ({
      id: `vendor${i % 50}/model-${i}:free`,
      name: `Model ${i}`,
      created: 1_700_000_000 + i,
      description: 'x'.repeat(600),
      context_length: 131072,
      architecture: { modality: 'text->text', input_modalities: ['text'], output_modalities: ['text'] },
      pricing: { prompt: '0', completion: '0' },
      top_provider: { context_length: 131072, max_completion_tokens: null, is_moderated: false },
      supported_parameters: ['tools', 'temperature', 'top_p', 'reasoning'],
    }));
    fakes.openrouter.handler = onList((res) => sendJson(res, 200, { data }));
    await withHost({}, async (host) => {
      const started = Date.now();
      const [viaSdk, viaAnthropic] = await Promise.all([listWithOpenAI(host, '/v1'), idsWithAnthropic(host, '/v1')]);
      // Under the 5 s after which a provider's list is left out, with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(4500);
      const routed = viaSdk.filter((m) => m.provider === 'openrouter');
      expect(routed).toHaveLength(5000);
      expect(routed[4999]).toEqual(
        expect.objectContaining({ id: 'openrouter/vendor49/model-4999:free', name: 'Model 4999', context_length: 131072 }),
      );
      expect(routed[0]!.description).toBeUndefined();
      expect(viaAnthropic.ids.filter((id) => id.startsWith('openrouter/'))).toHaveLength(5000);
      const again = Date.now();
      await host.router.listModels();
      expect(Date.now() - again).toBeLessThan(500);
      expect(fakes.openrouter.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    });
  });

  test("llama-server's list with both models and data, entries without an id or with a non-string one, and duplicates", async () => {
    fakes.local.handler = onList((res) =>
      sendJson(res, 200, {
        models: [{ name: 'qwen.gguf', model: 'qwen.gguf', type: 'model' }],
        object: 'list',
        data: [
          { id: 'qwen.gguf', object: 'model', created: 1, owned_by: 'llamacpp', meta: { n_ctx_train: 4096 } },
          { object: 'model', owned_by: 'llamacpp' },
          { id: 7, object: 'model' },
          { id: null },
          null,
          'gemma.gguf',
          { id: '', object: 'model' },
          { id: 'qwen.gguf', object: 'model', created: 2, owned_by: 'again' },
        ],
      }),
    );
    fakes.openai.handler = openaiList(['gpt-4o', 'gpt-4o', { nested: true }]);
    await withHost({}, async (host, events) => {
      const entries = await host.router.listModels();
      expect(entries.filter((m) => m.provider === 'local')).toEqual([
        { id: 'qwen.gguf', object: 'model', created: 1, owned_by: 'llamacpp', meta: { n_ctx_train: 4096 }, provider: 'local' },
      ]);
      expect(entries.filter((m) => m.provider === 'openai').map((m) => m.id)).toEqual(['openai/gpt-4o']);
      expect(events.filter((e) => e.type === 'models.error')).toEqual([]);
    });
  });

  test('a 401 echoing the key, HTML 200, a redirect and a gzip list: the failures left out and reported redacted, the gzip list read', async () => {
    fakes.openai.handler = onList((res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${KEYS.openai}` } }));
    fakes.openrouter.handler = onList((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>${KEYS.openrouter}</html>`);
    });
    fakes.anthropic.handler = onList((res) => {
      res.writeHead(307, { location: `${fakes.openai.baseUrl}/models` });
      res.end();
    });
    fakes.local.handler = onList((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ object: 'list', data: [{ id: 'zipped.gguf', object: 'model', created: 1, owned_by: 'llamacpp' }] })));
    });
    const logged: string[] = [];
    const host = await startHost(
      {
        env: envFor(fakes),
        logger: { warn: (...a: unknown[]) => logged.push(JSON.stringify(a)), error: (...a: unknown[]) => logged.push(JSON.stringify(a)) },
      },
      { mountPath: [...MOUNTS] },
    );
    const observed = observe();
    observed.listen(host.router);
    try {
      const res = await request(host.url).get('/v1/models').expect(200);
      expect((res.body.data as MergedModel[]).map((m) => m.id)).toEqual(['zipped.gguf']);
      const errors = observed.events.filter((e) => e.type === 'models.error');
      expect(errors.map((e) => e.provider).sort()).toEqual(['anthropic', 'openai', 'openrouter']);
      const written = JSON.stringify(observed.events) + logged.join('\n') + res.text;
      for (const key of Object.values(KEYS)) expect(keyPiecesIn(written, key)).toEqual([]);
      // The redirect is not followed: the key would go where the upstream pointed.
      expect(fakes.openai.requests.filter((r) => r.headers['x-api-key'])).toEqual([]);
    } finally {
      await host.close();
    }
  });

  test('a list dribbled past 5 s is left out after 5 s without stalling the list, and listed once it arrives', async () => {
    fakes.openrouter.handler = onList((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = JSON.stringify({ data: [{ id: 'slow/model', created: 1 }] });
      let i = 0;
      const timer = setInterval(
        () => {
          if (res.destroyed) return clearInterval(timer);
          res.write(body.slice(i, i + 4));
          i += 4;
          if (i >= body.length) {
            clearInterval(timer);
            res.end();
          }
        },
        6500 / Math.ceil(body.length / 4),
      );
    });
    await withHost({}, async (host, events) => {
      const started = Date.now();
      const [viaSdk, viaAnthropic] = await Promise.all([listWithOpenAI(host, '/v1'), idsWithAnthropic(host, '/api/v1')]);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(4900);
      expect(took).toBeLessThan(6000);
      expect(viaSdk.some((m) => m.provider === 'openrouter')).toBe(false);
      expect(viaAnthropic.ids.some((id) => id.startsWith('openrouter/'))).toBe(false);
      expect(events.filter((e) => e.type === 'models.error').map((e) => e.provider)).toEqual(['openrouter']);
      // While the fetch goes on, a list is not held up again.
      const quick = Date.now();
      await host.router.listModels();
      expect(Date.now() - quick).toBeLessThan(500);
      await sleep(2000);
      expect((await host.router.listModels()).map((m) => m.id)).toContain('openrouter/slow/model');
      expect(fakes.openrouter.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    });
  }, 20_000);

  test('a provider that hangs: close() during the fetch answers the waiting GET /models at once and releases the fetch', async () => {
    fakes.anthropic.handler = onList(() => undefined);
    const host = await startHost({ env: envFor(fakes) }, { mountPath: [...MOUNTS] });
    try {
      const pending = request(host.url).get('/api/v1/models').set('anthropic-version', '2023-06-01');
      const answered = pending.then((res) => res);
      await sleep(200);
      const started = Date.now();
      await host.router.close();
      const res = await answered;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(503);
      expect(res.body.type).toBe('error');
    } finally {
      await host.close();
    }
  });
});

describe('router.listModels() hands the host a list of its own', () => {
  test("a host that rewrites the entries it got (OpenRouter's pricing per million tokens) changes neither GET /models nor the next listModels()", async () => {
    fakes.openrouter.handler = onList((res) =>
      sendJson(res, 200, {
        data: [{ id: 'vendor/m', name: 'M', created: 1, context_length: 8192, pricing: { prompt: '0.000001', completion: '0.000002' } }],
      }),
    );
    fakes.local.handler = onList((res) =>
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'q.gguf', object: 'model', created: 1, owned_by: 'llamacpp', meta: { n_ctx_train: 4096 } }],
      }),
    );
    await withHost({}, async (host) => {
      const perMillion = async () => {
        const models = await host.router.listModels();
        for (const model of models) {
          const pricing = model.pricing as Record<string, string | number> | undefined;
          if (pricing) for (const key of Object.keys(pricing)) pricing[key] = Number(pricing[key]) * 1e6;
          if (model.meta) (model.meta as Record<string, unknown>).n_ctx_train = 'rewritten';
        }
        return models;
      };
      await perMillion();
      expect((await perMillion()).find((m) => m.id === 'openrouter/vendor/m')!.pricing).toEqual({ prompt: 1, completion: 2 });
      const served = (await request(host.url).get('/v1/models').expect(200)).body.data as MergedModel[];
      expect(served.find((m) => m.id === 'openrouter/vendor/m')!.pricing).toEqual({ prompt: '0.000001', completion: '0.000002' });
      expect(served.find((m) => m.id === 'q.gguf')!.meta).toEqual({ n_ctx_train: 4096 });
    });
  });
});

describe("client headers never reach a list fetch, and the upstream's never reach the client", () => {
  test("the client's Authorization, x-api-key and cookie are not sent; set-cookie and account headers are not answered", async () => {
    const accountHeaders = {
      'set-cookie': 'session=upstream; Path=/',
      'openai-organization': 'org-secret',
      'x-ratelimit-remaining-requests': '9',
      'anthropic-organization-id': 'org-1',
    };
    for (const provider of ['local', 'openai', 'openrouter', 'anthropic'] as const) {
      const fake = fakeOf(provider);
      fake.handler = onList((res) =>
        sendJson(
          res,
          200,
          provider === 'anthropic'
            ? { data: [{ type: 'model', id: 'claude-z', display_name: 'Z', created_at: '2025-01-01T00:00:00Z' }], has_more: false }
            : { object: 'list', data: [{ id: `${provider}-m`, object: 'model', created: 1, owned_by: provider }] },
          accountHeaders,
        ),
      );
    }
    await withHost({}, async (host) => {
      const answers = await Promise.all([
        request(host.url).get('/v1/models').set('authorization', `Bearer ${CLIENT_TOKEN}`).set('cookie', 'host=1'),
        request(host.url).get('/api/v1/models').set('x-api-key', CLIENT_TOKEN).set('anthropic-version', '2023-06-01'),
      ]);
      for (const res of answers) {
        expect(res.status).toBe(200);
        for (const name of Object.keys(accountHeaders)) expect(res.headers[name]).toBeUndefined();
      }
      for (const provider of ['local', 'openai', 'openrouter', 'anthropic'] as const) {
        const [list] = fakeOf(provider).requests.filter((r) => r.method === 'GET');
        expect(JSON.stringify(list!.headers)).not.toContain(CLIENT_TOKEN);
        expect(list!.headers.cookie).toBeUndefined();
      }
      expect(fakes.local.requests[0]!.headers.authorization).toBeUndefined();
      // Each list request carries the provider's own auth, and Anthropic's its version.
      const listOf = (provider: 'openai' | 'openrouter' | 'anthropic') => fakeOf(provider).requests.find((r) => r.method === 'GET')!.headers;
      expect(listOf('openai').authorization).toBe(`Bearer ${KEYS.openai}`);
      expect(listOf('openrouter').authorization).toBe(`Bearer ${KEYS.openrouter}`);
      expect([listOf('anthropic')['x-api-key'], listOf('anthropic')['anthropic-version'], listOf('anthropic').authorization]).toEqual([
        KEYS.anthropic,
        '2023-06-01',
        undefined,
      ]);
    });
  });
});
