import { isRecord } from '../../is-record';
import type { StreamError } from '../dialect';
import { errorMessageOf, failedFinishOf } from './chunk-parts';
import { contentTextOf } from './content-parts';
import { upstreamError } from './stream-codec';
import type { ReceivedChatCompletion, ReceivedToolCall } from './wire';

type AnswerChoice = NonNullable<ReceivedChatCompletion['choices']>[number];
type AnswerMessage = NonNullable<AnswerChoice['message']>;

/**
 * Choice 0 of a non-streamed chat answer, the answer: the choice with `index` 0, else the first.
 * The others (`n` > 1) are never mixed into it.
 */
export function answerChoiceZero(completion: ReceivedChatCompletion): AnswerChoice | undefined {
  const choices: unknown = completion.choices;
  if (!Array.isArray(choices)) return undefined;
  const records = (choices as unknown[]).filter(isRecord) as AnswerChoice[];
  return records.find((choice) => choice.index === 0) ?? records[0];
}

/**
 * A non-streamed answer in which the provider reports that it failed: the client gets an error
 * with this message in its route's shape (the status of the choice's `error.code` when it is a
 * 4xx/5xx, as for an error sent instead of an answer, else 502), as a stream ends with an error
 * frame for the same reasons.
 */
export class FailedAnswerError extends Error {
  constructor(
    message: string,
    /** The `error` the provider put on the choice, when it did. */
    readonly upstreamError?: unknown,
  ) {
    super(message);
  }
}

/**
 * Choice 0 of an answer the provider completed.
 * @throws FailedAnswerError when there is no choice 0, or the provider ended it with
 *   `finish_reason: "error"` or put an `error` on it (OpenRouter, for a generation that failed
 *   part-way): what text it holds is cut off, and a 200 would pass it for a whole answer.
 */
export function completedChoiceZero(completion: ReceivedChatCompletion): AnswerChoice {
  const choice = answerChoiceZero(completion);
  if (!choice) throw new FailedAnswerError('the answer holds no choice');
  const error: unknown = (choice as { error?: unknown }).error;
  if (error !== undefined && error !== null)
    throw new FailedAnswerError(errorMessageOf(error, 'the provider reported an error on the answer'), error);
  const failed = failedFinishOf(choice);
  if (failed !== undefined) throw new FailedAnswerError(failed);
  return choice;
}

/**
 * Choice 0 of an answer the provider completed, for a translation: it must hold a `message`.
 * @throws FailedAnswerError as {@link completedChoiceZero} does; Error when the choice holds no
 *   `message` object: read as an empty answer, it would pass for one the model gave.
 */
export function translatableChoiceZero(completion: ReceivedChatCompletion): AnswerChoice & { message: AnswerMessage } {
  const choice = completedChoiceZero(completion);
  if (!isRecord(choice.message)) throw new Error('its choice 0 holds no `message` object, so it is no chat completion');
  return choice as AnswerChoice & { message: AnswerMessage };
}

/**
 * The failure an OpenAI-compatible answer reports on choice 0 (an `error` on it, or
 * `finish_reason: "error"`, or no choice at all in its `choices`), for telemetry when the answer is
 * passed on as it is; undefined for an answer without `choices` (embeddings) or whose choice 0 did
 * not fail.
 */
export function reportedFailureOf(answer: unknown): StreamError | undefined {
  if (!isRecord(answer) || !Array.isArray(answer.choices)) return undefined;
  try {
    completedChoiceZero(answer as ReceivedChatCompletion);
  } catch (error) {
    if (!(error instanceof FailedAnswerError)) return undefined;
    return error.upstreamError === undefined
      ? { message: error.message, type: 'upstream_error' }
      : upstreamError(error.upstreamError, 'upstream_error');
  }
  return undefined;
}

/** Whether a non-streamed chat answer is a refusal: its `refusal` text, and no content of its own. */
export function isRefusal(message: AnswerMessage | undefined): boolean {
  return typeof message?.refusal === 'string' && message.refusal !== '' && answerTextOf({ ...message, refusal: null }) === '';
}

/**
 * The text of a non-streamed chat answer: `content` as a string, or the text of its parts (some
 * OpenAI-compatible servers answer with an array of `{type: "text", text}` parts; Mistral's
 * thinking parts are reasoning, not text), else the `refusal`; empty when there is none.
 */
export function answerTextOf(message: AnswerMessage | undefined): string {
  const text = contentTextOf(message?.content);
  if (text !== '') return text;
  return typeof message?.refusal === 'string' ? message.refusal : '';
}

/**
 * The answer's tool calls, each with its name.
 *
 * @throws Error naming the call when one has no name, or when a call is no object: the client could
 * not run it (a stream ends with an error frame for the same reason), so the answer is the
 * provider's fault, a 502.
 */
export function namedToolCallsOf(message: AnswerMessage | undefined): ReceivedToolCall[] {
  const calls = message?.tool_calls ?? [];
  if (!Array.isArray(calls) || !(calls as unknown[]).every(isRecord))
    throw new Error('the provider sent `tool_calls` that are not a list of objects');
  const unnamed = calls.find((call) => typeof call.function?.name !== 'string' || call.function.name === '');
  if (unnamed) throw new Error(`the provider sent a tool call without a name (id ${unnamed.id ?? 'none'}); it cannot be run`);
  return calls;
}
