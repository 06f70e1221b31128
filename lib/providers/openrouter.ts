import { createOpenAICompatibleProvider, listOpenAIModels } from './openai-compatible';
import type { ProviderAdapter, ProviderModel } from './provider-adapter';
import { losesAnthropicThinking } from './openrouter-thinking';

/** Settings of the OpenRouter adapter. */
export interface OpenRouterProviderSettings {
  /** @defaultValue 'https://openrouter.ai/api/v1' */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  /** Sent as `HTTP-Referer`, OpenRouter's attribution of requests to a site. */
  siteUrl?: string | undefined;
  /** Sent as `X-OpenRouter-Title` and the older `X-Title` it still accepts. */
  appName?: string | undefined;
}

/** Fields of OpenRouter's rich model entries that a model picker uses; the rest (hundreds of bytes each) is left out. */
const MODEL_FIELDS = ['name', 'context_length', 'pricing'] as const;

/**
 * Creates the OpenRouter adapter: an OpenAI-compatible provider with attribution headers and a
 * model list trimmed to what a picker shows. OpenRouter reports a request's price as `usage.cost`
 * and a failure after the stream began as an `error` beside `choices`; the chat dialect reads both.
 */
export function createOpenRouterProvider(settings: OpenRouterProviderSettings): ProviderAdapter {
  const adapter = createOpenAICompatibleProvider({
    id: 'openrouter',
    baseUrl: settings.baseUrl ?? 'https://openrouter.ai/api/v1',
    apiKey: settings.apiKey,
    keyVariable: 'OPENROUTER_API_KEY',
    headers: attributionHeaders(settings),
  });
  return {
    ...adapter,
    // OpenRouter takes effort as `reasoning: { effort }`, on every chat request; none at all where
    // Anthropic, behind it, would refuse thinking for the tool loop.
    adaptRequest(body, context) {
      if (context.upstreamDialect !== 'openai' || body.reasoning_effort === undefined) return body;
      if (body.reasoning === undefined && (body.reasoning_effort === 'none' || !losesAnthropicThinking(body))) {
        body.reasoning = { effort: body.reasoning_effort };
      }
      delete body.reasoning_effort;
      return body;
    },
    fetchesFileUrls: true,
    readsReasoningDetails: true,
    // OpenRouter's Responses API is stateless, as the router's route is.
    servesResponses: true,
    listModels: async (context) => (await listOpenAIModels(`${adapter.baseUrl}/models`, context)).map(pickerFields),
  };
}

function pickerFields(model: ProviderModel): ProviderModel {
  const entry: ProviderModel = { id: model.id, created: model.created, owned_by: model.owned_by };
  for (const field of MODEL_FIELDS) if (field in model) entry[field] = model[field];
  return entry;
}

function attributionHeaders(settings: OpenRouterProviderSettings): Record<string, string> {
  const headers: Record<string, string> = {};
  if (settings.siteUrl) headers['http-referer'] = settings.siteUrl;
  if (settings.appName) {
    headers['x-openrouter-title'] = settings.appName;
    headers['x-title'] = settings.appName;
  }
  return headers;
}
