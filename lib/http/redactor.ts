import { blockScannerOf } from './block-scanner';

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
   * (header names arrive lower-cased), also where JSON escapes or URL encoding write it; a whole
   * key of 12 characters or more also as base64 or base64url writes it.
   */
  redact(text: string): string;
  /** Whether `text` holds a secret or a piece of one: one regular-expression test. */
  containsSecret(text: string): boolean;
  /** Redacts every string inside a JSON-like value; returns a copy. */
  redactValue<T>(value: T): T;
  /**
   * This redactor, or one that also finds `secrets` when one of them is new (a host adapter's key
   * read from a store on each request, rotated since the router was created). Built once for each
   * new set of keys, a few kept.
   */
  withSecrets(secrets: readonly string[]): Redactor;
}

/** How many redactors for keys learnt after creation are kept; keys rotate seldom. */
const LATER_KEY_REDACTORS = 8;

/**
 * Builds a {@link Redactor} for `secrets`, each trimmed (values shorter than 4 characters are
 * ignored). A key shorter than a piece is only found as a whole word, and not as a JSON number:
 * `1234` inside a timestamp, as a token count, or `test` inside `testing` is left alone, which
 * would otherwise break the JSON or the text of answers that merely contain those characters.
 */
export function createRedactor(secrets: readonly string[]): Redactor {
  const keys = [...new Set(secrets.map((secret) => secret.trim()).filter((secret) => secret.length >= 4))];
  const known = new Set(keys);
  const later = new Map<string, Redactor>();
  const withSecrets = (more: readonly string[]): Redactor => {
    const added = more.map((secret) => secret.trim()).filter((secret) => secret.length >= 4 && !known.has(secret));
    if (added.length === 0) return redactor;
    const id = [...new Set(added)].sort().join('\n');
    let extended = later.get(id);
    if (!extended) {
      if (later.size >= LATER_KEY_REDACTORS) later.clear();
      // Only the new keys' expressions are built: the others' take milliseconds to build again.
      extended = both(redactor, redactorOf(added), withSecrets);
      later.set(id, extended);
    }
    return extended;
  };
  const redactor: Redactor = { ...redactorOf(keys), withSecrets };
  return redactor;
}

/** A redactor that finds what `first` and `second` find, the keys of each replaced in turn. */
function both(first: Omit<Redactor, 'withSecrets'>, second: Omit<Redactor, 'withSecrets'>, withSecrets: Redactor['withSecrets']): Redactor {
  const redact = (text: string): string => second.redact(first.redact(text));
  return {
    redact,
    containsSecret: (text) => first.containsSecret(text) || second.containsSecret(text),
    redactValue: <T>(value: T): T => redactDeep(value, redact) as T,
    withSecrets,
  };
}

/** The redaction of `keys` (trimmed, none shorter than 4 characters). */
function redactorOf(keys: readonly string[]): Omit<Redactor, 'withSecrets'> {
  if (keys.length === 0) {
    return { redact: (text) => text, containsSecret: () => false, redactValue: (value) => value };
  }
  // Whole keys only: the base64 of a key's 12-character piece is short enough to occur by chance.
  const encoded = keys.filter((key) => key.length >= PIECE_LENGTH).flatMap(base64Forms);
  const alternatives = [...alternativesOf(keys), ...encoded].sort((a, b) => b.length - a.length);
  const replacer = new RegExp(patternOf(alternatives, escapeRegExp), 'gi');
  const detector = new RegExp(patternOf(alternatives, escapeRegExp), 'i');
  let escapedReplacer: RegExp | undefined;
  const holdsBlock = keys.every(isAscii) ? blockScannerOf(blocksOf(keys, encoded)) : undefined;
  // The regular expression tries every alternative at every position of the text; most texts
  // hold no secret, and looking for the blocks first tells that several times faster.
  const holdsSecret = holdsBlock
    ? (text: string): boolean => holdsBlock(text) && detector.test(text)
    : (text: string): boolean => detector.test(text);
  // Upstreams echo keys escaped too: JSON-escaped (`\/`, `\u002f`), URL-encoded (`%2F`), nested
  // once or twice (a provider's error quoted as a string in another's). A client decodes them.
  const escape = escapeIn([...keys, ...encoded]);
  const holdsEscapedSecret = (text: string): boolean => escape.test(text) && holdsSecret(unescaped(text));
  const containsSecret = (text: string): boolean => holdsSecret(text) || holdsEscapedSecret(text);
  const rests = restsOf(keys);
  const redact = (text: string): string => {
    // The escaped forms include the plain ones; replacing those first would cut an escaped key in pieces too short to find.
    if (holdsEscapedSecret(text)) {
      escapedReplacer ??= new RegExp(patternOf(alternatives, escapedForms), 'gi');
      return replaceSecrets(text, escapedReplacer, rests, unescaped);
    }
    return holdsSecret(text) ? replaceSecrets(text, replacer, rests, (match) => match) : text;
  };
  const redactValue = <T>(value: T): T => redactDeep(value, redact) as T;
  return { redact, containsSecret, redactValue };
}

/**
 * `text` with every match of `pattern` replaced by `[REDACTED]`, each match of a key's piece going
 * on over as much of the rest of that key as the text holds (`rests`, by the piece as `plain`
 * decodes it, in lower case): a piece replaced alone would leave up to 11 characters of the key
 * after it, from an upstream that echoes the key's last 20. No match can start earlier within the
 * key: a piece one character further left would have matched first.
 */
function replaceSecrets(text: string, pattern: RegExp, rests: ReadonlyMap<string, readonly string[]>, plain: (match: string) => string): string {
  let redacted = '';
  let copied = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    let end = match.index + match[0].length;
    for (const rest of rests.get(plain(match[0]).toLowerCase()) ?? []) end = Math.max(end, continuedTo(text, match.index + match[0].length, rest));
    redacted += text.slice(copied, match.index) + REDACTED;
    copied = end;
    pattern.lastIndex = end;
  }
  return redacted + text.slice(copied);
}

/** How far, from `start`, `text` goes on with the characters of `rest`, each as it is or escaped. */
function continuedTo(text: string, start: number, rest: string): number {
  let at = start;
  for (const char of rest) {
    const form = charFormOf(char);
    form.lastIndex = at;
    if (!form.test(text)) break;
    at = form.lastIndex;
  }
  return at;
}

const charForms = new Map<string, RegExp>();
/** A sticky expression for one character of a key, as {@link escapedForms} writes it. */
function charFormOf(char: string): RegExp {
  let form = charForms.get(char);
  if (!form) {
    form = new RegExp(escapedForms(char), 'iy');
    charForms.set(char, form);
  }
  return form;
}

/** For each 12-character piece of `keys` (in lower case), the rest of its key after it, where there is a rest. */
function restsOf(keys: readonly string[]): Map<string, string[]> {
  const rests = new Map<string, string[]>();
  for (const key of keys) {
    for (let start = 0; start + PIECE_LENGTH < key.length; start++) {
      const piece = key.slice(start, start + PIECE_LENGTH).toLowerCase();
      rests.set(piece, [...(rests.get(piece) ?? []), key.slice(start + PIECE_LENGTH)]);
    }
  }
  return rests;
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
 * The escapes that may hide a character of one of `keys`, possibly escaped again: `\uXXXX` and
 * `%XX` always (an encoder may percent-encode any byte, `-` as `%2D`, though real keys hold only
 * characters URL encoding leaves as they are); `\/`, `\"` and `\\` only for keys holding those
 * characters, so that the usual JSON text (`\n`, `\"`) is searched only once.
 */
function escapeIn(keys: readonly string[]): RegExp {
  const escapes = ['\\\\+u[0-9a-f]{4}', '%(?:25)*[0-9a-f]{2}'];
  if (keys.some((key) => /[/"\\]/.test(key))) escapes.push('\\\\+[/"\\\\]');
  return new RegExp(escapes.join('|'), 'i');
}

/**
 * A key as base64 and base64url write it (an upstream that echoes the Basic credentials it got, or
 * dumps its request headers): what stands for the key's bytes alone, at each of the three offsets
 * the key can start at after other bytes (`user:key`), the characters shared with those bytes left out.
 */
function base64Forms(key: string): string[] {
  const bytes = Buffer.from(key, 'utf8');
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const written = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const form = written.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    forms.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(forms)];
}

/** Backslashes before an escaped character, written as they are or URL-encoded (`%5Cu002d`: JSON-escaped, then URL-encoded). */
const BACKSLASHES = '(?:\\\\|%(?:25)*5c)*';

/** One character of a key as it may be written escaped: as itself, `\uXXXX` or `%XX`, and, when not a letter or digit, after backslashes. */
function escapedForms(char: string): string {
  const code = char.charCodeAt(0);
  const hex4 = code.toString(16).padStart(4, '0');
  const forms = [/[a-z0-9]/i.test(char) ? char : `${BACKSLASHES}${escapeRegExp(char)}`, `${BACKSLASHES}u${hex4}`];
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
 * The blocks of `keys` (and the first block of each of their `encoded` forms), in lower case, such
 * that every 12-character piece of a key contains one: its 7-character blocks at offsets 0, 6, 12,
 * ... (a piece starting at `i` holds the block at the next multiple of 6, at most `i + 5`, which
 * ends by `i + 12`). A key shorter than a piece is its own block. Found ignoring ASCII case
 * ({@link blockScannerOf}), which is sound for ASCII keys only, as the detector's non-Unicode `/i`
 * never folds a non-ASCII character to ASCII either.
 */
function blocksOf(keys: readonly string[], encoded: readonly string[]): string[] {
  const blocks = new Set<string>();
  for (const key of keys) {
    const lower = key.toLowerCase();
    if (key.length < PIECE_LENGTH) blocks.add(lower);
    else for (let start = 0; start + BLOCK_LENGTH <= lower.length; start += BLOCK_STRIDE) blocks.add(lower.slice(start, start + BLOCK_LENGTH));
  }
  // An encoded key is found only whole: its first block is in every match.
  for (const form of encoded) blocks.add(form.slice(0, BLOCK_LENGTH).toLowerCase());
  return [...blocks];
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
