import {
  emptySummary,
  modelOf,
  upstreamText,
  type LoggedToolCall,
  type ResponseObserver,
  type ResponseSummary,
} from '../../telemetry/response-summary';
import { responsesStreamCodec, type ResponsesStreamEvent } from './stream-codec';
import type { StreamError } from '../dialect';
import type { ResponsesItem, ResponsesResponse } from './wire';
import { isRecord } from '../../is-record';

/**
 * Reads Responses API answers (a native `/responses` upstream): text, tool calls, status and
 * usage, from the stream's events or from the `response` object. The terminal event carries the
 * whole response with its usage.
 */
export function createResponsesSummaryReader(): ResponseObserver<ResponsesStreamEvent> {
  const summary = emptySummary();
  /**
   * Tool calls by output index, for a stream that ends before its terminal event: a done item as
   * it came, a begun one with the arguments streamed so far (as the chat and Messages readers keep theirs).
   */
  const streamedCalls = new Map<number, ToolCallItem>();
  const streamedCall = (event: ResponsesStreamEvent): ToolCallItem | undefined =>
    typeof event.output_index === 'number' ? streamedCalls.get(event.output_index) : undefined;
  const streamedCallsInOrder = (): LoggedToolCall[] => [...streamedCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => loggedToolCall(call));
  return {
    summary,
    event(event) {
      switch (event.type) {
        case 'response.reasoning_text.delta':
        case 'response.reasoning_summary_text.delta':
          if (typeof event.delta === 'string') summary.reasoning += event.delta;
          summary.sawReasoning = true;
          break;
        case 'response.output_text.delta':
        case 'response.refusal.delta':
          if (typeof event.delta === 'string') summary.text += event.delta;
          summary.sawOutput = true;
          break;
        case 'response.function_call_arguments.delta':
        case 'response.custom_tool_call_input.delta': {
          summary.sawOutput = true;
          const call = streamedCall(event);
          if (call && typeof event.delta === 'string') {
            const field = call.type === 'custom_tool_call' ? 'input' : 'arguments';
            call[field] = (typeof call[field] === 'string' ? call[field] : '') + event.delta;
          }
          break;
        }
        case 'response.output_item.added':
        case 'response.output_item.done':
          if (!isToolCall(event.item)) break;
          summary.sawOutput = true;
          if (typeof event.output_index === 'number') streamedCalls.set(event.output_index, { ...event.item });
          break;
        case 'response.completed':
        case 'response.incomplete':
        case 'response.failed':
          if (event.response) readResponse(summary, event.response, false);
          // A terminal response that lists no calls (a failed one with `output: []`) still had the
          // calls its stream began.
          if (summary.toolCalls.length === 0) summary.toolCalls = streamedCallsInOrder();
          summary.done = true;
          if (event.type === 'response.failed') summary.error = responsesStreamCodec.errorOf(event);
          break;
        case 'error':
          summary.error = responsesStreamCodec.errorOf(event);
          break;
        default:
          break;
      }
    },
    settle() {
      summary.toolCalls = streamedCallsInOrder();
    },
    body(body) {
      if (typeof body !== 'object' || body === null) return;
      readResponse(summary, body as ResponsesResponse, true);
      summary.done = true;
    },
  };
}

function readResponse(summary: ResponseSummary, response: ResponsesResponse, withText: boolean): void {
  // The answer passes through as it came; telemetry reads what it can of a malformed one.
  const output = Array.isArray(response.output) ? response.output.filter(isRecord) : [];
  if (withText) {
    // The model's refusal is its answer's text too, as a translation reads it.
    summary.text = textOf(output, 'message', 'output_text') || textOf(output, 'message', 'refusal');
    // Reasoning text, else its summary (what a model that hides its reasoning shows of it).
    summary.reasoning = textOf(output, 'reasoning', 'reasoning_text') || textOf(output, 'reasoning', 'summary_text', 'summary');
  }
  summary.toolCalls = output.filter(isToolCall).map(loggedToolCall);
  summary.finishReason = response.incomplete_details?.reason ?? response.status;
  summary.responseModel = modelOf(response);
  const usage = response.usage;
  if (usage && typeof usage.input_tokens === 'number') {
    const completion = typeof usage.output_tokens === 'number' ? usage.output_tokens : 0;
    summary.usage = {
      promptTokens: usage.input_tokens,
      completionTokens: completion,
      totalTokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : usage.input_tokens + completion,
    };
    const reasoningTokens = (usage.output_tokens_details as { reasoning_tokens?: unknown } | undefined)?.reasoning_tokens;
    if (typeof reasoningTokens === 'number' && reasoningTokens > 0) summary.usage.reasoningTokens = reasoningTokens;
  }
  // OpenRouter's Responses API prices the request in its usage, as its chat completions do.
  const cost = (usage as { cost?: unknown } | null | undefined)?.cost;
  if (typeof cost === 'number') summary.costUsd = cost;
}

/** The text of the `partType` parts in the `field` (`content`, or a reasoning item's `summary`) of the `itemType` items. */
function textOf(output: ResponsesItem[], itemType: string, partType: string, field: 'content' | 'summary' = 'content'): string {
  let text = '';
  for (const item of output) {
    const parts: unknown = item.type === itemType ? (item as Record<string, unknown>)[field] : undefined;
    if (!Array.isArray(parts)) continue;
    for (const part of parts.filter(isRecord) as { type?: unknown; text?: unknown; refusal?: unknown }[]) {
      // A refusal part holds its text in `refusal`.
      const partText = partType === 'refusal' ? part.refusal : part.text;
      if (part.type === partType && typeof partText === 'string') text += partText;
    }
  }
  return text;
}

/** A function or custom tool call item, as far as the summary reads it. */
type ToolCallItem = ResponsesItem & { call_id?: unknown; name?: unknown; arguments?: unknown; input?: unknown };

function loggedToolCall(item: ToolCallItem): LoggedToolCall {
  return { id: upstreamText(item.call_id, ''), name: upstreamText(item.name, ''), arguments: upstreamText(item.arguments ?? item.input, '') };
}

function isToolCall(item: unknown): item is ToolCallItem {
  const type = (item as { type?: unknown } | undefined)?.type;
  return type === 'function_call' || type === 'custom_tool_call';
}

/** The failure a whole Responses object reports (`status: "failed"`, with its `error`); undefined otherwise. */
export function failedResponseOf(answer: unknown): StreamError | undefined {
  if (typeof answer !== 'object' || answer === null || (answer as ResponsesResponse).status !== 'failed') return undefined;
  // Read as the stream's `response.failed` event carrying it is.
  return responsesStreamCodec.errorOf({ type: 'response.failed', response: answer as ResponsesResponse });
}
