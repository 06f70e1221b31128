import { statusOfCode, type StreamError } from '../dialect';

/**
 * The `response.error.code` values Responses clients act on: Codex tells the user the context is
 * full (`context_length_exceeded`), stops on `insufficient_quota`, waits and retries on
 * `rate_limit_exceeded`, and retries any other code as a stream error, showing its message.
 * OpenAI's own failures use `server_error`. (Codex answers `server_is_overloaded` with a canned
 * "try a different model" that hides the provider's message, so the router never makes that code
 * itself; it passes on an upstream's own.)
 */
const KNOWN_CODES: ReadonlySet<string> = new Set([
  'context_length_exceeded',
  'insufficient_quota',
  'rate_limit_exceeded',
  'server_is_overloaded',
  'slow_down',
  'server_error',
  'invalid_prompt',
]);

/** Error types of the other dialects that have a Responses code of their own. */
const CODE_OF_TYPE: Readonly<Record<string, string>> = {
  rate_limit_error: 'rate_limit_exceeded',
  overloaded_error: 'server_error',
  insufficient_quota: 'insufficient_quota',
  request_too_large: 'context_length_exceeded',
  api_error: 'server_error',
};

// Anthropic words a full context two ways: "prompt is too long", and, when the prompt fits but not
// with `max_tokens` beside it, "input length and `max_tokens` exceed context limit".
const CONTEXT_FULL = /context[ _-]?(length|window|size|limit)|maximum context|prompt is too long|too many (input )?tokens/i;

/**
 * The `response.error.code` for a failure inside a stream, in the terms a Responses client reads:
 * a code it knows when the upstream's status, type, code or message says which (OpenRouter's
 * `429`, Anthropic's `overloaded_error` as `server_error`, a llama-server "context size"
 * message), else the failure's own type (`timeout_error`, `upstream_error`, ...).
 */
export function responsesFailureCode(error: StreamError): string {
  if (error.code !== undefined && KNOWN_CODES.has(error.code)) return error.code;
  const status = statusOfCode(error.code);
  // The status first: a rate limit's or a server's message may well speak of tokens or context.
  if (status === 429 || error.type === 'rate_limit_error') return 'rate_limit_exceeded';
  if (status === 402) return 'insufficient_quota';
  if (status === 413) return 'context_length_exceeded';
  if (status !== undefined && status >= 500) return 'server_error';
  if (CONTEXT_FULL.test(error.message)) return 'context_length_exceeded';
  if (KNOWN_CODES.has(error.type)) return error.type;
  return CODE_OF_TYPE[error.type] ?? error.type;
}

/**
 * The `code` of an error answered before a Responses stream began, in the codes Codex acts on:
 * the upstream's own code when it has a word for one (OpenAI's `context_length_exceeded`, the
 * router's `unsupported_parameter`), else, for a code that is empty or only a status, the code its
 * status or message stands for (a llama-server or OpenRouter 400 about the context length, an
 * Anthropic 429); else the code as it was.
 */
export function responsesErrorCode(status: number, code: string | null, message: string): string | null {
  if (code !== null && !/^\d+$/.test(code)) return code;
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 402) return 'insufficient_quota';
  if (status === 413 || (status === 400 && CONTEXT_FULL.test(message))) return 'context_length_exceeded';
  return code;
}
