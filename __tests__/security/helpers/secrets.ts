import { KEY_PIECE_LENGTH, KEYS, keyPieces } from '../../support/keys';

/** The llama-server key of the security hosts (`LOCAL_API_KEY`); the other keys are the support's. */
export const LOCAL_KEY = 'sk-local-llama-9876543210ZYXWVUTSRQ';

/** Every key the security hosts are configured with, by provider id. */
export const ALL_KEYS: Record<'openai' | 'openrouter' | 'anthropic' | 'local', string> = { ...KEYS, local: LOCAL_KEY };

/** Every 12-character piece of every key (the whole keys contain them). */
export const FORBIDDEN_PIECES: readonly string[] = [...new Set(Object.values(ALL_KEYS).flatMap(keyPieces))];

/** A piece of `key` that is neither its start nor its end, as a provider's masked echo might carry. */
export function innerPiece(key: string): string {
  return key.slice(3, 3 + KEY_PIECE_LENGTH);
}

/**
 * The leaks found in `text`: one line naming `where`, how many key pieces occur there and the
 * first one in context; empty when there is none. Compared case-insensitively, so that an
 * upper- or lower-cased echo (a key in a header name comes out lower-cased) counts too.
 */
export function findLeaks(where: string, text: string): string[] {
  const haystack = text.toLowerCase();
  const found = FORBIDDEN_PIECES.filter((piece) => haystack.includes(piece.toLowerCase()));
  if (found.length === 0) return [];
  const first = found[0]!;
  const at = haystack.indexOf(first.toLowerCase());
  const context = text.slice(Math.max(0, at - 60), at + first.length + 60);
  return [`${where}: ${found.length} key piece(s), first "${first}" in ${JSON.stringify(context)}`];
}

/** Header names and values, one `name: value` line each, from `rawHeaders`. */
export function headerText(rawHeaders: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return lines.join('\n');
}
