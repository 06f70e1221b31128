import type { AnthropicErrorBody } from '../dialects/messages/wire';
import type { OpenAIErrorBody } from '../dialects/chat/wire';

/** The dialect a client speaks: the shape its errors and streams must take. */
export type ClientDialect = 'openai' | 'anthropic';

/** An error as the router reports it, before it takes a dialect's shape. */
export interface ErrorDetails {
  status: number;
  message: string;
  /** OpenAI-style type (`invalid_request_error`, `server_error`, or the upstream's own). */
  type: string;
  code: string | null;
}

/** Anthropic's error type for an HTTP status. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
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

/** OpenAI's error type for an HTTP status, when the upstream gave none. */
export function openAIErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** `{"error":{"message","type","code"}}` */
export function toOpenAIErrorBody(details: ErrorDetails): OpenAIErrorBody {
  return { error: { message: details.message, type: details.type, code: details.code } };
}

/** `{"type":"error","error":{"type","message"}}`, typed by status. */
export function toAnthropicErrorBody(details: ErrorDetails): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(details.status), message: details.message } };
}

/** The error body in the client's dialect. */
export function errorBodyFor(dialect: ClientDialect, details: ErrorDetails): OpenAIErrorBody | AnthropicErrorBody {
  return dialect === 'anthropic' ? toAnthropicErrorBody(details) : toOpenAIErrorBody(details);
}

/**
 * Reads the message and type out of an upstream error body, whatever its shape: OpenAI's and
 * Anthropic's `{error:{message,type}}`, `{error:"..."}`, `{message}`, `{detail}` or plain text.
 */
export function parseUpstreamError(status: number, text: string): ErrorDetails {
  let message = text.trim().slice(0, 2000) || `Upstream answered with status ${status}`;
  let type = openAIErrorType(status);
  let code: string | null = null;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      if (typeof e.message === 'string') message = e.message;
      if (typeof e.type === 'string') type = e.type;
      if (typeof e.code === 'string' || typeof e.code === 'number') code = String(e.code);
    } else if (typeof error === 'string') {
      message = error;
    } else if (typeof body.message === 'string') {
      message = body.message;
    } else if (typeof body.detail === 'string') {
      message = body.detail;
    }
  } catch {
    // Not JSON: the text itself is the message.
  }
  return { status, message, type, code };
}
