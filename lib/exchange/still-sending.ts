import type { ClientRequest } from 'node:http';

/**
 * Whether `request` is still going out on an open connection: the upstream is taking a large body
 * more slowly than `PROVIDER_TIMEOUT_MS`, and its wait for an answer has not begun. The upload is
 * bounded on its own, by `uploadLimitMs` (`PROVIDER_IDLE_TIMEOUT_MS`) from when it began. Node
 * reports a body's progress only once it is written whole, so the bound is on the whole upload, not
 * on a silence within it. A connection still being opened is no upload: that wait stays
 * `PROVIDER_TIMEOUT_MS`.
 */
export function stillSending(request: ClientRequest | undefined, sendingForMs: number, uploadLimitMs: number): boolean {
  if (!request || request.writableFinished || request.destroyed) return false;
  const socket = request.socket;
  return socket !== null && !socket.connecting && !socket.destroyed && sendingForMs < uploadLimitMs;
}
