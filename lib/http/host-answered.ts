import type { ServerResponse } from 'node:http';

/**
 * Whether the host answered the client itself while the router was still working on the request:
 * headers went out that the router did not write (a request-timeout middleware such as
 * connect-timeout, through the host's error handler). The answer is the host's, ended or still
 * being written; the router must write nothing into it, nor cut it off. `routerBegan` says the
 * router wrote a head of its own, when the caller can know.
 */
export function hostAnswered(res: ServerResponse, routerBegan = false): boolean {
  return !routerBegan && res.headersSent;
}
