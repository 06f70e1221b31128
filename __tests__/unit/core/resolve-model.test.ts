import { resolveConfig } from '../../../lib/config/resolve-config';
import { resolveModel, type RoutingTable } from '../../../lib/routing/resolve-model';
import { ProviderRouterError } from '../../../lib/errors';
import { defineProvider } from '../../../lib/providers/provider-adapter';
import { thrownBy } from '../../support/rejection';

function tableFor(env: Record<string, string>, fallback: 'local' | 'next' = 'local'): RoutingTable {
  const config = resolveConfig({ env, fallback, logger: { warn: () => 0, error: () => 0 } });
  return { providers: config.providers, modelMap: config.modelMap, fallback: config.fallback };
}

function route(model: string, table: RoutingTable): string {
  const decision = resolveModel(model, table);
  return decision.kind === 'next' ? 'next()' : `${decision.provider.id}:${decision.upstreamModel}`;
}

const ALL_KEYS = { OPENAI_API_KEY: 'sk-a', OPENROUTER_API_KEY: 'sk-b', ANTHROPIC_API_KEY: 'sk-c' };

describe('routing rules', () => {
  test('a registered provider prefix routes there and strips only the prefix', () => {
    const table = tableFor(ALL_KEYS);
    expect(route('openrouter/anthropic/claude-3.5-sonnet', table)).toBe('openrouter:anthropic/claude-3.5-sonnet');
    expect(route('anthropic/claude-sonnet-5-5', table)).toBe('anthropic:claude-sonnet-5-5');
    expect(route('local/gpt-4o', table)).toBe('local:gpt-4o');
  });

  test('a prefix that is not a provider id is part of the model name', () => {
    expect(route('meta-llama/llama-3.1-8b', tableFor(ALL_KEYS))).toBe('local:meta-llama/llama-3.1-8b');
  });

  test('PROVIDER_MODEL_MAP globs and aliases, first match wins', () => {
    const table = tableFor({ ...ALL_KEYS, PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini, team-*=openrouter, team-x=anthropic' });
    expect(route('fast', table)).toBe('openai:gpt-4o-mini');
    expect(route('team-x', table)).toBe('openrouter:team-x');
    expect(route('team-', table)).toBe('openrouter:team-');
    expect(route('fastest', table)).toBe('local:fastest');
  });

  test('the model map wins over the built-in rules', () => {
    const table = tableFor({ ...ALL_KEYS, PROVIDER_MODEL_MAP: 'claude-*=openrouter:anthropic/claude-sonnet-4.5' });
    expect(route('claude-opus-4-8', table)).toBe('openrouter:anthropic/claude-sonnet-4.5');
  });

  test('built-in rules send claude-* to anthropic and gpt-*, o1*, o3*, o4*, chatgpt-* to openai when enabled', () => {
    const table = tableFor(ALL_KEYS);
    expect(route('claude-sonnet-5-5', table)).toBe('anthropic:claude-sonnet-5-5');
    for (const model of ['gpt-4o', 'o1-mini', 'o3', 'o4-mini', 'chatgpt-4o-latest']) {
      expect(route(model, table)).toBe(`openai:${model}`);
    }
  });

  test('built-in rules skip providers without a key, so those models fall back to local', () => {
    const table = tableFor({});
    expect(route('claude-sonnet-5-5', table)).toBe('local:claude-sonnet-5-5');
    expect(route('gpt-4o', table)).toBe('local:gpt-4o');
  });

  test("fallback 'next' hands unmatched models to the host", () => {
    expect(route('qwen2.5', tableFor(ALL_KEYS, 'next'))).toBe('next()');
  });

  test('a prefix or map rule naming a provider without its key is refused, naming the variable', () => {
    const table = tableFor({ PROVIDER_MODEL_MAP: 'smart=anthropic:claude-opus-5-5' });
    for (const model of ['anthropic/claude-x', 'smart', 'openrouter/x']) {
      let caught: unknown;
      try {
        resolveModel(model, table);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProviderRouterError);
      expect((caught as ProviderRouterError).code).toBe('provider_not_configured');
      expect((caught as ProviderRouterError).status).toBe(400);
    }
    expect(() => resolveModel('smart', table)).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => resolveModel('openrouter/x', table)).toThrow(/OPENROUTER_API_KEY/);
  });

  test('OPENAI_COMPATIBLE_PROVIDERS adds providers routable by prefix and map', () => {
    const table = tableFor({
      OPENAI_COMPATIBLE_PROVIDERS: 'groq,ollama',
      GROQ_BASE_URL: 'https://api.groq.com/openai/v1',
      GROQ_API_KEY: 'gsk-1',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1',
      PROVIDER_MODEL_MAP: 'llama3*=ollama',
    });
    expect(route('groq/llama-3.3-70b', table)).toBe('groq:llama-3.3-70b');
    expect(route('llama3.2', table)).toBe('ollama:llama3.2');
    expect(table.providers.get('groq')?.baseUrl).toBe('https://api.groq.com/openai/v1');
  });
});

describe('configuration', () => {
  test('invalid values stop creation with one error naming every bad variable', () => {
    let message = '';
    try {
      resolveConfig({
        env: {
          OPENAI_BASE_URL: 'ftp://example.com',
          PROVIDER_TIMEOUT_MS: 'soon',
          PROVIDER_MODEL_MAP: 'broken-rule',
          OPENAI_COMPATIBLE_PROVIDERS: 'groq',
        },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderRouterError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/OPENAI_BASE_URL: expected an http\(s\) URL/);
    expect(message).toMatch(/PROVIDER_TIMEOUT_MS: expected a whole number of milliseconds/);
    expect(message).toMatch(/PROVIDER_MODEL_MAP: rule "broken-rule"/);
    expect(message).toMatch(/GROQ_BASE_URL: required/);
  });

  test('a key value is never echoed in a configuration error', () => {
    expect(() => resolveConfig({ env: { OPENAI_API_KEY: 'sk-secret-value-123', PROVIDER_IDLE_TIMEOUT_MS: '-1' } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('sk-secret-value-123') }),
    );
  });

  test('empty variables mean unset and defaults apply', () => {
    const config = resolveConfig({ env: { OPENAI_API_KEY: '', PROVIDER_TIMEOUT_MS: '' } });
    expect(config.providers.get('openai')?.enabled).toBe(false);
    expect(config.timeoutMs).toBe(60000);
    expect(config.idleTimeoutMs).toBe(120000);
    expect(config.maxBodyBytes).toBe(33554432);
    expect(config.providers.get('local')?.baseUrl).toBe('http://127.0.0.1:9931/v1');
    expect(config.providers.get('anthropic')?.baseUrl).toBe('https://api.anthropic.com/v1');
    expect(config.providers.get('openai')?.baseUrl).toBe('https://api.openai.com/v1');
    expect(config.providers.get('openrouter')?.baseUrl).toBe('https://openrouter.ai/api/v1');
    expect(config.modelsTtlMs).toBe(300000);
    expect(config.env.ANTHROPIC_MAX_TOKENS).toBe(4096);
    expect(config.env.ANTHROPIC_VERSION).toBe('2023-06-01');
  });

  test.each([
    [{ logger: {} }, 'options.logger must have warn(message, meta) and error(message, meta)'],
    [{ logger: { warn: () => 0 } }, 'options.logger must have warn(message, meta) and error(message, meta)'],
    [{ conversationLogger: {} }, 'options.conversationLogger must be a winston logger'],
    [{ conversationLogger: true }, 'options.conversationLogger must be a winston logger'],
    [{ scrubHeaders: 5 }, 'options.scrubHeaders must be a function'],
    [{ requestStreamUsage: 'no' }, 'options.requestStreamUsage must be true or false'],
  ])('a host hook of the wrong shape (from plain JavaScript) is refused at creation by name: %j', (options, message) => {
    const error = thrownBy(() => resolveConfig({ env: {}, ...(options as object) }), ProviderRouterError);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(message);
  });

  test('hooks of the right shape are taken', () => {
    const config = resolveConfig({
      env: {},
      logger: console,
      conversationLogger: false,
      scrubHeaders: (headers) => headers,
      requestStreamUsage: false,
    });
    expect(config.requestStreamUsage).toBe(false);
    expect(config.logger).toBe(console);
  });

  test('options given in code win over env', () => {
    const config = resolveConfig({ env: { PROVIDER_TIMEOUT_MS: '5', PROVIDER_MODEL_MAP: 'a=local' }, timeoutMs: 99, modelMap: 'b=local' });
    expect(config.timeoutMs).toBe(99);
    expect(config.modelMap.map((rule) => rule.pattern)).toEqual(['b']);
  });

  test.each([
    [{ PROVIDER_TIMEOUT_MS: 'abc', LOCAL_RESPONSES: 'weird' }, ['PROVIDER_TIMEOUT_MS', 'LOCAL_RESPONSES']],
    [{ PROVIDER_TIMEOUT_MS: 'abc', ANTHROPIC_RESPONSES: 'native' }, ['PROVIDER_TIMEOUT_MS', 'ANTHROPIC_RESPONSES']],
    [{ ANTHROPIC_THINKING: 'x', ANTHROPIC_RESPONSES: 'native' }, ['ANTHROPIC_THINKING', 'ANTHROPIC_RESPONSES']],
    [{ OPENAI_COMPATIBLE_PROVIDERS: 'groq', ANTHROPIC_RESPONSES: 'native' }, ['GROQ_BASE_URL', 'ANTHROPIC_RESPONSES']],
    [{ PROVIDER_TIMEOUT_MS: 'abc', PROVIDER_MODEL_MAP: 'x=nowhere' }, ['PROVIDER_TIMEOUT_MS', 'PROVIDER_MODEL_MAP']],
    [
      { PROVIDER_MODEL_MAP: 'x=nowhere', LOCAL_RESPONSES: 'weird', ANTHROPIC_RESPONSES: 'native' },
      ['PROVIDER_MODEL_MAP', 'LOCAL_RESPONSES', 'ANTHROPIC_RESPONSES'],
    ],
  ])('bad <ID>_RESPONSES values and map rules are named in the same one error as the rest (%j)', (env, named) => {
    let message = '';
    try {
      resolveConfig({ env: { ...env, MAX_RESPONSES: 'not ours' } });
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderRouterError);
      message = (error as Error).message;
    }
    for (const variable of named) expect(message).toContain(`${variable}:`);
    expect(message).not.toContain('MAX_RESPONSES');
  });

  test('with another variable bad, a map rule naming a provider declared in env is not called unknown', () => {
    const message = thrownBy(
      () => resolveConfig({ env: { OPENAI_COMPATIBLE_PROVIDERS: 'groq', PROVIDER_MODEL_MAP: 'x=groq' } }),
      ProviderRouterError,
    ).message;
    expect(message).toContain('GROQ_BASE_URL:');
    expect(message).not.toContain('PROVIDER_MODEL_MAP');
  });

  test("timeouts longer than Node's timers take (2^31 - 1 ms) are refused by name: they would fire at once", () => {
    const message = thrownBy(
      () => resolveConfig({ env: { PROVIDER_TIMEOUT_MS: '3000000000', PROVIDER_IDLE_TIMEOUT_MS: '2147483648' } }),
      ProviderRouterError,
    ).message;
    expect(message).toContain('PROVIDER_TIMEOUT_MS:');
    expect(message).toContain('PROVIDER_IDLE_TIMEOUT_MS:');
    expect(resolveConfig({ env: { PROVIDER_IDLE_TIMEOUT_MS: '2147483647' } }).idleTimeoutMs).toBe(2147483647);
    for (const option of ['timeoutMs', 'idleTimeoutMs', 'modelListTimeoutMs'] as const) {
      expect(() => resolveConfig({ env: {}, [option]: 1e10 })).toThrow(new RegExp(`options\\.${option} must be at most 2147483647`));
    }
  });

  test('spaces around a base URL are left out, not sent in every upstream path', () => {
    const config = resolveConfig({ env: { LOCAL_BASE_URL: ' http://127.0.0.1:8080/v1/ ', OPENAI_BASE_URL: 'https://api.openai.com/v1 ' } });
    expect(config.providers.get('local')?.baseUrl).toBe('http://127.0.0.1:8080/v1');
    expect(config.providers.get('openai')?.baseUrl).toBe('https://api.openai.com/v1');
  });

  test('a map rule naming an unknown provider is refused at creation', () => {
    expect(() => resolveConfig({ env: { PROVIDER_MODEL_MAP: 'x=nowhere' } })).toThrow(/provider "nowhere", which is not registered/);
    expect(() => resolveConfig({ env: {}, modelMap: 'x=nowhere' })).toThrow(/- options\.modelMap: rule "x" names provider "nowhere"/);
  });

  test('a key or header setting HTTP cannot carry (a line break, a character beyond Latin-1) is refused by name, its value not echoed', () => {
    const keys = {
      OPENAI_API_KEY: 'sk-pasted-0123456789\nabcdef',
      OPENROUTER_API_KEY: 'sk-or-quoted-0123456789\u201dabc',
      ANTHROPIC_API_KEY: 'sk-ant-bell-0123456789\u0007abc',
      LOCAL_API_KEY: 'local-key-0123456789\r\nX-Injected: 1',
      GROQ_API_KEY: 'gsk-euro-0123456789\u20acabc',
    };
    const message = thrownBy(
      () =>
        resolveConfig({
          env: {
            ...keys,
            OPENAI_COMPATIBLE_PROVIDERS: 'groq',
            GROQ_BASE_URL: 'https://api.groq.com/openai/v1',
            ANTHROPIC_VERSION: '2023-06-01\nx',
            OPENROUTER_APP_NAME: 'Chat \u2615',
            OPENROUTER_SITE_URL: 'https://example.com/\u0000',
          },
        }),
      ProviderRouterError,
    ).message;
    for (const variable of [...Object.keys(keys), 'ANTHROPIC_VERSION', 'OPENROUTER_APP_NAME', 'OPENROUTER_SITE_URL']) {
      expect(message).toContain(`${variable}: expected a value an HTTP header can carry`);
    }
    for (const key of Object.values(keys)) expect(message).not.toContain(key.slice(0, 12));
    // Latin-1 and tabs are what a header may hold.
    expect(
      resolveConfig({ env: { OPENROUTER_APP_NAME: 'Caf\u00e9\tbar' } })
        .providers.get('openrouter')
        ?.upstreamHeaders()['x-title'],
    ).toBe('Caf\u00e9\tbar');
  });

  test('a key pasted into another variable is not quoted back in the configuration error', () => {
    const key = 'sk-proj-pasted-0123456789abcdef';
    const groqKey = 'gsk-pasted-9876543210fedcba';
    const hostKey = 'host-adapter-key-0123456789';
    for (const env of [
      { PROVIDER_MODEL_MAP: key },
      { PROVIDER_MODEL_MAP: `fast=${key}` },
      { OPENAI_COMPATIBLE_PROVIDERS: key },
      { ANTHROPIC_THINKING: key },
      { OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: 'https://api.groq.com/openai/v1', GROQ_API_KEY: groqKey, ANTHROPIC_THINKING: groqKey },
    ]) {
      const error = thrownBy(() => resolveConfig({ env: { OPENAI_API_KEY: key, ...env } }), ProviderRouterError);
      expect(error.code).toBe('invalid_config');
      expect(error.message).toContain('[REDACTED]');
      expect(error.message).not.toContain(key.slice(3, 15));
      expect(error.message).not.toContain(groqKey.slice(3, 15));
    }
    const mine = defineProvider({
      id: 'mine',
      dialect: 'openai',
      baseUrl: 'http://127.0.0.1:1/v1',
      enabled: true,
      secrets: [hostKey],
      upstreamHeaders: () => ({}),
    });
    const error = thrownBy(() => resolveConfig({ env: {}, providers: { mine }, modelMap: hostKey }), ProviderRouterError);
    expect(error.message).toMatch(/^options\.modelMap: rule "\[REDACTED\]"/);
  });

  test('a bad value of a variable an option overrides stops nothing: the option wins, the variable is not read', () => {
    const config = resolveConfig({
      env: {
        PROVIDER_TIMEOUT_MS: 'abc',
        PROVIDER_IDLE_TIMEOUT_MS: '-1',
        PROVIDER_MAX_BODY_BYTES: 'lots',
        PROVIDER_MODELS_TTL_MS: 'x',
        PROVIDER_MODEL_MAP: 'garbage',
      },
      timeoutMs: 1000,
      idleTimeoutMs: 2000,
      maxBodyBytes: 3000,
      modelsTtlMs: 4000,
      modelMap: 'fast=local',
    });
    expect([config.timeoutMs, config.idleTimeoutMs, config.maxBodyBytes, config.modelsTtlMs]).toEqual([1000, 2000, 3000, 4000]);
    expect(config.modelMap.map((rule) => rule.pattern)).toEqual(['fast']);
  });
});
