import http from 'node:http';

/** A response read to its end, with the headers exactly as they came over the wire. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Alternating names and values, as received (names keep their case). */
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

export interface RawRequest {
  url: string;
  method?: string;
  /** Sent as given; `content-length` is added for a body unless `chunked` is set. */
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  /** Send the body with `Transfer-Encoding: chunked` instead of a `Content-Length`. */
  chunked?: boolean;
  /** Request target as sent (`/v1/x`, or an absolute-form `http://other/v1/x`); defaults to the url's path. */
  path?: string;
  agent?: http.Agent | false;
}

/** Sends one request and resolves with the whole response; rejects on any socket error. */
export function rawRequest(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.url);
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
    const headers: Record<string, string | string[] | number> = { ...options.headers };
    if (body !== undefined && !options.chunked && !hasHeader(headers, 'content-length')) headers['content-length'] = body.length;
    if (options.chunked) headers['transfer-encoding'] = 'chunked';
    const req = http.request({
      host: target.hostname,
      port: target.port,
      method: options.method ?? 'POST',
      path: options.path ?? `${target.pathname}${target.search}`,
      headers,
      agent: options.agent ?? false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: all, text: all.toString('utf8') });
      });
    });
    if (body !== undefined && options.chunked) {
      // Several chunks, so that a reader sees a body arrive in pieces.
      const step = Math.max(1, Math.ceil(body.length / 3));
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/**
 * Sends a request that the test hangs up on later. Resolves `response` when the headers arrive
 * (it may never); `abort()` destroys the socket, as a closed browser tab would.
 */
export function abortableRequest(options: RawRequest): {
  abort(): void;
  /** Everything received so far (headers as `rawHeaders`, body text). */
  received(): { status: number | undefined; rawHeaders: string[]; text: string };
  /** Resolves once the received body satisfies `predicate`. */
  waitForBody(predicate: (text: string) => boolean): Promise<void>;
} {
  const target = new URL(options.url);
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
  let status: number | undefined;
  let rawHeaders: string[] = [];
  let text = '';
  const waiters: Array<{ predicate: (text: string) => boolean; resolve: () => void }> = [];
  const check = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.predicate(text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const req = http.request({
    host: target.hostname,
    port: target.port,
    method: options.method ?? 'POST',
    path: `${target.pathname}${target.search}`,
    headers: { ...options.headers, ...(body ? { 'content-length': body.length } : {}) },
    agent: false,
  });
  req.on('error', () => undefined);
  req.on('response', (res) => {
    status = res.statusCode;
    rawHeaders = res.rawHeaders;
    const decoder = new TextDecoder();
    res.on('data', (chunk: Buffer) => {
      text += decoder.decode(chunk, { stream: true });
      check();
    });
    res.on('error', () => undefined);
  });
  req.end(body);
  return {
    abort: () => req.destroy(),
    received: () => ({ status, rawHeaders, text }),
    waitForBody: (predicate) =>
      new Promise((resolve) => {
        waiters.push({ predicate, resolve });
        check();
      }),
  };
}

/** Polls `condition` every few milliseconds until it holds, or throws after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
