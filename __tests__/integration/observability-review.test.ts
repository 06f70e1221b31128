/**
 * Findings of a white-box review of configuration, routing, providers, telemetry and the model
 * list against DESIGN.md sections 1 and 6: each test shows one fault that was fixed.
 */
import request from 'supertest';
import { createAnthropicProvider, createOpenAICompatibleProvider, createProviderRouter, ProviderRouterError } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, silentLogger, startHost } from '../support/host';
import { thrownBy } from '../support/rejection';
import { chatBody } from '../support/request-bodies';

let openai: FakeUpstream, local: FakeUpstream, openrouter: FakeUpstream, anthropic: FakeUpstream;

beforeAll(async () => {
  [openai, local, openrouter, anthropic] = await startFakeUpstreams('openai', 'local', 'openrouter', 'anthropic');
});
afterEach(() => [openai, local, openrouter, anthropic].forEach((fake) => fake.reset()));
afterAll(() => Promise.all([openai, local, openrouter, anthropic].map((fake) => fake.close())));

/** The configuration error `create` throws. */
const configErrorOf = (create: () => unknown): ProviderRouterError => thrownBy(create, ProviderRouterError);

describe('environment', () => {
  test('ANTHROPIC_THINKING is read like every other variable: spaces around it and its case do not matter', async () => {
    for (const value of [' budget', 'budget\n', 'Budget']) {
      const host = await startHost({ env: { ...envFor({ anthropic, local }), ANTHROPIC_THINKING: value } });
      try {
        const res = await request(host.url)
          .post('/v1/chat/completions')
          .send({ ...chatBody('claude-sonnet-4-5'), max_tokens: 8192, reasoning_effort: 'high' });
        expect(res.status).toBe(200);
        expect(anthropic.requests.at(-1)?.body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 4096 } });
      } finally {
        await host.close();
      }
    }
  });

  test("an OPENAI_COMPATIBLE_PROVIDERS provider's bad key is named beside its bad base URL, in the one error", () => {
    for (const baseUrl of [undefined, 'ftp://groq.example/v1']) {
      const error = configErrorOf(() =>
        createProviderRouter({
          logger: silentLogger,
          env: { OPENAI_COMPATIBLE_PROVIDERS: 'groq', ...(baseUrl ? { GROQ_BASE_URL: baseUrl } : {}), GROQ_API_KEY: 'gsk-0123456789\nX-Injected: 1' },
        }),
      );
      expect(error.code).toBe('invalid_config');
      expect(error.message).toContain('GROQ_BASE_URL: ');
      expect(error.message).toContain('GROQ_API_KEY: expected a value an HTTP header can carry');
    }
  });
});

describe('telemetry', () => {
  test('an async once listener that rejects is reported to the logger, never left as an unhandled rejection', async () => {
    const errors: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const host = await startHost({ env: envFor({ openai, local }), logger: { warn: () => undefined, error: (message) => errors.push(message) } });
    try {
      host.router.telemetry.once('request.end', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new Error('stats database down');
      });
      const res = await request(host.url).post('/v1/chat/completions').send(chatBody('gpt-4o'));
      expect(res.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(unhandled).toEqual([]);
      expect(errors).toEqual(['express-provider-router: a telemetry listener threw']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await host.close();
    }
  });
});

describe('PROVIDER_MODEL_MAP', () => {
  test.each([
    ['rules on lines of their own', 'fast=openai:gpt-4o-mini\nteam-*=openrouter'],
    ['rules parted by semicolons', 'fast=openai:gpt-4o-mini;team-*=openrouter'],
    ['a line break inside an upstream model', 'fast=openai:gpt-4o-mini\nx'],
  ])('%s: a malformed map, not one rule whose upstream model takes in the rest', (_case, map) => {
    const error = configErrorOf(() =>
      createProviderRouter({ logger: silentLogger, env: { ...envFor({ openai, openrouter, local }), PROVIDER_MODEL_MAP: map } }),
    );
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('PROVIDER_MODEL_MAP: rule');
  });
});

describe('OPENAI_COMPATIBLE_PROVIDERS', () => {
  test('two ids that read the same variables (my-llm, my_llm) are refused, naming both; a repeated id is one provider', async () => {
    const error = configErrorOf(() =>
      createProviderRouter({ logger: silentLogger, env: { OPENAI_COMPATIBLE_PROVIDERS: 'my-llm,my_llm', MY_LLM_BASE_URL: local.baseUrl } }),
    );
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain('OPENAI_COMPATIBLE_PROVIDERS: "my-llm" and "my_llm" both read MY_LLM_BASE_URL and MY_LLM_API_KEY');

    const host = await startHost({ env: { ...envFor({ local }), OPENAI_COMPATIBLE_PROVIDERS: 'groq, groq', GROQ_BASE_URL: openai.baseUrl } });
    try {
      const res = await request(host.url).get('/v1/models');
      expect(res.status).toBe(200);
      const groqIds = (res.body as { data: { id: string; provider: string }[] }).data.filter((m) => m.provider === 'groq').map((m) => m.id);
      expect(groqIds.length).toBeGreaterThan(0);
      expect(new Set(groqIds).size).toBe(groqIds.length);
    } finally {
      await host.close();
    }
  });
});

describe('building blocks', () => {
  test("a key given in code with a line break or spaces around it (read from a secret file) is sent trimmed, as its variable's would be", async () => {
    const groqKey = 'gsk-review-0123456789abcdef';
    const anthropicKey = 'sk-ant-review-0123456789abcdef';
    const host = await startHost({
      env: envFor({ local }),
      providers: {
        groq: createOpenAICompatibleProvider({ id: 'groq', baseUrl: openai.baseUrl, apiKey: `${groqKey}\n` }),
        anthropic: createAnthropicProvider({ baseUrl: anthropic.baseUrl, apiKey: ` ${anthropicKey}\r\n` }),
      },
    });
    try {
      const toGroq = await request(host.url).post('/v1/chat/completions').send(chatBody('groq/llama-3.3-70b'));
      expect(toGroq.status).toBe(200);
      expect(openai.requests.at(-1)?.headers.authorization).toBe(`Bearer ${groqKey}`);
      const toAnthropic = await request(host.url).post('/v1/chat/completions').send(chatBody('claude-sonnet-4-5'));
      expect(toAnthropic.status).toBe(200);
      expect(anthropic.requests.at(-1)?.headers['x-api-key']).toBe(anthropicKey);
    } finally {
      await host.close();
    }
  });
});
