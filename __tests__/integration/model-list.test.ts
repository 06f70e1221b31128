import request from 'supertest';
import type { TelemetryEvent } from '../../lib';
import type { FakeUpstream } from '../support/fake-upstream';
import { fixtureJson } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { KEYS } from '../support/keys';
import { observe } from '../support/observe';
import { unusedPort } from '../support/ports';
import { sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { sleep } from '../support/wait';

const fakes = useFakes();

/** Runs `run` against a host with every fake configured (plus `env`), with the events it reports. */
async function withHost(env: Record<string, string>, run: (host: Host, events: TelemetryEvent[]) => Promise<void>, extra = {}): Promise<void> {
  const host = await startHost({ env: { ...envFor(fakes), ...env }, ...extra });
  const observed = observe();
  observed.listen(host.router);
  try {
    await run(host, observed.events);
  } finally {
    await host.close();
  }
}

const modelRequests = (fake: FakeUpstream) => fake.requests.filter((r) => r.method === 'GET');
const count = (name: string) => fixtureJson<{ data: unknown[] }>(name).data.length;

test('merges every provider with its provider field, local entries kept as they are', async () => {
  await withHost({ PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini' }, async (host) => {
    const res = await request(host.url).get('/v1/models');
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
    const data = res.body.data as Array<Record<string, unknown>>;
    const byProvider = (p: string) => data.filter((m) => m.provider === p);
    expect(byProvider('local')).toHaveLength(count('llama-server-models.json'));
    expect(byProvider('openai')).toHaveLength(count('openai-models.json') + 1);
    expect(byProvider('openrouter')).toHaveLength(count('openrouter-models.json'));
    expect(byProvider('anthropic')).toHaveLength(count('anthropic-models.json'));
    const localFixture = fixtureJson<{ data: Array<Record<string, unknown>> }>('llama-server-models.json').data[0]!;
    expect(byProvider('local')[0]).toEqual({ ...localFixture, provider: 'local' });
    const router = byProvider('openrouter')[0]!;
    expect(router).toEqual(
      expect.objectContaining({
        id: 'openrouter/meta-llama/llama-3.1-8b-instruct',
        object: 'model',
        name: expect.any(String),
        context_length: 131072,
        pricing: expect.any(Object),
      }),
    );
    expect(router.description).toBeUndefined();
    expect(data.find((m) => m.id === 'fast')).toEqual(expect.objectContaining({ provider: 'openai', alias_of: 'openai/gpt-4o-mini' }));
    for (const entry of data)
      expect(entry).toEqual(
        expect.objectContaining({ id: expect.any(String), object: 'model', created: expect.any(Number), owned_by: expect.any(String) }),
      );
  });
});

test('every listed id, sent back as model, reaches its provider', async () => {
  await withHost({ PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini' }, async (host) => {
    const data = (await request(host.url).get('/v1/models')).body.data as Array<{ id: string; provider: string }>;
    for (const entry of data) {
      fakes.reset();
      const res = await request(host.url)
        .post('/v1/chat/completions')
        .send({ model: entry.id, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
      expect([entry.id, res.status, res.headers['x-provider']]).toEqual([entry.id, 200, entry.provider]);
    }
  });
});

test('a local GGUF whose id a rule sends elsewhere is listed as local/<id> and routes back', async () => {
  fakes.local.handler = (r, res) =>
    r.method === 'GET' ? sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: 1, owned_by: 'llamacpp' }] }) : false;
  await withHost({}, async (host) => {
    const data = (await request(host.url).get('/v1/models')).body.data as Array<{ id: string; provider: string }>;
    expect(data.filter((m) => m.provider === 'local').map((m) => m.id)).toEqual(['local/gpt-4o']);
    const res = await request(host.url).post('/v1/chat/completions').send({ model: 'local/gpt-4o', messages: [] });
    expect(res.headers['x-provider']).toBe('local');
  });
});

test("with fallback 'next' llama-server ids are listed as they are, and only ids a rule claims get local/", async () => {
  fakes.local.handler = (r, res) =>
    r.method === 'GET'
      ? sendJson(res, 200, {
          object: 'list',
          data: [
            { id: 'qwen.gguf', object: 'model', created: 1, owned_by: 'llamacpp' },
            { id: 'gpt-4o', object: 'model', created: 1, owned_by: 'llamacpp' },
          ],
        })
      : false;
  const host = await startHost({ env: envFor(fakes), fallback: 'next' }, { after: (app) => app.use((_req, res) => res.json({ served_by: 'host' })) });
  try {
    const data = (await request(host.url).get('/v1/models')).body.data as Array<{ id: string; provider: string }>;
    expect(data.filter((m) => m.provider === 'local').map((m) => m.id)).toEqual(['qwen.gguf', 'local/gpt-4o']);
    const plain = await request(host.url).post('/v1/chat/completions').send({ model: 'qwen.gguf', messages: [] });
    expect(plain.body).toEqual({ served_by: 'host' });
    const prefixed = await request(host.url).post('/v1/chat/completions').send({ model: 'local/gpt-4o', messages: [] });
    expect(prefixed.headers['x-provider']).toBe('local');
  } finally {
    await host.close();
  }
});

test('a provider that fails or hangs is left out in time, reported, and the rest is served', async () => {
  fakes.openai.handler = (r, res) => (r.method === 'GET' ? sendJson(res, 500, { error: { message: `bad ${KEYS.openai}` } }) : false);
  fakes.anthropic.handler = (r) => (r.method === 'GET' ? undefined : false);
  await withHost(
    {},
    async (host, events) => {
      const started = Date.now();
      const res = await request(host.url).get('/v1/models');
      expect(Date.now() - started).toBeLessThan(1500);
      const providers = new Set((res.body.data as Array<{ provider: string }>).map((m) => m.provider));
      expect([...providers].sort()).toEqual(['local', 'openrouter']);
      const errors = events.filter((e) => e.type === 'models.error');
      expect(errors.map((e) => e.provider).sort()).toEqual(['anthropic', 'openai']);
      expect(JSON.stringify(errors)).not.toContain(KEYS.openai.slice(0, 12));
    },
    { modelListTimeoutMs: 300 },
  );
});

test('a provider that cannot be reached is reported with the cause each time it is left out', async () => {
  const closedPort = await unusedPort();
  await withHost({ OPENAI_BASE_URL: `http://127.0.0.1:${closedPort}/v1` }, async (host, events) => {
    await request(host.url).get('/v1/models');
    await request(host.url).get('/v1/models');
    const errors = events.filter((e) => e.type === 'models.error' && e.provider === 'openai');
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toEqual(expect.objectContaining({ error: expect.stringMatching(/ECONNREFUSED/) }));
  });
});

test('lists are cached for the TTL and concurrent requests share one upstream call', async () => {
  await withHost({}, async (host) => {
    await Promise.all([request(host.url).get('/v1/models'), request(host.url).get('/v1/models'), host.router.listModels()]);
    await request(host.url).get('/v1/models');
    for (const fake of fakes.all()) expect(modelRequests(fake)).toHaveLength(1);
  });
});

test('a provider whose refresh fails is left out, not served stale, until a refresh succeeds', async () => {
  await withHost({ PROVIDER_MODELS_TTL_MS: '30' }, async (host, events) => {
    const openaiEntries = async () =>
      ((await request(host.url).get('/v1/models')).body.data as Array<{ provider: string }>).filter((m) => m.provider === 'openai');
    expect(await openaiEntries()).toHaveLength(count('openai-models.json'));
    fakes.openai.handler = (r, res) => (r.method === 'GET' ? sendJson(res, 503, { error: { message: 'down' } }) : false);
    await sleep(60);
    expect(await openaiEntries()).toEqual([]);
    expect(modelRequests(fakes.openai)).toHaveLength(2);
    expect(events.filter((e) => e.type === 'models.error' && e.provider === 'openai')).toHaveLength(1);
    fakes.openai.handler = undefined;
    await sleep(60);
    expect(await openaiEntries()).toHaveLength(count('openai-models.json'));
    expect(modelRequests(fakes.openai)).toHaveLength(3);
  });
});

test("Anthropic's list is read page by page", async () => {
  fakes.anthropic.handler = (r, res) => {
    if (r.method !== 'GET') return false;
    const second = r.url.includes('after_id=claude-a');
    sendJson(res, 200, {
      data: [{ type: 'model', id: second ? 'claude-b' : 'claude-a', display_name: second ? 'B' : 'A', created_at: '2026-01-01T00:00:00Z' }],
      has_more: !second,
      first_id: null,
      last_id: second ? 'claude-b' : 'claude-a',
    });
    return true;
  };
  await withHost({}, async (host) => {
    const data = (await request(host.url).get('/v1/models')).body.data as Array<{ id: string; provider: string; display_name: string }>;
    expect(data.filter((m) => m.provider === 'anthropic').map((m) => [m.id, m.display_name])).toEqual([
      ['anthropic/claude-a', 'A'],
      ['anthropic/claude-b', 'B'],
    ]);
    expect(modelRequests(fakes.anthropic)).toHaveLength(2);
  });
});

test('a static list from <ID>_MODELS replaces the remote call', async () => {
  await withHost({ ANTHROPIC_MODELS: 'claude-sonnet-4-5, claude-haiku-4-5' }, async (host) => {
    const data = (await request(host.url).get('/v1/models')).body.data as Array<{ id: string; provider: string }>;
    expect(data.filter((m) => m.provider === 'anthropic').map((m) => m.id)).toEqual(['anthropic/claude-sonnet-4-5', 'anthropic/claude-haiku-4-5']);
    expect(modelRequests(fakes.anthropic)).toHaveLength(0);
  });
});

test('only enabled providers are asked, and no key or cookie appears in the answer', async () => {
  fakes.openai.handler = (r, res) =>
    r.method === 'GET'
      ? sendJson(
          res,
          200,
          { object: 'list', data: [{ id: 'gpt-x', object: 'model', created: 1, owned_by: 'me' }] },
          { 'set-cookie': 'sid=secret-cookie' },
        )
      : false;
  await withHost({ OPENROUTER_API_KEY: '' }, async (host) => {
    const res = await request(host.url).get('/v1/models');
    expect(modelRequests(fakes.openrouter)).toHaveLength(0);
    const everything = JSON.stringify(res.headers) + res.text;
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key.slice(0, 12));
    expect(everything).not.toContain('secret-cookie');
  });
});

test('with anthropic-version the list takes Anthropic’s shape', async () => {
  await withHost({}, async (host) => {
    const res = await request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01');
    expect(res.body.has_more).toBe(false);
    expect(res.body.data[0]).toEqual({ type: 'model', id: expect.any(String), display_name: expect.any(String), created_at: expect.any(String) });
    expect(res.body.first_id).toBe(res.body.data[0].id);
  });
});

test('with anthropic-version, created in milliseconds or microseconds is read as such, one no year can hold is the epoch, and the list still answers', async () => {
  fakes.local.handler = (recorded, res) => {
    if (recorded.method !== 'GET') return false;
    sendJson(res, 200, {
      object: 'list',
      data: [
        { id: 'm1.gguf', object: 'model', created: 100_000_000_000_000, owned_by: 'llamacpp' },
        { id: 'm2.gguf', object: 'model', created: 1_700_000_000_000, owned_by: 'llamacpp' },
        { id: 'm3.gguf', object: 'model', created: 1e30, owned_by: 'llamacpp' },
      ],
    });
    return true;
  };
  await withHost({}, async (host) => {
    const res = await request(host.url).get('/v1/models').set('anthropic-version', '2023-06-01');
    expect(res.status).toBe(200);
    const createdAt = (id: string): string | undefined =>
      (res.body.data as Array<{ id: string; created_at: string }>).find((model) => model.id === id)?.created_at;
    expect(createdAt('m1.gguf')).toBe('1973-03-03T09:46:40.000Z');
    expect(createdAt('m2.gguf')).toBe('2023-11-14T22:13:20.000Z');
    expect(createdAt('m3.gguf')).toBe('1970-01-01T00:00:00.000Z');
    expect(res.body.data.length).toBeGreaterThan(1);
  });
});
