/** The text that replaces a secret in anything the router writes. */
export const REDACTED = '[REDACTED]';

/** Providers echo parts of keys (`sk-proj-****abcd`); a piece this long is treated as the key. */
const PIECE_LENGTH = 12;

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
  const containsSecret = (text: string): boolean => detector.test(text);
  const redact = (text: string): string => (containsSecret(text) ? text.replace(replacer, REDACTED) : text);
  const redactValue = <T>(value: T): T => redactDeep(value, redact) as T;
  return { redact, containsSecret, redactValue };
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
