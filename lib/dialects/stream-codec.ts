import type { StreamError } from './dialect';

/** One SSE event as the parser hands it over. */
export interface SseEvent {
  /** The `event:` field, if the frame had one. */
  event: string | undefined;
  data: string;
}

/**
 * How one dialect's streams are read and written. Each upstream event is decoded once into `E`;
 * telemetry and translation both read that value.
 */
export interface StreamCodec<E> {
  /** Parses one SSE event. An event that cannot be read becomes an error event, never a throw. */
  decode(sse: SseEvent): E;
  /** The SSE frame a client of this dialect reads for `event`, with its trailing blank line. */
  encode(event: E): string;
  /**
   * The router's own mid-stream error, as this dialect's clients read one. `context` holds the
   * first and the last event the client got, for dialects that number their events or repeat the
   * response in a failure (Responses).
   */
  errorEvent(error: StreamError, context?: StreamContext<E>): E;
  /** The stream's terminator (`[DONE]`, `message_stop`). */
  isEnd(event: E): boolean;
  /** The error an event carries: reported by the upstream, or made by the router. */
  errorOf(event: E): StreamError | undefined;
  /**
   * Whether an upstream's own error event is one that this dialect's clients read as an error.
   * When not (OpenRouter's `error` beside `choices` in a chat chunk, a Responses `error` event),
   * the router's own error frame follows it.
   */
  upstreamErrorIsFinal(event: E): boolean;
  /**
   * The error in a frame that carries no SSE event, when the dialect's servers write errors that
   * way (older llama-server builds send `error: {...}`); such a frame is otherwise passed on or
   * left out as a comment. The frame comes redacted: its text may be the message, cut.
   */
  errorOfFrame?(frame: string): StreamError | undefined;
  /**
   * The event a client must read before the router's error event `failed` when it has read
   * nothing of the stream yet (a Responses client reads nothing before `response.created`).
   */
  opening?(failed: E): E;
  /** `event` as it goes after `opening` (numbered after it, in a dialect whose events are numbered). */
  afterOpening?(event: E, opening: E): E;
  /**
   * Whether a passed-through frame can go on byte for byte; when not, the event is written as this
   * dialect writes it. Unset: every frame can.
   */
  passesFrame?(sse: SseEvent): boolean;
  /** Whether an upstream event only says the upstream is still working (Anthropic's `ping`). */
  isKeepAlive?(event: E): boolean;
}

/** What a client has been sent of a stream so far. */
export interface StreamContext<E> {
  first: E | undefined;
  last: E | undefined;
  /** How many events the client got. */
  count: number;
}

/** An SSE event's `data` as the JSON object it must be, or why it is not one. */
export function parseEventObject(sse: SseEvent): { object: Record<string, unknown> } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(sse.data);
  } catch {
    return { problem: 'The upstream sent a stream event that is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { problem: 'The upstream sent a stream event that is not a JSON object' };
  return { object: parsed as Record<string, unknown> };
}

const UNREADABLE = new WeakSet<object>();

/**
 * Marks the error event a codec made of an upstream event it could not read (not JSON, not an
 * object). Such a frame is never passed on: a client's SDK would fail on it before it read the
 * router's error frame.
 */
export function unreadableEvent<E extends object>(event: E): E {
  UNREADABLE.add(event);
  return event;
}

/** Whether a codec made `event` of an upstream event it could not read. */
export function isUnreadable(event: unknown): boolean {
  return typeof event === 'object' && event !== null && UNREADABLE.has(event);
}
