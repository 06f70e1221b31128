import { chunkParts, NO_ANSWER, type ChunkParts } from '../../chat/chunk-parts';
import { upstreamError, type ChatStreamEvent } from '../../chat/stream-codec';
import type { StreamError } from '../../dialect';
import { ToolCallAssembler, type AssembledCall } from '../../chat/tool-call-assembler';
import type { StreamTranslator } from '../../stream-translator';
import type { UniqueIds } from '../../unique-ids';
import { isRecord } from '../../../is-record';
import { updatedStreamUsage } from '../../chat/stream-usage';
import { responsesFailureCode } from '../failure-code';
import type { ResponsesItem, ResponsesResponse, ResponsesStreamEvent, ResponsesUsage } from '../wire';
import {
  answerCallIds,
  customInput,
  envelopeFor,
  messageItem,
  newId,
  outputTextOf,
  outputTextPart,
  reasoningItem,
  refusalItem,
  statusOf,
  toolCallItem,
  usageOf,
  type ResponsesAnswerOptions,
} from './items';
import { markLastItemCut } from './cut-item';

/** The item being streamed. */
type OpenItem =
  | { kind: 'reasoning' | 'message' | 'refusal'; id: string; index: number; text: string }
  /** `sent`: the call's arguments handed on so far, for its done events; `callId`: its `call_id` as the client gets it. */
  | { kind: 'call'; id: string; index: number; call: AssembledCall; callId: string; custom: boolean; sent: string };

/**
 * Creates a translator from a chat completions stream to the Responses event stream Codex and the
 * `openai` SDK read: `response.created` and `response.in_progress`, then each output item in turn
 * (`response.output_item.added`, its part and delta events, `response.output_item.done` with the
 * complete item), then exactly one terminal event (`response.completed`, or `response.incomplete`
 * by finish reason, its last item `incomplete` too), every event numbered by `sequence_number`.
 * Reasoning deltas become a `reasoning` item; reasoning after text ends the message item and opens a new reasoning item, and
 * text after it a new message item. `reasoning_details` without reasoning text (Anthropic's
 * redacted or undisplayed thinking) open a reasoning item too when the client asked for the
 * envelope that carries them; the tool calls' `extra_content` (Gemini's thought signatures, by
 * `call_id`) goes in the envelope of the next reasoning item to close, or of one of its own after
 * the calls. Tool calls start in index order, each once its id and name are known; other calls,
 * and text and reasoning that arrive while a call is open, follow whole when the stream ends: the
 * calls in index order, then the text and reasoning in the order they came.
 * A custom tool's input is sent whole when its call ends. An upstream error becomes
 * `response.failed`, and so does a stream that ends without any chunk of choice 0 (no answer at all).
 */
export function createChatToResponsesStream(options: ResponsesAnswerOptions): StreamTranslator<ChatStreamEvent, ResponsesStreamEvent> {
  const responseId = newId('resp');
  const createdAt = Math.floor(Date.now() / 1000);
  let sequence = 0;
  let started = false;
  const output: ResponsesItem[] = [];
  let open: OpenItem | undefined;
  const calls = new ToolCallAssembler();
  /** Made at the first call: most answers have none. */
  let callIds: UniqueIds | undefined;
  /** Text and reasoning that came while a call was open, in the order they came. */
  const held: HeldPiece[] = [];
  let finishReason: string | null = null;
  /** A chunk carried choice 0: a stream without one held no answer. */
  let sawChoice = false;
  /** A reasoning item was opened before: a new one's text starts without the line break that parted them. */
  let sawReasoning = false;
  /** The reasoning item's `reasoning_details` (Anthropic's signed blocks, relayed by chat), for its envelope. */
  let reasoningDetails: Record<string, unknown>[] = [];
  /** The `call_id` each started call got, and the calls whose `extra_content` an envelope carries already. */
  const callIdOf = new Map<AssembledCall, string>();
  const carriedCalls = new Set<AssembledCall>();
  let usage: ResponsesUsage | null = null;
  /** The upstream's usage so far, as it reported it: a chunk with only some counts leaves the others. */
  let chatUsage: Record<string, unknown> | undefined;

  const snapshot = (fields: Partial<ResponsesResponse>): ResponsesResponse => ({
    ...options.settings,
    id: responseId,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    model: options.model,
    output: [],
    usage: null,
    error: null,
    incomplete_details: null,
    store: false,
    ...fields,
  });

  /**
   * Opens the stream. Here and below, each event is an object literal of its own shape, `type` and
   * `sequence_number` first: spreading its fields into a new object per event cost a copy, and made
   * every event's shape one of many at each place that reads events.
   */
  function start(out: ResponsesStreamEvent[]): void {
    if (started) return;
    started = true;
    out.push({ type: 'response.created', sequence_number: sequence++, response: snapshot({}) });
    out.push({ type: 'response.in_progress', sequence_number: sequence++, response: snapshot({}) });
  }

  function openItem<K extends 'reasoning' | 'message' | 'refusal'>(out: ResponsesStreamEvent[], kind: K): OpenItem & { kind: K } {
    closeOpen(out);
    const item = { kind, id: newId(kind === 'reasoning' ? 'rs' : 'msg'), index: output.length, text: '' };
    open = item;
    if (kind !== 'reasoning') {
      out.push({
        type: 'response.output_item.added',
        sequence_number: sequence++,
        output_index: item.index,
        item: { type: 'message', id: item.id, status: 'in_progress', role: 'assistant', content: [] },
      });
      out.push({
        type: 'response.content_part.added',
        sequence_number: sequence++,
        item_id: item.id,
        output_index: item.index,
        content_index: 0,
        part: kind === 'refusal' ? { type: 'refusal', refusal: '' } : outputTextPart(''),
      });
    } else {
      out.push({
        type: 'response.output_item.added',
        sequence_number: sequence++,
        output_index: item.index,
        item: { type: 'reasoning', id: item.id, summary: [] },
      });
      out.push({
        type: 'response.content_part.added',
        sequence_number: sequence++,
        item_id: item.id,
        output_index: item.index,
        content_index: 0,
        part: { type: 'reasoning_text', text: '' },
      });
    }
    return item;
  }

  function closeOpen(out: ResponsesStreamEvent[]): void {
    const item = open;
    if (!item) return;
    open = undefined;
    const { id: item_id, index: output_index } = item;
    let done: ResponsesItem;
    if (item.kind === 'call') {
      const { call, callId } = item;
      done = toolCallItem(item.id, callId, call.name, item.sent, options.catalog);
      if (item.custom) {
        const input = customInput(item.sent);
        out.push({ type: 'response.custom_tool_call_input.delta', sequence_number: sequence++, item_id, output_index, delta: input });
        out.push({ type: 'response.custom_tool_call_input.done', sequence_number: sequence++, item_id, output_index, input });
      } else {
        const { name } = done as { name: string };
        out.push({
          type: 'response.function_call_arguments.done',
          sequence_number: sequence++,
          item_id,
          output_index,
          name,
          arguments: item.sent || '{}',
        });
      }
    } else if (item.kind === 'message') {
      out.push({
        type: 'response.output_text.done',
        sequence_number: sequence++,
        item_id,
        output_index,
        content_index: 0,
        text: item.text,
        logprobs: [],
      });
      out.push({
        type: 'response.content_part.done',
        sequence_number: sequence++,
        item_id,
        output_index,
        content_index: 0,
        part: outputTextPart(item.text),
      });
      done = messageItem(item.id, item.text);
    } else if (item.kind === 'refusal') {
      out.push({ type: 'response.refusal.done', sequence_number: sequence++, item_id, output_index, content_index: 0, refusal: item.text });
      const part = { type: 'refusal', refusal: item.text };
      out.push({ type: 'response.content_part.done', sequence_number: sequence++, item_id, output_index, content_index: 0, part });
      done = refusalItem(item.id, item.text);
    } else {
      out.push({ type: 'response.reasoning_text.done', sequence_number: sequence++, item_id, output_index, content_index: 0, text: item.text });
      const part = { type: 'reasoning_text', text: item.text };
      out.push({ type: 'response.content_part.done', sequence_number: sequence++, item_id, output_index, content_index: 0, part });
      done = reasoningItem(item.id, item.text, envelopeFor(options, item.text, reasoningDetails, takeCallExtras()));
      reasoningDetails = [];
    }
    output.push(done);
    out.push({ type: 'response.output_item.done', sequence_number: sequence++, output_index, item: done });
  }

  /** The `extra_content` of the started calls no envelope carries yet, by `call_id`; from now on one does. */
  function takeCallExtras(): Record<string, Record<string, unknown>> {
    const extras: Record<string, Record<string, unknown>> = {};
    if (!options.envelope) return extras;
    for (const [call, callId] of callIdOf) {
      if (!call.extraContent || carriedCalls.has(call)) continue;
      extras[callId] = call.extraContent;
      carriedCalls.add(call);
    }
    return extras;
  }

  /** Reasoning text and its `reasoning_details` go in a reasoning item, a new one when text came since the last. */
  function reasoning(out: ResponsesStreamEvent[], piece: string, details: Record<string, unknown>[]): void {
    // Details alone (redacted thinking, a signature) make an item only for the envelope that carries them.
    if (piece === '' && open?.kind !== 'reasoning' && (details.length === 0 || !options.envelope)) return;
    if (open?.kind === 'call') {
      hold(held, { kind: 'reasoning', text: piece, details });
      return;
    }
    const opens = open?.kind !== 'reasoning';
    const item = open?.kind === 'reasoning' ? open : openItem(out, 'reasoning');
    reasoningDetails.push(...details);
    // The blank line that parts one reasoning text from the one before (Anthropic's thinking blocks,
    // joined) belongs to neither when they are items of their own.
    if (opens && sawReasoning) piece = piece.replace(/^\n\n/, '');
    sawReasoning = true;
    if (piece === '') return;
    item.text += piece;
    out.push({
      type: 'response.reasoning_text.delta',
      sequence_number: sequence++,
      item_id: item.id,
      output_index: item.index,
      content_index: 0,
      delta: piece,
    });
  }

  /**
   * Answer text in a message item; `refusal`, the model's refusal (a chat answer's `refusal` with no
   * content), in a message item of its own with a refusal part, as OpenAI streams one.
   */
  function text(out: ResponsesStreamEvent[], piece: string, kind: 'message' | 'refusal' = 'message'): void {
    if (open?.kind === 'call') {
      hold(held, { kind: 'text', text: piece, details: [] });
      return;
    }
    const item = open?.kind === kind ? open : openItem(out, kind);
    item.text += piece;
    const { id: item_id, index: output_index } = item;
    if (kind === 'refusal')
      out.push({ type: 'response.refusal.delta', sequence_number: sequence++, item_id, output_index, content_index: 0, delta: piece });
    else
      out.push({
        type: 'response.output_text.delta',
        sequence_number: sequence++,
        item_id,
        output_index,
        content_index: 0,
        delta: piece,
        logprobs: [],
      });
  }

  function startCall(out: ResponsesStreamEvent[], call: AssembledCall): void {
    closeOpen(out);
    call.started = true;
    call.id ??= newId('call');
    callIds ??= answerCallIds(options);
    const callId = callIds.claim(call.id);
    callIdOf.set(call, callId);
    const custom = options.catalog.get(call.name)?.kind === 'custom';
    const id = newId(custom ? 'ctc' : 'fc');
    open = { kind: 'call', id, index: output.length, call, callId, custom, sent: '' };
    const added = toolCallItem(id, callId, call.name, '', options.catalog);
    out.push({
      type: 'response.output_item.added',
      sequence_number: sequence++,
      output_index: output.length,
      item: { ...added, status: 'in_progress', ...(custom ? { input: '' } : { arguments: '' }) },
    });
    sendArguments(out);
  }

  /** The open call's held arguments: a delta for a function; a custom tool's input is sent whole when the call ends. */
  function sendArguments(out: ResponsesStreamEvent[]): void {
    if (open?.kind !== 'call' || open.call.heldArguments === '') return;
    const delta = ToolCallAssembler.takeArguments(open.call);
    open.sent += delta;
    if (!open.custom)
      out.push({ type: 'response.function_call_arguments.delta', sequence_number: sequence++, item_id: open.id, output_index: open.index, delta });
  }

  function toolFragment(out: ResponsesStreamEvent[], fragment: Record<string, unknown>, position: number): void {
    const call = calls.add(fragment, position);
    if (open?.kind === 'call' && open.call === call) {
      sendArguments(out);
      return;
    }
    const next = open?.kind === 'call' ? undefined : calls.next();
    if (next) startCall(out, next);
  }

  function fail(out: ResponsesStreamEvent[], error: StreamError): ResponsesStreamEvent[] {
    start(out);
    const failure = { code: responsesFailureCode(error), message: error.message };
    out.push({ type: 'response.failed', sequence_number: sequence++, response: snapshot({ status: 'failed', output, error: failure }) });
    return out;
  }

  function finish(): ResponsesStreamEvent[] {
    const out: ResponsesStreamEvent[] = [];
    start(out);
    // As a whole answer without choices is: an empty response would pass for what the model said.
    if (!sawChoice) return fail(out, { type: 'upstream_error', message: NO_ANSWER });
    const waiting = calls.waiting();
    const unnamed = waiting.find((call) => call.name === '');
    if (unnamed)
      return fail(out, {
        type: 'upstream_error',
        message: `The provider sent a tool call without a name (id ${unnamed.id ?? 'none'}); it cannot be run`,
      });
    for (const call of waiting) {
      startCall(out, call);
      closeOpen(out);
    }
    closeOpen(out);
    for (const piece of held.splice(0)) {
      if (piece.kind === 'text') text(out, piece.text);
      else reasoning(out, piece.text, piece.details);
    }
    closeOpen(out);
    const status = statusOf(finishReason);
    if (status.status === 'incomplete') markLastItemCut(output, out);
    // The calls' `extra_content` (Gemini signs its calls there) that no reasoning item carries yet
    // goes in one of its own, after the calls: it goes back with them.
    if (options.envelope && [...callIdOf.keys()].some((call) => call.extraContent && !carriedCalls.has(call))) {
      openItem(out, 'reasoning');
      closeOpen(out);
    }
    const type = status.status === 'completed' ? 'response.completed' : 'response.incomplete';
    out.push({ type, sequence_number: sequence++, response: snapshot({ ...status, output, output_text: outputTextOf(output), usage }) });
    return out;
  }

  /** Choice 0's reasoning and text in one chunk: a refusal with no content is a refusal part. */
  function reasoningAndText(out: ResponsesStreamEvent[], parts: ChunkParts, delta: Record<string, unknown>): void {
    const details = Array.isArray(delta.reasoning_details) ? delta.reasoning_details.filter(isRecord) : [];
    reasoning(out, parts.reasoning ?? '', details);
    if (parts.hasRefusal && !parts.hasContent) text(out, parts.text.join(''), 'refusal');
    else for (const piece of parts.text) text(out, piece);
  }

  function chunk(data: Record<string, unknown>): ResponsesStreamEvent[] {
    const out: ResponsesStreamEvent[] = [];
    const parts = chunkParts(data);
    if (parts.error !== undefined) {
      // The reasoning and text the failing chunk still carries are the client's, as on passthrough;
      // a tool call cut off there could not be run.
      start(out);
      if (parts.delta) reasoningAndText(out, parts, parts.delta);
      return fail(out, upstreamError(parts.error, 'upstream_error'));
    }
    start(out);
    if (parts.usage) {
      chatUsage = updatedStreamUsage(chatUsage, parts.usage);
      usage = usageOf(chatUsage);
    }
    // Upstreams repeat `finish_reason: null` on the usage chunk after the real one: keep the real one.
    // Some send the real one in a choice without `delta`.
    if (parts.finishReason !== undefined) finishReason = parts.finishReason;
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
          return fail([], event.error);
        case 'chunk':
          return chunk(event.chunk);
      }
    },
  };
}

/** Text or reasoning (with its `reasoning_details`) held while a call is open. */
interface HeldPiece {
  kind: 'text' | 'reasoning';
  text: string;
  details: Record<string, unknown>[];
}

/** Adds a piece to what is held, joined to the last one when it is of the same kind. */
function hold(held: HeldPiece[], piece: HeldPiece): void {
  const last = held.at(-1);
  if (last?.kind !== piece.kind) {
    held.push(piece);
    return;
  }
  last.text += piece.text;
  last.details.push(...piece.details);
}
