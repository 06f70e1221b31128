import type { Redactor } from '../http/redactor';
import type { ResponseSummary } from './response-summary';
import type { ConversationLog } from './conversation-log';
import type { RouterTelemetry } from './emitter';
import type { RequestEventBase, RequestEndEvent, RequestOutcome, RequestStartEvent } from './events';
import { markRequest } from './request-identity';
import { isoTimestamp } from './timestamp';

/** How a request ended, as the exchange reports it. */
export interface RequestEnding {
  status: number;
  outcome: RequestOutcome;
  summary: ResponseSummary | undefined;
  error?: { message: string; type: string };
}

/** What a recorder needs besides the request's identity. */
export interface RecorderDependencies {
  telemetry: RouterTelemetry;
  conversationLog: ConversationLog | undefined;
  redactor: Redactor;
}

/**
 * Follows one routed request: `request.start` at creation, `request.end` exactly once, and the
 * conversation record after the response ended.
 */
export class RequestRecorder {
  readonly #startedAt = performance.now();
  #ttfbMs: number | null = null;
  #firstTokenMs: number | null = null;
  #firstReasoningMs: number | null = null;
  #ended = false;
  /** A `request.start` went out: its `request.end` is marked as the same request's. */
  #startEmitted = false;

  private readonly base: Omit<RequestEventBase, 'timestamp'>;

  constructor(
    base: Omit<RequestEventBase, 'timestamp'>,
    /** What the client sent of the conversation, for the conversation log: `messages`, and `system` or `instructions` beside them. */
    private readonly conversation: Conversation,
    private readonly deps: RecorderDependencies,
  ) {
    // `model` is the client's text, and a client may paste a key into it; `upstreamModel` is a piece
    // of it or a name from PROVIDER_MODEL_MAP, so one look at `model` does for both.
    this.base = deps.redactor.containsSecret(base.model) ? deps.redactor.redactValue(base) : base;
    if (deps.telemetry.listens('request.start')) {
      const start: RequestStartEvent = { type: 'request.start', ...this.base, timestamp: isoTimestamp() };
      markRequest(start, this);
      this.#startEmitted = true;
      deps.telemetry.emit(start);
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The upstream's response headers arrived. */
  markFirstByte(): void {
    this.#ttfbMs ??= round(performance.now() - this.#startedAt);
  }

  /** The first text or tool call of a stream arrived. */
  markFirstToken(): void {
    this.#firstTokenMs ??= round(performance.now() - this.#startedAt);
  }

  /** The first reasoning delta of a stream arrived. */
  markFirstReasoning(): void {
    this.#firstReasoningMs ??= round(performance.now() - this.#startedAt);
  }

  end(ending: RequestEnding): void {
    if (this.#ended) return;
    this.#ended = true;
    const summary = ending.summary;
    const event: RequestEndEvent = {
      type: 'request.end',
      ...this.base,
      timestamp: isoTimestamp(),
      status: ending.status,
      outcome: ending.outcome,
      durationMs: round(performance.now() - this.#startedAt),
      ttfbMs: this.#ttfbMs,
      firstTokenMs: this.#firstTokenMs,
      firstReasoningMs: this.#firstReasoningMs,
      // The upstream's own words, and an upstream may echo anything: a key included.
      finishReason: typeof summary?.finishReason === 'string' ? this.deps.redactor.redact(summary.finishReason) : null,
    };
    if (summary?.usage) event.usage = summary.usage;
    if (summary?.responseModel !== undefined) event.responseModel = this.deps.redactor.redact(summary.responseModel);
    if (summary?.costUsd !== undefined) event.costUsd = summary.costUsd;
    const error = ending.error ?? (ending.outcome === 'error' ? summary?.error : undefined);
    if (error) event.error = this.deps.redactor.redactValue({ message: error.message, type: error.type });
    if (this.#startEmitted) markRequest(event, this);
    // Built before the listeners see the event: one that changes it (its usage, its status) must
    // not change what the log says happened.
    const record = this.deps.conversationLog && this.#conversationRecord(event, summary);
    this.deps.telemetry.emit(event);
    if (record) this.deps.conversationLog?.write(record, this.deps.redactor);
  }

  #conversationRecord(event: RequestEndEvent, summary: ResponseSummary | undefined): Record<string, unknown> {
    return {
      requestId: event.requestId,
      provider: event.provider,
      model: event.model,
      upstreamModel: event.upstreamModel,
      endpoint: event.endpoint,
      stream: event.stream,
      ...this.conversation,
      response: { text: summary?.text ?? '', ...(summary?.reasoning ? { reasoning: summary.reasoning } : {}), toolCalls: summary?.toolCalls ?? [] },
      usage: event.usage ? { ...event.usage } : null,
      finishReason: event.finishReason,
      status: event.status,
      outcome: event.outcome,
      durationMs: event.durationMs,
      timestamp: event.timestamp,
    };
  }
}

/**
 * The conversation a request carries, as its record keeps it: `messages` (chat's and Messages'
 * `messages`, Responses' `input` items, a string input as one user message; a legacy completion's
 * `prompt`, an embedding's `input`), and the dialect's instructions beside them when the client gave some.
 */
export interface Conversation {
  messages: unknown;
  /** A Messages request's top-level `system`. */
  system?: unknown;
  /** A Responses request's `instructions`. */
  instructions?: unknown;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
