import type { ReceivedAnthropicMessage } from '../wire';
import type { ChatCompletion, OpenAIToolCall } from '../../chat/wire';
import { mapAnthropicStopReason } from './stop-reason';
import { redactedDetail, thinkingDetail, type ReasoningDetail } from './reasoning-details';
import { toOpenAIUsage } from './usage';
import { isRecord } from '../../../is-record';

/**
 * Translates a non-streamed Anthropic message into an OpenAI chat completion. Text blocks are
 * joined into `content` (null when the answer is only tool calls), `tool_use` blocks become
 * `tool_calls`, thinking text becomes `reasoning_content`, and every thinking block (signed or
 * redacted) a `reasoning_details` entry that the client sends back unchanged.
 * @throws Error for an answer that is no message (no `content` array of objects: a gateway's own JSON, say),
 *   which the client gets as a 502: read as an empty answer, it would pass for one the model gave.
 */
export function toChatCompletion(message: ReceivedAnthropicMessage): ChatCompletion {
  if (!isRecord(message) || !Array.isArray(message.content)) throw new Error('it holds no `content` array, so it is no Anthropic message');
  if (!message.content.every(isRecord)) throw new Error('its `content` holds a block that is no object, so it is no Anthropic message');
  const texts: string[] = [];
  const thoughts: string[] = [];
  const details: ReasoningDetail[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text' && typeof block.text === 'string') {
      texts.push(block.text);
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      thoughts.push(block.thinking);
      details.push(thinkingDetail(block.thinking, typeof block.signature === 'string' ? block.signature : undefined));
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      details.push(redactedDetail(block.data));
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
        message: {
          role: 'assistant',
          content,
          refusal: null,
          ...(thoughts.length > 0 ? { reasoning_content: thoughts.join('\n\n') } : {}),
          ...(details.length > 0 ? { reasoning_details: details } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: mapAnthropicStopReason(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: toOpenAIUsage(message.usage ?? {}),
  };
}
