import { SSE_START } from './error-details';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Tells, as an upstream's error body arrives, whether it is already whole: a whole JSON object, or
 * a stream whose first event with data is complete (all `parseUpstreamError` reads of one). Some
 * servers keep their connection open after an error; its message need not wait for them.
 *
 * Each chunk is scanned once, as it comes: a body sent in thousands of small pieces (one per line)
 * would otherwise be joined and parsed again for each, seconds of a blocked event loop for a
 * megabyte.
 */
export class WholeErrorBodyWatcher {
  /** The start of the body, trimmed, until it tells JSON from a stream from anything else. */
  #head = '';
  #kind: 'unknown' | 'json' | 'stream' | 'neither' = 'unknown';
  /** JSON: how deep in braces the scan is, and whether it is in a string or just after its backslash. */
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** JSON: whether the object's closing brace has been seen. */
  #closed = false;
  /** Stream: the first characters of the line being scanned, whether it is a `data:` line and the one before was. */
  #lineStart = '';
  #lineIsData = false;
  #lastLineWasData = false;
  #afterCr = false;

  /** Scans the latest of `received` (all chunks so far, the latest last); whether the body is now whole. */
  add(received: readonly Buffer[]): boolean {
    const chunk = received.at(-1);
    if (!chunk) return false;
    // The chunks that told the body's kind are scanned as well, once.
    const unscanned = this.#kind === 'unknown' && this.#identify(chunk) ? received : [chunk];
    let whole = false;
    for (const piece of unscanned) {
      if (this.#kind === 'json') whole = this.#scanJson(piece);
      else if (this.#kind === 'stream') whole = this.#scanStream(piece);
      if (whole) break;
    }
    if (this.#kind !== 'json' || !whole) return whole;
    if (isJson(received)) return true;
    this.#kind = 'neither';
    return false;
  }

  /**
   * Reads the start of the body (after a byte order mark and whitespace) until it tells its kind;
   * whether it told a kind to scan (JSON or a stream) with this chunk.
   */
  #identify(chunk: Buffer): boolean {
    const head = this.#head + chunk.toString('latin1', 0, Math.min(chunk.length, 16));
    this.#head = (head.startsWith('\xef\xbb\xbf') ? head.slice(3) : head).trimStart();
    if (this.#head === '') return false;
    if (this.#head.startsWith('{')) this.#kind = 'json';
    else if (SSE_START.test(this.#head)) this.#kind = 'stream';
    else if (this.#head.length >= 6 || /[\r\n]/.test(this.#head)) this.#kind = 'neither';
    return this.#kind === 'json' || this.#kind === 'stream';
  }

  /** Whether the object's closing brace has come, and nothing but whitespace after it. */
  #scanJson(chunk: Buffer): boolean {
    for (const byte of chunk) {
      if (this.#closed) {
        if (byte !== 0x20 && byte !== 0x09 && byte !== LF && byte !== CR) {
          this.#kind = 'neither';
          return false;
        }
      } else if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (byte === BACKSLASH) this.#escaped = true;
        else if (byte === QUOTE) this.#inString = false;
      } else if (byte === QUOTE) this.#inString = true;
      else if (byte === OPEN_BRACE) this.#depth++;
      else if (byte === CLOSE_BRACE && --this.#depth === 0) this.#closed = true;
    }
    return this.#closed;
  }

  /** Whether a `data:` line has been followed by a blank line: its event is complete. */
  #scanStream(chunk: Buffer): boolean {
    for (const byte of chunk) {
      if (byte === LF && this.#afterCr) {
        this.#afterCr = false;
        continue;
      }
      this.#afterCr = byte === CR;
      if (byte === CR || byte === LF) {
        if (this.#lineStart === '' && this.#lastLineWasData) return true;
        this.#lastLineWasData = this.#lineIsData;
        this.#lineStart = '';
        this.#lineIsData = false;
      } else if (this.#lineStart.length < 5) {
        this.#lineStart += String.fromCharCode(byte);
        if (this.#lineStart === 'data:') this.#lineIsData = true;
      }
    }
    return false;
  }
}

/** Whether the chunks hold one valid JSON text: parsed once, when its braces have closed. */
function isJson(received: readonly Buffer[]): boolean {
  try {
    JSON.parse(
      Buffer.concat(received)
        .toString('utf8')
        .replace(/^\ufeff/, ''),
    );
    return true;
  } catch {
    return false;
  }
}
