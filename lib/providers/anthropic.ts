import { ProviderRouterError } from '../errors';
import { isRecord } from '../is-record';
import { shapeThinking, withoutUnverifiableThinking, type AnthropicThinkingMode } from './anthropic-thinking';
import { defineProvider, type ModelListContext, type ProviderAdapter, type ProviderModel } from './provider-adapter';

/** Settings of the Anthropic adapter. */
export interface AnthropicProviderSettings {
  /** @defaultValue 'anthropic' */
  id?: string | undefined;
  /**
   * Without `/v1`, as the Anthropic SDK takes it; a trailing `/v1` is taken as the one the router
   * appends. @defaultValue 'https://api.anthropic.com'
   */
  baseUrl?: string | undefined;
  /** Sent as `x-api-key`, without spaces or a line break around it. */
  apiKey?: string | undefined;
  /**
   * The `anthropic-version` header sent when the client sent none. With `2026-10-21` or later,
   * translated requests (from chat completions or Responses) leave out `temperature`, `top_p` and
   * `top_k`, which that version refuses. @defaultValue '2023-06-01'
   */
  version?: string | undefined;
  /**
   * `max_tokens` sent with a translated request (from chat completions or Responses) that gives
   * none (Anthropic requires one). @defaultValue 4096
   */
  maxTokens?: number | undefined;
  /**
   * How a requested effort reaches the model: `adaptive` thinking with `output_config.effort`, or
   * `budget` (`thinking.budget_tokens`, for older models). @defaultValue 'adaptive'
   */
  thinking?: AnthropicThinkingMode | undefined;
  /** The variable that holds the key, for error messages. @defaultValue 'ANTHROPIC_API_KEY' */
  keyVariable?: string | undefined;
}

/**
 * Creates the Anthropic adapter: chat completions and Responses requests are translated to the
 * Messages API and back; Messages requests pass through with the client's `anthropic-version` and
 * `anthropic-beta`.
 *
 * @throws ProviderRouterError (`invalid_config`) for a `maxTokens` that is not a positive integer,
 * or a `thinking` other than `'adaptive'` and `'budget'`.
 */
export function createAnthropicProvider(settings: AnthropicProviderSettings): ProviderAdapter {
  // Trimmed as the key variables are: a key read from a secret file ends in a line break.
  const apiKey = settings.apiKey?.trim() || undefined;
  // The OpenAI variables end in `/v1`, and so, by a common slip, does this one: appended again, it
  // would send every request to `/v1/v1/...`, a 404.
  const root = (settings.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '').replace(/\/v1$/, '');
  const headers: Record<string, string> = apiKey ? { 'x-api-key': apiKey } : {};
  const baseUrl = `${root}/v1`;
  checkSettings(settings);
  const version = settings.version ?? '2023-06-01';
  const maxTokens = settings.maxTokens ?? 4096;
  const omitSamplingParameters = version >= '2026-10-21';
  return defineProvider({
    id: settings.id ?? 'anthropic',
    dialect: 'anthropic',
    baseUrl,
    enabled: Boolean(apiKey),
    keyVariable: settings.keyVariable ?? 'ANTHROPIC_API_KEY',
    secrets: apiKey ? [apiKey] : [],
    defaultHeaders: { 'anthropic-version': version },
    forwardHeaders: ['anthropic-version', 'anthropic-beta'],
    // A document given by URL goes as a `url` source, which Anthropic fetches itself.
    fetchesFileUrls: true,
    upstreamHeaders: () => headers,
    adaptRequest(body, context) {
      withoutUnverifiableThinking(body);
      // A Messages client's own request is otherwise its business; only what the router translated is adjusted.
      if (context.clientDialect === context.upstreamDialect) return body;
      body.max_tokens ??= maxTokens;
      if (omitSamplingParameters) {
        delete body.temperature;
        delete body.top_p;
        delete body.top_k;
      }
      shapeThinking(body, settings.thinking ?? 'adaptive');
      return body;
    },
    listModels: (context) => listAnthropicModels(baseUrl, context),
  });
}

/**
 * The settings a plain-JS host may get wrong, checked as their variables are: a `maxTokens` of `0`
 * or `'4096'` would be sent with every translated request, and refused by Anthropic each time.
 */
function checkSettings(settings: AnthropicProviderSettings): void {
  const { maxTokens, thinking } = settings as Record<string, unknown>;
  if (maxTokens !== undefined && !(Number.isSafeInteger(maxTokens) && (maxTokens as number) > 0)) {
    throw new ProviderRouterError('invalid_config', 'createAnthropicProvider: maxTokens must be a positive integer', 500);
  }
  if (thinking !== undefined && thinking !== 'adaptive' && thinking !== 'budget') {
    throw new ProviderRouterError('invalid_config', "createAnthropicProvider: thinking must be 'adaptive' or 'budget'", 500);
  }
}

interface AnthropicModelPage {
  data?: unknown;
  has_more?: boolean | undefined;
  last_id?: string | null | undefined;
}

const MAX_MODEL_PAGES = 20;

/** Reads every page of Anthropic's `GET /v1/models`, following `has_more` while `last_id` moves on. */
export async function listAnthropicModels(baseUrl: string, context: ModelListContext): Promise<ProviderModel[]> {
  const models: ProviderModel[] = [];
  let afterId: string | undefined;
  for (let page = 0; page < MAX_MODEL_PAGES; page++) {
    const query = afterId ? `?limit=1000&after_id=${encodeURIComponent(afterId)}` : '?limit=1000';
    const body = (await context.getJson(`${baseUrl}/models${query}`)) as AnthropicModelPage | null;
    if (!Array.isArray(body?.data)) throw new Error(`${baseUrl}/models did not answer with a model list`);
    // A cursor that does not move (a compatible server that ignores `after_id`) sent the same page again.
    if (afterId !== undefined && body.last_id === afterId) break;
    for (const entry of body.data as unknown[]) {
      if (!isRecord(entry) || typeof entry.id !== 'string') continue;
      const createdAt = typeof entry.created_at === 'string' ? Date.parse(entry.created_at) : NaN;
      models.push({
        ...entry,
        id: entry.id,
        created: Number.isFinite(createdAt) ? Math.floor(createdAt / 1000) : 0,
        owned_by: 'anthropic',
      });
    }
    if (body.has_more !== true || !body.last_id) break;
    afterId = body.last_id;
  }
  return models;
}
