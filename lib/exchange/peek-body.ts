import { Readable } from 'node:stream';

/** What an answer's first bytes show it to be. */
export type BodyStart = { kind: 'json' } | { kind: 'other' } | { kind: 'empty' } | { kind: 'silent' } | { kind: 'failed'; error: Error };

/**
 * Reads the first bytes of `body` that are not whitespace and hands back what it starts as, with
 * the body as it was for whoever reads it next (the bytes put back, or, for a body that ended
 * first, an empty one): `json` when that first character opens a JSON object or array; `empty`
 * when it ended with nothing but whitespace; `silent` when nothing came for `idleMs` (the body is
 * destroyed: its silence already took the whole idle timeout).
 */
export function peekBody(body: Readable, idleMs: number, then: (start: BodyStart, body: Readable) => void): void {
  const settle = (): void => {
    clearTimeout(timer);
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
  };
  // Whitespace first tells nothing (some servers keep a connection alive with newlines before
  // their answer): it is held, and counts as the upstream's activity, until a byte that tells.
  const held: Buffer[] = [];
  let heldBytes = 0;
  const onData = (chunk: Buffer): void => {
    const head = startOf(chunk, held.length === 0);
    if (head === '' && heldBytes + chunk.length <= MAX_HELD_BYTES) {
      held.push(chunk);
      heldBytes += chunk.length;
      timer.refresh();
      return;
    }
    settle();
    body.pause();
    body.unshift(held.length === 0 ? chunk : Buffer.concat([...held, chunk]));
    then({ kind: head === '{' || head === '[' ? 'json' : 'other' }, body);
    body.resume();
  };
  const onEnd = (): void => {
    settle();
    then({ kind: 'empty' }, Readable.from([]));
  };
  const onError = (error: Error): void => {
    settle();
    then({ kind: 'failed', error }, body);
  };
  // Destroyed without an error (the client hung up and the exchange aborted its upstream): no
  // byte will come, and the timer must not hold the process for the rest of `idleMs`.
  const onClose = (): void => {
    settle();
    then({ kind: 'failed', error: new Error('the connection closed before the answer began') }, body);
  };
  const timer = setTimeout(() => {
    settle();
    body.destroy();
    then({ kind: 'silent' }, body);
  }, idleMs);
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('error', onError);
  body.once('close', onClose);
}

/** How much whitespace is held before the answer is read as what it is anyway (no JSON). */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * The first byte of `chunk` that is not JSON whitespace (nor, at the body's start, a UTF-8 byte
 * order mark), as a character; '' when there is none. Read byte by byte: the chunk may be a whole
 * large answer, and only its first meaningful byte matters.
 */
function startOf(chunk: Buffer, bodyStart: boolean): string {
  const from = bodyStart && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
  for (let at = from; at < chunk.length; at += 1) {
    const byte = chunk.readUInt8(at);
    if (!WHITESPACE.has(byte)) return String.fromCharCode(byte);
  }
  return '';
}

/** Space, tab, line feed and carriage return: the whitespace JSON allows before a value. */
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
