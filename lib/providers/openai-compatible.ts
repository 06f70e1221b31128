import { defineProvider, type ModelListContext, type ProviderAdapter, type ProviderModel } from './provider-adapter';

/** Settings of an OpenAI-compatible provider (OpenAI, OpenRouter, llama-server, Groq, ...). */
export interface OpenAICompatibleProviderSettings {
  /** Routing id, lower case. */
  id: string;
  /** Base URL with the API version path, as the OpenAI SDK takes it: `https://api.groq.com/openai/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`, without spaces or a line break around it; omit for servers without auth. */
  apiKey?: string | undefined;
  /**
   * Whether the provider can be used without a key.
   * @defaultValue false: the provider is enabled only when `apiKey` is set
   */
  keyOptional?: boolean | undefined;
  /** The variable that holds the key, for error messages. */
  keyVariable?: string | undefined;
  /** Extra headers for every upstream request (OpenRouter's attribution headers, for example). */
  headers?: Record<string, string> | undefined;
  /** See {@link ProviderAdapter.servesMessages}. */
  servesMessages?: boolean | undefined;
}

/**
 * Creates the adapter of an OpenAI-compatible provider: chat completions, completions and
 * embeddings pass through; Anthropic Messages requests are translated unless `servesMessages`.
 *
 * @example
 * createProviderRouter({
 *   providers: {
 *     groq: createOpenAICompatibleProvider({
 *       id: 'groq',
 *       baseUrl: 'https://api.groq.com/openai/v1',
 *       apiKey: process.env.GROQ_API_KEY,
 *     }),
 *   },
 * });
 */
export function createOpenAICompatibleProvider(settings: OpenAICompatibleProviderSettings): ProviderAdapter {
  // Trimmed as the key variables are: a key read from a secret file ends in a line break.
  const apiKey = settings.apiKey?.trim() || undefined;
  const headers: Record<string, string> = { ...settings.headers };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const baseUrl = settings.baseUrl.replace(/\/+$/, '');
  return defineProvider({
    id: settings.id,
    dialect: 'openai',
    baseUrl,
    enabled: Boolean(apiKey) || settings.keyOptional === true,
    keyVariable: settings.keyVariable,
    secrets: apiKey ? [apiKey] : [],
    servesMessages: settings.servesMessages ?? false,
    upstreamHeaders: () => headers,
    listModels: (context) => listOpenAIModels(`${baseUrl}/models`, context),
  });
}

/**
 * Reads an OpenAI-shaped model list (`{object:'list', data:[...]}`), or the bare array of model
 * objects that some OpenAI-compatible APIs answer instead (Together's `GET /v1/models`).
 */
export async function listOpenAIModels(url: string, context: ModelListContext): Promise<ProviderModel[]> {
  const body = await context.getJson(url);
  const data = Array.isArray(body) ? body : (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new Error(`${url} did not answer with a model list ({ data: [...] })`);
  return data.filter(isModelEntry);
}

function isModelEntry(entry: unknown): entry is ProviderModel {
  return typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string';
}
