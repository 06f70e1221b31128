import { isRecord } from '../../is-record';
import { isSet } from '../../is-set';
import { withProviderReason } from '../../http/provider-reason';
import { usageOfTimings } from './timings-usage';
import { contentTextOf, reasoningTextOf } from './content-parts';
import { matchedStopSequenceOf } from './stop-sequence';

/** What a translator reads of one `chat.completion.chunk`: choice 0's delta, its finish reason, usage, an error. */
export interface ChunkParts {
  /**
   * The provider's error as it sent it, beside the choices or on choice 0 (OpenRouter), or the
   * router's message for a `finish_reason` of `error`; undefined when the chunk reports none.
   */
  error: unknown;
  /** The chunk's `usage`, else what llama-server's `timings` on it count (a stream not asked for usage has only those). */
  usage: Record<string, unknown> | undefined;
  /** Choice 0's delta; absent when the chunk has no choice 0 (a usage chunk, another choice of `n` > 1). */
  delta: Record<string, unknown> | undefined;
  finishReason: string | undefined;
  /** The stop string that ended choice 0, where the provider names it (vLLM's `stop_reason`, SGLang's `matched_stop`). */
  stopSequence: string | undefined;
  /** Reasoning text: `reasoning_content` (llama-server, DeepSeek), `reasoning` (OpenRouter, vLLM, Ollama) or thinking parts of `content` (Mistral). */
  reasoning: string | undefined;
  /** The answer's text: `content` (a string, or the text of its parts), or `refusal` text. */
  text: string[];
  /** Whether the chunk's text holds `content` (not only `refusal`), and whether it holds `refusal`. */
  hasContent: boolean;
  hasRefusal: boolean;
  toolCalls: Record<string, unknown>[];
}

/**
 * Reads a chunk the way every translation from chat completions does. Only choice 0 is the
 * answer: another choice's delta (`n` > 1) is never mixed into it.
 */
export function chunkParts(chunk: Record<string, unknown>): ChunkParts {
  const choice = streamedChoiceZero(chunk.choices);
  const error = isSet(chunk.error) ? chunk.error : isSet(choice?.error) ? choice?.error : failedFinishOf(choice);
  const delta = choice && isRecord(choice.delta) ? choice.delta : undefined;
  const reasoning = reasoningTextOf(delta);
  const content = contentTextOf(delta?.content);
  const text = [content, delta?.refusal].filter((piece): piece is string => typeof piece === 'string' && piece !== '');
  return {
    error,
    usage: isRecord(chunk.usage) ? chunk.usage : usageOfTimings(chunk.timings),
    delta,
    finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : undefined,
    stopSequence: matchedStopSequenceOf(choice),
    reasoning: reasoning !== '' ? reasoning : undefined,
    text,
    hasContent: content !== '',
    hasRefusal: typeof delta?.refusal === 'string' && delta.refusal !== '',
    toolCalls: Array.isArray(delta?.tool_calls) ? delta.tool_calls.filter(isRecord) : [],
  };
}

/** An upstream error's message, whatever its shape: a string, or an object with `message`; `fallback` when it has none. */
export function errorMessageOf(error: unknown, fallback = 'The upstream provider reported an error in the middle of the stream.'): string {
  if (typeof error === 'string' && error !== '') return error;
  if (isRecord(error) && typeof error.message === 'string' && error.message !== '') return withProviderReason(error, error.message);
  return fallback;
}

/**
 * Choice 0 of a stream chunk, the answer: the choice with `index` 0, or a lone choice without an
 * index; undefined when the chunk holds only other choices (`n` > 1).
 */
export function streamedChoiceZero(choices: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(choices)) return undefined;
  // The usual chunk: one choice, choice 0.
  if (choices.length === 1) {
    const [only] = choices as unknown[];
    return isRecord(only) && (only.index === 0 || only.index === undefined) ? only : undefined;
  }
  const records = choices.filter(isRecord);
  return records.find((c) => c.index === 0) ?? (records.length === 1 && records[0]?.index === undefined ? records[0] : undefined);
}

/** What the router says of an answer a provider ended with a finish reason that means it was cut off, and no error of its own. */
const FAILED_FINISH_MESSAGES: Readonly<Record<string, string>> = {
  error: 'The provider ended the answer with finish_reason "error": the generation failed before it was complete',
  abort: 'The provider ended the answer with finish_reason "abort": the generation was stopped before it was complete',
};

/**
 * The failure of a choice the provider ended with `finish_reason: "error"` (OpenRouter does when a
 * generation fails part-way, sometimes without an `error` beside it) or `"abort"` (vLLM, when its
 * engine stops a generation: shutdown, scale-down, an abort request); undefined for any other.
 */
export function failedFinishOf(choice: Record<string, unknown> | undefined): string | undefined {
  const reason = choice?.finish_reason;
  return typeof reason === 'string' && Object.hasOwn(FAILED_FINISH_MESSAGES, reason) ? FAILED_FINISH_MESSAGES[reason] : undefined;
}

/** The failure of a stream that ended without any chunk of choice 0: the provider sent no answer. */
export const NO_ANSWER = 'The provider ended its stream without an answer (no chunk had a choice)';
