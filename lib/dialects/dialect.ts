/**
 * The API dialects the router speaks, with clients and with upstreams: OpenAI chat completions
 * (`openai`, the hub every translation goes through) and Anthropic's Messages API (`anthropic`).
 * Tables keyed by it (`Record<Dialect, ...>`) make the compiler name every place a new dialect
 * must be handled.
 */
export type Dialect = 'openai' | 'anthropic';

/** An error inside a stream, or one the router reports there. */
export interface StreamError {
  message: string;
  type: string;
}
