import { chunkParts, type ChunkParts } from '../../chat/chunk-parts';
import { upstreamError, type ChatStreamEvent } from '../../chat/stream-codec';
import type { StreamError } from '../../dialect';
import { ToolCallAssembler, type AssembledCall } from '../../chat/tool-call-assembler';
import type { StreamTranslator } from '../../stream-translator';
import { isRecord } from '../../../is-record';
import { anthropicStreamErrorType } from '../error-body';
import { routerSignature } from '../router-signature';
import { ANTHROPIC_REASONING_FORMAT, providerDetailsOf } from '../to-chat/reasoning-details';
import { carryingSignature, type Reasoner } from '../provider-reasoning';
import type { MessagesStreamEvent } from '../stream-codec';
import { generatedMessageId, generatedToolUseId, isInputObject, toolUseIds } from './ids';
import { stopOfTurn } from './stop-reason';
import { emptyAnthropicUsage, updatedAnthropicUsage } from './usage';
import type { AnthropicUsage } from '../wire';
import type { CallOrigin } from '../../unique-ids';
import { NO_ANSWER } from '../../chat/chunk-parts';

/**
 * Creates a translator from an OpenAI-compatible chat completion stream (`chat.completion.chunk`
 * events ending with `[DONE]`) to an Anthropic Messages stream, one upstream event at a time.
 *
 * Emits `message_start` on the first chunk; then the content blocks one after the other, each
 * started, given all its deltas and stopped before the next starts (Claude Code finalizes a tool's
 * input at its stop); and on `[DONE]` the `message_delta` (stop reason and the latest usage) and
 * `message_stop`. Reasoning (`reasoning_content` or `reasoning`) streams as a `thinking` block,
 * signed by the router unless the provider relayed Anthropic's signature (the router's signature
 * carries the provider's own `reasoning_details`, when a `reasoner` is given; entries that come
 * after the last thinking block get an empty one of their own at the end, in a turn with tool
 * calls), and so does the `extra_content` of each tool call by `tool_use` id, when an `origin`
 * is given (Gemini's thought signatures); reasoning that comes after text stops the text block and
 * opens a new thinking block, and text after it a new text block. Text (and `refusal` text) streams as it comes. Tool calls start in index order, each once
 * its `id` and `name` are known, with the argument pieces that came before; pieces of other calls
 * (parallel calls interleaved by `index`, announced in one chunk, or ready before a call with a
 * lower index) and the text and reasoning that arrive while a tool block is open are held, and
 * follow when the stream ends: the calls in index order, each block whole, then the text and
 * reasoning in the order they came. A call that never got its `name` cannot be run: the stream
 * ends with an error event, and so does a stream that ends without any chunk of choice 0 (no
 * answer at all). Only choice 0 is read. An `error` beside the choices (OpenRouter), after the
 * reasoning and text its chunk carries, or an unreadable event becomes an `error` event.
 */
export function createChatToMessagesStream(options: {
  model: string;
  /** The `tool_use` ids the client's conversation already has: a call the provider sent with one of them gets a fresh id. */
  takenToolUseIds?: readonly string[];
  /**
   * Set when the provider takes `reasoning_details` back (OpenRouter): its own entries (not
   * Anthropic's blocks) go in the router's signatures, to be sent back with the turn.
   */
  reasoner?: Reasoner | undefined;
  /**
   * Who answers: a call id the router replaces carries the provider's, and the calls'
   * `extra_content` rides in the router's signatures, for this origin to get back.
   */
  origin?: CallOrigin | undefined;
  /** The client's `stop_sequences`: a stop string the provider names is reported only when it is one of them. */
  stopSequences?: readonly string[] | undefined;
}): StreamTranslator<ChatStreamEvent, MessagesStreamEvent> {
  const ids = toolUseIds(options.takenToolUseIds, options.origin);
  let started = false;
  let nextBlock = 0;
  /** `sent`: a tool call's arguments handed on so far, checked when its block stops. */
  let open: { kind: 'text' | 'tool' | 'thinking'; block: number; call?: AssembledCall; sent?: string } | undefined;
  /**
   * The open thinking block's text so far, and the signature and `reasoning_details` index the
   * provider gave it (OpenRouter's Anthropic models: one index per block of Anthropic's).
   */
  let thought = '';
  let thoughtSignature: string | undefined;
  let thoughtIndex: number | undefined;
  /** The `reasoning_details` indices of the thinking blocks streamed or held so far. */
  const relayedIndices = new Set<number>();
  /** The provider's own `reasoning_details` pieces not yet carried by a thinking block's signature. */
  let providerDetails: Record<string, unknown>[] = [];
  const calls = new ToolCallAssembler();
  /** The `tool_use` id each started call got, and the calls whose `extra_content` a signature carries already. */
  const toolUseIdOf = new Map<AssembledCall, string>();
  const carriedCalls = new Set<AssembledCall>();
  /** Text and reasoning that came while a tool block was open, in the order they came. */
  const held: HeldPiece[] = [];
  /**
   * Whitespace that would open a text block, held until text with a visible character follows:
   * Anthropic refuses a turn whose text is only whitespace (a model's "\n\n" before its tool
   * calls), and Claude Code sends the turn back, to an anthropic/ model too after a switch.
   */
  let blank = '';
  let finishReason: string | null = null;
  /** The stop string that ended the answer, where the provider named it. */
  let stopSequence: string | undefined;
  /** A chunk carried choice 0: a stream without one held no answer. */
  let sawChoice = false;
  /** The answer's text so far: refusal text, and content of its own. */
  let sawRefusal = false;
  let sawContent = false;
  /** The latest usage the upstream reported, as Anthropic's. */
  let usage: AnthropicUsage = emptyAnthropicUsage();

  function start(out: MessagesStreamEvent[]): void {
    if (started) return;
    started = true;
    out.push({
      type: 'message_start',
      message: {
        id: generatedMessageId(),
        type: 'message',
        role: 'assistant',
        model: options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: emptyAnthropicUsage(),
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
        delta: { type: 'signature_delta', signature: thoughtSignature ?? signatureOfOwn(thought) },
      });
      thought = '';
      thoughtSignature = undefined;
      thoughtIndex = undefined;
    }
    // Arguments cut off by the output limit end with `max_tokens`, as Anthropic's own do.
    if (open.kind === 'tool' && finishReason !== 'length' && !isInputObject(open.sent ?? '')) {
      // A client would run the tool with nothing, or fail on the JSON; the provider's fault is said instead.
      out.push(failure(`The provider sent arguments for tool call "${open.call?.name ?? ''}" that are not a JSON object`));
      open = undefined;
      return;
    }
    out.push({ type: 'content_block_stop', index: open.block });
    open = undefined;
  }

  /**
   * The router's signature for a thinking block it made: carrying the provider's entries that came
   * so far, and the `extra_content` of the calls started so far, if any.
   */
  function signatureOfOwn(thinking: string): string {
    const details = options.reasoner ? providerDetails : [];
    const extras = uncarriedExtras();
    const origin = options.origin ?? options.reasoner;
    if (!origin || (details.length === 0 && extras.length === 0)) return routerSignature(thinking);
    providerDetails = [];
    for (const [call] of extras) carriedCalls.add(call);
    return carryingSignature(origin, details, Object.fromEntries(extras.map(([call, extra]) => [toolUseIdOf.get(call) ?? '', extra])));
  }

  /** The started calls whose `extra_content` no signature carries yet. */
  function uncarriedExtras(): [AssembledCall, Record<string, unknown>][] {
    if (!options.origin) return [];
    return [...toolUseIdOf.keys()].flatMap((call) => (call.extraContent && !carriedCalls.has(call) ? [[call, call.extraContent]] : []));
  }

  /**
   * Reasoning streams in a thinking block: a new one when text came since the last, or when the
   * provider's `reasoning_details` index says a new block of Anthropic's began.
   */
  function thinking(out: MessagesStreamEvent[], piece: string, index?: number): void {
    if (index !== undefined) relayedIndices.add(index);
    if (open?.kind === 'tool') {
      hold(held, 'thinking', piece, index);
      return;
    }
    if (open?.kind === 'thinking' && index !== undefined && thoughtIndex !== undefined && index !== thoughtIndex) closeOpen(out);
    if (open?.kind !== 'thinking') {
      closeOpen(out);
      open = { kind: 'thinking', block: nextBlock++ };
      out.push({ type: 'content_block_start', index: open.block, content_block: { type: 'thinking', thinking: '', signature: '' } });
    }
    thoughtIndex ??= index;
    // A block whose text Anthropic did not show (`display: "omitted"`) has its signature alone.
    if (piece === '') return;
    thought += piece;
    out.push({ type: 'content_block_delta', index: open.block, delta: { type: 'thinking_delta', thinking: piece } });
  }

  /** A block of Anthropic's redacted thinking, relayed: whole, in one start and stop, as Anthropic sends it. */
  function redactedThinking(out: MessagesStreamEvent[], data: string): void {
    if (open?.kind === 'tool') {
      held.push({ kind: 'redacted', text: data });
      return;
    }
    closeOpen(out);
    const block = nextBlock++;
    out.push({ type: 'content_block_start', index: block, content_block: { type: 'redacted_thinking', data } });
    out.push({ type: 'content_block_stop', index: block });
  }

  /**
   * A chunk's reasoning. Anthropic's blocks relayed in `reasoning_details` are read entry by entry,
   * in their order: text to the thinking block of its index, a signature to the block of its index
   * (open, or held while a tool block is open), a redacted block whole. Otherwise the reasoning text.
   */
  function relayedReasoning(out: MessagesStreamEvent[], reasoning: string | undefined, details: readonly Record<string, unknown>[]): void {
    const textInDetails = details.some((detail) => typeof detail.text === 'string' && detail.text !== '');
    if (!textInDetails && reasoning !== undefined) thinking(out, reasoning);
    for (const detail of details) {
      const index = typeof detail.index === 'number' ? detail.index : undefined;
      if (detail.type === 'reasoning.encrypted') {
        if (typeof detail.data === 'string' && detail.data !== '') redactedThinking(out, detail.data);
        continue;
      }
      if (typeof detail.text === 'string' && detail.text !== '') thinking(out, detail.text, index);
      if (typeof detail.signature === 'string' && detail.signature !== '') sign(out, detail.signature, index);
    }
  }

  /**
   * A relayed signature goes to the thinking of its index: the open block, or a piece held for
   * later. The signature of a block not seen yet is a block of its own, whose text Anthropic did not
   * show; one for a block already stopped comes too late to be sent.
   */
  function sign(out: MessagesStreamEvent[], relayed: string, index: number | undefined): void {
    const matches = (blockIndex: number | undefined): boolean => blockIndex === undefined || index === undefined || blockIndex === index;
    if (open?.kind === 'thinking' && matches(thoughtIndex)) {
      thoughtSignature ??= relayed;
      return;
    }
    const piece = open?.kind === 'tool' ? held.findLast((candidate) => candidate.kind === 'thinking' && matches(candidate.index)) : undefined;
    if (piece) {
      piece.signature ??= relayed;
      return;
    }
    if (index === undefined || relayedIndices.has(index)) return;
    thinking(out, '', index);
    const opened = open?.kind === 'thinking' ? undefined : held.findLast((candidate) => candidate.kind === 'thinking' && candidate.index === index);
    if (opened) opened.signature = relayed;
    else thoughtSignature = relayed;
  }

  function text(out: MessagesStreamEvent[], piece: string): void {
    if (open?.kind === 'tool') {
      hold(held, 'text', piece);
      return;
    }
    if (open?.kind !== 'text') {
      if (piece.trim() === '') {
        blank += piece;
        return;
      }
      openText(out);
      piece = blank + piece;
      blank = '';
    }
    // The open text block: blocks are sequential, so it is the last one started.
    out.push({ type: 'content_block_delta', index: nextBlock - 1, delta: { type: 'text_delta', text: piece } });
  }

  function openText(out: MessagesStreamEvent[]): void {
    closeOpen(out);
    open = { kind: 'text', block: nextBlock++ };
    out.push({ type: 'content_block_start', index: open.block, content_block: { type: 'text', text: '' } });
  }

  function startTool(out: MessagesStreamEvent[], call: AssembledCall): void {
    closeOpen(out);
    call.started = true;
    call.id ??= generatedToolUseId();
    open = { kind: 'tool', block: nextBlock++, call };
    const id = ids.claim(call.id);
    toolUseIdOf.set(call, id);
    out.push({ type: 'content_block_start', index: open.block, content_block: { type: 'tool_use', id, name: call.name, input: {} } });
    sendArguments(out);
  }

  /** The open tool block's held arguments, as one delta. */
  function sendArguments(out: MessagesStreamEvent[]): void {
    if (!open?.call || open.call.heldArguments === '') return;
    const partial = ToolCallAssembler.takeArguments(open.call);
    open.sent = (open.sent ?? '') + partial;
    out.push({ type: 'content_block_delta', index: open.block, delta: { type: 'input_json_delta', partial_json: partial } });
  }

  function toolFragment(out: MessagesStreamEvent[], fragment: Record<string, unknown>, position: number): void {
    const call = calls.add(fragment, position);
    if (open?.call === call) {
      sendArguments(out);
      return;
    }
    const next = open?.kind === 'tool' ? undefined : calls.next();
    if (next) startTool(out, next);
  }

  function finish(): MessagesStreamEvent[] {
    const out: MessagesStreamEvent[] = [];
    start(out);
    // As a whole answer without choices is: an empty turn would pass for what the model said.
    if (!sawChoice) return [...out, failure(NO_ANSWER)];
    const waiting = calls.waiting();
    const unnamed = waiting.find((call) => call.name === '');
    if (unnamed) {
      return [...out, failure(`The provider sent a tool call without a name (id ${unnamed.id ?? 'none'}); it cannot be run`)];
    }
    for (const call of waiting) startTool(out, call);
    closeOpen(out);
    for (const piece of held.splice(0)) {
      if (piece.kind === 'text') {
        text(out, piece.text);
      } else if (piece.kind === 'redacted') {
        redactedThinking(out, piece.text);
      } else {
        // Held reasoning pieces are blocks of their own: joined, they were one already.
        if (open?.kind === 'thinking') closeOpen(out);
        thinking(out, piece.text, piece.index);
        thoughtSignature = piece.signature;
      }
    }
    closeOpen(out);
    // An answer of nothing but whitespace is still what the model said.
    if (blank !== '' && nextBlock === 0) {
      openText(out);
      out.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: blank } });
      closeOpen(out);
    }
    // Entries that came after the last thinking block (Gemini's signature comes with its call) get one
    // of their own, last, in a turn that calls tools: it goes back with the calls. A turn that ends
    // with its answer leaves them out: Claude Code takes the last block for the answer (`claude -p`
    // would print nothing), and neither Gemini nor OpenAI needs them back from a turn without calls.
    // The calls' `extra_content` (Gemini's own API signs its calls there) goes the same way.
    if ((providerDetails.length > 0 && calls.calls.length > 0) || uncarriedExtras().length > 0) {
      thinking(out, '');
      closeOpen(out);
    }
    out.push(
      {
        type: 'message_delta',
        delta: stopOfTurn(finishReason, calls.calls.length > 0, sawRefusal && !sawContent, stopSequence, options.stopSequences ?? []),
        usage,
      },
      { type: 'message_stop' },
    );
    return out;
  }

  /** Choice 0's reasoning and text in one chunk, in the order a delta gives them. */
  function reasoningAndText(out: MessagesStreamEvent[], parts: ChunkParts, delta: Record<string, unknown>): void {
    relayedReasoning(out, parts.reasoning, anthropicDetails(delta.reasoning_details));
    if (options.reasoner && delta.reasoning_details !== undefined) providerDetails.push(...providerDetailsOf(delta.reasoning_details));
    sawRefusal ||= parts.hasRefusal;
    sawContent ||= parts.hasContent;
    for (const piece of parts.text) text(out, piece);
  }

  function chunk(data: Record<string, unknown>): MessagesStreamEvent[] {
    const parts = chunkParts(data);
    const out: MessagesStreamEvent[] = [];
    if (parts.error !== undefined) {
      // The reasoning and text the failing chunk still carries are the client's, as on passthrough;
      // a tool call cut off there could not be run.
      const carried: MessagesStreamEvent[] = [];
      if (parts.delta) reasoningAndText(carried, parts, parts.delta);
      if (carried.length > 0) start(out);
      out.push(...carried, failure(upstreamError(parts.error, 'api_error')));
      return out;
    }
    start(out);
    if (parts.usage) usage = updatedAnthropicUsage(usage, parts.usage);
    // Upstreams repeat `finish_reason: null` on the usage chunk after the real one: keep the real one.
    // Some send the real one in a choice without `delta`.
    if (parts.finishReason !== undefined) finishReason = parts.finishReason;
    if (parts.stopSequence !== undefined) stopSequence = parts.stopSequence;
    sawChoice ||= parts.delta !== undefined || parts.finishReason !== undefined;
    if (!parts.delta) return out;
    reasoningAndText(out, parts, parts.delta);
    parts.toolCalls.forEach((fragment, position) => toolFragment(out, fragment, position));
    return out;
  }

  return {
    push(event) {
      switch (event.type) {
        case 'done':
          return finish();
        case 'error':
          return [failure(event.error)];
        case 'chunk':
          return chunk(event.chunk);
      }
    },
  };
}

/**
 * Text, reasoning or a redacted thinking block's data held while a tool block is open, with the
 * signature and `reasoning_details` index relayed for that reasoning.
 */
interface HeldPiece {
  kind: 'text' | 'thinking' | 'redacted';
  text: string;
  signature?: string | undefined;
  index?: number | undefined;
}

/** Adds a piece to what is held, joined to the last one when it is of the same kind (and block). */
function hold(held: HeldPiece[], kind: 'text' | 'thinking', piece: string, index?: number): void {
  const last = held.at(-1);
  if (last?.kind === kind && (index === undefined || last.index === undefined || last.index === index)) {
    last.text += piece;
    last.index ??= index;
  } else held.push({ kind, text: piece, index });
}

const NO_DETAILS: readonly Record<string, unknown>[] = [];

/** The entries of a chunk's `reasoning_details` that hold Anthropic's blocks, as OpenRouter relays them. */
function anthropicDetails(details: unknown): readonly Record<string, unknown>[] {
  // Most chunks carry none: no array is made for them.
  if (!Array.isArray(details)) return NO_DETAILS;
  // Other providers' entries (OpenAI's summaries, say) are not Anthropic's blocks.
  return details.filter((detail): detail is Record<string, unknown> => isRecord(detail) && detail.format === ANTHROPIC_REASONING_FORMAT);
}

/** An `error` event, typed as Anthropic's clients know it: `api_error` for a failure with no type of theirs. */
function failure(error: StreamError | string): MessagesStreamEvent {
  if (typeof error === 'string') return { type: 'error', error: { type: 'api_error', message: error } };
  return { type: 'error', error: { type: anthropicStreamErrorType(error), message: error.message } };
}
