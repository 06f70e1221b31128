import { joinedDetails } from '../../chat/reasoning-details';
import { randomUUID } from 'node:crypto';
import { wholeDetail } from '../../messages/to-chat/reasoning-details';
import { ROUTER_REASONING_ID_PREFIX, sealEnvelope } from '../../reasoning-envelope';
import type { ToolCatalog } from '../to-chat/tools';
import type { ResponsesContentPart, ResponsesItem, ResponsesResponse, ResponsesUsage } from '../wire';
import { isRecord } from '../../../is-record';
import { CarriedIds, carryingId, UniqueIds, type CallOrigin } from '../../unique-ids';
import type { ResponseSettings } from './request-settings';

/** A fresh id with OpenAI's prefix for its kind (`resp`, `msg`, `fc`, `ctc`, `rs`; `rs` with the router's mark). */
export function newId(prefix: string): string {
  // The UUID's hex without its four hyphens, cut at their fixed places: a global replace costs
  // more, and a stream takes two ids or more.
  const uuid = randomUUID();
  const unique = `${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(14, 18)}${uuid.slice(19, 23)}${uuid.slice(24)}`;
  return prefix === 'rs' ? `${ROUTER_REASONING_ID_PREFIX}${unique}` : `${prefix}_${unique}`;
}

/** A completed assistant message item. */
export function messageItem(id: string, text: string): ResponsesItem {
  return { type: 'message', id, status: 'completed', role: 'assistant', content: [outputTextPart(text)] };
}

/** An `output_text` part as OpenAI writes one: with its (empty) `annotations` and `logprobs`. */
export function outputTextPart(text: string): ResponsesContentPart {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** A message item holding the model's refusal, as OpenAI answers one (the SDK's `parse()` reads it as no output). */
export function refusalItem(id: string, refusal: string): ResponsesItem {
  return { type: 'message', id, status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal }] };
}

/** What turning a chat answer into a Responses one needs. */
export interface ResponsesAnswerOptions {
  /** The model as the client asked for it. */
  model: string;
  catalog: ToolCatalog;
  /** The `call_id`s of the calls in the request's `input`: a call the provider sent with one of them gets a fresh one. */
  takenCallIds?: readonly string[] | undefined;
  /** Set when the client asked for `reasoning.encrypted_content`: who reasoned, for the envelope. */
  envelope?: { provider: string; model: string } | undefined;
  /** Who answers: a `call_id` the router replaces carries the provider's, for this origin to get back. */
  origin?: CallOrigin | undefined;
  /** The request's settings the `response` object repeats ({@link responseSettingsOf}). */
  settings?: ResponseSettings | undefined;
}

/** A reasoning item with its text, and the router's envelope when the client asked for one. */
export function reasoningItem(id: string, text: string, encryptedContent?: string): ResponsesItem {
  return {
    type: 'reasoning',
    id,
    summary: [],
    content: [{ type: 'reasoning_text', text }],
    ...(encryptedContent ? { encrypted_content: encryptedContent } : {}),
  };
}

/**
 * The envelope of a reasoning item, when the client asked for one: its text and `reasoning_details`,
 * and the `extra_content` of the answer's tool calls by `call_id` (Gemini's thought signatures).
 */
export function envelopeFor(
  options: ResponsesAnswerOptions,
  text: string,
  details: Record<string, unknown>[],
  calls: Readonly<Record<string, Record<string, unknown>>> = {},
): string | undefined {
  if (!options.envelope) return undefined;
  const carried = Object.keys(calls).length > 0 ? { calls: { ...calls } } : {};
  // Streamed pieces go back as the whole entries the provider sent, sealed as the unstreamed answer's.
  return sealEnvelope({ ...options.envelope, text, details: joinedDetails(details).map(wholeDetail), ...carried });
}

/**
 * The item for a chat tool call, as the client declared the tool: a `custom_tool_call` with its
 * `input` for a custom tool (empty when the provider sent no arguments), else a `function_call`
 * (`{}` for its `arguments` when the provider sent none); a tool of a namespace has `namespace`
 * and its plain name.
 */
export function toolCallItem(id: string, callId: string, functionName: string, args: string, catalog: ToolCatalog): ResponsesItem {
  const tool = catalog.get(functionName);
  const namespace = tool?.namespace ? { namespace: tool.namespace } : {};
  if (tool?.kind === 'custom') {
    return { type: 'custom_tool_call', id, status: 'completed', call_id: callId, name: tool.name, input: customInput(args), ...namespace };
  }
  return { type: 'function_call', id, status: 'completed', call_id: callId, name: tool?.name ?? functionName, arguments: args || '{}', ...namespace };
}

/** A custom tool's input from the arguments of the function it was sent as (`{"input": "..."}`). */
export function customInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { input?: unknown }).input === 'string')
      return (parsed as { input: string }).input;
  } catch {
    // Not the JSON the function asked for: the text itself is the best reading of the input.
  }
  return args;
}

/** Status and incomplete details for a chat finish reason. */
export function statusOf(finishReason: string | null | undefined): Pick<ResponsesResponse, 'status' | 'incomplete_details'> {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** Responses usage from chat usage (cached, cache-written and reasoning tokens where the provider reports them). */
export function usageOf(usage: unknown): ResponsesUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const fields = usage as Record<string, unknown>;
  const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const details = (value: unknown, key: string): number =>
    count(typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);
  const input = count(fields.prompt_tokens);
  const output = count(fields.completion_tokens);
  const written = details(fields.prompt_tokens_details, 'cache_write_tokens');
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: details(fields.prompt_tokens_details, 'cached_tokens'),
      ...(written > 0 ? { cache_write_tokens: written } : {}),
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: details(fields.completion_tokens_details, 'reasoning_tokens') },
    total_tokens: typeof fields.total_tokens === 'number' ? fields.total_tokens : input + output,
  };
}

/** The concatenated text of the output's messages, as the SDK's `output_text` gives it. */
export function outputTextOf(output: ResponsesItem[]): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content as { type?: string; text?: unknown }[])
      if (part.type === 'output_text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

/** The `call_id`s of one answer's calls, none of them one the request's input or another call of the answer has. */
export function answerCallIds(options: ResponsesAnswerOptions): UniqueIds {
  const fresh = (): string => newId('call');
  const { origin } = options;
  return new UniqueIds(fresh, options.takenCallIds, undefined, origin ? (id) => carryingId(CARRYING_CALL_ID, id, origin, fresh) : fresh);
}

/** The start of a `call_id` of the router's that carries the provider's id ({@link carryingId}). */
const CARRYING_CALL_ID = 'call_epr';

/** Reads back, for `origin`, the provider's ids in the `call_id`s the router replaced ({@link CarriedIds}). */
export function carriedCallIds(origin: CallOrigin, input: unknown): CarriedIds {
  return new CarriedIds(CARRYING_CALL_ID, origin, callIdsIn(input));
}

/** The `call_id`s of the calls (function, custom tool) in a Responses request's `input`. */
export function callIdsIn(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((item: unknown) =>
    isRecord(item) && (item.type === 'function_call' || item.type === 'custom_tool_call') && typeof item.call_id === 'string' ? [item.call_id] : [],
  );
}
