import { emptySummary, modelOf, upstreamText, type ResponseObserver, type ResponseSummary } from '../../telemetry/response-summary';
import { responsesStreamCodec, type ResponsesStreamEvent } from './stream-codec';
import type { ResponsesItem, ResponsesResponse } from './wire';

/**
 * Reads Responses API answers (a native `/responses` upstream): text, tool calls, status and
 * usage, from the stream's events or from the `response` object. The terminal event carries the
 * whole response with its usage.
 */
export function createResponsesSummaryReader(): ResponseObserver<ResponsesStreamEvent> {
  const summary = emptySummary();
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
          if (typeof event.delta === 'string') summary.text += event.delta;
          summary.sawOutput = true;
          break;
        case 'response.function_call_arguments.delta':
        case 'response.custom_tool_call_input.delta':
        case 'response.output_item.added':
          if (event.type !== 'response.output_item.added' || isToolCall(event.item)) summary.sawOutput = true;
          break;
        case 'response.completed':
        case 'response.incomplete':
        case 'response.failed':
          if (event.response) readResponse(summary, event.response, false);
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
    body(body) {
      if (typeof body !== 'object' || body === null) return;
      readResponse(summary, body as ResponsesResponse, true);
      summary.done = true;
    },
  };
}

function readResponse(summary: ResponseSummary, response: ResponsesResponse, withText: boolean): void {
  const output = Array.isArray(response.output) ? response.output : [];
  if (withText) {
    summary.text = output
      .flatMap((item) => (item.type === 'message' && Array.isArray(item.content) ? (item.content as { type?: string; text?: unknown }[]) : []))
      .map((part) => (part.type === 'output_text' && typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  summary.toolCalls = output.filter(isToolCall).map((item) => ({
    id: upstreamText(item.call_id, ''),
    name: upstreamText(item.name, ''),
    arguments: upstreamText(item.arguments ?? item.input, ''),
  }));
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
}

function isToolCall(item: unknown): item is ResponsesItem & { call_id?: unknown; name?: unknown; arguments?: unknown; input?: unknown } {
  const type = (item as { type?: unknown } | undefined)?.type;
  return type === 'function_call' || type === 'custom_tool_call';
}
