import type { StreamError } from '../dialects/dialect';
import type { TokenUsage } from './events';

/** A tool call as the conversation log records it. */
export interface LoggedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What the router learned from an upstream response, for telemetry and the conversation log. */
export interface ResponseSummary {
  text: string;
  /** Reasoning text, kept apart from the answer. */
  reasoning: string;
  /** A reasoning delta has begun to arrive (for `firstReasoningMs`). */
  sawReasoning: boolean;
  toolCalls: LoggedToolCall[];
  /** In the upstream's own words (`stop`, `end_turn`, ...). */
  finishReason: string | null;
  /** The model the upstream says answered (`gpt-4o-2024-08-06`), when it said. */
  responseModel: string | undefined;
  usage: TokenUsage | undefined;
  costUsd: number | undefined;
  /** The upstream's terminator arrived (`[DONE]`, `message_stop`). */
  done: boolean;
  /** Text or a tool call has begun to arrive (the first token, for `firstTokenMs`). */
  sawOutput: boolean;
  /** The upstream reported an error inside its stream. */
  error: StreamError | undefined;
}

export function emptySummary(): ResponseSummary {
  return {
    text: '',
    reasoning: '',
    sawReasoning: false,
    toolCalls: [],
    finishReason: null,
    responseModel: undefined,
    usage: undefined,
    costUsd: undefined,
    sawOutput: false,
    done: false,
    error: undefined,
  };
}

/** Reads an upstream's decoded stream events or its JSON body and updates a summary. */
export interface ResponseObserver<E> {
  readonly summary: ResponseSummary;
  /** One stream event, decoded once by the dialect's codec. */
  event(event: E): void;
  /** A whole non-streamed JSON body. */
  body(body: unknown): void;
  /**
   * The exchange ended, the upstream's terminator perhaps never come: the summary takes in what
   * the observer holds (the tool calls streamed so far), so that the record keeps them.
   */
  settle?(): void;
}

/** The observer only feeds telemetry: an answer it cannot read still reaches the client. */
export function readSafely(read: () => void): void {
  try {
    read();
  } catch {
    // Telemetry lacks this answer's details; the client is unaffected.
  }
}

/** {@link readSafely} for one stream event: a stream has many, and a closure for each is an allocation more. */
export function observeSafely<E>(observer: ResponseObserver<E>, event: E): void {
  try {
    observer.event(event);
  } catch {
    // Telemetry lacks this answer's details; the client is unaffected.
  }
}

/**
 * A field of an upstream's JSON as text, for the summary: `fallback` when the field is missing or
 * null, else `String(value)`, so that a numeric `code` (OpenRouter sends `502`) reads as sent.
 */
export function upstreamText(value: unknown, fallback: string): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any JSON value may arrive here; strings and numbers are what upstreams send, and String() turns the rest into some text without throwing
  return String(value ?? fallback);
}

/** The `model` an answer or chunk names, when it is a non-empty string. */
export function modelOf(answer: object | null | undefined): string | undefined {
  const model = (answer as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' && model !== '' ? model : undefined;
}
