import { failedFinishOf, streamedChoiceZero } from './chunk-parts';
import { statusOfCode, type StreamError } from '../dialect';
import { unreadableEvent, type StreamCodec } from '../stream-codec';
import { withProviderReason } from '../../http/provider-reason';
import { openAIErrorType } from './error-body';
import type { ChatCompletionChunk } from './wire';

/** One event of a chat completions stream, decoded once. */
export type ChatStreamEvent =
  /** A `chat.completion.chunk`; OpenRouter may put an `error` beside its `choices`. */
  | { type: 'chunk'; chunk: ChatCompletionChunk }
  /** `data: [DONE]`. */
  | { type: 'done' }
  /** An event that could not be read, or the router's own error frame. */
  | { type: 'error'; error: StreamError };

const DONE: ChatStreamEvent = { type: 'done' };
const DONE_FRAME = 'data: [DONE]\n\n';

/**
 * Chat completions streams: `data:` frames of JSON chunks ending with `data: [DONE]`. A client
 * reads a frame without `choices` that has an `error` as the stream's failure.
 */
export const chatStreamCodec: StreamCodec<ChatStreamEvent> = {
  decode(sse) {
    const data = sse.data.trim();
    if (data === '[DONE]') return DONE;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return unreadable('The upstream sent a stream event that is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return unreadable('The upstream sent a stream event that is not a JSON object');
    }
    // Some servers name their error frames; the payload is then the error itself.
    if (sse.event === 'error') {
      const fields = parsed as Record<string, unknown>;
      return { type: 'error', error: upstreamError(fields.error ?? fields, 'upstream_error') };
    }
    return { type: 'chunk', chunk: parsed as ChatCompletionChunk };
  },
  encode(event) {
    switch (event.type) {
      case 'chunk':
        return `data: ${JSON.stringify(event.chunk)}\n\n`;
      case 'done':
        return DONE_FRAME;
      case 'error':
        return `data: ${JSON.stringify({ error: { message: event.error.message, type: event.error.type, code: event.error.code ?? null } })}\n\n`;
    }
  },
  errorEvent: (error) => ({ type: 'error', error }),
  isEnd: (event) => event.type === 'done',
  errorOf(event) {
    if (event.type === 'error') return event.error;
    if (event.type !== 'chunk') return undefined;
    if (event.chunk.error !== undefined && event.chunk.error !== null) return upstreamError(event.chunk.error, 'upstream_error');
    const choice = streamedChoiceZero(event.chunk.choices);
    // OpenRouter's error on the choice itself, with its code as the one beside the choices has.
    if (choice?.error !== undefined && choice.error !== null) return upstreamError(choice.error, 'upstream_error');
    const failed = failedFinishOf(choice);
    return failed === undefined ? undefined : { message: failed, type: 'upstream_error' };
  },
  upstreamErrorIsFinal: () => false,
  errorOfFrame: errorFieldOfFrame,
};

/**
 * The error of a frame that is an `error: {...}` line, a field SSE ignores: older llama-server
 * builds end a failed stream with one.
 */
export function errorFieldOfFrame(frame: string): StreamError | undefined {
  if (!frame.startsWith('error:')) return undefined;
  try {
    return upstreamError(JSON.parse(frame.slice('error:'.length)), 'upstream_error');
  } catch {
    return { message: frame.slice('error:'.length).trim().slice(0, 2000) || 'Upstream error', type: 'upstream_error' };
  }
}

function unreadable(message: string): ChatStreamEvent {
  return unreadableEvent<ChatStreamEvent>({ type: 'error', error: { message, type: 'upstream_error' } });
}

/**
 * The message, type and code of an upstream's error, whatever its shape: `{message, type, code}`
 * or a plain string. An HTTP status as the code (OpenRouter sends `503`) gives the type that
 * status has in OpenAI's errors, as the router's non-streamed answers do; another code without a
 * type reads as the type.
 */
export function upstreamError(error: unknown, fallbackType: string): StreamError {
  if (typeof error === 'string' && error !== '') return { message: error, type: fallbackType };
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const message = withProviderReason(fields, textOf(fields.message, 'Upstream error'));
  const code = textOf(fields.code, '');
  const status = statusOfCode(code);
  const type = textOf(fields.type, status !== undefined ? openAIErrorType(status) : textOf(code, fallbackType));
  return code === '' ? { message, type } : { message, type, code };
}

function textOf(value: unknown, fallback: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return fallback;
}
