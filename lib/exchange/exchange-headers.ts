import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { pickClientHeaders, pickUpstreamHeaders, STREAM_HEADERS } from '../http/header-policy';
import type { Redactor } from '../http/redactor';
import type { HeaderMap, ScrubHeadersHook } from '../options';
import type { ProviderAdapter } from '../providers/provider-adapter';

const USER_AGENT = 'express-provider-router';

/** Identifies the request for the hook and the client. */
export interface HeaderContext {
  provider: ProviderAdapter;
  requestId: string;
  scrubHeaders: ScrubHeadersHook | undefined;
}

/**
 * The headers the upstream receives: the allowlisted client headers, the provider's defaults,
 * then the host's hook, then the provider's auth, which the hook never sees.
 */
export function buildUpstreamHeaders(req: IncomingMessage, forwardHeaders: readonly string[], context: HeaderContext): HeaderMap {
  let headers = pickUpstreamHeaders(req.headers, forwardHeaders);
  for (const [name, value] of Object.entries(context.provider.defaultHeaders ?? {})) {
    headers[name.toLowerCase()] ??= value;
  }
  headers['content-type'] = 'application/json';
  if (context.scrubHeaders) {
    headers = normalize(context.scrubHeaders({ ...headers }, { direction: 'upstream', provider: context.provider.id, requestId: context.requestId }));
  }
  // The router reads every answer (usage, errors, translation): it must arrive uncompressed.
  headers['accept-encoding'] = 'identity';
  headers['user-agent'] ??= USER_AGENT;
  for (const [name, value] of Object.entries(context.provider.upstreamHeaders())) headers[name.toLowerCase()] = value;
  return headers;
}

/** The headers of the router's answer: allowlisted upstream headers, its own, then the hook. */
export function buildClientHeaders(
  upstreamHeaders: IncomingHttpHeaders | undefined,
  kind: 'stream' | 'json',
  context: HeaderContext,
  redactor: Redactor,
): HeaderMap {
  const headers: HeaderMap = upstreamHeaders ? pickClientHeaders(upstreamHeaders) : {};
  if (kind === 'stream') Object.assign(headers, STREAM_HEADERS);
  else headers['content-type'] = 'application/json; charset=utf-8';
  headers['x-request-id'] = context.requestId;
  headers['x-provider'] = context.provider.id;
  const scrubbed = context.scrubHeaders
    ? normalize(context.scrubHeaders({ ...headers }, { direction: 'client', provider: context.provider.id, requestId: context.requestId }))
    : headers;
  // One test over all names and values; the header-by-header pass runs only when it finds a secret.
  if (!redactor.containsSecret(Object.entries(scrubbed).join('\n'))) return scrubbed;
  const safe: HeaderMap = {};
  for (const [name, value] of Object.entries(scrubbed)) {
    // An upstream can put a key in a header's name too; such a header is dropped.
    if (!redactor.containsSecret(name)) safe[name] = redactor.redact(value);
  }
  return safe;
}

function normalize(headers: HeaderMap | undefined): HeaderMap {
  const normalized: HeaderMap = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') normalized[name.toLowerCase()] = value;
  }
  return normalized;
}
