import { messagesStreamCodec, type MessagesStreamEvent } from './stream-codec';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicUsage } from './wire';
import { thinkingTokensOf } from './to-chat/usage';
import { emptySummary, modelOf, type ResponseObserver, type ResponseSummary } from '../../telemetry/response-summary';

/**
 * Reads Anthropic Messages responses: text, tool calls, stop reason and usage. Stream usage is
 * cumulative: `message_delta` carries the latest counts.
 */
export function createMessagesSummaryReader(): ResponseObserver<MessagesStreamEvent> {
  const summary = emptySummary();
  const usage: Partial<AnthropicUsage> = {};
  let thinkingTokens: number | undefined;
  const toolBlocks = new Map<number, { id: string; name: string; arguments: string; input: unknown }>();
  // A tool that takes no arguments gets no `input_json_delta`: its arguments are the block's own `input` (`{}`).
  const toolCallsOf = (): ResponseSummary['toolCalls'] =>
    [...toolBlocks.values()].map(({ id, name, arguments: streamed, input }) => ({
      id,
      name,
      arguments: streamed === '' && input !== undefined ? JSON.stringify(input) : streamed,
    }));

  const readUsage = (next: Partial<AnthropicUsage> | undefined): void => {
    if (!next) return;
    for (const field of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
      const value = next[field];
      if (typeof value === 'number') usage[field] = value;
    }
    const prompt = (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
    const completion = usage.output_tokens ?? 0;
    summary.usage = { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
    // Anthropic counts the thinking among the output tokens apart, when it reports it.
    thinkingTokens = thinkingTokensOf(next) ?? thinkingTokens;
    if (thinkingTokens !== undefined && thinkingTokens > 0) summary.usage.reasoningTokens = thinkingTokens;
  };

  return {
    summary,
    event(event) {
      switch (event.type) {
        case 'message_start':
          readUsage(event.message?.usage);
          summary.responseModel = modelOf(event.message);
          break;
        case 'content_block_start': {
          // Some servers start a block with its first text rather than an empty one: the client reads it there too.
          const block = event.content_block as { type?: unknown; text?: unknown; thinking?: unknown } | undefined;
          if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
            summary.text += block.text;
            summary.sawOutput = true;
          } else if (block?.type === 'thinking' && typeof block.thinking === 'string' && block.thinking !== '') {
            summary.reasoning += block.thinking;
            summary.sawReasoning = true;
          }
          if (event.content_block?.type === 'tool_use') {
            toolBlocks.set(event.index, {
              id: event.content_block.id,
              name: event.content_block.name,
              arguments: '',
              input: event.content_block.input,
            });
            // The call starts here, as a chat stream's first `tool_calls` delta starts one.
            summary.sawOutput = true;
          }
          break;
        }
        case 'content_block_delta':
          if (event.delta?.type === 'thinking_delta') {
            if (typeof event.delta.thinking === 'string') summary.reasoning += event.delta.thinking;
            summary.sawReasoning = true;
            break;
          }
          if (event.delta?.type === 'signature_delta') break;
          summary.sawOutput = true;
          if (event.delta?.type === 'text_delta') summary.text += event.delta.text;
          else if (event.delta?.type === 'input_json_delta') {
            const block = toolBlocks.get(event.index);
            if (block) block.arguments += event.delta.partial_json;
          }
          break;
        case 'message_delta':
          if (event.delta?.stop_reason) summary.finishReason = event.delta.stop_reason;
          readUsage(event.usage);
          break;
        case 'message_stop':
          summary.done = true;
          summary.toolCalls = toolCallsOf();
          break;
        case 'error':
          summary.error = messagesStreamCodec.errorOf(event);
          break;
        default:
          break;
      }
    },
    settle() {
      summary.toolCalls = toolCallsOf();
    },
    body(body) {
      const message = body as AnthropicMessage | null;
      if (!message || typeof message !== 'object' || !Array.isArray(message.content)) return;
      // The answer passes through as it came; telemetry reads what it can of a malformed one.
      for (const block of message.content as (AnthropicContentBlock | null)[]) {
        if (!block) continue;
        if (block.type === 'text') summary.text += block.text;
        else if (block.type === 'thinking' && typeof block.thinking === 'string') summary.reasoning += block.thinking;
        else if (block.type === 'tool_use') {
          summary.toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        }
      }
      summary.finishReason = message.stop_reason ?? null;
      summary.responseModel = modelOf(message);
      readUsage(message.usage);
      summary.done = true;
    },
  };
}
