import type { Endpoint } from '../routing/endpoint';

/** A request that passes through to an upstream of its own dialect. */
export interface PassthroughRequest {
  endpoint: Endpoint;
  /** The client's body; not to be changed. */
  clientBody: Readonly<Record<string, unknown>>;
  /** The router's copy that goes upstream, `model` already set; the dialect may change it. */
  body: Record<string, unknown>;
  upstreamModel: string;
  /** The id of the provider the request goes to. */
  provider: string;
  /** Ask chat completions upstreams for usage in streams the client asked none for. */
  requestStreamUsage: boolean;
}

/** What a dialect changes in a passthrough answer; nothing by default. */
export interface PassthroughEdits<E> {
  /**
   * Each stream event as the client gets it: the same event (its frame goes on byte for byte),
   * `null` (left out), another event, or several (written in its place).
   */
  editEvent?: (event: E) => E | E[] | null;
  /** The JSON answer as the client gets it. */
  editJson?: (answer: unknown) => unknown;
}
