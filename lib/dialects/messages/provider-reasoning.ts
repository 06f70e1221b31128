import { openEnvelope, sealEnvelope } from '../reasoning-envelope';
import { joinedDetails } from '../chat/reasoning-details';

/** Who reasoned: the provider, and the model as the router sent it upstream. */
export interface Reasoner {
  provider: string;
  model: string;
}

/**
 * The signature of a thinking block the router made that also carries the provider's own
 * `reasoning_details` entries (Gemini's thought signatures, behind OpenRouter), or the
 * `extra_content` of the turn's tool calls by `tool_use` id (Gemini's own OpenAI-compatible API): the router's
 * envelope (DESIGN section 10), as a Responses reasoning item's `encrypted_content` is, so that the
 * entries go back to the provider when the client sends the turn back. The block's own text is
 * not repeated in it: the block goes back with its text, which the entries of most models hold
 * already, and Claude Code sends every earlier turn again with each request.
 */
export function carryingSignature(
  reasoner: Reasoner,
  details: readonly Record<string, unknown>[],
  calls: Readonly<Record<string, Record<string, unknown>>> = {},
): string {
  const carried = Object.keys(calls).length > 0 ? { calls: { ...calls } } : {};
  return sealEnvelope({ provider: reasoner.provider, model: reasoner.model, text: '', details: joinedDetails(details), ...carried });
}

/** The provider's entries a thinking block's signature carries, for the provider and model that made them only. */
export function carriedDetails(signature: unknown, reasoner: Reasoner): Record<string, unknown>[] {
  const envelope = openEnvelope(signature);
  return envelope?.provider === reasoner.provider && envelope.model === reasoner.model ? envelope.details : [];
}
