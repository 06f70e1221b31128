import { ROUTER_SIGNATURE_PREFIX } from './messages/router-signature';
import { isRecord } from '../is-record';

/**
 * What the router keeps of a provider's reasoning where a client can only carry an opaque string
 * (DESIGN section 10): a Responses reasoning item's `encrypted_content`, and the signature of a
 * thinking block the router made for a Messages client. When the client sends it back, the next
 * turn gets the reasoning as the provider needs it: its text (`reasoning_content`), and its chat
 * `reasoning_details` (Anthropic's exact signed blocks, another model's own entries). Not
 * encrypted: it holds only what the provider sent, behind a fixed prefix that tells it apart from
 * OpenAI's own.
 */
export interface ReasoningEnvelope {
  /** The provider and model that reasoned: an envelope goes back only to them. */
  provider: string;
  model: string;
  text: string;
  /** Chat `reasoning_details` entries (Anthropic's signed blocks, another model's own), when the provider sent any. */
  details: Record<string, unknown>[];
  /**
   * The `extra_content` of the turn's tool calls (Gemini's thought signatures), by the call's id as
   * the client got it (`tool_use` id, `call_id`), restored on the call with that id.
   */
  calls?: Record<string, Record<string, unknown>>;
}

/** The opaque string of an envelope: `encrypted_content`, or a thinking block's signature. */
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
    // A damaged `calls` is no reason to lose the reasoning: only the calls' extras go.
    if (parsed.calls !== undefined && !isCallExtras(parsed.calls)) delete parsed.calls;
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
 * The start of the id of each reasoning item the router makes for a Responses client (bridged and
 * translated answers): OpenAI's `rs_`, then the router's mark. OpenAI looks a reasoning item sent
 * without `encrypted_content` up by its id, and answers 404 for one it never issued, whatever
 * `store` says: passthrough to OpenAI leaves the router's items out by this mark.
 */
export const ROUTER_REASONING_ID_PREFIX = 'rs_epr1';

/** True for the id of a reasoning item the router made. */
export function isRouterReasoningId(id: unknown): boolean {
  return typeof id === 'string' && id.startsWith(ROUTER_REASONING_ID_PREFIX);
}

function isCallExtras(value: unknown): value is Record<string, Record<string, unknown>> {
  return isRecord(value) && Object.values(value).every(isRecord);
}
