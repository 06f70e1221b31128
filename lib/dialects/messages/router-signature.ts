import { createHash } from 'node:crypto';

/** The prefix of the signatures the router puts on thinking blocks it makes itself. */
export const ROUTER_SIGNATURE_PREFIX = 'epr1.';

/**
 * The signature of a thinking block the router made from another provider's reasoning: the fixed
 * prefix and a digest of the text. It carries no secret; it only tells the block apart from
 * Anthropic's, which Anthropic verifies (and refuses when it did not sign them).
 */
export function routerSignature(thinking: string): string {
  return ROUTER_SIGNATURE_PREFIX + createHash('sha256').update(thinking).digest('base64url').slice(0, 32);
}

/** True for a signature Anthropic cannot have issued: the router's, or none at all (llama-server sends empty ones). */
export function isUnverifiableSignature(signature: unknown): boolean {
  return typeof signature !== 'string' || signature === '' || signature.startsWith(ROUTER_SIGNATURE_PREFIX);
}
