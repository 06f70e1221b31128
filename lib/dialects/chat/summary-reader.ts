import { answerChoiceZero, answerTextOf } from './answer-message';
import { streamedChoiceZero } from './chunk-parts';
import { upstreamError, type ChatStreamEvent } from './stream-codec';
import type { ChatCompletionChunk, OpenAIUsage, ReceivedChatCompletion, ReceivedToolCall } from './wire';
import { emptySummary, modelOf, upstreamText, type ResponseObserver, type ResponseSummary } from '../../telemetry/response-summary';
import { isRecord } from '../../is-record';
import { argumentsText } from './tool-arguments';
import { ToolCallAssembler } from './tool-call-assembler';
import { updatedStreamUsage } from './stream-usage';
import { usageOfTimings } from './timings-usage';
import { contentTextOf, reasoningTextOf } from './content-parts';

/** llama-server reports token counts in `timings` when it sends no `usage` ({@link usageOfTimings}). */
interface LlamaTimings {
  prompt_n?: number;
  cache_n?: number;
  predicted_n?: number;
}

/**
 * Reads chat completions, completions and embeddings responses of OpenAI-compatible upstreams:
 * text, tool calls, finish reason, usage (OpenRouter's `cost`, llama-server's `timings`).
 */
export function createChatSummaryReader(): ResponseObserver<ChatStreamEvent> {
  const summary = emptySummary();
  // As the translators assemble them: a new id at a known index is a new call, a name repeated whole is the name once.
  const toolCalls = new ToolCallAssembler();
  /** The streamed calls in index order (arrival order within one index), their arguments never taken from the assembler. */
  const streamedCalls = (): ResponseSummary['toolCalls'] =>
    [...toolCalls.calls].sort((a, b) => a.order - b.order).map((call) => ({ id: call.id ?? '', name: call.name, arguments: call.heldArguments }));

  /** The stream's usage so far. */
  let streamUsage: Record<string, unknown> | undefined;
  const readUsage = (given: Partial<OpenAIUsage> | null | undefined, timings: LlamaTimings | undefined): void => {
    const usage = given && typeof given.prompt_tokens === 'number' ? given : usageOfTimings(timings);
    if (!usage || typeof usage.prompt_tokens !== 'number') return;
    const completion = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0;
    summary.usage = {
      promptTokens: usage.prompt_tokens,
      completionTokens: completion,
      totalTokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : usage.prompt_tokens + completion,
    };
    const reasoningTokens = (usage.completion_tokens_details as { reasoning_tokens?: unknown } | undefined)?.reasoning_tokens;
    if (typeof reasoningTokens === 'number' && reasoningTokens > 0) summary.usage.reasoningTokens = reasoningTokens;
    if (typeof usage.cost === 'number') summary.costUsd = usage.cost;
  };

  return {
    summary,
    event(event) {
      if (event.type === 'done') {
        summary.done = true;
        summary.toolCalls = streamedCalls();
        return;
      }
      if (event.type === 'error') {
        summary.error ??= event.error;
        return;
      }
      const chunk = event.chunk as ChatCompletionChunk & { timings?: LlamaTimings };
      summary.responseModel ??= modelOf(chunk);
      if (chunk.error !== undefined && chunk.error !== null) summary.error = upstreamError(chunk.error, 'upstream_error');
      // Choice 0 only, as the translations read it: another choice's text (`n` > 1) is never mixed in.
      const choice = streamedChoiceZero(chunk.choices) as (typeof chunk.choices)[number] | undefined;
      if (choice) {
        const delta = choice.delta as (typeof choice.delta & { text?: string; reasoning_content?: unknown; reasoning?: unknown }) | undefined;
        const thought = reasoningTextOf(delta);
        if (thought !== '') {
          summary.reasoning += thought;
          summary.sawReasoning = true;
        }
        // The answer's text as the translations read it: `content`, or the model's `refusal`.
        for (const piece of [contentTextOf(delta?.content), (delta as { refusal?: unknown } | undefined)?.refusal]) {
          if (typeof piece !== 'string' || piece === '') continue;
          summary.text += piece;
          summary.sawOutput = true;
        }
        const toolCallDeltas = Array.isArray(delta?.tool_calls) ? delta.tool_calls : [];
        if (toolCallDeltas.length > 0) summary.sawOutput = true;
        const legacyText = (choice as { text?: unknown }).text;
        if (typeof legacyText === 'string' && legacyText !== '') {
          summary.text += legacyText;
          summary.sawOutput = true;
        }
        toolCallDeltas.forEach((call, position) => {
          if (isRecord(call)) toolCalls.add(call, position);
        });
        if (choice.finish_reason) summary.finishReason = choice.finish_reason;
      }
      // A later chunk may give only some counts: the others stay as the stream reported them.
      if (isRecord(chunk.usage)) streamUsage = updatedStreamUsage(streamUsage, chunk.usage);
      if (chunk.usage || chunk.timings) readUsage(streamUsage, chunk.timings);
    },
    settle() {
      summary.toolCalls = streamedCalls();
    },
    body(body) {
      const completion = body as (ReceivedChatCompletion & { timings?: LlamaTimings }) | null;
      if (!completion || typeof completion !== 'object') return;
      summary.responseModel = modelOf(completion);
      const choice = answerChoiceZero(completion);
      if (choice) {
        const { message } = choice;
        summary.text = answerTextOf(message);
        summary.reasoning = reasoningTextOf(message);
        const legacyText = (choice as { text?: unknown }).text;
        if (typeof legacyText === 'string') summary.text = legacyText;
        const calls: (ReceivedToolCall | null)[] = Array.isArray(message?.tool_calls) ? message.tool_calls : [];
        summary.toolCalls = calls.map((call) => ({
          id: upstreamText(call?.id, ''),
          name: upstreamText(call?.function?.name, ''),
          arguments: argumentsText(call?.function?.arguments) ?? '',
        }));
        summary.finishReason = choice.finish_reason ?? null;
      }
      readUsage(completion.usage, completion.timings);
      summary.done = true;
    },
  };
}
