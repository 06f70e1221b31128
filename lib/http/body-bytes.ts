import type { IncomingMessage } from 'node:http';

const counts = new WeakMap<IncomingMessage, { bytes: number }>();

/**
 * Counts the bytes of `req`'s body as they are read, from now on: a kept-alive connection's
 * `bytesRead` counts the requests before it, and their heads, too.
 */
export function countBodyBytes(req: IncomingMessage): void {
  if (counts.has(req)) return;
  const count = { bytes: 0 };
  counts.set(req, count);
  req.on('data', (chunk: Buffer | string) => {
    count.bytes += chunk.length;
  });
}

/** The bytes of `req`'s body read so far, as counted since {@link countBodyBytes}; 0 before it. */
export function bodyBytesReceived(req: IncomingMessage): number {
  return counts.get(req)?.bytes ?? 0;
}
