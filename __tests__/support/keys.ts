/** The provider keys the test hosts are configured with, the pieces of a key that count as the key, and the host's own client token. */

/** The token the host's own clients send: it must never reach a provider. */
export const CLIENT_TOKEN = 'host-client-token';

/** The keys `envFor` gives the providers that take one. */
export const KEYS = {
  openai: 'sk-openai-test-0123456789abcdefghij',
  openrouter: 'sk-or-v1-test-0123456789abcdefghij',
  anthropic: 'sk-ant-api03-test-0123456789abcdefghij',
};

/** A piece this long of a key counts as the key (README, "Headers and secrets"): the router's redactor hides it. */
export const KEY_PIECE_LENGTH = 12;

/** Every {@link KEY_PIECE_LENGTH}-character piece of `key`, in order (the whole key contains them all). */
export function keyPieces(key: string): string[] {
  return Array.from({ length: Math.max(0, key.length - KEY_PIECE_LENGTH + 1) }, (_, start) => key.slice(start, start + KEY_PIECE_LENGTH));
}

/** The pieces of `key` found in `text`, each once. */
export function keyPiecesIn(text: string, key: string): string[] {
  return [...new Set(keyPieces(key).filter((piece) => text.includes(piece)))];
}
