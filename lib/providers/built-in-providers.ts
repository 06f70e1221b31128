import type { RouterEnv } from '../config/read-env';
import { createAnthropicProvider } from './anthropic';
import { createLocalProvider } from './local';
import { createOpenAIProvider } from './openai';
import { createOpenAICompatibleProvider } from './openai-compatible';
import { createOpenRouterProvider } from './openrouter';
import type { ProviderAdapter } from './provider-adapter';

/** The built-in adapters, one line each, and those of `OPENAI_COMPATIBLE_PROVIDERS`, configured from env. */
export function createBuiltInProviders(env: RouterEnv): Record<string, ProviderAdapter> {
  const providers: Record<string, ProviderAdapter> = {
    local: createLocalProvider({ baseUrl: env.LOCAL_BASE_URL, apiKey: env.LOCAL_API_KEY }),
    openai: createOpenAIProvider({ baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY }),
    openrouter: createOpenRouterProvider({
      baseUrl: env.OPENROUTER_BASE_URL,
      apiKey: env.OPENROUTER_API_KEY,
      siteUrl: env.OPENROUTER_SITE_URL,
      appName: env.OPENROUTER_APP_NAME,
    }),
    anthropic: createAnthropicProvider({
      baseUrl: env.ANTHROPIC_BASE_URL,
      apiKey: env.ANTHROPIC_API_KEY,
      version: env.ANTHROPIC_VERSION,
      maxTokens: env.ANTHROPIC_MAX_TOKENS,
      thinking: env.ANTHROPIC_THINKING,
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
