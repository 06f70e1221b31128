import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyBytesReceived } from './body-bytes';

/** How long the rest of a refused body may fall silent before its connection is closed (nginx's `lingering_timeout`). */
const DISCARD_IDLE_MS = 5000;

/**
 * How much of a refused body the router reads away after answering it: four times the limit, and
 * at least 64 MiB. A client still sending reads the answer only once its body is sent: closed
 * under it, the connection is reset, and the client reports a broken connection (its SDK retries)
 * instead of the 413 that says which variable to raise.
 */
export function discardLimit(maxBodyBytes: number): number {
  return Math.max(4 * maxBodyBytes, 64 * 1024 * 1024);
}

/**
 * After a refusal of a body too large (413), reads the rest of `req` away so that the answer reaches
 * a client still sending, as nginx's lingering close does; the connection is closed once more than
 * `limitBytes` arrive, or nothing does for 5 s, and the router reads no more. Returns false,
 * reading nothing, when the body's `Content-Length` says the rest is beyond the limit: the caller
 * answers with `Connection: close`.
 */
export function discardRestOfBody(req: IncomingMessage, res: ServerResponse, limitBytes: number): boolean {
  if (req.readableEnded) return true;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared - bodyBytesReceived(req) > limitBytes) return false;
  let discarded = 0;
  const close = (): void => {
    stop();
    req.socket.destroy();
  };
  const timer = setTimeout(close, DISCARD_IDLE_MS);
  // Not a reason for the host's process to stay up.
  timer.unref();
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limitBytes) close();
    else timer.refresh();
  };
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', stop);
    req.off('close', stop);
    res.off('close', onResponseClose);
  };
  // The client left before its answer was written: there is no one to read it.
  const onResponseClose = (): void => {
    if (!res.writableFinished) close();
  };
  // A `data` listener makes the body consumed, so that Node does not dump it on its own.
  req.on('data', onData);
  req.on('end', stop);
  req.on('close', stop);
  res.on('close', onResponseClose);
  return true;
}
