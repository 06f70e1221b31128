import { validateHeaderName, validateHeaderValue, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Dialect } from '../dialects/dialect';
import { ProviderRouterError } from '../errors';
import { holdsCredential } from '../config/adapter-credentials';
import { isRecord } from '../is-record';
import { isThenable } from '../is-thenable';
import { isTransportHeader, pickClientHeaders, pickUpstreamHeaders, requestIdHeaders, STREAM_HEADERS } from '../http/header-policy';
import type { Redactor } from '../http/redactor';
import type { ErrorDetails } from '../http/error-details';
import { providerHeaders } from './adapter-calls';
import type { HeaderMap, ScrubHeadersHook } from '../options';
import type { ProviderAdapter } from '../providers/provider-adapter';

const USER_AGENT = 'express-provider-router';

/** Identifies the request for the hook and the client. */
export interface HeaderContext {
  provider: ProviderAdapter;
  requestId: string;
  /** The client's dialect: Messages clients read the request id under a name of their own. */
  clientDialect: Dialect;
  scrubHeaders: ScrubHeadersHook | undefined;
}

/**
 * The headers the upstream receives: the allowlisted client headers, the provider's defaults,
 * then the host's hook (which sees no key, and may change a default but not remove it), then the
 * provider's auth, which the hook never sees and cannot add to (when the provider sets an
 * `authorization` or `x-api-key`, the hook's are left out).
 *
 * @throws ScrubHeadersFailure when the hook throws; ProviderRouterError when the provider's own
 * headers cannot be had (its `upstreamHeaders()` throws or returns no object) or sent.
 */
export function buildUpstreamHeaders(req: IncomingMessage, forwardHeaders: readonly string[], context: HeaderContext, redactor: Redactor): HeaderMap {
  let headers = pickUpstreamHeaders(req.headers, forwardHeaders);
  // An adapter's defaults (checked when the router was created) are its headers too: the ones that
  // frame a message stay the transport's. A credential among them (a host's adapter that put its
  // key there) is set with the provider's auth, after the hook: the hook never sees a key.
  const allDefaults = Object.entries(context.provider.defaultHeaders ?? {}).filter(([name]) => !isTransportHeader(name.toLowerCase()));
  const defaults = allDefaults.filter(([name]) => !holdsCredential(name));
  const credentialDefaults = allDefaults.filter(([name]) => holdsCredential(name));
  for (const [name, value] of defaults) headers[name.toLowerCase()] ??= value;
  headers['content-type'] = 'application/json';
  if (context.scrubHeaders) {
    headers = runHook(context.scrubHeaders, withoutSecrets(headers, redactor), 'upstream', context);
    // Anthropic refuses a request without its `anthropic-version`: a default is the provider's. So
    // is the type of the body, which the router wrote: a hook may change it, not remove it.
    for (const [name, value] of defaults) headers[name.toLowerCase()] ??= value;
    headers['content-type'] ??= 'application/json';
  }
  // The router reads every answer (usage, errors, translation): it must arrive uncompressed.
  headers['accept-encoding'] = 'identity';
  headers['user-agent'] ??= USER_AGENT;
  const own = [...credentialDefaults, ...Object.entries(providerHeaders(context.provider))];
  // The provider's auth is the request's only auth: a hook's `authorization` beside Anthropic's
  // `x-api-key` (or the reverse) would send the host's token to the provider, and compete with the key.
  if (own.some(([name]) => AUTH_HEADERS.has(name.toLowerCase())) && Object.keys(headers).some((name) => AUTH_HEADERS.has(name))) {
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !AUTH_HEADERS.has(name)));
  }
  for (const [name, value] of own) {
    checkProviderHeader(context.provider, name, value);
    if (!isTransportHeader(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** The headers providers read a key from: OpenAI-compatible ones `authorization`, Anthropic `x-api-key`. */
const AUTH_HEADERS = new Set(['authorization', 'x-api-key']);

/**
 * A provider's own header (its key, read by a host's adapter from a file or a store on each
 * request) that HTTP does not allow: refused here, since Node's `setHeader` would throw it later
 * where nothing catches it, and the host's process would exit.
 *
 * @throws ProviderRouterError (`invalid_config`, 500) naming the provider and the header, not its value.
 */
function checkProviderHeader(provider: ProviderAdapter, name: string, value: unknown): asserts value is string {
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch {
    throw new ProviderRouterError(
      'invalid_config',
      `Provider "${provider.id}" sets header "${name.slice(0, 64)}" to a value HTTP does not allow (a line break or other control character, a character beyond Latin-1, or no string); check its key and its adapter's headers`,
      500,
    );
  }
}

/**
 * The headers of the router's answer: allowlisted upstream headers, its own, then the hook.
 *
 * @throws ScrubHeadersFailure when the hook throws.
 */
export function buildClientHeaders(
  upstreamHeaders: IncomingHttpHeaders | undefined,
  kind: 'stream' | 'json',
  context: HeaderContext,
  redactor: Redactor,
): HeaderMap {
  const headers: HeaderMap = upstreamHeaders ? pickClientHeaders(upstreamHeaders) : {};
  if (kind === 'stream') Object.assign(headers, STREAM_HEADERS);
  else headers['content-type'] = 'application/json; charset=utf-8';
  Object.assign(headers, requestIdHeaders(context.requestId, context.clientDialect));
  headers['x-provider'] = context.provider.id;
  if (!context.scrubHeaders) return withoutSecrets(headers, redactor);
  // The hook never sees a key: an upstream can echo one in a header.
  return withBodyType(withoutSecrets(runHook(context.scrubHeaders, withoutSecrets(headers, redactor), 'client', context), redactor), headers);
}

/**
 * `hooked` with the `content-type` of `before` when the hook left it out: the router writes the
 * body, and a client (the SDKs) reads JSON or a stream by it. A hook may change it, not remove it.
 */
function withBodyType(hooked: HeaderMap, before: HeaderMap): HeaderMap {
  if (hooked['content-type'] !== undefined || before['content-type'] === undefined) return hooked;
  return { ...hooked, 'content-type': before['content-type'] };
}

/**
 * The headers of an error the router answers before anything went upstream, through the host's
 * hook, redacted as every answer's are. They are the router's own (nothing of an upstream's): when
 * the hook throws they go as they are.
 */
export function routerErrorHeaders(headers: HeaderMap, context: HeaderContext, redactor: Redactor): HeaderMap {
  if (!context.scrubHeaders) return headers;
  try {
    return withBodyType(withoutSecrets(runHook(context.scrubHeaders, headers, 'client', context), redactor), headers);
  } catch {
    return headers;
  }
}

/** `headers` with every key redacted from the values; a header whose name holds a key is dropped. */
function withoutSecrets(headers: HeaderMap, redactor: Redactor): HeaderMap {
  // One test over all names and values; the header-by-header pass runs only when it finds a secret.
  if (!redactor.containsSecret(namesAndValues(headers))) return headers;
  const safe: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    // An upstream can put a key in a header's name too; such a header is dropped.
    if (!redactor.containsSecret(name)) safe[name] = redactor.redact(value);
  }
  return safe;
}

/** Every header as `name,value`, one a line: what `Object.entries(headers).join('\n')` writes, without its arrays. */
function namesAndValues(headers: HeaderMap): string {
  let text = '';
  let separator = '';
  for (const name of Object.keys(headers)) {
    text += `${separator}${name},${headers[name]}`;
    separator = '\n';
  }
  return text;
}

/** The headers of an error answer when the `scrubHeaders` hook cannot be run: nothing of the upstream's. */
export function minimalClientHeaders(context: HeaderContext): HeaderMap {
  return {
    'content-type': 'application/json; charset=utf-8',
    ...requestIdHeaders(context.requestId, context.clientDialect),
    'x-provider': context.provider.id,
  };
}

/** The host's `scrubHeaders` hook threw: nothing is sent with headers it did not approve. */
export class ScrubHeadersFailure extends Error {
  constructor(readonly direction: 'upstream' | 'client') {
    super(
      `The host's scrubHeaders hook failed on the ${direction === 'upstream' ? 'request to the provider' : "provider's answer"}; nothing was sent with those headers`,
    );
  }
}

/** What a `ScrubHeadersFailure` answers: 500, the hook's own error left out (it is the host's). */
export function scrubHeadersFailure(failure: ScrubHeadersFailure): ErrorDetails {
  return { status: 500, message: failure.message, type: 'server_error', code: null };
}

function runHook(hook: ScrubHeadersHook, headers: HeaderMap, direction: 'upstream' | 'client', context: HeaderContext): HeaderMap {
  try {
    return normalize(hook({ ...headers }, { direction, provider: context.provider.id, requestId: context.requestId }));
  } catch {
    throw new ScrubHeadersFailure(direction);
  }
}

/**
 * The hook's headers with lower-case names. A name or value HTTP does not allow (a line break in a
 * value) throws: Node would throw it later, from `writeHead`, where nothing catches it. So does
 * anything but an object of headers: `undefined` or a promise (an `async` hook) would otherwise
 * send no headers at all (no `content-type`), and a string one header per character.
 */
function normalize(headers: unknown): HeaderMap {
  if (isThenable(headers)) {
    // An async hook that fails would reject with nobody listening: Node ends the process on that.
    Promise.resolve(headers).catch(() => undefined);
    throw new TypeError('the scrubHeaders hook returned a promise; it must return the headers');
  }
  if (!isRecord(headers)) throw new TypeError('the scrubHeaders hook returned no object of headers');
  const normalized: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    // The message's framing and connection are the transport's (see isTransportHeader).
    if (!isTransportHeader(name.toLowerCase())) normalized[name.toLowerCase()] = value;
  }
  return normalized;
}
