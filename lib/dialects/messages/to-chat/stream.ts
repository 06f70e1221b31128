import type { AnthropicStreamEvent, AnthropicUsage } from '../wire';
import type { ChatCompletionChunk, OpenAIFinishReason } from '../../chat/wire';
import { OPENAI_DONE_FRAME, openAIDataFrame, openAIErrorFrame } from '../../../http/sse-frames';
import type { StreamTranslator, UpstreamSseEvent } from '../../stream-translator';
import { mapAnthropicStopReason } from './stop-reason';
import { toOpenAIUsage } from './usage';

/** Options of {@link createAnthropicToOpenAIStream}. */
export interface AnthropicToOpenAIStreamOptions {
  /** The client asked for `stream_options.include_usage`: end with a usage chunk. */
  includeUsage: boolean;
}

type ChunkDelta = ChatCompletionChunk['choices'][number]['delta'];

/**
 * Creates a translator from an Anthropic Messages stream to OpenAI `chat.completion.chunk`
 * frames, one upstream event at a time. Tool calls are numbered from 0 among tool blocks only,
 * as OpenAI clients index them; `message_stop` closes with the optional usage chunk and
 * `data: [DONE]`; an upstream `error` event or an unreadable event becomes the mid-stream error
 * frame. Events after the end or an error produce nothing.
 */
export function createAnthropicToOpenAIStream(options: AnthropicToOpenAIStreamOptions): StreamTranslator {
  const created = Math.floor(Date.now() / 1000);
  let id = '';
  let model = '';
  let usage: Partial<AnthropicUsage> = {};
  // Anthropic block index -> OpenAI tool call index.
  const toolIndexes = new Map<number, number>();
  let done = false;
  let error: { message: string; type: string } | undefined;

  const chunk = (delta: ChunkDelta, finishReason: OpenAIFinishReason | null = null): string =>
    openAIDataFrame({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    } satisfies ChatCompletionChunk);

  const fail = (message: string, type: string): string => {
    error = { message, type };
    return openAIErrorFrame(message, type);
  };

  const finish = (): string => {
    done = true;
    const usageFrame = options.includeUsage
      ? openAIDataFrame({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [],
          usage: toOpenAIUsage(usage),
        } satisfies ChatCompletionChunk)
      : '';
    return usageFrame + OPENAI_DONE_FRAME;
  };

  const translate = (event: AnthropicStreamEvent): string => {
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
          return chunk({
            tool_calls: [{ index, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }],
          });
        }
        if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          return chunk({ content: block.text });
        }
        return '';
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') {
          return chunk({ content: delta.text });
        }
        if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
          const index = toolIndexes.get(event.index);
          if (index === undefined) return '';
          return chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] });
        }
        return '';
      }
      case 'message_delta':
        usage = { ...usage, ...definedCounts(event.usage) };
        return chunk({}, mapAnthropicStopReason(event.delta?.stop_reason));
      case 'message_stop':
        return finish();
      case 'error':
        return fail(
          typeof event.error?.message === 'string' ? event.error.message : 'Anthropic reported an error in the stream',
          typeof event.error?.type === 'string' ? event.error.type : 'upstream_error',
        );
      default:
        // ping, content_block_stop, and event types Anthropic may add later.
        return '';
    }
  };

  return {
    push(sse: UpstreamSseEvent): string {
      if (done || error) return '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(sse.data);
      } catch {
        return fail('Anthropic sent a stream event that is not valid JSON', 'upstream_error');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return fail('Anthropic sent a stream event that is not a JSON object', 'upstream_error');
      }
      // The data carries its own type; the event line is the fallback for a frame that omits it.
      const type = (parsed as { type?: unknown }).type ?? sse.event;
      if (typeof type !== 'string') return '';
      return translate({ ...parsed, type } as AnthropicStreamEvent);
    },
    get done() {
      return done;
    },
    get error() {
      return error;
    },
  };
}

// A message_delta carries cumulative counts; a field it leaves out or nulls keeps its earlier value.
function definedCounts(usage: Partial<AnthropicUsage> | undefined): Partial<AnthropicUsage> {
  const counts: Partial<AnthropicUsage> = {};
  for (const [key, value] of Object.entries(usage ?? {})) {
    if (typeof value === 'number') counts[key] = value;
  }
  return counts;
}
