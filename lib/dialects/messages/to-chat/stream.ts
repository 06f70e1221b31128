import { isRecord } from '../../../is-record';
import type { ChatStreamEvent } from '../../chat/stream-codec';
import type { ChatCompletionChunk, OpenAIFinishReason } from '../../chat/wire';
import type { StreamTranslator } from '../../stream-translator';
import type { MessagesStreamEvent } from '../stream-codec';
import type { AnthropicUsage } from '../wire';
import { redactedDetail, signatureDetail, thinkingDetail } from './reasoning-details';
import { mapAnthropicStopReason } from './stop-reason';
import { toOpenAIUsage } from './usage';

/** Options of {@link createAnthropicToOpenAIStream}. */
export interface AnthropicToOpenAIStreamOptions {
  /** The client asked for `stream_options.include_usage`: end with a usage chunk. */
  includeUsage: boolean;
}

type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];

/**
 * Creates a translator from an Anthropic Messages stream to `chat.completion.chunk` events, one
 * upstream event at a time. Tool calls are numbered from 0 among tool blocks only, as OpenAI
 * clients index them; `message_stop` closes with the optional usage chunk and `[DONE]` (when the
 * client asked for that chunk, the others carry `usage: null`, as OpenAI's do); an
 * upstream `error` event (or an unreadable one) becomes the chat error event.
 */
export function createAnthropicToOpenAIStream(options: AnthropicToOpenAIStreamOptions): StreamTranslator<MessagesStreamEvent, ChatStreamEvent> {
  const created = Math.floor(Date.now() / 1000);
  let id = '';
  let model = '';
  let usage: Partial<AnthropicUsage> = {};
  // Anthropic block index -> OpenAI tool call index.
  const toolIndexes = new Map<number, number>();
  // Tool blocks (by Anthropic index) that have had arguments: one that had none closes with its
  // start's input, "{}" when that is empty too.
  const toolsWithArguments = new Set<number>();
  // Anthropic block index -> the input its `content_block_start` carried (Anthropic's own is `{}`).
  const startInputs = new Map<number, Record<string, unknown>>();
  // A finish_reason went out: a stream whose message_delta is missing still gets one before [DONE],
  // as the SDKs' stream helpers refuse a choice without one.
  let finished = false;
  // Anthropic block index -> reasoning_details index, counting thinking blocks from 0.
  const thinkingIndexes = new Map<number, number>();
  // The block whose thinking text went out last: another block's text starts after a blank line,
  // as the non-streamed answer joins the blocks' texts.
  let lastThinkingBlock: number | undefined;
  const reasoningText = (block: number, text: string): string => {
    const separated = lastThinkingBlock !== undefined && lastThinkingBlock !== block ? `\n\n${text}` : text;
    lastThinkingBlock = block;
    return separated;
  };

  // The first chunk carries the role, message_start's or, when a server left that out, the first
  // other one's: the SDKs' stream helpers refuse a choice without one.
  let sentRole = false;
  const chunk = (delta: ChunkDelta, finishReason: OpenAIFinishReason | null = null): ChatStreamEvent[] => {
    const withRole = sentRole ? delta : { role: 'assistant' as const, ...delta };
    sentRole = true;
    return [
      {
        type: 'chunk',
        chunk: {
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [{ index: 0, delta: withRole, logprobs: null, finish_reason: finishReason }],
          // OpenAI writes `usage: null` on every chunk but the last of a stream asked for usage.
          ...(options.includeUsage ? { usage: null } : {}),
        },
      },
    ];
  };

  const finish = (): ChatStreamEvent[] => {
    const done: ChatStreamEvent = { type: 'done' };
    if (!options.includeUsage) return [done];
    const usageChunk: ChatCompletionChunk = { id, object: 'chat.completion.chunk', created, model, choices: [], usage: toOpenAIUsage(usage) };
    return [{ type: 'chunk', chunk: usageChunk }, done];
  };

  const translate = (event: MessagesStreamEvent): ChatStreamEvent[] => {
    switch (event.type) {
      case 'message_start':
        id = event.message?.id ?? id;
        model = event.message?.model ?? model;
        usage = { ...event.message?.usage };
        return chunk({ role: 'assistant', content: '' });
      case 'content_block_start': {
        const block = event.content_block;
        if (block?.type === 'tool_use') {
          const index = toolIndexes.size;
          toolIndexes.set(event.index, index);
          if (isRecord(block.input)) startInputs.set(event.index, block.input);
          return chunk({
            tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
          });
        }
        if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          return chunk({ content: block.text });
        }
        if (block?.type === 'thinking' || block?.type === 'redacted_thinking') {
          const index = thinkingIndexes.size;
          thinkingIndexes.set(event.index, index);
          if (block.type === 'redacted_thinking' && typeof block.data === 'string')
            return chunk({ reasoning_details: [redactedDetail(block.data, index)] });
          // A server that sends the block whole there sends its signature there too: without it the
          // client could not send the thinking back in a tool loop.
          const signature = typeof block.signature === 'string' && block.signature !== '' ? block.signature : undefined;
          if (typeof block.thinking === 'string' && block.thinking !== '') {
            return chunk({
              reasoning_content: reasoningText(event.index, block.thinking),
              reasoning_details: [thinkingDetail(block.thinking, signature, index)],
            });
          }
          if (signature !== undefined) return chunk({ reasoning_details: [signatureDetail(signature, index)] });
        }
        return [];
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
          return chunk({ content: delta.text });
        }
        const thinking = thinkingIndexes.get(event.index);
        if (thinking !== undefined && delta?.type === 'thinking_delta' && typeof delta.thinking === 'string' && delta.thinking !== '') {
          return chunk({
            reasoning_content: reasoningText(event.index, delta.thinking),
            reasoning_details: [thinkingDetail(delta.thinking, undefined, thinking)],
          });
        }
        if (thinking !== undefined && delta?.type === 'signature_delta' && typeof delta.signature === 'string') {
          // The signature comes on an entry of its own, with the block's index, as OpenRouter sends it.
          return chunk({ reasoning_details: [signatureDetail(delta.signature, thinking)] });
        }
        if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
          const index = toolIndexes.get(event.index);
          if (index === undefined) return [];
          toolsWithArguments.add(event.index);
          return chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        }
        return [];
      }
      case 'message_delta':
        usage = { ...usage, ...definedCounts(event.usage) };
        finished = true;
        return chunk({}, mapAnthropicStopReason(event.delta?.stop_reason));
      case 'message_stop':
        return finished ? finish() : [...chunk({}, mapAnthropicStopReason(undefined)), ...finish()];
      case 'error':
        return [
          {
            type: 'error',
            error: {
              message: typeof event.error?.message === 'string' ? event.error.message : 'Anthropic reported an error in the stream',
              type: typeof event.error?.type === 'string' ? event.error.type : 'upstream_error',
            },
          },
        ];
      case 'content_block_stop': {
        // Clients JSON.parse a call's arguments: a call that streamed none gets the input its start
        // carried (servers that send it whole there), else "{}", as the non-streamed answer has it.
        const index = toolIndexes.get(event.index);
        if (index === undefined || toolsWithArguments.has(event.index)) return [];
        return chunk({ tool_calls: [{ index, function: { arguments: JSON.stringify(startInputs.get(event.index) ?? {}) } }] });
      }
      default:
        // ping, and event types Anthropic may add later.
        return [];
    }
  };

  return { push: translate };
}

// A message_delta carries cumulative counts; a field it leaves out or nulls keeps its earlier value.
// `output_tokens_details` (the thinking tokens among the output) is a count too.
function definedCounts(usage: Partial<AnthropicUsage> | undefined): Partial<AnthropicUsage> {
  const counts: Partial<AnthropicUsage> = {};
  for (const [key, value] of Object.entries(usage ?? {})) {
    if (typeof value === 'number' || (key === 'output_tokens_details' && isRecord(value))) counts[key] = value;
  }
  return counts;
}
