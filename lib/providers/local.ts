import { createOpenAICompatibleProvider } from './openai-compatible';
import type { ProviderAdapter } from './provider-adapter';

/** Settings of the local llama.cpp `llama-server` adapter. */
export interface LocalProviderSettings {
  /** With `/v1`. @defaultValue 'http://127.0.0.1:9931/v1' (llama-server's own default port) */
  baseUrl?: string | undefined;
  /** Only when the server was started with `--api-key`. */
  apiKey?: string | undefined;
}

/**
 * Creates the adapter of the local llama-server: enabled without a key, and serving Anthropic's
 * Messages API itself (`/v1/messages`, `/v1/messages/count_tokens`), so Messages requests pass
 * through. Its token counts come in `timings` when a stream has no `usage`; the chat dialect reads both.
 */
export function createLocalProvider(settings: LocalProviderSettings = {}): ProviderAdapter {
  return createOpenAICompatibleProvider({
    id: 'local',
    baseUrl: settings.baseUrl ?? 'http://127.0.0.1:9931/v1',
    apiKey: settings.apiKey,
    keyOptional: true,
    keyVariable: 'LOCAL_API_KEY',
    servesMessages: true,
  });
}
