import type { ChatStreamEvent } from '../../chat/stream-codec';
import type { StreamTranslator } from '../../stream-translator';
import { isRecord } from '../block-text';
import type { MessagesStreamEvent } from '../stream-codec';
import { stopReasonForTurn } from './stop-reason';
import { generatedMessageId, generatedToolUseId, toAnthropicMessageId } from './ids';

interface ToolBlock {
  index: number;
  id: string;
}

/**
 * Creates a translator from an OpenAI-compatible chat completion stream (`chat.completion.chunk`
 * events ending with `[DONE]`) to an Anthropic Messages stream, one upstream event at a time.
 *
 * Emits `message_start` on the first chunk; then per text run or tool call a `content_block_start`,
 * its `content_block_delta`s (`text_delta` / `input_json_delta`) and a `content_block_stop`, with
 * block indexes counting from 0 across text and tool blocks; and on `[DONE]` the `message_delta`
 * (stop reason and the latest usage) and `message_stop`. Reasoning deltas are dropped. An `error`
 * field in a chunk (OpenRouter) or an unreadable event becomes an `error` event of type
 * `api_error`.
 */
export function createChatToMessagesStream(options: { model: string }): StreamTranslator<ChatStreamEvent, MessagesStreamEvent> {
  let started = false;
  let nextIndex = 0;
  let open: { index: number; kind: 'text' | 'tool' } | undefined;
  const toolBlocks = new Map<number, ToolBlock>();
  let finishReason: string | null = null;
  let inputTokens = 0;
  let outputTokens = 0;

  function start(out: MessagesStreamEvent[], id: unknown): void {
    if (started) return;
    started = true;
    out.push({
      type: 'message_start',
      message: {
        id: typeof id === 'string' && id !== '' ? toAnthropicMessageId(id) : generatedMessageId(),
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  function closeOpen(out: MessagesStreamEvent[]): void {
    if (!open) return;
    out.push({ type: 'content_block_stop', index: open.index });
    open = undefined;
  }

  function text(out: MessagesStreamEvent[], chunkText: string): void {
    if (open?.kind !== 'text') {
      closeOpen(out);
      open = { index: nextIndex++, kind: 'text' };
      out.push({ type: 'content_block_start', index: open.index, content_block: { type: 'text', text: '' } });
    }
    out.push({ type: 'content_block_delta', index: open.index, delta: { type: 'text_delta', text: chunkText } });
  }

  function toolFragment(out: MessagesStreamEvent[], fragment: Record<string, unknown>, position: number): void {
    const key = typeof fragment.index === 'number' ? fragment.index : position;
    const fn = isRecord(fragment.function) ? fragment.function : {};
    const id = typeof fragment.id === 'string' && fragment.id !== '' ? fragment.id : undefined;
    let block = toolBlocks.get(key);
    // A new id under a known index is a new call: some upstreams send every call at index 0.
    if (!block || (id !== undefined && id !== block.id)) {
      closeOpen(out);
      block = { index: nextIndex++, id: id ?? generatedToolUseId() };
      toolBlocks.set(key, block);
      open = { index: block.index, kind: 'tool' };
      out.push({
        type: 'content_block_start',
        index: block.index,
        content_block: { type: 'tool_use', id: block.id, name: typeof fn.name === 'string' ? fn.name : '', input: {} },
      });
    }
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      // A fragment for a call whose block was already closed (interleaved parallel calls, not seen
      // from OpenAI) still goes to that call's own index: clients accumulate deltas by index.
      out.push({ type: 'content_block_delta', index: block.index, delta: { type: 'input_json_delta', partial_json: fn.arguments } });
    }
  }

  function finish(): MessagesStreamEvent[] {
    const out: MessagesStreamEvent[] = [];
    start(out, undefined);
    closeOpen(out);
    out.push(
      {
        type: 'message_delta',
        delta: { stop_reason: stopReasonForTurn(finishReason, toolBlocks.size > 0), stop_sequence: null },
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
      },
      { type: 'message_stop' },
    );
    return out;
  }

  function chunk(data: Record<string, unknown>): MessagesStreamEvent[] {
    if (data.error !== undefined && data.error !== null) return [failure(upstreamErrorMessage(data.error))];
    const out: MessagesStreamEvent[] = [];
    start(out, data.id);
    if (isRecord(data.usage)) {
      const { prompt_tokens: prompt, completion_tokens: completion } = data.usage;
      if (typeof prompt === 'number') inputTokens = prompt;
      if (typeof completion === 'number') outputTokens = completion;
    }
    const choices = Array.isArray(data.choices) ? data.choices.filter(isRecord) : [];
    const choice = choices.find((c) => c.index === 0) ?? choices[0];
    if (!choice) return out;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') text(out, delta.content);
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((fragment: unknown, position) => {
        if (isRecord(fragment)) toolFragment(out, fragment, position);
      });
    }
    // Upstreams repeat `finish_reason: null` on the usage chunk after the real one: keep the real one.
    if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
    return out;
  }

  return {
    push(event) {
      switch (event.type) {
        case 'done':
          return finish();
        case 'error':
          return [failure(event.error.message)];
        case 'chunk':
          return chunk(event.chunk);
      }
    },
  };
}

/** Anthropic clients know `api_error` for a provider's failure. */
function failure(message: string): MessagesStreamEvent {
  return { type: 'error', error: { type: 'api_error', message } };
}

function upstreamErrorMessage(error: unknown): string {
  if (typeof error === 'string' && error !== '') return error;
  if (isRecord(error) && typeof error.message === 'string' && error.message !== '') return error.message;
  return 'The upstream provider reported an error in the middle of the stream.';
}
