import type { RouterEnv } from '../config/read-env';
import { createAnthropicProvider } from './anthropic';
import { createOpenAICompatibleProvider } from './openai-compatible';
import type { ProviderAdapter } from './provider-adapter';

/** The built-in adapters and those of `OPENAI_COMPATIBLE_PROVIDERS`, configured from env. */
export function createBuiltInProviders(env: RouterEnv): Record<string, ProviderAdapter> {
  const providers: Record<string, ProviderAdapter> = {
    local: createOpenAICompatibleProvider({
      id: 'local',
      baseUrl: env.LOCAL_BASE_URL,
      apiKey: env.LOCAL_API_KEY,
      keyOptional: true,
      keyVariable: 'LOCAL_API_KEY',
      servesMessages: true,
    }),
    openai: createOpenAICompatibleProvider({
      id: 'openai',
      baseUrl: env.OPENAI_BASE_URL,
      apiKey: env.OPENAI_API_KEY,
      keyVariable: 'OPENAI_API_KEY',
    }),
    openrouter: createOpenAICompatibleProvider({
      id: 'openrouter',
      baseUrl: env.OPENROUTER_BASE_URL,
      apiKey: env.OPENROUTER_API_KEY,
      keyVariable: 'OPENROUTER_API_KEY',
      headers: openRouterAttribution(env),
    }),
    anthropic: createAnthropicProvider({
      baseUrl: env.ANTHROPIC_BASE_URL,
      apiKey: env.ANTHROPIC_API_KEY,
      version: env.ANTHROPIC_VERSION,
      maxTokens: env.ANTHROPIC_MAX_TOKENS,
    }),
  };
  for (const extra of env.extraProviders) {
    providers[extra.id] = createOpenAICompatibleProvider({
      id: extra.id,
      baseUrl: extra.baseUrl,
      apiKey: extra.apiKey,
      keyOptional: true,
      keyVariable: extra.keyVariable,
    });
  }
  return providers;
}

function openRouterAttribution(env: RouterEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  if (env.OPENROUTER_SITE_URL) headers['http-referer'] = env.OPENROUTER_SITE_URL;
  if (env.OPENROUTER_APP_NAME) {
    headers['x-openrouter-title'] = env.OPENROUTER_APP_NAME;
    headers['x-title'] = env.OPENROUTER_APP_NAME;
  }
  return headers;
}
