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
 * Leaves out of a Responses request's `input` the reasoning items that carry the router's envelope:
 * a provider that serves the Responses API itself (OpenAI) refuses content it cannot verify. The
 * client's array is not changed. A passthrough's only change, so its answers go on as sent.
 */
export function responsesPassthrough({ body }: PassthroughRequest): PassthroughEdits<ResponsesStreamEvent> {
  withoutRouterEnvelopes(body);
  return {};
}

function withoutRouterEnvelopes(body: Record<string, unknown>): void {
  if (!Array.isArray(body.input)) return;
  const input = body.input as unknown[];
  const kept = input.filter(
    (item) =>
      !(
        typeof item === 'object' &&
        item !== null &&
        (item as { type?: unknown }).type === 'reasoning' &&
        isRouterEnvelope((item as { encrypted_content?: unknown }).encrypted_content)
      ),
  );
  if (kept.length !== input.length) body.input = kept;
}
