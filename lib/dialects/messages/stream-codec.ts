import { isRecord } from '../../is-record';
import { parseEventObject, unreadableEvent, type StreamCodec } from '../stream-codec';
import { errorFieldOfFrame, upstreamError } from '../chat/stream-codec';
import { anthropicStreamErrorType, isAnthropicErrorBody } from './error-body';
import type { AnthropicStreamEvent } from './wire';

/** One event of a Messages stream, decoded once: Anthropic's own event objects. */
export type MessagesStreamEvent = AnthropicStreamEvent;

/**
 * Messages streams: `event:` + `data:` frames ending with `message_stop`. Every frame carries its
 * `event:` line (the SDK ignores frames without one); `event: error` is the stream's failure. A
 * `ping`, and an event without data, decode to a ping whatever their data.
 */
export const messagesStreamCodec: StreamCodec<MessagesStreamEvent> = {
  decode(sse) {
    // As the Anthropic SDK reads a stream: a ping is dropped whatever its data, and so is any other
    // event with no data (a proxy's keep-alive); neither is a reason to end the answer.
    if (sse.event !== 'error' && (sse.event === 'ping' || sse.data === '')) return { type: 'ping' };
    const parsed = parseEventObject(sse);
    if ('problem' in parsed) return unreadable(parsed.problem);
    // A frame named `error` is the stream's failure whatever its data's own `type`, as the SDK reads
    // it: llama-server's Messages endpoint sends its error fields there (`{code, message, type:
    // "server_error"}`), not Anthropic's `{type: "error", error}`. So is a frame of nothing but an
    // error (`data: {"error":{...}}`, no type, no event name). Either becomes Anthropic's error
    // event, which is what the client then reads: the SDK and Claude Code know no other shape.
    const errorFields = isRecord(parsed.object.error) ? parsed.object.error : parsed.object;
    if (sse.event === 'error' && parsed.object.type !== 'error') return anthropicErrorEvent(errorFields);
    if (sse.event === undefined && parsed.object.type === undefined && isRecord(parsed.object.error)) return anthropicErrorEvent(errorFields);
    // The data carries its own type; the event line is the fallback for a frame that omits it.
    const type = parsed.object.type ?? sse.event;
    return { ...parsed.object, type } as MessagesStreamEvent;
  },
  encode: (event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
  // The router's own failures carry OpenAI-style types; Anthropic's clients know only theirs.
  errorEvent: (error) => ({
    type: 'error',
    error: { type: anthropicStreamErrorType(error), message: error.message },
  }),
  isEnd: (event) => event.type === 'message_stop',
  isKeepAlive: (event) => event.type === 'ping',
  errorOf(event) {
    if (event.type !== 'error') return undefined;
    const { message, type } = event.error ?? {};
    return {
      message: typeof message === 'string' && message !== '' ? message : 'The upstream reported an error in the stream',
      type: typeof type === 'string' && type !== '' ? type : 'api_error',
    };
  },
  upstreamErrorIsFinal: () => true,
  errorOfFrame: errorFieldOfFrame,
  // The Anthropic SDK ignores a frame without its `event:` line (DESIGN section 8), and reads an
  // error frame's data as Anthropic's error body.
  passesFrame: (sse) => sse.event !== undefined && (sse.event !== 'error' || isAnthropicErrorBody(sse.data)),
};

/** Anthropic's error event for an upstream's error in another shape, typed as its code or type says. */
function anthropicErrorEvent(fields: unknown): MessagesStreamEvent {
  const error = upstreamError(fields, 'api_error');
  return { type: 'error', error: { type: anthropicStreamErrorType(error), message: error.message } };
}

function unreadable(message: string): MessagesStreamEvent {
  return unreadableEvent<MessagesStreamEvent>({ type: 'error', error: { type: 'upstream_error', message } });
}
