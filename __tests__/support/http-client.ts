/**
 * The tests' HTTP client for talking to a host as a plain client does: over `node:http` (no
 * fetch, no SDK), with the request exactly as given and the response read as it arrives.
 */
import http, { type IncomingHttpHeaders } from 'node:http';

/** A request as it is sent: everything a test may want to get exactly right, or wrong. */
export interface RawRequest {
  url: string;
  /** POST unless given. */
  method?: string;
  /** Sent as given; `content-length` is added for a body unless `chunked` is set. */
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Send the body with `Transfer-Encoding: chunked`, in three writes, instead of a `Content-Length`. */
  chunked?: boolean;
  /** Request target as sent (`/v1/x`, or an absolute-form `http://other/v1/x`); defaults to the url's path. */
  path?: string;
  /** No agent (a connection of its own) unless given. */
  agent?: http.Agent | false;
}

/** What arrived before the body. */
export interface ResponseHead {
  status: number;
  headers: IncomingHttpHeaders;
  /** Alternating names and values, as received (names keep their case). */
  rawHeaders: string[];
}

/** A response read to its end. */
export interface RawResponse extends ResponseHead {
  body: Buffer;
  /** The body decoded as UTF-8. */
  text: string;
  /** Milliseconds from sending the request to the body's last byte. */
  ms: number;
}

/** A request on its way: what has arrived so far, and what will. */
export interface InFlight {
  /** Resolves when the response headers arrive (they may never); rejects when the request fails first. */
  head: Promise<ResponseHead>;
  /** Resolves when the response ends; rejects when the request or the connection fails first. */
  response: Promise<RawResponse>;
  /** Everything received so far (`status` undefined before the headers). */
  received(): { status: number | undefined; rawHeaders: string[]; text: string };
  /** Resolves with the body so far once it satisfies `predicate`. */
  waitForBody(predicate: (text: string) => boolean): Promise<string>;
  /** Hangs up, as a closing browser tab does. */
  abort(): void;
}

/** Sends one request and returns at once; nothing it does rejects unless awaited. */
export function sendRequest(options: RawRequest): InFlight {
  const target = new URL(options.url);
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  const headers: Record<string, string | string[] | number> = { ...options.headers };
  if (body !== undefined && !options.chunked && !hasHeader(headers, 'content-length')) headers['content-length'] = body.length;
  if (options.chunked) headers['transfer-encoding'] = 'chunked';
  const startedAt = performance.now();
  const req = http.request({
    host: target.hostname,
    port: target.port,
    method: options.method ?? 'POST',
    path: options.path ?? `${target.pathname}${target.search}`,
    headers,
    agent: options.agent ?? false,
  });

  let status: number | undefined;
  let rawHeaders: string[] = [];
  let text = '';
  const waiters: Array<{ predicate: (text: string) => boolean; resolve: (text: string) => void }> = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.predicate(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(text);
      }
    }
  };

  const head = new Promise<ResponseHead>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders }));
  });
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      status = res.statusCode;
      rawHeaders = res.rawHeaders;
      const chunks: Buffer[] = [];
      const decoder = new TextDecoder();
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        text += decoder.decode(chunk, { stream: true });
        check();
      });
      res.on('error', reject);
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        const ms = performance.now() - startedAt;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: all, text: all.toString('utf8'), ms });
      });
      res.on('close', () => {
        if (!res.complete) reject(new Error(`the connection closed before the answer ended: ${JSON.stringify(text.slice(-200))}`));
      });
    });
  });
  // A test that hangs up, or that only looks at `received()`, need not await either.
  head.catch(() => undefined);
  response.catch(() => undefined);

  if (body !== undefined && options.chunked) {
    // Several chunks, so that a reader sees a body arrive in pieces.
    const step = Math.max(1, Math.ceil(body.length / 3));
    for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
    req.end();
  } else {
    req.end(body);
  }

  return {
    head,
    response,
    received: () => ({ status, rawHeaders, text }),
    waitForBody: (predicate) =>
      new Promise((resolve) => {
        waiters.push({ predicate, resolve });
        check();
      }),
    abort: () => req.destroy(),
  };
}

/** Sends one request and resolves with the whole response; rejects on any socket error. */
export function rawRequest(options: RawRequest): Promise<RawResponse> {
  return sendRequest(options).response;
}

/** Options of a JSON POST. */
export interface PostOptions {
  headers?: Record<string, string>;
  agent?: http.Agent | false;
}

/** POSTs `body` (JSON, or a string sent as it is) and resolves with the whole response. */
export function postJson(url: string, body: unknown, options: PostOptions = {}): Promise<RawResponse> {
  return rawRequest(jsonRequest(url, body, options));
}

/** POSTs `body` (JSON, or a string sent as it is) and returns at once; a failure shows only where `head` or `response` is awaited. */
export function postInFlight(url: string, body: unknown, options: PostOptions = {}): InFlight {
  const call = sendRequest(jsonRequest(url, body, options));
  call.head.catch(() => undefined);
  call.response.catch(() => undefined);
  return call;
}

/** A streamed response whose headers have arrived. */
export interface OpenStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  /** Resolves with the body so far once it satisfies `predicate`. */
  waitFor(predicate: (text: string) => boolean): Promise<string>;
  /** The whole body, when the response ends; rejects when the connection fails first. */
  ended: Promise<string>;
  /** Hangs up, as a closing browser tab does. */
  abort(): void;
}

/** POSTs `body` (JSON, or a string sent as it is) and resolves as soon as the response headers arrive. */
export async function openStream(url: string, body: unknown, options: PostOptions = {}): Promise<OpenStream> {
  const request = sendRequest(jsonRequest(url, body, options));
  const { status, headers } = await request.head;
  const ended = request.response.then((response) => response.text);
  ended.catch(() => undefined);
  return { status, headers, text: () => request.received().text, waitFor: request.waitForBody, ended, abort: request.abort };
}

function jsonRequest(url: string, body: unknown, options: PostOptions): RawRequest {
  return {
    url,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    agent: options.agent ?? false,
  };
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
