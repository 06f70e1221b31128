import type { ErrorDetails } from '../../http/error-details';
import { statusOfCode, type StreamError } from '../dialect';
import { inAnthropicContextWords } from './context-overflow';
import type { AnthropicErrorBody } from './wire';

/** The error types of Anthropic's API (DESIGN section 8); `timeout_error` for the router's own timeouts. */
const ANTHROPIC_ERROR_TYPES: ReadonlySet<string> = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
  'timeout_error',
]);

/** Whether `type` is one of Anthropic's error types, which its clients know. */
export function isAnthropicErrorType(type: string): boolean {
  return ANTHROPIC_ERROR_TYPES.has(type);
}

/** Anthropic's error type for an HTTP status. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/**
 * Anthropic's types for the codes and types OpenAI-compatible upstreams put in a mid-stream error
 * (OpenAI's `rate_limit_exceeded` code beside a `tokens` type, llama-server's full-context type), so
 * that an Anthropic client can tell a rate limit or an empty balance from a provider's fault.
 */
const ANTHROPIC_TYPE_OF_OPENAI_WORD: ReadonlyMap<string, string> = new Map([
  ['rate_limit_exceeded', 'rate_limit_error'],
  ['insufficient_quota', 'billing_error'],
  ['context_length_exceeded', 'invalid_request_error'],
  ['exceed_context_size_error', 'invalid_request_error'],
]);

/**
 * The Anthropic type of an error inside a stream: the type of the HTTP status the upstream gave as
 * its code (OpenRouter's `529` is `overloaded_error`, `413` `request_too_large`), else its own when
 * Anthropic's clients know it (the OpenAI types they share, the router's `timeout_error`), else
 * the one an OpenAI code or type stands for, else `api_error`.
 */
export function anthropicStreamErrorType(error: StreamError): string {
  const status = statusOfCode(error.code);
  if (status !== undefined) return anthropicErrorType(status);
  if (isAnthropicErrorType(error.type)) return error.type;
  return (
    (error.code !== undefined ? ANTHROPIC_TYPE_OF_OPENAI_WORD.get(error.code) : undefined) ??
    ANTHROPIC_TYPE_OF_OPENAI_WORD.get(error.type) ??
    'api_error'
  );
}

/**
 * `{"type":"error","error":{"type","message"}}`, typed by status, with `details` when the error has
 * some. A 400 or 413 for a full context keeps the provider's message and adds Anthropic's words for
 * it ({@link inAnthropicContextWords}).
 */
export function toAnthropicErrorBody(details: ErrorDetails): AnthropicErrorBody {
  const message =
    details.status === 400 || details.status === 413 ? inAnthropicContextWords(details.message, details.contextOverflow) : details.message;
  const error: AnthropicErrorBody['error'] = { type: anthropicErrorType(details.status), message };
  if (details.details !== undefined) error.details = details.details;
  return { type: 'error', error };
}

/** True for an error body in Anthropic's own shape. */
export function isAnthropicErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text) as { type?: unknown; error?: { type?: unknown } };
    return body.type === 'error' && typeof body.error?.type === 'string';
  } catch {
    return false;
  }
}
