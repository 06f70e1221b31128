import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redactor } from './redactor';

const SAFE_ID = /^[\w.:-]{1,128}$/;

/**
 * The request's id, for the answer's `x-request-id`, telemetry and logs: the host's own when its
 * middleware already set `x-request-id` on the answer (pino-http's `genReqId` example,
 * express-request-id), so that the router neither replaces it nor reports another; else the
 * client's `x-request-id` when it is a plain token; else a new UUID. An id holding a key is not
 * taken: the router writes it into headers, telemetry and logs.
 */
export function requestIdOf(req: IncomingMessage, res: ServerResponse, redactor: Redactor): string {
  const hosts = res.getHeader('x-request-id');
  if ((typeof hosts === 'string' && hosts !== '') || typeof hosts === 'number') {
    const id = String(hosts);
    if (!redactor.containsSecret(id)) return id;
  }
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) && !redactor.containsSecret(given) ? given : randomUUID();
}
