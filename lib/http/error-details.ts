import { openAIErrorType } from '../dialects/chat/error-body';
import { pageText } from './page-text';
import { withProviderReason } from './provider-reason';
import { withoutBom } from './without-bom';

/** An error as the router reports it, before it takes a dialect's shape. */
export interface ErrorDetails {
  status: number;
  message: string;
  /** OpenAI-style type (`invalid_request_error`, `server_error`, or the upstream's own). */
  type: string;
  code: string | null;
  /** The request field the error is about, when there is one. */
  param?: string | undefined;
  /** Machine-readable details for the client's SDK (Anthropic's `error.details`), when there are some. */
  details?: Readonly<Record<string, unknown>> | undefined;
  /** A full context's figures that the upstream gave beside its message (llama-server's `n_prompt_tokens` and `n_ctx`). */
  contextOverflow?: { inputTokens: number; contextLimit: number } | undefined;
}

/**
 * Reads the message and type out of an upstream error body, whatever its shape: OpenAI's and
 * Anthropic's `{error:{message,type}}` (alone in an array too, as Gemini sends it), `{error:"..."}`,
 * `{message}`, `{detail}`, plain text or an HTML page (its title).
 * Pass `text` redacted: a body without a message is its own message, cut at 2000 characters, and
 * a key the cut went through could no longer be found.
 */
export function parseUpstreamError(status: number, text: string): ErrorDetails {
  let message = pageText(text).trim().slice(0, 2000) || `Upstream answered with status ${status}`;
  let type = openAIErrorType(status);
  let code: string | null = null;
  let param: string | undefined;
  let contextOverflow: ErrorDetails['contextOverflow'];
  try {
    const parsed: unknown = JSON.parse(errorJsonOf(withoutBom(text)));
    // Gemini's OpenAI-compatible endpoint wraps its error in an array: `[{"error": {...}}]`.
    const body = (Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed) as Record<string, unknown>;
    const error = body.error;
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>;
      if (typeof e.message === 'string') message = withProviderReason(e, e.message);
      if (typeof e.type === 'string') type = e.type;
      if (typeof e.code === 'string' || typeof e.code === 'number') code = String(e.code);
      if (typeof e.param === 'string' && e.param !== '') param = e.param;
      if (typeof e.n_prompt_tokens === 'number' && typeof e.n_ctx === 'number')
        contextOverflow = { inputTokens: e.n_prompt_tokens, contextLimit: e.n_ctx };
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
  return { status, message, type, code, ...(param !== undefined ? { param } : {}), ...(contextOverflow !== undefined ? { contextOverflow } : {}) };
}

/** An SSE line: a field (`data:`, `event:`, `id:`, `retry:`) or a comment (`:`). */
export const SSE_START = /^(data|event|id|retry|):/;

/**
 * The JSON of an error body: the body itself, or, for a body written as a stream (some servers
 * answer a streamed request's error status with `data: {"error":...}` or Anthropic's
 * `event: error` frame), the data of its first event that has data (comments and blank lines
 * before it skipped).
 */
function errorJsonOf(text: string): string {
  const stream = text.trimStart();
  if (!SSE_START.test(stream)) return text;
  for (const event of stream.split(/\r\n\r\n|\n\n|\r\r/)) {
    const data = event
      .split(/\r\n|\r|\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) return data.join('\n');
  }
  return text;
}
