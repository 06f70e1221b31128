import type { ReceivedAnthropicMessage } from '../wire';
import type { ChatCompletion, OpenAIToolCall } from '../../chat/wire';
import { mapAnthropicStopReason } from './stop-reason';
import { toOpenAIUsage } from './usage';

/**
 * Translates a non-streamed Anthropic message into an OpenAI chat completion. Text blocks are
 * joined into `content` (null when the answer is only tool calls), `tool_use` blocks become
 * `tool_calls`, thinking blocks are left out.
 */
export function toChatCompletion(message: ReceivedAnthropicMessage): ChatCompletion {
  const texts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of message.content ?? []) {
    if (block.type === 'text' && typeof block.text === 'string') {
      texts.push(block.text);
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: block.id,
        type: 'function',
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }
  const content = texts.length === 0 && toolCalls.length > 0 ? null : texts.join('');
  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: message.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: mapAnthropicStopReason(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: toOpenAIUsage(message.usage ?? {}),
  };
}
