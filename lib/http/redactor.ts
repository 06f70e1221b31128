/** The text that replaces a secret in anything the router writes. */
export const REDACTED = '[REDACTED]';

/** Providers echo parts of keys (`sk-proj-****abcd`); a piece this long is treated as the key. */
const PIECE_LENGTH = 12;
/** Blocks start every half piece, so every piece holds a whole block (see `blockFinderOf`). */
const BLOCK_STRIDE = PIECE_LENGTH / 2;
/** As long as a piece allows (`BLOCK_STRIDE + BLOCK_LENGTH - 1 <= PIECE_LENGTH`): longer blocks match by chance less often. */
const BLOCK_LENGTH = PIECE_LENGTH - BLOCK_STRIDE + 1;

/** Removes configured secrets from text the router writes. Built once, at creation. */
export interface Redactor {
  /**
   * Replaces every secret, and every 12-character piece of one, with `[REDACTED]`, ignoring case
   * (header names arrive lower-cased), also where JSON escapes or URL encoding write it.
   */
  redact(text: string): string;
  /** Whether `text` holds a secret or a piece of one: one regular-expression test. */
  containsSecret(text: string): boolean;
  /** Redacts every string inside a JSON-like value; returns a copy. */
  redactValue<T>(value: T): T;
}

/**
 * Builds a {@link Redactor} for `secrets`, each trimmed (values shorter than 4 characters are
 * ignored). A key shorter than a piece is only found as a whole word, and not as a JSON number:
 * `1234` inside a timestamp, as a token count, or `test` inside `testing` is left alone, which
 * would otherwise break the JSON or the text of answers that merely contain those characters.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const keys = [...new Set(secrets.map((secret) => secret.trim()).filter((secret) => secret.length >= 4))];
  if (keys.length === 0) {
    return { redact: (text) => text, containsSecret: () => false, redactValue: (value) => value };
  }
  const alternatives = alternativesOf(keys);
  const replacer = new RegExp(patternOf(alternatives, escapeRegExp), 'gi');
  const detector = new RegExp(patternOf(alternatives, escapeRegExp), 'i');
  let escapedReplacer: RegExp | undefined;
  const blockFinder = keys.every(isAscii) ? blockFinderOf(keys) : undefined;
  // The regular expression tries every alternative at every position of the text; most texts
  // hold no secret, and looking for the blocks first tells that several times faster.
  const holdsSecret = blockFinder
    ? (text: string): boolean => blockFinder.test(text) && detector.test(text)
    : (text: string): boolean => detector.test(text);
  // Upstreams echo keys escaped too: JSON-escaped (`\/`, `\u002f`), URL-encoded (`%2F`), nested
  // once or twice (a provider's error quoted as a string in another's). A client decodes them.
  const escape = escapeIn(keys);
  const holdsEscapedSecret = (text: string): boolean => escape.test(text) && holdsSecret(unescaped(text));
  const containsSecret = (text: string): boolean => holdsSecret(text) || holdsEscapedSecret(text);
  const redact = (text: string): string => {
    // The escaped forms include the plain ones; replacing those first would cut an escaped key in pieces too short to find.
    if (holdsEscapedSecret(text)) {
      escapedReplacer ??= new RegExp(patternOf(alternatives, escapedForms), 'gi');
      return text.replace(escapedReplacer, REDACTED);
    }
    return holdsSecret(text) ? text.replace(replacer, REDACTED) : text;
  };
  const redactValue = <T>(value: T): T => redactDeep(value, redact) as T;
  return { redact, containsSecret, redactValue };
}

/** Every key, and every piece of every key, longest first, so that a whole key is replaced as one piece. */
function alternativesOf(keys: readonly string[]): string[] {
  const alternatives = new Set<string>();
  for (const key of keys) {
    alternatives.add(key);
    for (let start = 0; start + PIECE_LENGTH <= key.length; start++) {
      alternatives.add(key.slice(start, start + PIECE_LENGTH));
    }
  }
  return [...alternatives].sort((a, b) => b.length - a.length);
}

/** One regular expression for `alternatives`, each character written by `charPattern`; short keys as whole words (`SHORT_KEY_START`). */
function patternOf(alternatives: readonly string[], charPattern: (char: string) => string): string {
  return alternatives
    .map((alternative) => {
      const pattern = Array.from(alternative, charPattern).join('');
      return alternative.length < PIECE_LENGTH ? `${SHORT_KEY_START}${pattern}(?![a-z0-9])` : pattern;
    })
    .join('|');
}

/**
 * Where a key shorter than a piece may start: not inside a word or a number (`1234` in
 * `1712345678`), nor where a JSON number stands (`"prompt_tokens":1234`, `[1234,5]`), which
 * redacting would turn into a body that is no JSON. In prose (`Invalid key: 1234`) it is redacted.
 */
const SHORT_KEY_START = '(?<![a-z0-9]|"\\s*:\\s*|[,\\[])';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The escapes that may hide a character of one of `keys`, possibly escaped again: `\uXXXX` always;
 * `\/`, `\"` and `\\` only for keys holding those characters, and `%XX` only for keys holding a
 * character URL encoding changes, so that the usual JSON text (`\n`, `\"`) is searched only once.
 */
function escapeIn(keys: readonly string[]): RegExp {
  const escapes = ['\\\\+u[0-9a-f]{4}'];
  if (keys.some((key) => /[/"\\]/.test(key))) escapes.push('\\\\+[/"\\\\]');
  if (keys.some((key) => encodeURIComponent(key) !== key)) escapes.push('%(?:25)*[0-9a-f]{2}');
  return new RegExp(escapes.join('|'), 'i');
}

/** One character of a key as it may be written escaped: as itself, `\uXXXX` or `%XX`, and, when not a letter or digit, after backslashes. */
function escapedForms(char: string): string {
  const code = char.charCodeAt(0);
  const hex4 = code.toString(16).padStart(4, '0');
  const forms = [/[a-z0-9]/i.test(char) ? char : `\\\\*${escapeRegExp(char)}`, `\\\\*u${hex4}`];
  if (code < 0x80) forms.push(`%(?:25)*${hex4.slice(2)}`);
  return `(?:${forms.join('|')})`;
}

/** `text` with its JSON and URL escapes decoded, three times over: only ever searched, never written. */
function unescaped(text: string): string {
  let decoded = text;
  for (let round = 0; round < 3; round++) {
    const next = decoded.replace(
      /\\u([0-9a-f]{4})|\\([/"\\])|%([0-9a-f]{2})/gi,
      (_match, hex4?: string, char?: string, hex2?: string) => char ?? String.fromCharCode(parseInt(hex4 ?? hex2 ?? '', 16)),
    );
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

/**
 * One case-insensitive expression for the blocks of `keys`, such that every 12-character piece of
 * a key contains one: its 7-character blocks at offsets 0, 6, 12, ... (a piece starting at `i`
 * holds the block at the next multiple of 6, at most `i + 5`, which ends by `i + 12`). A key
 * shorter than a piece is its own block. One expression over the text is three to six times
 * faster than lower-casing it and searching it once a block (measured with one to eight keys).
 * Sound for ASCII keys only: non-Unicode `/i` never folds a non-ASCII character to ASCII.
 */
function blockFinderOf(keys: readonly string[]): RegExp {
  const blocks = new Set<string>();
  for (const key of keys) {
    const lower = key.toLowerCase();
    if (key.length < PIECE_LENGTH) blocks.add(lower);
    else for (let start = 0; start + BLOCK_LENGTH <= lower.length; start += BLOCK_STRIDE) blocks.add(lower.slice(start, start + BLOCK_LENGTH));
  }
  return new RegExp([...blocks].map(escapeRegExp).join('|'), 'i');
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
