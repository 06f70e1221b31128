import type { Dialect } from '../dialects/dialect';
import type { Endpoint } from '../routing/endpoint';

export type { Dialect };

/** What an adapter is told about a request whose upstream body it may adjust. */
export interface UpstreamRequestContext {
  endpoint: Endpoint;
  /** The client's dialect. */
  clientDialect: Dialect;
  /** The dialect of the body being sent; it differs from the client's when the request was translated. */
  upstreamDialect: Dialect;
  /** The body as the client sent it; not to be modified. */
  clientBody: Readonly<Record<string, unknown>>;
}

/** One entry of a provider's model list, in OpenAI's model-object shape. */
export interface ProviderModel {
  /** The provider's own model id (`gpt-4o-mini`), without the provider prefix. */
  id: string;
  created?: number | undefined;
  owned_by?: string | undefined;
  /** Anything else the provider reports (`display_name`, `context_length`, `pricing`, ...). */
  [field: string]: unknown;
}

/** What a provider adapter is given to fetch its model list. */
export interface ModelListContext {
  /** GET a JSON document from `url` with the provider's auth headers; rejects on non-2xx. */
  getJson(url: string): Promise<unknown>;
  /** Aborted when the list is no longer wanted (timeout or `close()`). */
  signal: AbortSignal;
}

/**
 * A provider the router can send requests to. Build one with {@link defineProvider}, or with the
 * factories `createOpenAICompatibleProvider` and `createAnthropicProvider`.
 */
export interface ProviderAdapter {
  /** Routing id: the `<id>/` model prefix and the `provider` field of telemetry. Lower case. */
  readonly id: string;
  /**
   * The API the upstream speaks: chat completions (`openai`) or Anthropic's Messages API. One that
   * also serves the Responses API or Messages says so with `servesResponses` / `servesMessages`.
   * What the upstream requires beyond the dialect is `adaptRequest`'s: a translated Messages body
   * has no `max_tokens` unless the client gave one (`createAnthropicProvider` adds it).
   */
  readonly dialect: 'openai' | 'anthropic';
  /**
   * Base URL that endpoint paths are appended to, including the API version path:
   * `https://api.openai.com/v1`, `https://api.anthropic.com/v1`.
   */
  readonly baseUrl: string;
  /**
   * Whether requests may be sent. A disabled provider answers `provider_not_configured` and is
   * skipped by the built-in routing rules and the model list.
   */
  readonly enabled: boolean;
  /** The variable a user sets to enable the provider, named in `provider_not_configured` errors. */
  readonly keyVariable?: string | undefined;
  /** Secret values (keys) that must never appear in anything the router writes. */
  readonly secrets?: readonly string[] | undefined;
  /**
   * True when an `openai`-dialect upstream also serves Anthropic's `/messages` and
   * `/messages/count_tokens` itself (llama-server does), so Messages requests pass through.
   */
  readonly servesMessages?: boolean | undefined;
  /**
   * True when the upstream serves OpenAI's Responses API itself (`/responses`), so Responses
   * requests pass through; otherwise they are bridged through chat completions (or translated to
   * Messages). `<ID>_RESPONSES=native|chat` sets it for any provider.
   */
  readonly servesResponses?: boolean | undefined;
  /**
   * True when the provider fetches a document given by URL itself (OpenRouter reads a chat `file`
   * part whose `file_data` is a URL; Anthropic a `document` with a `url` source); elsewhere a
   * Messages `document` with a `url` source, or a Responses `input_file` with a `file_url`, is refused.
   */
  readonly fetchesFileUrls?: boolean | undefined;
  /**
   * True when the provider takes Anthropic's signed thinking back in an assistant message's
   * `reasoning_details` (OpenRouter passes it on to Anthropic, which needs it in a tool loop). A
   * Messages client's signed thinking blocks then go on as `reasoning_details` beside
   * `reasoning_content`; elsewhere only their text goes, as `reasoning_content`.
   */
  readonly readsReasoningDetails?: boolean | undefined;
  /**
   * Headers set on every upstream request after the `scrubHeaders` hook ran: the provider's auth
   * and anything else it requires. The hook never sees them and cannot remove them. The headers
   * that frame a message (`host`, `content-length`, `transfer-encoding`, ...) are the transport's
   * and are left out. Called on every request (and model list), so a key read from a store may
   * rotate: the credentials it returns are redacted from that request's answer, events and record.
   * One that throws or returns no object fails that request with a 500 naming the provider.
   */
  upstreamHeaders(): Record<string, string>;
  /**
   * Headers sent when the request does not already carry them, before the `scrubHeaders` hook
   * (Anthropic's `anthropic-version`). The headers that frame a message are left out, as from
   * {@link ProviderAdapter.upstreamHeaders}. A credential put here (a name holding
   * `authorization`, `key`, `token`, `secret`, ...) is set after the hook instead, as the
   * provider's auth is, and redacted as theirs are.
   */
  readonly defaultHeaders?: Readonly<Record<string, string>> | undefined;
  /**
   * Client request headers (lower case) this provider may receive when the client speaks its own
   * dialect (a Messages request passed through to Anthropic keeps `anthropic-beta`). Credentials
   * are never forwarded, whatever is listed.
   */
  readonly forwardHeaders?: readonly string[] | undefined;
  /**
   * Adjusts the body the upstream gets (translated or passed through) to what this provider
   * accepts: defaults it requires, fields it refuses. `body` is the router's own copy and may be
   * changed in place; return the body to send, synchronously. One that throws (but for a
   * `ProviderRouterError`, answered as it is) or returns no object fails the request with a 500
   * naming the provider.
   */
  adaptRequest?(body: Record<string, unknown>, context: UpstreamRequestContext): Record<string, unknown>;
  /** Fetches the provider's model list; absent when it has none. */
  listModels?(context: ModelListContext): Promise<ProviderModel[]>;
}

/**
 * Types a provider adapter; returns its argument unchanged.
 *
 * @example
 * const azure = defineProvider({
 *   id: 'azure',
 *   dialect: 'openai',
 *   baseUrl: 'https://my-resource.openai.azure.com/openai/v1',
 *   enabled: true,
 *   secrets: [process.env.AZURE_KEY!],
 *   upstreamHeaders: () => ({ 'api-key': process.env.AZURE_KEY! }),
 * });
 * createProviderRouter({ providers: { azure } });
 */
export function defineProvider(adapter: ProviderAdapter): ProviderAdapter {
  return adapter;
}
