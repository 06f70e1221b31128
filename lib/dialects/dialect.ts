/**
 * The API dialects the router speaks, with clients and with upstreams: OpenAI chat completions
 * (`openai`, the hub every translation goes through), Anthropic's Messages API (`anthropic`) and
 * OpenAI's Responses API (`responses`). Tables keyed by it (`Record<Dialect, ...>`) make the
 * compiler name every place a new dialect must be handled.
 */
export type Dialect = 'openai' | 'anthropic' | 'responses';

/** An error inside a stream, or one the router reports there. */
export interface StreamError {
  message: string;
  type: string;
  /** The upstream's own code, when it sent one (OpenRouter sends the HTTP status, `503`). */
  code?: string | undefined;
}

/** The HTTP error status an error's code stands for (OpenRouter's `"503"`); undefined for any other code. */
export function statusOfCode(code: string | undefined): number | undefined {
  return code !== undefined && /^[45]\d\d$/.test(code) ? Number(code) : undefined;
}
