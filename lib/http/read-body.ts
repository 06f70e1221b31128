import type { IncomingMessage } from 'node:http';
import { ProviderRouterError } from '../errors';
import { countBodyBytes } from './body-bytes';
import { canDecode, contentCodings, decodeBody } from './content-encoding';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth';
import { readStream, type StreamReadError } from './read-stream';

/** A request as Express hands it over: a host's body parser may have filled `body`. */
export type BodyCarrier = IncomingMessage & { body?: unknown; _body?: boolean };

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Returns the request's JSON object body. Uses a body the host already parsed (`express.json()`),
 * else reads the stream itself up to `maxBytes`, then leaves the result on `req.body` marked as
 * parsed so that a later `express.json()` does not wait for a stream that has ended.
 *
 * @throws ProviderRouterError 400 (malformed JSON, not an object, nested too deep), 413 (too large),
 * 415 (not a JSON content type, or none, on a request from a browser page of another site; a form
 * body the host parsed into fields).
 */
export async function readJsonBody(req: BodyCarrier, maxBytes: number): Promise<Record<string, unknown>> {
  const contentType = req.headers['content-type'];
  if (contentType === undefined) refuseFromAnotherSite(req, 'none');
  else if (!JSON_CONTENT_TYPE.test(contentType)) refuseUnlessJsonAfterAll(req, contentType);
  if (req._body === true || req.readableEnded) return fromParsedBody(req.body);

  const encoding = req.headers['content-encoding'];
  if (!canDecode(encoding)) {
    throw new ProviderRouterError(
      'invalid_request',
      `Content-Encoding ${String(encoding).slice(0, 100)} is not supported; send gzip, deflate or br, or no Content-Encoding`,
      415,
    );
  }
  // The limit is on the decoded size: a compressed body's length says nothing of it.
  const declared = Number(req.headers['content-length']);
  if (contentCodings(encoding).length === 0 && declared > maxBytes) throw tooLarge(maxBytes);

  const raw = await readRequest(req, maxBytes);
  const body = parseObject(raw);
  req.body = body;
  req._body = true;
  return body;
}

/**
 * A body labelled other than JSON is read as JSON, as OpenAI's API and llama-server read it (`curl -d`,
 * `fetch` with a string body and no headers), except where it must not be: a browser page on
 * another site can post a "simple" `text/plain` or form request without asking first, which must
 * not spend the host's provider credits; and a host's form parser (`express.urlencoded()`, multer)
 * turned the body into form fields, leaving no JSON to read. A host's `express.text()` or
 * `express.raw()` leaves the text, which is read; a host JSON parser that takes other labels too
 * (`express.json()` given a `type` that matches every label) leaves the parsed object, which is used.
 *
 * @throws ProviderRouterError 415 in those two cases.
 */
function refuseUnlessJsonAfterAll(req: BodyCarrier, contentType: string): void {
  const label = contentType.slice(0, 100);
  refuseFromAnotherSite(req, label);
  const parsed = req._body === true || req.readableEnded;
  if (parsed && FORM_CONTENT_TYPE.test(contentType) && typeof req.body !== 'string' && !Buffer.isBuffer(req.body)) {
    throw new ProviderRouterError(
      'invalid_request',
      `Content-Type must be application/json, not ${label}: the host parsed the body as ${label}`,
      415,
    );
  }
}

const FORM_CONTENT_TYPE = /^(?:application\/x-www-form-urlencoded|multipart\/form-data)\s*(?:;|$)/i;

/**
 * Refuses a body not labelled JSON (`label`: its type, or `none`) from a browser page of another
 * site. Without a label it is as "simple" as `text/plain`: `fetch` with an `ArrayBuffer` or an
 * untyped `Blob` body, and `navigator.sendBeacon`, send no `Content-Type` and ask nothing first.
 *
 * @throws ProviderRouterError 415.
 */
function refuseFromAnotherSite(req: IncomingMessage, label: string): void {
  if (!mayComeFromAnotherSite(req)) return;
  throw new ProviderRouterError(
    'invalid_request',
    `Content-Type must be application/json on a request from a browser page of another site, not ${label}`,
    415,
  );
}

/**
 * Whether a browser page may have sent the request from another origin, decided as Go's
 * `http.CrossOriginProtection` decides it. Browsers say where a request comes from in
 * `Sec-Fetch-Site`, and name the page's origin (`Origin`) on every cross-origin POST; SDKs, CLIs
 * and scripts send neither. Another port of the same host is `same-site`, not `same-origin`:
 * refused too. Browsers send `Sec-Fetch-Site` only to secure origins (https, localhost): to a host
 * on plain http elsewhere (a LAN address), its own page's request carries only an `Origin`, whose
 * host and port are then those of the `Host` header.
 */
function mayComeFromAnotherSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return req.headers.host === undefined || originHost(origin) !== req.headers.host.toLowerCase();
}

/** The `host[:port]` of an `Origin` header, lower-cased; undefined for `null` or what is not a URL. */
function originHost(origin: string): string | undefined {
  try {
    const { protocol, host } = new URL(origin);
    return protocol === 'http:' || protocol === 'https:' ? host : undefined;
  } catch {
    return undefined;
  }
}

function fromParsedBody(body: unknown): Record<string, unknown> {
  if (Buffer.isBuffer(body)) return parseObject(body);
  if (typeof body === 'string') return parseObject(Buffer.from(body));
  if (body && typeof body === 'object' && !Array.isArray(body)) return withinDepth(body as Record<string, unknown>);
  throw new ProviderRouterError('invalid_json', 'The request body must be a JSON object', 400);
}

/**
 * `body`, when it nests no deeper than {@link MAX_JSON_DEPTH}: `JSON.parse` takes any depth, but
 * sending or logging a body nested thousands of levels deep overflows the stack (a 500).
 *
 * @throws ProviderRouterError 400 (`invalid_json`) when it nests deeper.
 */
function withinDepth(body: Record<string, unknown>): Record<string, unknown> {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new ProviderRouterError('invalid_json', `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`, 400);
  }
  return body;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseObject(raw: Buffer): Record<string, unknown> {
  let text: string;
  try {
    // Invalid bytes are refused, not turned into U+FFFD: they would change what is routed and sent.
    text = STRICT_UTF8.decode(raw);
  } catch {
    throw new ProviderRouterError('invalid_json', 'The request body is not valid UTF-8', 400);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const detail = raw.length === 0 ? 'the body is empty' : (error as Error).message;
    throw new ProviderRouterError('invalid_json', `The request body is not valid JSON: ${detail}`, 400);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProviderRouterError('invalid_json', 'The request body must be a JSON object', 400);
  }
  return withinDepth(body as Record<string, unknown>);
}

/** Reads the body, decoded as `express.json()` would; the limit applies to the decoded size. */
async function readRequest(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  // Before anything is read: a body refused past the limit is read away from where it stands.
  countBodyBytes(req);
  const body = decodeBody(req, encoding);
  try {
    // Past the limit the rest is drained, so that the 413 reaches the client instead of a reset.
    return await readStream(body, { maxBytes, overflow: 'drain' });
  } catch (error) {
    const failure = error as StreamReadError;
    if (body !== req) {
      req.unpipe();
      req.resume();
    }
    if (failure.reason === 'too_large') throw tooLarge(maxBytes);
    if (failure.reason === 'failed' && body !== req && !req.readableAborted) {
      throw new ProviderRouterError('invalid_request', `The request body is not valid ${String(encoding)}: ${failure.message}`, 400);
    }
    if (failure.reason === 'closed')
      throw new ProviderRouterError('invalid_request', 'The client closed the connection before the body arrived', 400);
    throw new ProviderRouterError('invalid_request', `The request body could not be read: ${failure.message}`, 400);
  }
}

function tooLarge(maxBytes: number): ProviderRouterError {
  return new ProviderRouterError(
    'body_too_large',
    `The request body is larger than ${maxBytes} bytes; raise PROVIDER_MAX_BODY_BYTES to accept it`,
    413,
  );
}
