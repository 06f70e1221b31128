/** Chat `reasoning_details`, OpenRouter's array of a provider's reasoning pieces, as the router reads them. */

/** The fields streamed in pieces, by the type of entry they belong to. */
const STREAMED_FIELD: Readonly<Record<string, string>> = { 'reasoning.text': 'text', 'reasoning.summary': 'summary' };

/**
 * Streamed `reasoning_details` pieces as the whole entries a client sends back: text and summary
 * pieces of one type and `index` join into one entry (their text or summary concatenated, the
 * other fields of the first piece that has them). Encrypted entries come whole and stay as they
 * are, as do entries without an index: OpenRouter numbers Gemini's thought signature with the
 * index of its reasoning text, and a signature merged into the text would never reach Gemini.
 */
export function joinedDetails(pieces: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const joined: Record<string, unknown>[] = [];
  const byKey = new Map<string, Record<string, unknown>>();
  for (const piece of pieces) {
    const field = typeof piece.type === 'string' && Object.hasOwn(STREAMED_FIELD, piece.type) ? STREAMED_FIELD[piece.type] : undefined;
    const key = field !== undefined && typeof piece.index === 'number' ? `${String(piece.type)}:${piece.index}` : undefined;
    const entry = key === undefined ? undefined : byKey.get(key);
    if (!entry) {
      const copy = { ...piece };
      joined.push(copy);
      if (key !== undefined) byKey.set(key, copy);
      continue;
    }
    for (const [name, value] of Object.entries(piece)) {
      if (name === field && typeof value === 'string') entry[name] = (typeof entry[name] === 'string' ? entry[name] : '') + value;
      else entry[name] ??= value;
    }
  }
  return joined;
}
