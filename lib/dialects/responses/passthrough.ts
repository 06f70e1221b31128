import { isRecord } from '../../is-record';
import type { PassthroughEdits, PassthroughRequest } from '../passthrough';
import { isRouterEnvelope, isRouterReasoningId } from '../reasoning-envelope';
import { PartAnnouncer } from './announced-parts';
import type { ResponsesStreamEvent } from './wire';

/**
 * What a Responses passthrough changes. In the request, what it may not carry (DESIGN section 10),
 * taken out of a copy of its `input`, the client's array unchanged: reasoning items holding the
 * router's envelope (a provider that serves the Responses API itself refuses content it cannot
 * verify), and, for any provider but OpenAI, another `encrypted_content` (OpenAI's own goes back
 * only to OpenAI): the item keeps its text, or is left out when it has none. To OpenAI, a reasoning
 * item without `encrypted_content` is left out too in a stateless request (`store: false`, as Codex
 * sends), and whatever `store` says when the router made it (a bridged or translated answer's: its
 * id carries the router's mark): OpenAI would look its id up, find nothing stored, and refuse the
 * request with a 404 (another provider's reasoning, OpenRouter's text-only items, after a session
 * moved; an Agents SDK handoff, which leaves `store` unset, to an agent on `openai/`). In the
 * answer, only what a client could not read: a stream's failure without its `response` (below),
 * and content parts written into without being announced ({@link PartAnnouncer}); the rest goes on
 * as sent.
 */
export function responsesPassthrough({ body, provider }: PassthroughRequest): PassthroughEdits<ResponsesStreamEvent> {
  leaveOutUnreadableReasoning(body, provider);
  const parts = new PartAnnouncer();
  return { editEvent: (event) => (isBareFailure(event) ? null : parts.edit(event)) };
}

/**
 * A `response.failed` without its `response` (some compatible servers put `error` beside the event's
 * fields): Codex reads a failure's reason only from `response.error`, and the `openai` SDK throws on
 * a top-level `error`. Left out, it is followed by the router's own `response.failed` with its message.
 */
function isBareFailure(event: ResponsesStreamEvent): boolean {
  return event.type === 'response.failed' && !isRecord(event.response);
}

function leaveOutUnreadableReasoning(body: Record<string, unknown>, provider: string): void {
  if (!Array.isArray(body.input)) return;
  const input = body.input as unknown[];
  const stateless = body.store === false;
  let changed = false;
  const kept: unknown[] = [];
  for (const item of input) {
    const carried = carriedReasoning(item, provider, stateless);
    if (carried !== item) changed = true;
    if (carried !== undefined) kept.push(carried);
  }
  if (changed) body.input = kept;
}

/** `item` as `provider` may get it: itself, without its `encrypted_content`, or `undefined` (left out). */
function carriedReasoning(item: unknown, provider: string, stateless: boolean): unknown {
  // A reference to a reasoning item the router made (a client storing by default, the Vercel AI
  // SDK, refers to earlier items by id) names nothing OpenAI stored.
  if (isRecord(item) && item.type === 'item_reference' && provider === 'openai' && isRouterReasoningId(item.id)) return undefined;
  if (!isRecord(item) || item.type !== 'reasoning') return item;
  if (item.encrypted_content === undefined || item.encrypted_content === null)
    return provider === 'openai' && (stateless || isRouterReasoningId(item.id)) ? undefined : item;
  if (isRouterEnvelope(item.encrypted_content)) return undefined;
  if (provider === 'openai') return item;
  if (!hasText(item.summary) && !hasText(item.content)) return undefined;
  const rest = { ...item };
  delete rest.encrypted_content;
  return rest;
}

function hasText(parts: unknown): boolean {
  return Array.isArray(parts) && parts.some((part) => isRecord(part) && typeof part.text === 'string' && part.text !== '');
}
