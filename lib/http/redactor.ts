/** The text that replaces a secret in anything the router writes. */
export const REDACTED = '[REDACTED]';

/** Providers echo parts of keys (`sk-proj-****abcd`); a piece this long is treated as the key. */
const PIECE_LENGTH = 12;
/** Blocks start every half piece, so every piece holds a whole block (see `blocksOf`). */
const BLOCK_STRIDE = PIECE_LENGTH / 2;
/**
 * As long as a piece allows (`BLOCK_STRIDE + BLOCK_LENGTH - 1 <= PIECE_LENGTH`): V8 searches
 * patterns of 7 characters or more with Boyer-Moore-Horspool, shorter ones character by character.
 */
const BLOCK_LENGTH = PIECE_LENGTH - BLOCK_STRIDE + 1;

/** Removes configured secrets from text the router writes. Built once, at creation. */
export interface Redactor {
  /**
   * Replaces every secret, and every 12-character piece of one, with `[REDACTED]`, ignoring case
   * (header names arrive lower-cased).
   */
  redact(text: string): string;
  /** Whether `text` holds a secret or a piece of one: one regular-expression test. */
  containsSecret(text: string): boolean;
  /** Redacts every string inside a JSON-like value; returns a copy. */
  redactValue<T>(value: T): T;
}

/** Builds a {@link Redactor} for `secrets` (values shorter than 4 characters are ignored). */
export function createRedactor(secrets: readonly string[]): Redactor {
  const keys = [...new Set(secrets.filter((secret) => secret.length >= 4))];
  if (keys.length === 0) {
    return { redact: (text) => text, containsSecret: () => false, redactValue: (value) => value };
  }
  const alternatives = new Set<string>();
  for (const key of keys) {
    alternatives.add(key);
    for (let start = 0; start + PIECE_LENGTH <= key.length; start++) {
      alternatives.add(key.slice(start, start + PIECE_LENGTH));
    }
  }
  // Longest first, so that a whole key is replaced as one piece.
  const source = [...alternatives]
    .sort((a, b) => b.length - a.length)
    .map((alternative) => alternative.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  const replacer = new RegExp(source, 'gi');
  const detector = new RegExp(source, 'i');
  const blocks = keys.every(isAscii) ? [...new Set(keys.flatMap(blocksOf))] : undefined;
  // The regular expression tries every alternative at every position of the text; most texts
  // hold no secret, and looking for the blocks first tells that several times faster.
  const containsSecret = blocks
    ? (text: string): boolean => mayContainBlock(text, blocks) && detector.test(text)
    : (text: string): boolean => detector.test(text);
  const redact = (text: string): string => (containsSecret(text) ? text.replace(replacer, REDACTED) : text);
  const redactValue = <T>(value: T): T => redactDeep(value, redact) as T;
  return { redact, containsSecret, redactValue };
}

/**
 * Lower-cased pieces of `key` such that every 12-character piece of it contains one: its
 * 7-character blocks at offsets 0, 6, 12, ... (a piece starting at `i` holds the block at the
 * next multiple of 6, at most `i + 5`, which ends by `i + 12`). A key shorter than a piece is its
 * own block.
 */
function blocksOf(key: string): string[] {
  const lower = key.toLowerCase();
  if (key.length < PIECE_LENGTH) return [lower];
  const blocks: string[] = [];
  for (let start = 0; start + BLOCK_LENGTH <= lower.length; start += BLOCK_STRIDE) blocks.push(lower.slice(start, start + BLOCK_LENGTH));
  return blocks;
}

/**
 * Whether the lower-cased text holds one of the blocks. Sound for ASCII keys: a case-insensitive
 * match of ASCII characters (non-Unicode `/i` never folds a non-ASCII character to ASCII) is
 * still a match after `toLowerCase()`.
 */
function mayContainBlock(text: string, blocks: readonly string[]): boolean {
  const lower = text.toLowerCase();
  for (const block of blocks) {
    if (lower.includes(block)) return true;
  }
  return false;
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[redact(key)] = redactDeep(item, redact);
    return copy;
  }
  if (value instanceof Error) return redact(value.message);
  return value;
}
