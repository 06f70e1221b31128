/** Minimal well-formed request bodies of the two client dialects. */

/** A chat completions body with one user message, `hi`; `extra` adds or replaces fields. */
export function chatBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'hi' }], ...extra };
}

/** A Messages body (`max_tokens` 64) with one user message, `hi`; `extra` adds or replaces fields. */
export function messagesBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...extra };
}
