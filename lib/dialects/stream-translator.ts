/** The contract between the core's stream pump and a dialect translator. */

/** One SSE event as eventsource-parser hands it over. */
export interface UpstreamSseEvent {
  /** The `event:` field, if the frame had one. */
  event: string | undefined;
  data: string;
}

/**
 * Translates an upstream SSE stream into the client's dialect, one event at a time, so that
 * nothing is held back. Create one per response.
 */
export interface StreamTranslator {
  /** Text to write to the client for one upstream event ('' when there is nothing to write). */
  push(event: UpstreamSseEvent): string;
  /**
   * True once the upstream's terminator arrived (`message_stop` from Anthropic, `[DONE]` from an
   * OpenAI-compatible upstream) and the closing frames were returned by `push`.
   */
  readonly done: boolean;
  /**
   * Set when the upstream reported an error inside the stream; the text `push` returned for it
   * already carries the client-dialect error frame, and the core ends the stream after it.
   */
  readonly error: { message: string; type: string } | undefined;
  /** Text to write for an SSE comment line (keep-alive); comments are dropped when absent. */
  comment?(text: string): string;
}
