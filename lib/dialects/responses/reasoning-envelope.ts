import { isRecord } from '../../is-record';
import { ROUTER_SIGNATURE_PREFIX } from '../messages/router-signature';
import type { PassthroughEdits, PassthroughRequest } from '../passthrough';
import type { ResponsesStreamEvent } from './wire';

/**
 * What the router keeps of a reasoning item in its `encrypted_content` (DESIGN section 10), so
 * that when a Responses client sends the item back the next turn gets the reasoning as the
 * provider needs it: its text (`reasoning_content`), or Anthropic's exact signed blocks (chat
 * `reasoning_details`). Not encrypted: it holds nothing the client did not see, only a fixed prefix
 * that tells it apart from OpenAI's own.
 */
export interface ReasoningEnvelope {
  /** The provider and model that reasoned: an envelope goes back only to them. */
  provider: string;
  model: string;
  text: string;
  /** Chat `reasoning_details` entries (Anthropic's signed blocks), when the provider sent any. */
  details: Record<string, unknown>[];
}

/** `encrypted_content` for an envelope. */
export function sealEnvelope(envelope: ReasoningEnvelope): string {
  return ROUTER_SIGNATURE_PREFIX + Buffer.from(JSON.stringify(envelope)).toString('base64url');
}

/** The envelope in `encryptedContent`, or undefined when it is not the router's (OpenAI's own, or damaged). */
export function openEnvelope(encryptedContent: unknown): ReasoningEnvelope | undefined {
  if (typeof encryptedContent !== 'string' || !encryptedContent.startsWith(ROUTER_SIGNATURE_PREFIX)) return undefined;
  try {
    const parsed = JSON.parse(
      Buffer.from(encryptedContent.slice(ROUTER_SIGNATURE_PREFIX.length), 'base64url').toString('utf8'),
    ) as Partial<ReasoningEnvelope>;
    if (typeof parsed.provider !== 'string' || typeof parsed.model !== 'string' || typeof parsed.text !== 'string' || !Array.isArray(parsed.details))
      return undefined;
    return parsed as ReasoningEnvelope;
  } catch {
    return undefined;
  }
}

/** True for an `encrypted_content` the router made. */
export function isRouterEnvelope(encryptedContent: unknown): boolean {
  return typeof encryptedContent === 'string' && encryptedContent.startsWith(ROUTER_SIGNATURE_PREFIX);
}

/**
 * What a Responses request passed through may not carry (DESIGN section 10), taken out of a copy of
 * its `input`, the client's array unchanged: reasoning items holding the router's envelope (a
 * provider that serves the Responses API itself refuses content it cannot verify), and, for any
 * provider but OpenAI, another `encrypted_content` (OpenAI's own goes back only to OpenAI): the
 * item keeps its text, or is left out when it has none. A passthrough's only change, so its
 * answers go on as sent.
 */
export function responsesPassthrough({ body, provider }: PassthroughRequest): PassthroughEdits<ResponsesStreamEvent> {
  if (!Array.isArray(body.input)) return {};
  const input = body.input as unknown[];
  let changed = false;
  const kept: unknown[] = [];
  for (const item of input) {
    const carried = carriedReasoning(item, provider);
    if (carried !== item) changed = true;
    if (carried !== undefined) kept.push(carried);
  }
  if (changed) body.input = kept;
  return {};
}

/** `item` as `provider` may get it: itself, without its `encrypted_content`, or `undefined` (left out). */
function carriedReasoning(item: unknown, provider: string): unknown {
  if (!isRecord(item) || item.type !== 'reasoning' || item.encrypted_content === undefined || item.encrypted_content === null) return item;
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
