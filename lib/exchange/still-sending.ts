import type { ClientRequest } from 'node:http';
import { TLSSocket } from 'node:tls';

/**
 * Whether `request` is still going out on an open connection: the upstream is taking a large body
 * more slowly than `PROVIDER_TIMEOUT_MS`, and its wait for an answer has not begun. `open` says the
 * connection is established ({@link whenOpen}): a connection still being opened, TLS handshake
 * included, is no upload, and that wait stays `PROVIDER_TIMEOUT_MS`. The upload is bounded on its
 * own, by `uploadLimitMs` (`PROVIDER_IDLE_TIMEOUT_MS`) from when the connection opened. Node reports
 * a body's progress only once it is written whole, so the bound is on the whole upload, not on a
 * silence within it.
 */
export function stillSending(request: ClientRequest | undefined, open: boolean, sendingForMs: number, uploadLimitMs: number): boolean {
  if (!open || !request || request.writableFinished || request.destroyed) return false;
  const socket = request.socket;
  return socket !== null && !socket.destroyed && sendingForMs < uploadLimitMs;
}

/**
 * Calls `opened` once `request`'s connection is established: at once on a reused kept-alive
 * connection, after the TCP connect on a new one, and after the TLS handshake on a new TLS one (an
 * upstream that accepts TCP and never finishes the handshake has opened nothing).
 */
export function whenOpen(request: ClientRequest, opened: () => void): void {
  const socket = request.socket;
  if (!socket) {
    request.once('socket', () => whenOpen(request, opened));
    return;
  }
  if (request.reusedSocket) opened();
  else if (socket instanceof TLSSocket) socket.once('secureConnect', opened);
  else if (socket.connecting) socket.once('connect', opened);
  else opened();
}
