import { Readable } from 'node:stream';

/** What an answer's first bytes show it to be. */
export type BodyStart = { kind: 'json' } | { kind: 'other' } | { kind: 'silent' } | { kind: 'failed'; error: Error };

/**
 * Reads the first chunk of `body` and hands back what it starts as, with the body as it was for
 * whoever reads it next (the chunk put back, or, for a body that ended at once, an empty one):
 * `json` when its first non-blank character opens a JSON object or array; `silent` when nothing
 * came for `idleMs` (the body is destroyed: its silence already took the whole idle timeout).
 */
export function peekBody(body: Readable, idleMs: number, then: (start: BodyStart, body: Readable) => void): void {
  const settle = (): void => {
    clearTimeout(timer);
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
  };
  const onData = (chunk: Buffer): void => {
    settle();
    body.pause();
    body.unshift(chunk);
    const head = chunk
      .subarray(0, 64)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    then({ kind: head.startsWith('{') || head.startsWith('[') ? 'json' : 'other' }, body);
    body.resume();
  };
  const onEnd = (): void => {
    settle();
    then({ kind: 'other' }, Readable.from([]));
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
