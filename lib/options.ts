import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderAdapter } from './providers/provider-adapter';

/** Where the headers passed to `scrubHeaders` are going. */
export type HeaderDirection = 'upstream' | 'client';

/** What `scrubHeaders` is told about the headers it is given. */
export interface ScrubHeadersContext {
  direction: HeaderDirection;
  /** The provider id the request was routed to. */
  provider: string;
  requestId: string;
}

/** Header names are lower case; values are strings. */
export type HeaderMap = Record<string, string>;

/**
 * Called after the default header policy, for the upstream request and for the response to the
 * client; returns the headers to use, synchronously. The provider's auth is set after it: the hook
 * never sees a key and cannot remove one. The body's `content-type` (either way) and a provider's
 * default headers (`anthropic-version`) are added again when it leaves them out. A hook that
 * throws, or returns anything but an object of headers (a promise included), fails the request
 * with a 500. The headers that frame a message (`host`, `content-length`, `transfer-encoding`,
 * `connection`, ...) are the transport's: left out of what it returns.
 */
export type ScrubHeadersHook = (headers: HeaderMap, context: ScrubHeadersContext) => HeaderMap;

/** The subset of a logger the router uses for its own warnings (winston's logger fits). */
export interface RouterLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  error(message: string, meta?: Record<string, unknown>): unknown;
}

/** The subset of a winston logger the conversation log writes through. */
export interface ConversationLogger {
  info(message: string, meta: Record<string, unknown>): unknown;
}

/** Options of {@link createProviderRouter}. Options given here win over the environment. */
export interface ProviderRouterOptions {
  /**
   * Where every setting is read from.
   * @defaultValue process.env
   */
  env?: Record<string, string | undefined> | undefined;
  /**
   * Adapters by id. A built-in (`local`, `openai`, `openrouter`, `anthropic`) is replaced by giving
   * its id; any other id adds a provider, routable as `<id>/<model>` and in `PROVIDER_MODEL_MAP`.
   */
  providers?: Record<string, ProviderAdapter> | undefined;
  /** See {@link ScrubHeadersHook}. */
  scrubHeaders?: ScrubHeadersHook | undefined;
  /**
   * What serves a model no rule matches: `'local'` proxies it to `LOCAL_BASE_URL`; `'next'` calls
   * `next()` so that the host's own handler serves it (the parsed body stays on `req.body`).
   * @defaultValue 'local'
   */
  fallback?: 'local' | 'next' | undefined;
  /**
   * A winston logger for conversation records, or `false` for none.
   * @defaultValue a JSON-lines file logger when `CONVERSATION_LOG_FILE` is set, else none
   */
  conversationLogger?: ConversationLogger | false | undefined;
  /**
   * Where the router reports its own problems (a telemetry listener that threw, a conversation log
   * it cannot write; a provider's model list that failed, only to a logger given here: otherwise
   * that is a `models.error` event alone).
   * @defaultValue a winston console logger at level `warn`
   */
  logger?: RouterLogger | undefined;
  /** Routing rules; wins over `PROVIDER_MODEL_MAP`. @example 'fast=openai:gpt-4o-mini,team-*=openrouter' */
  modelMap?: string | undefined;
  /** Wins over `PROVIDER_TIMEOUT_MS`. */
  timeoutMs?: number | undefined;
  /** Wins over `PROVIDER_IDLE_TIMEOUT_MS`. */
  idleTimeoutMs?: number | undefined;
  /** Wins over `PROVIDER_MAX_BODY_BYTES`. */
  maxBodyBytes?: number | undefined;
  /**
   * Adds `stream_options.include_usage` to streamed chat completions for OpenAI-compatible
   * providers when the client did not ask for usage, and leaves the extra usage chunk out of the
   * client's stream, so that telemetry always has token counts.
   * @defaultValue true
   */
  requestStreamUsage?: boolean | undefined;
  /** Wins over `PROVIDER_MODELS_TTL_MS`; 0 caches nothing. */
  modelsTtlMs?: number | undefined;
  /**
   * How long `GET /models` waits for one provider's list before answering without it.
   * @defaultValue 5000
   */
  modelListTimeoutMs?: number | undefined;
}

export type { IncomingHttpHeaders };
