import type { Endpoint } from '../routing/endpoint';

/** The endpoint a request was made to, relative to the mount path. */
export type { Endpoint };

/** Token counts, read from whatever the upstream reported. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Of the completion tokens, those spent reasoning, where the upstream reports them. */
  reasoningTokens?: number;
}

/** How a request ended. `aborted`: the client hung up first. */
export type RequestOutcome = 'ok' | 'error' | 'aborted';

/** Fields every telemetry event has. */
export interface TelemetryEventBase {
  /** Provider id (`local`, `openai`, `openrouter`, `anthropic`, or one a host added). */
  provider: string;
  /** ISO 8601 time the event was emitted. */
  timestamp: string;
}

/** Fields every request event has. */
export interface RequestEventBase extends TelemetryEventBase {
  requestId: string;
  /** The model as the client asked for it. */
  model: string;
  /** The model name sent upstream. */
  upstreamModel: string;
  endpoint: Endpoint;
  stream: boolean;
}

/** Emitted once routing is decided, before anything is sent upstream. */
export interface RequestStartEvent extends RequestEventBase {
  type: 'request.start';
}

/** Emitted exactly once per routed request, however it ended. */
export interface RequestEndEvent extends RequestEventBase {
  type: 'request.end';
  /** The status sent to the client; 499 when the client hung up before any was sent. */
  status: number;
  outcome: RequestOutcome;
  durationMs: number;
  /** Time until the upstream's response headers arrived; null when none did. */
  ttfbMs: number | null;
  /** Streams: time until the first text or tool call arrived; null otherwise. */
  firstTokenMs: number | null;
  /** Milliseconds to the first reasoning delta of a stream; `null` when there was none. */
  firstReasoningMs: number | null;
  usage?: TokenUsage;
  finishReason: string | null;
  /** The model the upstream says answered (`gpt-4o-2024-08-06` for `gpt-4o`), when it said. */
  responseModel?: string;
  /** The request's price in USD, when the upstream reports one (OpenRouter). */
  costUsd?: number;
  /** What went wrong, when `outcome` is `error` (redacted). */
  error?: { message: string; type: string };
}

/** A provider's model list could not be fetched; the merged list was served without it. */
export interface ModelsErrorEvent extends TelemetryEventBase {
  type: 'models.error';
  error: string;
}

/** Every telemetry event by its `type`. */
export interface TelemetryEventMap {
  'request.start': RequestStartEvent;
  'request.end': RequestEndEvent;
  'models.error': ModelsErrorEvent;
}

export type TelemetryEvent = TelemetryEventMap[keyof TelemetryEventMap];
