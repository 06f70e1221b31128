import { chunkParts } from '../../chat/chunk-parts';
import type { ChatStreamEvent } from '../../chat/stream-codec';
import { ToolCallAssembler, type AssembledCall } from '../../chat/tool-call-assembler';
import type { StreamTranslator } from '../../stream-translator';
import { isRecord } from '../../../is-record';
import { routerSignature } from '../router-signature';
import type { MessagesStreamEvent } from '../stream-codec';
import { generatedMessageId, generatedToolUseId, toAnthropicMessageId } from './ids';
import { stopReasonForTurn } from './stop-reason';

/**
 * Creates a translator from an OpenAI-compatible chat completion stream (`chat.completion.chunk`
 * events ending with `[DONE]`) to an Anthropic Messages stream, one upstream event at a time.
 *
 * Emits `message_start` on the first chunk; then the content blocks one after the other, each
 * started, given all its deltas and stopped before the next starts (Claude Code finalizes a tool's
 * input at its stop); and on `[DONE]` the `message_delta` (stop reason and the latest usage) and
 * `message_stop`. Reasoning (`reasoning_content` or `reasoning`) streams first as a `thinking`
 * block, signed by the router unless the provider relayed Anthropic's signature. Text (and
 * `refusal` text) streams as it comes. A tool call's block starts once
 * its `id` and `name` are known, with the argument pieces that came before; pieces of other calls
 * (parallel calls interleaved by `index`, or announced in one chunk) and text that arrive while a
 * tool block is open are held, and follow in index order when the stream ends, each block whole.
 * A call that never got its `name` cannot be run: the stream ends with an error event. Only choice
 * 0 is read. An `error` beside the choices (OpenRouter) or an unreadable event becomes an `error`
 * event of type `api_error`.
 */
export function createChatToMessagesStream(options: { model: string }): StreamTranslator<ChatStreamEvent, MessagesStreamEvent> {
  let started = false;
  let nextBlock = 0;
  let open: { kind: 'text' | 'tool' | 'thinking'; block: number; call?: AssembledCall } | undefined;
  /** The thinking block's text so far, and the signature the provider gave it (OpenRouter's Anthropic models). */
  let thought = '';
  let thoughtSignature: string | undefined;
  let answerBegan = false;
  const calls = new ToolCallAssembler();
  let heldText = '';
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
    if (open.kind === 'thinking') {
      // Anthropic sends the signature just before the block's stop; one the router made says so.
      out.push({
        type: 'content_block_delta',
        index: open.block,
        delta: { type: 'signature_delta', signature: thoughtSignature ?? routerSignature(thought) },
      });
    }
    out.push({ type: 'content_block_stop', index: open.block });
    open = undefined;
  }

  /** Reasoning opens a thinking block before the answer; reasoning after the answer began is left out. */
  function thinking(out: MessagesStreamEvent[], piece: string): void {
    if (answerBegan) return;
    if (!open) {
      open = { kind: 'thinking', block: nextBlock++ };
      out.push({ type: 'content_block_start', index: open.block, content_block: { type: 'thinking', thinking: '', signature: '' } });
    }
    thought += piece;
    out.push({ type: 'content_block_delta', index: open.block, delta: { type: 'thinking_delta', thinking: piece } });
  }

  function text(out: MessagesStreamEvent[], piece: string): void {
    answerBegan = true;
    if (open?.kind === 'tool') {
      heldText += piece;
      return;
    }
    if (open?.kind === 'thinking') closeOpen(out);
    if (!open) {
      open = { kind: 'text', block: nextBlock++ };
      out.push({ type: 'content_block_start', index: open.block, content_block: { type: 'text', text: '' } });
    }
    out.push({ type: 'content_block_delta', index: open.block, delta: { type: 'text_delta', text: piece } });
  }

  function startTool(out: MessagesStreamEvent[], call: AssembledCall): void {
    answerBegan = true;
    closeOpen(out);
    call.started = true;
    call.id ??= generatedToolUseId();
    open = { kind: 'tool', block: nextBlock++, call };
    out.push({ type: 'content_block_start', index: open.block, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    sendArguments(out);
  }

  /** The open tool block's held arguments, as one delta. */
  function sendArguments(out: MessagesStreamEvent[]): void {
    if (!open?.call || open.call.heldArguments === '') return;
    out.push({
      type: 'content_block_delta',
      index: open.block,
      delta: { type: 'input_json_delta', partial_json: ToolCallAssembler.takeArguments(open.call) },
    });
  }

  function toolFragment(out: MessagesStreamEvent[], fragment: Record<string, unknown>, position: number): void {
    answerBegan = true;
    const call = calls.add(fragment, position);
    if (open?.call === call) sendArguments(out);
    else if (ToolCallAssembler.isReady(call) && open?.kind !== 'tool') startTool(out, call);
  }

  function finish(): MessagesStreamEvent[] {
    const out: MessagesStreamEvent[] = [];
    start(out, undefined);
    const waiting = calls.waiting();
    const unnamed = waiting.find((call) => call.name === '');
    if (unnamed) {
      return [...out, failure(`The provider sent a tool call without a name (id ${unnamed.id ?? 'none'}); it cannot be run`)];
    }
    for (const call of waiting) startTool(out, call);
    if (heldText !== '') {
      closeOpen(out);
      const held = heldText;
      heldText = '';
      text(out, held);
    }
    closeOpen(out);
    out.push(
      {
        type: 'message_delta',
        delta: { stop_reason: stopReasonForTurn(finishReason, calls.calls.length > 0), stop_sequence: null },
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
      },
      { type: 'message_stop' },
    );
    return out;
  }

  function chunk(data: Record<string, unknown>): MessagesStreamEvent[] {
    const parts = chunkParts(data);
    if (parts.error !== undefined) return [failure(parts.error)];
    const out: MessagesStreamEvent[] = [];
    start(out, data.id);
    if (parts.usage) {
      const { prompt_tokens: prompt, completion_tokens: completion } = parts.usage;
      if (typeof prompt === 'number') inputTokens = prompt;
      if (typeof completion === 'number') outputTokens = completion;
    }
    if (!parts.delta) return out;
    if (parts.reasoning !== undefined) thinking(out, parts.reasoning);
    thoughtSignature ??= signatureOf(parts.delta.reasoning_details);
    for (const piece of parts.text) text(out, piece);
    parts.toolCalls.forEach((fragment, position) => toolFragment(out, fragment, position));
    // Upstreams repeat `finish_reason: null` on the usage chunk after the real one: keep the real one.
    if (parts.finishReason !== undefined) finishReason = parts.finishReason;
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

/** The signature of Anthropic's thinking as OpenRouter relays it in `reasoning_details`. */
function signatureOf(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (isRecord(detail) && typeof detail.signature === 'string' && detail.signature !== '') return detail.signature;
  }
  return undefined;
}

/** Anthropic clients know `api_error` for a provider's failure. */
function failure(message: string): MessagesStreamEvent {
  return { type: 'error', error: { type: 'api_error', message } };
}
