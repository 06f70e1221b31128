import { isRecord } from '../../is-record';
import { openEnvelope } from '../reasoning-envelope';
import type { CallOrigin } from '../unique-ids';

/**
 * The `extra_content` of a chat tool call (Gemini's OpenAI-compatible API puts the call's thought
 * signature there: `{google: {thought_signature}}`), when it has one. Gemini refuses a tool loop
 * whose calls come back without it, so the router carries it through translations in its
 * envelope (DESIGN section 10), by the call's id as the client got it.
 */
export function extraContentOf(call: unknown): Record<string, unknown> | undefined {
  return isRecord(call) && isRecord(call.extra_content) ? call.extra_content : undefined;
}

/** The `extra_content` of each call an envelope carries, for the provider and model that made them only. */
export function carriedCallExtras(encryptedContent: unknown, origin: CallOrigin): Record<string, Record<string, unknown>> {
  const envelope = openEnvelope(encryptedContent);
  return envelope?.calls && envelope.provider === origin.provider && envelope.model === origin.model ? envelope.calls : {};
}
