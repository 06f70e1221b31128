import type { IncomingHttpHeaders } from 'node:http';
import type { Dialect } from '../dialects/dialect';
import type { HeaderMap } from '../options';

/** Client headers every provider may receive. */
const UPSTREAM_BASE_ALLOWLIST = ['content-type', 'accept'];

/**
 * Never forwarded upstream, whatever an adapter lists: the host's own credentials, under the names
 * proxies and platforms give them too (`x-forwarded-authorization`, IAP's `x-goog-iap-jwt-assertion`),
 * and the `Authentication` some gateways read a key from.
 */
const CREDENTIAL_HEADER = /authorization|authentication|cookie|token|secret|password|passwd|credential|jwt|api-?key|-key$|^x-auth/i;

/** Whether a header of this name carries a credential (`authorization`, `x-api-key`, `cookie`, ...). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

/**
 * The client headers that may travel upstream: `content-type`, `accept` and what the adapter asks
 * for, never a credential.
 */
export function pickUpstreamHeaders(clientHeaders: IncomingHttpHeaders, extraAllowed: readonly string[] = []): HeaderMap {
  const picked: HeaderMap = {};
  for (const name of UPSTREAM_BASE_ALLOWLIST) copyHeader(clientHeaders, picked, name);
  for (const name of extraAllowed) {
    if (!isCredentialHeader(name)) copyHeader(clientHeaders, picked, name);
  }
  return picked;
}

/**
 * The query parameters a Messages endpoint reads: Anthropic's and llama-server's define only `beta`
 * (Claude Code's `?beta=true`).
 */
const PASSTHROUGH_QUERY_PARAMETERS = new Set(['beta']);

/**
 * The client's query string, with its `?`, as a Messages endpoint gets it on passthrough: only the
 * parameters it reads. Anything else may be the host's own (a token given as `?token=`), which must
 * not reach a provider. Unchanged when nothing is left out.
 */
export function passthroughQuery(query: string): string {
  if (query === '' || query === '?') return '';
  const parameters = query.slice(1).split('&');
  const kept = parameters.filter((parameter) => PASSTHROUGH_QUERY_PARAMETERS.has(parameterName(parameter)));
  if (kept.length === parameters.length) return query;
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

function parameterName(parameter: string): string {
  const equals = parameter.indexOf('=');
  const name = (equals === -1 ? parameter : parameter.slice(0, equals)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * Headers that frame a message or steer its connection: the router's transport sets them from the
 * URL and the body it sends (`host`, `content-length`), and Node from the answer it writes. Set by
 * a hook or an adapter, they would break the message (a `content-length` that is wrong cuts an
 * answer short; `transfer-encoding` beside `content-length` is how requests are smuggled past a
 * proxy on a shared keep-alive connection) or send it to another virtual host.
 */
const TRANSPORT_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);

/** Whether `name` (lower case) is one of the headers only the transport sets. */
export function isTransportHeader(name: string): boolean {
  return TRANSPORT_HEADERS.has(name);
}

function copyHeader(from: IncomingHttpHeaders, to: HeaderMap, name: string): void {
  const value = from[name];
  if (typeof value === 'string') to[name] = value;
  else if (Array.isArray(value)) to[name] = value.join(', ');
}

/**
 * Upstream response headers a client may see; provider account headers and cookies never.
 * `x-should-retry` is the providers' word to their SDKs on whether an error is worth retrying.
 */
const CLIENT_ALLOWED = /^(content-type|retry-after|retry-after-ms|x-should-retry|x-ratelimit-[a-z0-9-]+|anthropic-ratelimit-[a-z0-9-]+)$/;

/** Where providers put their request id; a client sees it as `x-provider-request-id`. */
const UPSTREAM_REQUEST_ID = ['x-request-id', 'request-id'];

/** The upstream response headers the client receives, before the `scrubHeaders` hook. */
export function pickClientHeaders(upstreamHeaders: IncomingHttpHeaders): HeaderMap {
  const picked: HeaderMap = {};
  for (const [name, value] of Object.entries(upstreamHeaders)) {
    if (typeof value === 'string' && CLIENT_ALLOWED.test(name)) picked[name] = value;
  }
  for (const name of UPSTREAM_REQUEST_ID) {
    const value = upstreamHeaders[name];
    if (typeof value === 'string') {
      picked['x-provider-request-id'] = value;
      break;
    }
  }
  return picked;
}

/**
 * The upstream's word on retrying: it is about the upstream's own error answer, not about an error
 * the router makes of an answer that broke (cut off, not JSON, a redirect), which SDKs must be free
 * to retry.
 */
const RETRY_SIGNALS = new Set(['retry-after', 'retry-after-ms', 'x-should-retry']);

/** `upstreamHeaders` without the upstream's retry signals. */
export function withoutRetrySignals(upstreamHeaders: IncomingHttpHeaders | undefined): IncomingHttpHeaders | undefined {
  if (!upstreamHeaders) return undefined;
  return Object.fromEntries(Object.entries(upstreamHeaders).filter(([name]) => !RETRY_SIGNALS.has(name)));
}

/**
 * The router's own headers on every answer: its request id as `x-request-id` and, for Messages
 * clients, as `request-id` too, the one name the Anthropic SDK reads (`error.requestID`,
 * `_request_id`).
 */
export function requestIdHeaders(requestId: string, dialect: Dialect): HeaderMap {
  return dialect === 'anthropic' ? { 'x-request-id': requestId, 'request-id': requestId } : { 'x-request-id': requestId };
}

/** Headers of a streamed answer: nothing between the router and the client may buffer it. */
export const STREAM_HEADERS: HeaderMap = {
  // As DESIGN section 2 names it; SSE is UTF-8 by definition, so a charset adds nothing.
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};
