import type { StreamError } from '../dialect';
import { isRecord } from '../../is-record';
import { upstreamError } from '../chat/stream-codec';
import { responsesFailureCode } from './failure-code';
import { newId } from './from-chat/items';
import { parseEventObject, unreadableEvent, type StreamCodec } from '../stream-codec';
import type { ResponsesStreamEvent } from './wire';

/** One event of a Responses stream, decoded once. */
export type { ResponsesStreamEvent };

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

const ENDED_EARLY = 'The upstream stream ended before its terminator; the answer is incomplete';

/**
 * Responses streams: `event:` + `data:` frames numbered by `sequence_number`, ending with exactly
 * one terminal event (`response.completed`, `.incomplete` or `.failed`); no `[DONE]`. A client
 * (Codex) reads a failure's reason only from `response.failed` with `response.error`.
 */
export const responsesStreamCodec: StreamCodec<ResponsesStreamEvent> = {
  decode(sse) {
    // Chat completions' terminator, which some servers send after a Responses stream too: past the
    // terminal event it is never read; before it, the stream ended without one.
    if (sse.data.trim() === '[DONE]') return unreadable(ENDED_EARLY);
    const parsed = parseEventObject(sse);
    if ('problem' in parsed) return unreadable(parsed.problem);
    // A frame of nothing but an error (OpenRouter's in-stream failure, `{"error":{code, message}}`,
    // with neither a type nor an event name) is the stream's `error` event.
    const type = parsed.object.type ?? sse.event ?? (isRecord(parsed.object.error) ? 'error' : undefined);
    return { ...parsed.object, type: typeof type === 'string' ? type : '' };
  },
  encode: (event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
  errorEvent(error, context) {
    const last = context?.last?.sequence_number;
    const response = context?.first?.response;
    return {
      type: 'response.failed',
      // With nothing sent yet, `opening` is number 0. After an event the upstream did not number
      // (its own error event, a server that numbers none), the count of events sent follows it.
      sequence_number: typeof last === 'number' ? last + 1 : context?.first ? context.count : 1,
      response: {
        // A failure before any event still gets an id of its own: clients key responses by it.
        id: response?.id ?? newId('resp'),
        object: 'response',
        created_at: response?.created_at ?? Math.floor(Date.now() / 1000),
        model: response?.model ?? '',
        output: [],
        usage: null,
        incomplete_details: null,
        ...response,
        status: 'failed',
        error: { code: responsesFailureCode(error), message: error.message },
      },
    };
  },
  opening: (failed) => ({
    type: 'response.created',
    sequence_number: 0,
    response: { ...failed.response, status: 'in_progress', error: null } as ResponsesStreamEvent['response'],
  }),
  afterOpening: (event, opening) => ({ ...event, sequence_number: (opening.sequence_number ?? 0) + 1 }),
  isEnd: (event) => TERMINAL.has(event.type),
  errorOf(event): StreamError | undefined {
    if (event.type === 'response.failed') {
      // Read from an upstream: only strings, or the failure's report would carry whatever it sent.
      // Some compatible servers put the error beside the event's fields, without a `response`.
      const error: { code?: unknown; message?: unknown } | null | undefined = isRecord(event.response)
        ? event.response.error
        : isRecord(event.error)
          ? event.error
          : undefined;
      return {
        message: typeof error?.message === 'string' ? error.message : 'The response failed',
        type: typeof error?.code === 'string' ? error.code : 'upstream_error',
      };
    }
    if (event.type === 'error') {
      // OpenAI nests the error's fields in `error`; the older events carry them at the top level,
      // beside a `type` that is the event's own.
      return upstreamError(isRecord(event.error) ? event.error : { message: event.message, code: event.code }, 'upstream_error');
    }
    return undefined;
  },
  // An `error` event alone tells Codex no reason; `response.failed` does, with its `response`
  // (one without it is left out on passthrough, and the router's own follows).
  upstreamErrorIsFinal: (event) => event.type === 'response.failed' && isRecord(event.response),
  // Every frame carries its `event:` line (DESIGN section 11): some compatible servers omit it.
  passesFrame: (sse) => sse.event !== undefined,
};

function unreadable(message: string): ResponsesStreamEvent {
  return unreadableEvent<ResponsesStreamEvent>({ type: 'error', code: 'upstream_error', message });
}
