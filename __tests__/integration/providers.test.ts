import request from 'supertest';
import { createOpenAICompatibleProvider, createProviderRouter, defineProvider } from '../../lib';
import { startFakeUpstream, startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost } from '../support/host';
import { KEYS } from '../support/keys';
import { chatBody } from '../support/request-bodies';
import { sendJson } from '../support/upstream-answers';

let openai: FakeUpstream;
let groq: FakeUpstream;
let local: FakeUpstream;
let openrouter: FakeUpstream;

beforeAll(async () => {
  [openai, groq, local, openrouter] = await startFakeUpstreams('openai', 'openai', 'local', 'openrouter');
});
afterEach(() => [openai, groq, local, openrouter].forEach((fake) => fake.reset()));
afterAll(() => Promise.all([openai, groq, local, openrouter].map((fake) => fake.close())));

const chat = chatBody;

test('a host replaces a built-in adapter by giving its id', async () => {
  const custom = defineProvider({
    id: 'openai',
    dialect: 'openai',
    baseUrl: groq.baseUrl,
    enabled: true,
    secrets: ['azure-key-0123456789'],
    upstreamHeaders: () => ({ 'api-key': 'azure-key-0123456789' }),
  });
  const host = await startHost({ env: envFor({ openai }), providers: { openai: custom } });
  try {
    const res = await request(host.url).post('/v1/chat/completions').send(chat('gpt-4o'));
    expect(res.status).toBe(200);
    expect(openai.requests).toHaveLength(0);
    expect(groq.requests[0]!.headers['api-key']).toBe('azure-key-0123456789');
    expect(groq.requests[0]!.headers.authorization).toBeUndefined();
  } finally {
    await host.close();
  }
});

test('a host adds an OpenAI-compatible provider in code, routable by prefix and map', async () => {
  const host = await startHost({
    env: {},
    modelMap: 'llama-3*=groq',
    providers: { groq: createOpenAICompatibleProvider({ id: 'groq', baseUrl: groq.baseUrl, apiKey: 'gsk-test-0123456789' }) },
  });
  try {
    await request(host.url).post('/v1/chat/completions').send(chat('groq/mixtral'));
    await request(host.url).post('/v1/chat/completions').send(chat('llama-3.3-70b'));
    expect(groq.requests.map((r) => [r.body?.model, r.headers.authorization])).toEqual([
      ['mixtral', 'Bearer gsk-test-0123456789'],
      ['llama-3.3-70b', 'Bearer gsk-test-0123456789'],
    ]);
  } finally {
    await host.close();
  }
});

test('OPENAI_COMPATIBLE_PROVIDERS enables providers from env, the key optional', async () => {
  const host = await startHost({
    env: {
      OPENAI_COMPATIBLE_PROVIDERS: 'groq,ollama',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: 'gsk-env-0123456789',
      OLLAMA_BASE_URL: local.baseUrl,
    },
  });
  try {
    expect((await request(host.url).post('/v1/chat/completions').send(chat('groq/llama'))).headers['x-provider']).toBe('groq');
    expect((await request(host.url).post('/v1/chat/completions').send(chat('ollama/qwen'))).headers['x-provider']).toBe('ollama');
    expect(groq.requests[0]!.headers.authorization).toBe('Bearer gsk-env-0123456789');
    expect(local.requests[0]!.headers.authorization).toBeUndefined();
    expect(local.requests[0]!.body?.model).toBe('qwen');
  } finally {
    await host.close();
  }
});

test('LOCAL_API_KEY is sent to the llama-server as a Bearer token', async () => {
  const host = await startHost({ env: { LOCAL_BASE_URL: local.baseUrl, LOCAL_API_KEY: 'llama-secret-0123456789' } });
  try {
    await request(host.url).post('/v1/chat/completions').send(chat('any-gguf'));
    expect(local.requests[0]!.headers.authorization).toBe('Bearer llama-secret-0123456789');
  } finally {
    await host.close();
  }
});

test("OpenRouter's attribution headers are sent when configured", async () => {
  const host = await startHost({
    env: { ...envFor({ openrouter }), OPENROUTER_SITE_URL: 'https://chat.example.com', OPENROUTER_APP_NAME: 'Example Chat' },
  });
  try {
    await request(host.url).post('/v1/chat/completions').send(chat('openrouter/x'));
    const headers = openrouter.requests[0]!.headers;
    expect([headers['http-referer'], headers['x-openrouter-title'], headers['x-title']]).toEqual([
      'https://chat.example.com',
      'Example Chat',
      'Example Chat',
    ]);
    expect(headers.authorization).toBe(`Bearer ${KEYS.openrouter}`);
  } finally {
    await host.close();
  }
});

/** Sends five requests to a llama-server fake answering with `status`; returns how many connections it accepted. */
async function connectionsForFiveRequests(status: number, body: unknown): Promise<number> {
  const upstream = await startFakeUpstream('local');
  upstream.handler = (_request, res) => sendJson(res, status, body);
  const host = await startHost({ env: { LOCAL_BASE_URL: upstream.baseUrl } });
  try {
    for (let i = 0; i < 5; i++) expect((await request(host.url).post('/v1/chat/completions').send(chat('gguf'))).status).toBe(status);
    return upstream.connections;
  } finally {
    await host.close();
    await upstream.close();
  }
}

test('upstream connections are kept alive and reused', async () => {
  expect(await connectionsForFiveRequests(200, { id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [] })).toBe(1);
});

test('upstream error answers keep the connection alive too', async () => {
  expect(await connectionsForFiveRequests(429, { error: { message: 'slow down', type: 'rate_limit_error' } })).toBe(1);
});

test('createProviderRouter passed to app.use uncalled says how to fix it', async () => {
  const fakeRequest = { method: 'GET', url: '/', headers: {} };
  expect(() => createProviderRouter(fakeRequest as never)).toThrow(/app.use\(createProviderRouter\(\)\)/);
});
