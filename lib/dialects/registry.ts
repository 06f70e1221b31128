import { responsesErrorCode } from './responses/failure-code';
import type { ErrorDetails } from '../http/error-details';
import type { ResponseObserver } from '../telemetry/response-summary';
import type { Dialect, StreamError } from './dialect';
import { reportedFailureOf } from './chat/answer-message';
import { failedResponseOf } from './responses/summary-reader';
import { toOpenAIErrorBody } from './chat/error-body';
import { chatStreamCodec, type ChatStreamEvent } from './chat/stream-codec';
import { createChatSummaryReader } from './chat/summary-reader';
import { isAnthropicErrorBody, toAnthropicErrorBody } from './messages/error-body';
import { messagesStreamCodec, type MessagesStreamEvent } from './messages/stream-codec';
import { createMessagesSummaryReader } from './messages/summary-reader';
import { responsesStreamCodec, type ResponsesStreamEvent } from './responses/stream-codec';
import { createResponsesSummaryReader } from './responses/summary-reader';
import { chatPassthrough } from './chat/passthrough';
import { chatAnswerAsChunks } from './chat/answer-as-chunks';
import { messagesAnswerAsEvents } from './messages/answer-as-events';
import { responsesAnswerAsEvents } from './responses/answer-as-events';
import { messagesPassthrough } from './messages/passthrough';
import type { PassthroughEdits, PassthroughRequest } from './passthrough';
import { responsesPassthrough } from './responses/passthrough';
import type { StreamCodec } from './stream-codec';

/** What the core needs to know of a dialect, whichever side of an exchange it is on. */
export interface DialectModule<E> {
  /** How its streams are read and written. */
  readonly stream: StreamCodec<E>;
  /** An error the router answers, in this dialect's shape. */
  errorBody(details: ErrorDetails): unknown;
  /** Reads an upstream's answer in this dialect for telemetry and the conversation log. */
  createSummaryReader(): ResponseObserver<E>;
  /**
   * Whether an upstream's error body passes through as it is on passthrough (Claude Code decides
   * on retries from the wording of Anthropic's); otherwise it is read and answered in this shape.
   */
  keepsUpstreamErrorBody(text: string): boolean;
  /**
   * The failure a whole answer in this dialect reports in its body (a chat choice ended by an error,
   * a Responses object with `status: "failed"`), for telemetry when the answer passes on as it is;
   * undefined for an answer that did not fail.
   */
  reportedFailure(answer: unknown): StreamError | undefined;
  /**
   * The stream events an upstream of this dialect would have sent for `answer`, a whole answer it
   * sent to a streamed request instead (`upstreamBody` is what was asked of it; `translated`: the
   * router reads the stream into another dialect); undefined when `answer` is no answer of this
   * dialect.
   */
  answerAsEvents(answer: unknown, upstreamBody: Readonly<Record<string, unknown>>, translated: boolean): E[] | undefined;
  /** Client headers of this dialect that go upstream on passthrough. */
  readonly passthroughHeaders: readonly string[];
  /** Whether the client's query string goes upstream on passthrough (`/v1/messages?beta=true`). */
  readonly passthroughQuery: boolean;
  /** What this dialect changes on passthrough: in the body that goes upstream, and in the answer. */
  passthrough(request: PassthroughRequest): PassthroughEdits<E>;
}

/** The event type each dialect's streams decode to. */
export interface DialectEvents {
  openai: ChatStreamEvent;
  anthropic: MessagesStreamEvent;
  responses: ResponsesStreamEvent;
}

/** Every dialect the router speaks; a new one is one more entry, or the compiler says where. */
export const DIALECTS: { readonly [D in Dialect]: DialectModule<DialectEvents[D]> } = {
  openai: {
    stream: chatStreamCodec,
    errorBody: toOpenAIErrorBody,
    createSummaryReader: createChatSummaryReader,
    keepsUpstreamErrorBody: () => false,
    reportedFailure: reportedFailureOf,
    answerAsEvents: chatAnswerAsChunks,
    passthroughHeaders: [],
    passthroughQuery: false,
    passthrough: chatPassthrough,
  },
  anthropic: {
    stream: messagesStreamCodec,
    errorBody: toAnthropicErrorBody,
    createSummaryReader: createMessagesSummaryReader,
    keepsUpstreamErrorBody: isAnthropicErrorBody,
    // Anthropic answers a failure with an error status, or a 200 whose body is an error (read before this).
    reportedFailure: () => undefined,
    answerAsEvents: messagesAnswerAsEvents,
    passthroughHeaders: ['anthropic-version', 'anthropic-beta'],
    passthroughQuery: true,
    passthrough: messagesPassthrough,
  },
  responses: {
    stream: responsesStreamCodec,
    errorBody: (details) => toOpenAIErrorBody({ ...details, code: responsesErrorCode(details.status, details.code, details.message) }),
    createSummaryReader: createResponsesSummaryReader,
    keepsUpstreamErrorBody: () => false,
    reportedFailure: failedResponseOf,
    answerAsEvents: responsesAnswerAsEvents,
    passthroughHeaders: [],
    passthroughQuery: false,
    passthrough: responsesPassthrough,
  },
};

/** A dialect's module where the dialect is only known at run time. */
export function dialectModule(dialect: Dialect): DialectModule<unknown> {
  // Each module reads and writes only the events its own codec decodes: the pairing holds at run time.
  return DIALECTS[dialect] as unknown as DialectModule<unknown>;
}
