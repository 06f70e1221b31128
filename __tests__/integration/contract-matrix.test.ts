import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import request from 'supertest';
import { createOpenAICompatibleProvider, createProviderRouter, defineProvider } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, silentLogger } from '../support/host';
import { chatBody, messagesBody } from '../support/request-bodies';

const execFileAsync = promisify(execFile);

let openai: FakeUpstream;
let local: FakeUpstream;
let openrouter: FakeUpstream;
let anthropic: FakeUpstream;

beforeAll(async () => {
  [openai, local, openrouter, anthropic] = await startFakeUpstreams('openai', 'local', 'openrouter', 'anthropic');
});
afterEach(() => [openai, local, openrouter, anthropic].forEach((fake) => fake.reset()));
afterAll(() => Promise.all([openai, local, openrouter, anthropic].map((fake) => fake.close())));

const allFakes = () => envFor({ openai, local, openrouter, anthropic });

describe.each([4, 5] as const)('Express %i: paths the router does not serve call next() untouched', (expressVersion) => {
  test.each([
    ['GET', '/v1/chat/completions'],
    ['POST', '/v1/models'],
    ['POST', '/v1/responses/abc/cancel'],
    ['PUT', '/v1/chat/completions'],
    ['POST', '/v1/chat/completions/extra'],
    ['POST', '/v1/chat'],
    ['POST', '/v2/chat/completions'],
  ])('%s %s reaches the host', async (method, path) => {
    const host = await startHost(
      { env: allFakes() },
      { expressVersion, after: (app) => app.use((req, res) => res.status(299).json({ host: true, url: req.originalUrl })) },
    );
    try {
      const client = request(host.url);
      const verb = method.toLowerCase() as 'get';
      const res = await client[verb](path).send(method === 'GET' ? undefined : chatBody('gpt-4o'));
      expect(res.status).toBe(299);
      expect(res.body).toEqual({ host: true, url: path });
      expect([openai, local, openrouter, anthropic].flatMap((f) => f.requests)).toHaveLength(0);
    } finally {
      await host.close();
    }
  });

  test.each([
    ['/v1/chat/completions/', 'openai'],
    ['/v1/chat/completions?x=1', 'openai'],
    ['/api/v1/chat/completions', 'openai'],
    ['/V1/chat/completions', 'openai'],
    // Express routes case-insensitively by default (the mount path already does): so does the router.
    ['/v1/Chat/Completions', 'openai'],
    ['/v1/CHAT/COMPLETIONS/', 'openai'],
  ])('POST %s is served', async (path, provider) => {
    const host = await startHost({ env: allFakes() }, { expressVersion, mountPath: ['/v1', '/api/v1'] });
    try {
      const res = await request(host.url).post(path).send(chatBody('gpt-4o'));
      expect(res.status).toBe(200);
      expect(res.headers['x-provider']).toBe(provider);
    } finally {
      await host.close();
    }
  });
});

test.each([4, 5] as const)("Express %i: a host that enabled 'case sensitive routing' gets /Chat/Completions itself", async (expressVersion) => {
  const host = await startHost(
    { env: allFakes() },
    {
      expressVersion,
      before: (app) => app.enable('case sensitive routing'),
      after: (app) => app.use((_req, res) => res.status(299).json({ host: true })),
    },
  );
  try {
    expect((await request(host.url).post('/v1/Chat/Completions').send(chatBody('gpt-4o'))).status).toBe(299);
    expect((await request(host.url).post('/v1/chat/completions').send(chatBody('gpt-4o'))).status).toBe(200);
    expect(openai.requests).toHaveLength(1);
  } finally {
    await host.close();
  }
});

describe('routing rules', () => {
  test.each([
    ['openrouter/anthropic/claude-3.5-sonnet', undefined, 'openrouter', 'anthropic/claude-3.5-sonnet'],
    ['openai/gpt-4o', undefined, 'openai', 'gpt-4o'],
    ['local/gpt-4o', undefined, 'local', 'gpt-4o'],
    ['foo/bar', undefined, 'local', 'foo/bar'],
    ['gpt-4o', undefined, 'openai', 'gpt-4o'],
    ['o1-mini', undefined, 'openai', 'o1-mini'],
    ['o3', undefined, 'openai', 'o3'],
    ['o4-mini', undefined, 'openai', 'o4-mini'],
    ['chatgpt-4o-latest', undefined, 'openai', 'chatgpt-4o-latest'],
    ['qwen', undefined, 'local', 'qwen'],
    ['fast', ' fast = openai:gpt-4o-mini , team-*=openrouter ', 'openai', 'gpt-4o-mini'],
    ['team-a/b', 'fast=openai:gpt-4o-mini,team-*=openrouter', 'openrouter', 'team-a/b'],
    ['gpt-4o', 'gpt-*=openrouter,gpt-4o=local', 'openrouter', 'gpt-4o'],
    ['gpt-4o', 'x=openrouter', 'openai', 'gpt-4o'],
  ])('%s with map %p goes to %s as %s', async (model, map, provider, upstreamModel) => {
    const host = await startHost({ env: { ...allFakes(), ...(map === undefined ? {} : { PROVIDER_MODEL_MAP: map }) } });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody(model));
      expect(res.status).toBe(200);
      expect(res.headers['x-provider']).toBe(provider);
      const fake = { openai, local, openrouter, anthropic }[provider as 'openai']!;
      expect(fake.requests[0]!.body?.model).toBe(upstreamModel);
    } finally {
      await host.close();
    }
  });

  test.each([
    ['/chat/completions', chatBody('anthropic/claude-x'), 'ANTHROPIC_API_KEY'],
    ['/messages', messagesBody('anthropic/claude-x'), 'ANTHROPIC_API_KEY'],
    ['/responses', { model: 'anthropic/claude-x', input: 'hi' }, 'ANTHROPIC_API_KEY'],
    ['/chat/completions', chatBody('cl'), 'ANTHROPIC_API_KEY'],
    ['/chat/completions', chatBody('openai/gpt-4o'), 'OPENAI_API_KEY'],
    ['/chat/completions', chatBody('openrouter/x'), 'OPENROUTER_API_KEY'],
  ])('%s %p with no key: 400 provider_not_configured naming %s', async (path, body, variable) => {
    const host = await startHost({ env: { LOCAL_BASE_URL: local.baseUrl, PROVIDER_MODEL_MAP: 'cl=anthropic' } });
    try {
      const res = await request(host.url).post(`/v1${path}`).send(body);
      expect(res.status).toBe(400);
      // The Anthropic shape (section 8) has no `code`; the other dialects carry it.
      if (path === '/messages') expect(res.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      else expect(res.body.error.code).toBe('provider_not_configured');
      expect(JSON.stringify(res.body)).toContain(variable);
      expect(local.requests).toHaveLength(0);
    } finally {
      await host.close();
    }
  });

  test.each([
    ['claude-3-5-sonnet', undefined],
    ['gpt-4o', undefined],
    ['o3-mini', undefined],
    ['gpt-4o', ''],
    ['claude-3-5-sonnet', '   '],
  ])('built-in rule skipped for disabled provider: %s goes local (key %p)', async (model, key) => {
    const keys = key === undefined ? {} : { OPENAI_API_KEY: key, ANTHROPIC_API_KEY: key };
    const host = await startHost({
      env: { LOCAL_BASE_URL: local.baseUrl, OPENAI_BASE_URL: openai.baseUrl, ANTHROPIC_BASE_URL: anthropic.baseUrl, ...keys },
    });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody(model));
      expect(res.headers['x-provider']).toBe('local');
    } finally {
      await host.close();
    }
  });
});

describe('environment', () => {
  test.each([
    ['LOCAL_API_KEY', { LOCAL_API_KEY: 'llama-key-0123456789' }, 'qwen', 'local', 'authorization', 'Bearer llama-key-0123456789'],
    ['OPENROUTER_SITE_URL', { OPENROUTER_SITE_URL: 'https://app.example' }, 'openrouter/x', 'openrouter', 'http-referer', 'https://app.example'],
    ['OPENROUTER_APP_NAME', { OPENROUTER_APP_NAME: 'My App' }, 'openrouter/x', 'openrouter', 'x-openrouter-title', 'My App'],
    ['OPENROUTER_APP_NAME (older header)', { OPENROUTER_APP_NAME: 'My App' }, 'openrouter/x', 'openrouter', 'x-title', 'My App'],
    ['no OPENROUTER_SITE_URL', {}, 'openrouter/x', 'openrouter', 'http-referer', undefined],
  ])('%s reaches the upstream', async (_name, extraEnv, model, provider, header, value) => {
    const host = await startHost({ env: { ...allFakes(), ...extraEnv } });
    try {
      await request(host.url).post('/v1/chat/completions').send(chatBody(model));
      const fake = { openai, local, openrouter, anthropic }[provider as 'openai']!;
      expect(fake.requests[0]!.headers[header]).toBe(value);
    } finally {
      await host.close();
    }
  });

  test.each([
    ['ANTHROPIC_BASE_URL without /v1', ''],
    ['ANTHROPIC_BASE_URL with /v1', '/v1'],
    ['ANTHROPIC_BASE_URL with /v1/', '/v1/'],
  ])('%s: requests reach /v1/messages', async (_name, suffix) => {
    const host = await startHost({ env: { ...allFakes(), ANTHROPIC_BASE_URL: anthropic.baseUrl + suffix } });
    try {
      const res = await request(host.url).post('/v1/messages').send(messagesBody('claude-3-5-sonnet'));
      expect(res.status).toBe(200);
      expect(anthropic.requests[0]!.url).toBe('/v1/messages');
    } finally {
      await host.close();
    }
  });

  test.each([
    [{ OPENAI_BASE_URL: 'ftp://x' }, ['OPENAI_BASE_URL']],
    [{ LOCAL_BASE_URL: 'nope' }, ['LOCAL_BASE_URL']],
    [
      { PROVIDER_TIMEOUT_MS: 'abc', PROVIDER_IDLE_TIMEOUT_MS: '1e', PROVIDER_MAX_BODY_BYTES: 'x', PROVIDER_MODELS_TTL_MS: '-' },
      ['PROVIDER_TIMEOUT_MS', 'PROVIDER_IDLE_TIMEOUT_MS', 'PROVIDER_MAX_BODY_BYTES', 'PROVIDER_MODELS_TTL_MS'],
    ],
    [{ PROVIDER_MODEL_MAP: 'nonsense' }, ['PROVIDER_MODEL_MAP']],
    [{ PROVIDER_MODEL_MAP: 'a=' }, ['PROVIDER_MODEL_MAP']],
    [{ PROVIDER_MODEL_MAP: 'a=nosuch' }, ['PROVIDER_MODEL_MAP']],
    [{ OPENAI_COMPATIBLE_PROVIDERS: 'groq' }, ['GROQ_BASE_URL']],
    [{ OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: 'file:///x' }, ['GROQ_BASE_URL']],
    [{ OPENAI_COMPATIBLE_PROVIDERS: 'bad id!' }, ['OPENAI_COMPATIBLE_PROVIDERS']],
    [{ ANTHROPIC_MAX_TOKENS: 'many' }, ['ANTHROPIC_MAX_TOKENS']],
    [{ ANTHROPIC_MAX_TOKENS: '0' }, ['ANTHROPIC_MAX_TOKENS']],
    [{ ANTHROPIC_THINKING: 'sometimes' }, ['ANTHROPIC_THINKING']],
    [{ LOCAL_RESPONSES: 'maybe' }, ['LOCAL_RESPONSES']],
    [
      { ANTHROPIC_BASE_URL: 'x', OPENROUTER_BASE_URL: 'y', PROVIDER_TIMEOUT_MS: '5s' },
      ['ANTHROPIC_BASE_URL', 'OPENROUTER_BASE_URL', 'PROVIDER_TIMEOUT_MS'],
    ],
  ])('%p stops createProviderRouter with one error naming %p', (env, names) => {
    let error: unknown;
    try {
      createProviderRouter({ env, logger: silentLogger }).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    for (const name of names) expect((error as Error).message).toContain(name);
  });
});

test("close() ends the router's keep-alive connections, and a process with only the router and closed servers exits by itself", async () => {
  const script = path.join(__dirname, '../support/closed-host/host.cjs');
  const started = Date.now();
  const { stdout } = await execFileAsync(process.execPath, [script], { timeout: 10_000, killSignal: 'SIGKILL' });
  expect(JSON.parse(stdout)).toEqual({ statuses: [200, 200], openConnections: 0 });
  // Well under the model list's TTL and the upstream timeouts, which an unreleased timer would wait out.
  expect(Date.now() - started).toBeLessThan(8_000);
});

describe('options given in code win over their env twins', () => {
  test.each([
    ['timeoutMs', { timeoutMs: 1_000 }, { PROVIDER_TIMEOUT_MS: 'soon' }],
    ['idleTimeoutMs', { idleTimeoutMs: 1_000 }, { PROVIDER_IDLE_TIMEOUT_MS: 'soon' }],
    ['maxBodyBytes', { maxBodyBytes: 1_000 }, { PROVIDER_MAX_BODY_BYTES: 'big' }],
    ['modelsTtlMs', { modelsTtlMs: 1_000 }, { PROVIDER_MODELS_TTL_MS: 'long' }],
    ['modelMap', { modelMap: 'x=openai' }, { PROVIDER_MODEL_MAP: 'garbage' }],
  ])('%s in code: a bad env twin stops nothing', (_name, options, env) => {
    expect(() => createProviderRouter({ env, logger: silentLogger, ...options }).close()).not.toThrow();
  });

  test.each([
    ['maxBodyBytes', { maxBodyBytes: 100_000 }, { PROVIDER_MAX_BODY_BYTES: '10' }, 'qwen', 200, 'local'],
    ['maxBodyBytes (smaller)', { maxBodyBytes: 10 }, { PROVIDER_MAX_BODY_BYTES: '100000' }, 'qwen', 413, undefined],
    ['modelMap', { modelMap: 'x=openrouter' }, { PROVIDER_MODEL_MAP: 'x=openai' }, 'x', 200, 'openrouter'],
  ])('%s in code wins over env', async (_name, options, env, model, status, provider) => {
    const host = await startHost({ env: { ...allFakes(), ...env }, ...options });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody(model));
      expect(res.status).toBe(status);
      expect(res.headers['x-provider']).toBe(provider);
    } finally {
      await host.close();
    }
  });

  test('a host adapter with the id of an OPENAI_COMPATIBLE_PROVIDERS entry wins over it', async () => {
    const host = await startHost({
      env: { ...allFakes(), OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: openai.baseUrl },
      providers: { groq: createOpenAICompatibleProvider({ id: 'groq', baseUrl: openrouter.baseUrl, apiKey: 'gsk-code-0123456789' }) },
    });
    try {
      await request(host.url).post('/v1/chat/completions').send(chatBody('groq/llama'));
      expect(openai.requests).toHaveLength(0);
      expect(openrouter.requests[0]!.headers.authorization).toBe('Bearer gsk-code-0123456789');
    } finally {
      await host.close();
    }
  });
});

describe.each([4, 5] as const)("Express %i: fallback 'next'", (expressVersion) => {
  test.each([
    ['/chat/completions', chatBody('qwen')],
    ['/messages', messagesBody('qwen')],
    ['/responses', { model: 'qwen', input: 'hi' }],
  ])('%s: the host sees the body the router read, and a later express.json() does not wait for it', async (route, body) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = (expressVersion === 4 ? require('express4') : require('express')) as typeof import('express');
    const host = await startHost(
      { env: allFakes(), fallback: 'next' },
      {
        expressVersion,
        after: (app) => {
          app.use(express.json());
          app.use((req, res) => res.json({ servedBy: 'host', body: req.body as unknown }));
        },
      },
    );
    try {
      const res = await request(host.url).post(`/v1${route}`).send(body).timeout(3_000);
      expect(res.body).toEqual({ servedBy: 'host', body });
      expect(local.requests).toHaveLength(0);
    } finally {
      await host.close();
    }
  });
});

describe('OPENAI_COMPATIBLE_PROVIDERS ids', () => {
  test.each([
    ['groq', 'GROQ_BASE_URL', 'GROQ_API_KEY', 'groq/llama'],
    [' together-ai ', 'TOGETHER_AI_BASE_URL', 'TOGETHER_AI_API_KEY', 'together-ai/llama'],
    ['my_llm', 'MY_LLM_BASE_URL', 'MY_LLM_API_KEY', 'my_llm/llama'],
  ])('%p reads %s and %s, and serves %s', async (ids, baseUrlVariable, keyVariable, model) => {
    const host = await startHost({
      env: { ...allFakes(), OPENAI_COMPATIBLE_PROVIDERS: ids, [baseUrlVariable]: openrouter.baseUrl, [keyVariable]: 'extra-key-0123456789' },
    });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody(model));
      expect(res.headers['x-provider']).toBe(ids.trim());
      expect(openrouter.requests[0]!.headers.authorization).toBe('Bearer extra-key-0123456789');
      expect(openrouter.requests[0]!.body?.model).toBe('llama');
    } finally {
      await host.close();
    }
  });

  test.each([['GROQ'], ['openai'], ['my.llm'], ['9lives']])('%p is refused at creation, naming OPENAI_COMPATIBLE_PROVIDERS', (id) => {
    expect(() =>
      createProviderRouter({ env: { OPENAI_COMPATIBLE_PROVIDERS: id, GROQ_BASE_URL: 'http://127.0.0.1:1/v1' }, logger: silentLogger }),
    ).toThrow(/OPENAI_COMPATIBLE_PROVIDERS/);
  });
});

test.each([
  ['/chat/completions', chatBody('groq/llama')],
  ['/chat/completions', chatBody('fast')],
  ['/messages', messagesBody('groq/llama')],
  ['/responses', { model: 'groq/llama', input: 'hi' }],
])('%s %p to a host adapter with no key: 400 naming its variable (GROQ_API_KEY), nothing sent', async (route, body) => {
  const groq = defineProvider({
    id: 'groq',
    dialect: 'openai',
    baseUrl: openai.baseUrl,
    enabled: false,
    keyVariable: 'GROQ_API_KEY',
    upstreamHeaders: () => ({}),
  });
  const host = await startHost({ env: allFakes(), providers: { groq }, modelMap: 'fast=groq' });
  try {
    const res = await request(host.url).post(`/v1${route}`).send(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('GROQ_API_KEY');
    expect([openai, local, openrouter, anthropic].flatMap((f) => f.requests)).toHaveLength(0);
  } finally {
    await host.close();
  }
});

test.each([
  ['/chat/completions', chatBody('gpt-4o')],
  ['/messages', messagesBody('claude-3-5-sonnet')],
  ['/responses', { model: 'gpt-4o', input: 'hi' }],
])('scrubHeaders on %s: both directions, one requestId (the x-request-id), the provider', async (route, body) => {
  const contexts: Array<{ direction: string; provider: string; requestId: string }> = [];
  const host = await startHost({
    env: allFakes(),
    scrubHeaders: (headers, context) => {
      contexts.push({ ...context });
      return headers;
    },
  });
  try {
    const res = await request(host.url).post(`/v1${route}`).send(body);
    expect(res.status).toBe(200);
    const provider = res.headers['x-provider'] as string;
    const requestId = res.headers['x-request-id'] as string;
    expect(contexts).toEqual([
      { direction: 'upstream', provider, requestId },
      { direction: 'client', provider, requestId },
    ]);
  } finally {
    await host.close();
  }
});

test('conversationLogger: false writes no CONVERSATION_LOG_FILE', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'contract-matrix-'));
  const file = path.join(dir, 'log.jsonl');
  const host = await startHost({ env: { ...allFakes(), CONVERSATION_LOG_FILE: file }, conversationLogger: false });
  try {
    expect((await request(host.url).post('/v1/chat/completions').send(chatBody('qwen'))).status).toBe(200);
  } finally {
    await host.close();
  }
  await expect(fs.stat(file)).rejects.toThrow();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('rule order', () => {
  test.each([
    ['a registered prefix wins over the map', 'openai/gpt-4o', '*=openrouter', 'openai', 'gpt-4o'],
    ['the map wins over the built-in rules', 'claude-3-5-sonnet', 'claude-*=openrouter', 'openrouter', 'claude-3-5-sonnet'],
    ['an unknown prefix is matched by the map as a whole', 'foo/bar', 'foo/*=openrouter:baz', 'openrouter', 'baz'],
    ['`*` spans slashes', 'meta-llama/llama-3.1-8b', 'meta-*=openrouter', 'openrouter', 'meta-llama/llama-3.1-8b'],
    ['a pattern matches the whole id only', 'my-gpt-4o', 'gpt-*=openrouter', 'local', 'my-gpt-4o'],
    // Not rule 1: an empty <rest> names no model, and provider ids are lower case, as registered.
    ['an empty rest is not a prefix', 'openai/', '', 'local', 'openai/'],
    ['a prefix compares case-sensitively', 'OpenAI/gpt-4o', '', 'local', 'OpenAI/gpt-4o'],
    ['a pattern compares case-sensitively', 'Fast', 'fast=openrouter', 'local', 'Fast'],
    ['an upstream model keeps its colons', 'fast', 'fast=openrouter:qwen/qwen3:free', 'openrouter', 'qwen/qwen3:free'],
  ])('%s: %s (map %p) goes to %s as %s', async (_name, model, map, provider, upstreamModel) => {
    const host = await startHost({ env: { ...allFakes(), PROVIDER_MODEL_MAP: map } });
    try {
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody(model));
      expect(res.headers['x-provider']).toBe(provider);
      const fake = { openai, local, openrouter, anthropic }[provider as 'openai'];
      expect(fake.requests[0]!.body?.model).toBe(upstreamModel);
    } finally {
      await host.close();
    }
  });
});

describe.each([4, 5] as const)('Express %i, the openai SDK at each mount', (expressVersion) => {
  test.each([
    ['/v1', 'gpt-4o', 'openai'],
    ['/api/v1', 'openrouter/anthropic/claude-3.5-sonnet', 'openrouter'],
    ['/api/v1', 'claude-3-5-sonnet', 'anthropic'],
    ['/v1', 'qwen', 'local'],
  ])('%s: %s is answered by %s', async (mount, model, provider) => {
    const host = await startHost({ env: allFakes() }, { expressVersion, mountPath: ['/v1', '/api/v1'] });
    try {
      const client = new OpenAI({ apiKey: 'host-user-token', baseURL: `${host.url}${mount}`, maxRetries: 0 });
      const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(response.headers.get('x-provider')).toBe(provider);
      expect(data.choices[0]!.message.role).toBe('assistant');
      const fake = { openai, local, openrouter, anthropic }[provider as 'openai'];
      expect(fake.requests).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});
