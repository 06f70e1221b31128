import { createOpenAICompatibleProvider } from './openai-compatible';
import type { ProviderAdapter } from './provider-adapter';

/** Settings of the OpenAI adapter. */
export interface OpenAIProviderSettings {
  /** With `/v1`, as the OpenAI SDK reads `OPENAI_BASE_URL`. @defaultValue 'https://api.openai.com/v1' */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
}

/**
 * Creates the OpenAI adapter: chat completions, completions and embeddings pass through. Chat
 * requests carry their token limit as `max_completion_tokens` (OpenAI's reasoning models refuse
 * `max_tokens`), and translated requests leave out `top_k`, which OpenAI refuses.
 */
export function createOpenAIProvider(settings: OpenAIProviderSettings): ProviderAdapter {
  const adapter = createOpenAICompatibleProvider({
    id: 'openai',
    baseUrl: settings.baseUrl ?? 'https://api.openai.com/v1',
    apiKey: settings.apiKey,
    keyVariable: 'OPENAI_API_KEY',
  });
  return {
    ...adapter,
    servesResponses: true,
    adaptRequest(body, context) {
      // Only chat completions bodies: a Responses passthrough goes on as the client sent it.
      if (context.upstreamDialect !== 'openai' || (context.clientDialect === 'openai' && context.endpoint !== 'chat.completions')) return body;
      if (body.max_tokens !== undefined && body.max_tokens !== null) {
        body.max_completion_tokens ??= body.max_tokens;
        delete body.max_tokens;
      }
      if (context.clientDialect !== 'openai') delete body.top_k;
      return body;
    },
  };
}
