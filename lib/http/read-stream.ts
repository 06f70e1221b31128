import type { Readable } from 'node:stream';

/** Why a stream could not be read whole. */
export type ReadFailure = 'too_large' | 'idle' | 'closed' | 'failed';

/** A stream that could not be read whole, and why. */
export class StreamReadError extends Error {
  constructor(
    readonly reason: ReadFailure,
    message: string,
    /** The stream error's code, when it failed with one (`ECONNRESET` for a connection cut mid-body). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Limits of {@link readStream}. */
export interface ReadLimits {
  maxBytes: number;
  /** Past `maxBytes`: `'reject'`, `'truncate'` (resolve what arrived) or `'drain'` (reject, and read the rest away so that an answer can still be sent). */
  overflow: 'reject' | 'truncate' | 'drain';
  /** Rejects after this long without a byte; no limit when absent. */
  idleMs?: number | undefined;
  /**
   * Whether what arrived (the chunks so far, the latest last) is already the whole of what the
   * reader needs. When it is and the stream has not ended by the next turn of the event loop, the
   * read resolves with it and the stream is destroyed: some servers keep a connection open after a
   * whole body.
   */
  enough?: ((received: readonly Buffer[]) => boolean) | undefined;
}

/** Reads a request or response body whole, within `limits`. */
export function readStream(stream: Readable, limits: ReadLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let idleTimer: NodeJS.Timeout | undefined;
    let enoughCheck: NodeJS.Immediate | undefined;
    const cleanup = (): void => {
      clearTimeout(idleTimer);
      clearImmediate(enoughCheck);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const fail = (reason: ReadFailure, message: string, destroy: boolean, code?: string): void => {
      cleanup();
      if (destroy) stream.destroy();
      reject(new StreamReadError(reason, message, code));
    };
    const armIdleTimer = (): void => {
      if (limits.idleMs === undefined) return;
      // refresh() restarts the running timer: cheaper than a new one for every chunk.
      if (idleTimer) idleTimer.refresh();
      else idleTimer = setTimeout(() => fail('idle', `nothing arrived for ${limits.idleMs} ms`, true), limits.idleMs);
    };
    const onData = (received: Buffer | string): void => {
      // Text when something before the reader set an encoding (a host's raw-body keeper calls
      // `req.setEncoding('utf8')`): turned back into the bytes it was decoded from.
      const chunk = typeof received === 'string' ? Buffer.from(received, stream.readableEncoding ?? 'utf8') : received;
      armIdleTimer();
      size += chunk.length;
      if (size <= limits.maxBytes) {
        chunks.push(chunk);
        // A body that ends with this chunk ends before the check runs, and keeps its connection.
        if (limits.enough && enoughCheck === undefined && limits.enough(chunks)) {
          enoughCheck = setImmediate(() => {
            cleanup();
            stream.destroy();
            resolve(Buffer.concat(chunks, size));
          });
        }
        return;
      }
      if (limits.overflow === 'truncate') {
        cleanup();
        stream.destroy();
        resolve(Buffer.concat(chunks));
      } else if (limits.overflow === 'drain') {
        fail('too_large', `larger than ${limits.maxBytes} bytes`, false);
        stream.resume();
      } else {
        fail('too_large', `larger than ${limits.maxBytes} bytes`, true);
      }
    };
    const onEnd = (): void => {
      cleanup();
      const single = chunks.length === 1 ? chunks[0] : undefined;
      resolve(single ?? Buffer.concat(chunks, size));
    };
    const onError = (error: NodeJS.ErrnoException): void => fail('failed', error.message, false, error.code);
    const onClose = (): void => fail('closed', 'the connection closed before the body was complete', false);
    armIdleTimer();
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
