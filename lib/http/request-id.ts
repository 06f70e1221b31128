import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Redactor } from './redactor';

const SAFE_ID = /^[\w.:-]{1,128}$/;

/**
 * The client's `x-request-id` when it is a plain token, else a new UUID. An id holding a key is
 * not echoed: the router writes it into headers, telemetry and logs.
 */
export function requestIdOf(req: IncomingMessage, redactor: Redactor): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) && !redactor.containsSecret(given) ? given : randomUUID();
}
