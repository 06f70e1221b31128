/** Errors of a connection the peer closed: a reset, a hang-up (`ECONNRESET` too) or a write to a closed socket. */
const CONNECTION_CLOSED = new Set(['ECONNRESET', 'EPIPE']);

/**
 * The request failed because its connection was closed by the other side. On a reused kept-alive
 * connection, before any answer, that is the race every pooled HTTP client meets: the server closed
 * the connection while it sat idle, just as the request went out on it.
 */
export function closedByPeer(error: NodeJS.ErrnoException): boolean {
  return error.code !== undefined && CONNECTION_CLOSED.has(error.code);
}
