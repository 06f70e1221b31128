import { createOpenAICompatibleProvider } from './openai-compatible';
import type { ProviderAdapter } from './provider-adapter';

/** Settings of the OpenAI adapter. */
export interface OpenAIProviderSettings {
  /** With `/v1`, as the OpenAI SDK reads `OPENAI_BASE_URL`. @defaultValue 'https://api.openai.com/v1' */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
}

/** Creates the OpenAI adapter: chat completions, completions and embeddings pass through. */
export function createOpenAIProvider(settings: OpenAIProviderSettings): ProviderAdapter {
  return createOpenAICompatibleProvider({
    id: 'openai',
    baseUrl: settings.baseUrl ?? 'https://api.openai.com/v1',
    apiKey: settings.apiKey,
    keyVariable: 'OPENAI_API_KEY',
  });
}
