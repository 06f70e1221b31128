import type { ServerResponse } from 'node:http';
import { ProviderRouterError } from '../errors';
import type { Dialect } from '../dialects/dialect';
import { DIALECTS } from '../dialects/registry';
import { requestIdHeaders } from './header-policy';
import type { Redactor } from './redactor';
import { hostAnswered } from './host-answered';
import { writeHead } from './write-head';

/**
 * Answers an error the router raised before anything went upstream, in the client's dialect.
 * Unknown errors become a 500 without their details. Keys are redacted: a message may quote what
 * the client sent (a model name, a content type).
 */
export function sendRouterError(
  res: ServerResponse,
  dialect: Dialect,
  error: unknown,
  ids: { requestId: string; provider?: string },
  redactor: Redactor,
  /** The host's `scrubHeaders` hook for the client's headers, once routing chose a provider. */
  scrub?: (headers: Record<string, string>) => Record<string, string>,
): void {
  const known =
    error instanceof ProviderRouterError
      ? error
      : new ProviderRouterError('upstream_error', 'The router failed to handle the request', 500, 'server_error');
  // The host answered while the body was read (its request timeout): the answer is its own, ended
  // or still being written, and the router never began one.
  if (hostAnswered(res)) return;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', ...requestIdHeaders(ids.requestId, dialect) };
  const provider = ids.provider ?? known.provider;
  if (provider) headers['x-provider'] = provider;
  writeHead(res, known.status, scrub ? scrub(headers) : headers);
  const body = DIALECTS[dialect].errorBody({
    status: known.status,
    message: known.message,
    type: known.type,
    code: known.code,
    param: known.param,
    details: known.details,
  });
  res.end(redactor.redact(JSON.stringify(body)));
}
