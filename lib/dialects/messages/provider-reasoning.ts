import { openEnvelope, sealEnvelope } from '../responses/reasoning-envelope';
import { joinedDetails } from './to-chat/reasoning-details';

/** Who reasoned: the provider, and the model as the router sent it upstream. */
export interface Reasoner {
  provider: string;
  model: string;
}

/**
 * The signature of a thinking block the router made that also carries the provider's own
 * `reasoning_details` entries (Gemini's thought signatures, behind OpenRouter): the router's
 * envelope (DESIGN section 10), as a Responses reasoning item's `encrypted_content` is, so that the
 * entries go back to the provider when the client sends the turn back.
 */
export function carryingSignature(reasoner: Reasoner, thinking: string, details: readonly Record<string, unknown>[]): string {
  return sealEnvelope({ ...reasoner, text: thinking, details: joinedDetails(details) });
}

/** The provider's entries a thinking block's signature carries, for the provider and model that made them only. */
export function carriedDetails(signature: unknown, reasoner: Reasoner): Record<string, unknown>[] {
  const envelope = openEnvelope(signature);
  return envelope?.provider === reasoner.provider && envelope.model === reasoner.model ? envelope.details : [];
}
