/**
 * The loopback HTTP server under every fake upstream: it reads and records each request, lets a
 * test script the answers through `handler`, and otherwise answers as the wire format it is given
 * (`chat-completions-wire.ts`, `messages-wire.ts`). Start fakes with `fake-upstream.ts`.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a fake received it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as a JSON object; undefined when empty or not JSON. */
  body: Record<string, unknown> | undefined;
  rawBody: string;
}

/**
 * Answers a request in a test's own way. Return `false` to leave it to the fake's default answer;
 * anything else means the handler answered (or chose to leave the request hanging).
 */
export type FakeHandler = (request: RecordedRequest, res: ServerResponse, req: IncomingMessage) => boolean | void;

/** A fake's default answer to a request no handler took. */
export type DefaultAnswer = (request: RecordedRequest, res: ServerResponse) => void;

/** A recording, programmable loopback server. */
export interface FakeServer {
  /** The base URL a router is configured with: the origin plus the API's path prefix. */
  baseUrl: string;
  /** Every request received since the last `reset()`, in order. */
  requests: RecordedRequest[];
  /** Set to script the next answers; cleared by `reset()`. */
  handler: FakeHandler | undefined;
  /** Responses whose connection the other side (the router) closed before they ended, for abort tests. */
  closedRequests: number;
  /** TCP connections accepted since the server started (not reset), for keep-alive tests. */
  connections: number;
  /** Resolves when the other side next closes a response before it ended. */
  waitForClientClose(): Promise<void>;
  /** Forgets the requests, the handler and the closed-request count. */
  reset(): void;
  close(): Promise<void>;
}

/** How a fake server listens and answers. */
export interface FakeServerOptions {
  /** The API's path prefix, appended to the origin in `baseUrl` (`/v1`, `/api/v1` or ''). */
  prefix: string;
  answer: DefaultAnswer;
  /** The address to listen on: 127.0.0.1 unless given (`::1` for IPv6). */
  host?: string;
  /** The port to listen on: a free one unless given (a WHATWG "bad port" such as 6666, say). */
  port?: number;
}

/** Starts a fake server on a free port (or on `options.port`; rejects when that one is taken). */
export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const closeWaiters: Array<() => void> = [];
  const fake: FakeServer = {
    baseUrl: '',
    requests: [],
    handler: undefined,
    closedRequests: 0,
    connections: 0,
    waitForClientClose: () => new Promise((resolve) => closeWaiters.push(resolve)),
    reset() {
      fake.requests.length = 0;
      fake.handler = undefined;
      fake.closedRequests = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((req, res) => {
    void readBody(req).then((rawBody) => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: jsonObject(rawBody), rawBody };
      fake.requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) {
          fake.closedRequests++;
          closeWaiters.splice(0).forEach((resolve) => resolve());
        }
      });
      if (fake.handler && fake.handler(recorded, res, req) !== false) return;
      options.answer(recorded, res);
    });
  });
  server.on('connection', () => fake.connections++);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}${options.prefix}`;
  return fake;
}

/** A recorded request's path, without its query. */
export function pathOf(request: RecordedRequest): string {
  return request.url.split('?')[0] ?? '';
}

/** A request's whole body, as UTF-8 text. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
