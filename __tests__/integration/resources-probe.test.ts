/**
 * A probe of what a host running the router for weeks depends on: bounded memory under slow
 * clients and large answers, aborts that leave nothing behind, keep-alive connections that stay
 * usable after failures, `close()` with streams in flight, and request bodies of every size and
 * shape. Real HTTP servers on 127.0.0.1; clients that must behave as real ones do run in a process
 * of their own. Assertions count bytes and events, never time.
 */
import { execFile } from 'node:child_process';
import diagnosticsChannel from 'node:diagnostics_channel';
import net from 'node:net';
import { join } from 'node:path';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postInFlight, postJson } from '../support/http-client';
import { observe } from '../support/observe';
import { routeCases, wireFrames, type Wire } from '../support/route-cases';
import { waitUntil, within } from '../support/wait';

const MIB = 1024 * 1024;

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let local: FakeUpstream;

beforeAll(async () => {
  [anthropic, openai, local] = await startFakeUpstreams('anthropic', 'openai', 'local');
});
afterEach(() => {
  for (const fake of [anthropic, openai, local]) fake.reset();
});
afterAll(async () => {
  for (const fake of [anthropic, openai, local]) await fake.close();
});

/** The first frames of a stream in each upstream wire format, after which a fake holds its stream open. */
const OPENING = Object.fromEntries(Object.entries(wireFrames('Hel')).map(([wire, frames]) => [wire, frames.start + frames.piece])) as Record<
  Wire,
  string
>;
const ROUTES = routeCases({ anthropic: () => anthropic, openai: () => openai, local: () => local });
const CHAT_MESSAGES = [{ role: 'user', content: 'hi' }];

/** What the client process got for one request: the answer, or the error it failed with. */
interface ClientResult {
  status?: number;
  body?: string;
  error?: string;
}

/** Posts a `/messages` body of `mib` MiB `times` times from a process of its own (`fetch` or `http.request`). */
function postFromOwnProcess(url: string, mib: number, via: 'fetch' | 'http', times: number): Promise<ClientResult[]> {
  const script = join(__dirname, '..', 'support', 'resources', 'post-body.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, url, String(mib), via, String(times)], { timeout: 30000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout.trim()) as ClientResult[]);
    });
  });
}

/**
 * Sends the head of a `/messages` request and then body bytes as fast as the socket takes them,
 * until the router closes the connection (or `stopAfter` bytes went). Resolves with how many body
 * bytes were written and what came back.
 */
function uploadUntilClosed(host: Host, head: string, stopAfter: number, chunked: boolean): Promise<{ written: number; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(new URL(host.url).port), '127.0.0.1');
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const frame = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
    let written = 0;
    let answer = '';
    const pump = (): void => {
      while (!socket.destroyed && written < stopAfter) {
        written += piece.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (written >= stopAfter) socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ written, answer }));
    socket.write(head);
    pump();
  });
}

describe('request bodies over PROVIDER_MAX_BODY_BYTES', () => {
  let host: Host;
  const observed = observe();
  beforeAll(async () => {
    host = await startHost({ env: { ...envFor({ anthropic }), PROVIDER_MAX_BODY_BYTES: String(MIB) } });
    observed.listen(host.router);
  });
  afterAll(() => host.close());

  test.each(['fetch', 'http'] as const)(
    'a client (%s, its own process) still sending its 24 MiB body gets the 413 in the Messages shape, not a reset; nothing goes upstream',
    async (via) => {
      const results = await postFromOwnProcess(`${host.url}/v1/messages`, 24, via, 4);
      for (const result of results) {
        expect(result).toEqual({ status: 413, body: expect.any(String) as unknown });
        expect(JSON.parse(result.body ?? '')).toEqual({
          type: 'error',
          error: { type: 'request_too_large', message: expect.stringContaining('PROVIDER_MAX_BODY_BYTES') as unknown },
        });
      }
      expect(anthropic.requests).toHaveLength(0);
    },
  );

  test('after a 413 whose body was read away, the same kept-alive connection serves the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    /** Posts over `agent`; resolves with the status and whether the request went on a reused connection. */
    const post = (content: string): Promise<{ status: number; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const request = http.request(
          `${host.url}/v1/messages`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: request.reusedSocket }));
          },
        );
        request.on('error', reject);
        request.end(JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content }] }));
      });
    try {
      expect(await post('y'.repeat(3 * MIB))).toEqual({ status: 413, reused: false });
      expect(await post('hi')).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  test('on a kept-alive connection that already carried a body read away, a body announced beyond what is read away is answered 413 with Connection: close', async () => {
    // 1 MiB limit: 64 MiB is read away. The first body (3 MiB) is read away whole; the second
    // announces 65 MiB, of which nothing has arrived: the connection's history is no part of it.
    const socket = net.connect(Number(new URL(host.url).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const heads = (): string[] => answer.split(/(?=HTTP\/1\.1 )/).filter((part) => part.includes('\r\n\r\n'));
    try {
      const first = Buffer.from(
        JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'y'.repeat(3 * MIB) }] }),
      );
      socket.write(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${first.length}\r\n\r\n`);
      socket.write(first);
      socket.write(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${65 * MIB}\r\n\r\n{"model":`);
      await waitUntil(() => heads().length === 2, 10000, 'both answers');
      const [firstHead, secondHead] = heads().map((head) => head.slice(0, head.indexOf('\r\n\r\n')));
      expect(firstHead).toMatch(/^HTTP\/1\.1 413 /);
      expect(firstHead).not.toMatch(/^connection: close$/im);
      expect(secondHead).toMatch(/^HTTP\/1\.1 413 /);
      expect(secondHead).toMatch(/^connection: close$/im);
    } finally {
      socket.destroy();
    }
  });

  test('a chunked body that never ends is answered 413 and its connection closed after a bounded amount is read', async () => {
    const head = 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { written, answer } = await within(uploadUntilClosed(host, head, 1024 * MIB, true), 20000, 'the router closing the connection');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(200 * MIB);
    expect(anthropic.requests).toHaveLength(0);
  });

  test('a body announced far larger than the router reads away is answered 413 and its connection closed without reading it', async () => {
    const head = `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 * MIB}\r\n\r\n`;
    const { written, answer } = await within(uploadUntilClosed(host, head, 1024 * MIB, false), 20000, 'the router closing the connection');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(200 * MIB);
    expect(anthropic.requests).toHaveLength(0);
  });
});

describe('router.close() with answers in flight', () => {
  /** Holds every upstream answer open after its first bytes; resolves each response as it is begun. */
  function holdAnswers(fake: FakeUpstream, wire: Wire, stream: boolean): ServerResponse[] {
    const held: ServerResponse[] = [];
    fake.handler = (_recorded, res) => {
      held.push(res);
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(OPENING[wire]);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"c1",');
      }
    };
    return held;
  }

  test.each(ROUTES.flatMap((route) => [true, false].map((stream) => ({ ...route, stream }))))(
    '$name, stream=$stream: the client and request.end are told router.close() cut the answer off, not that the upstream failed',
    async ({ path, body, fake, wire, stream }) => {
      const host = await startHost({ env: { ...envFor({ anthropic, openai, local }), PROVIDER_IDLE_TIMEOUT_MS: '30000' } });
      const observed = observe();
      observed.listen(host.router);
      const held = holdAnswers(fake(), wire, stream);
      try {
        const call = postInFlight(`${host.url}${path}`, { ...body, stream }, { headers: { 'anthropic-version': '2023-06-01' } });
        if (stream) await call.waitForBody((text) => text.length > 0);
        else await waitUntil(() => held.length === 1, 3000, 'the upstream answer begun');
        await host.router.close();
        const answer = await within(call.response, 3000, 'the answer ending');
        expect(answer.text).toContain('router.close()');
        expect(answer.text).not.toMatch(/upstream (connection|closed)/i);
        const [end] = await observed.waitForEnds(1);
        expect(observed.ends()).toHaveLength(1);
        expect(end).toMatchObject({ outcome: 'error', error: { message: expect.stringContaining('router.close()') as unknown } });
        if (!stream) expect(end?.status).toBe(502);
      } finally {
        await host.close();
      }
    },
  );

  test('a streamed answer without a content type whose first byte has not come: a 502 router_closed, not an upstream that answered badly', async () => {
    const host = await startHost({ env: { ...envFor({ openai }), PROVIDER_IDLE_TIMEOUT_MS: '30000' } });
    const observed = observe();
    observed.listen(host.router);
    let begun = false;
    openai.handler = (_recorded, res) => {
      res.writeHead(200, {});
      res.flushHeaders();
      begun = true;
    };
    try {
      const call = postInFlight(`${host.url}/v1/chat/completions`, { model: 'gpt-4o', messages: CHAT_MESSAGES, stream: true });
      await waitUntil(() => begun, 3000, 'the upstream answer begun');
      await host.router.close();
      const answer = await within(call.response, 3000, 'the answer ending');
      expect(answer.status).toBe(502);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'router_closed' } });
      const [end] = await observed.waitForEnds(1);
      expect(end).toMatchObject({ status: 502, outcome: 'error', error: { message: expect.stringContaining('router.close()') as unknown } });
    } finally {
      await host.close();
    }
  });
});

describe('PROVIDER_TIMEOUT_MS and a request body the upstream reads slowly', () => {
  /** An OpenAI-compatible upstream that reads its first `slowBytes` at `bytesPerSecond`, then the rest at once, and answers when the body ends. */
  async function startSlowReader(
    slowBytes: number,
    bytesPerSecond: number,
  ): Promise<{ baseUrl: string; received: () => number; close(): Promise<void> }> {
    let received = 0;
    // Cleared on close: a reader slow enough never to finish would otherwise keep Jest from exiting.
    const pauses = new Set<NodeJS.Timeout>();
    const server = http.createServer((req, res) => {
      let read = 0;
      req.on('data', (chunk: Buffer) => {
        read += chunk.length;
        received = read;
        if (read < slowBytes) {
          req.pause();
          const pause = setTimeout(
            () => {
              pauses.delete(pause);
              req.resume();
            },
            (chunk.length / bytesPerSecond) * 1000,
          );
          pauses.add(pause);
        }
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 1,
            model: 'gpt-4o',
            choices: [{ index: 0, message: { role: 'assistant', content: 'read it all' }, finish_reason: 'stop' }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
      received: () => received,
      close: () =>
        new Promise((resolve) => {
          for (const pause of pauses) clearTimeout(pause);
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  test('counts from when the request has been sent whole: an upload longer than the timeout is answered, not a 504', async () => {
    // The upstream takes at least 4 s over its first 8 MiB, twice the timeout; loopback buffers hold
    // far less than the other 16 MiB, so the upload cannot be done sooner.
    const upstream = await startSlowReader(8 * MIB, 2 * MIB);
    const host = await startHost({
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseUrl, PROVIDER_TIMEOUT_MS: '2000', PROVIDER_MAX_BODY_BYTES: String(64 * MIB) },
    });
    try {
      const answer = await postJson(`${host.url}/v1/chat/completions`, {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'y'.repeat(24 * MIB) }],
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ choices: [{ message: { content: 'read it all' } }] });
      expect(upstream.received()).toBeGreaterThan(24 * MIB);
    } finally {
      await host.close();
      await upstream.close();
    }
  });

  test('an upstream that takes none of the body is a 504 once PROVIDER_IDLE_TIMEOUT_MS has passed, not a request held for good', async () => {
    const upstream = await startSlowReader(64 * MIB, 1);
    const host = await startHost({
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: upstream.baseUrl,
        PROVIDER_TIMEOUT_MS: '300',
        PROVIDER_IDLE_TIMEOUT_MS: '1000',
        PROVIDER_MAX_BODY_BYTES: String(64 * MIB),
      },
    });
    try {
      const answer = await within(
        postJson(`${host.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'y'.repeat(24 * MIB) }] }),
        10000,
        'the answer',
      );
      expect(answer.status).toBe(504);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'upstream_timeout' } });
    } finally {
      await host.close();
      await upstream.close();
    }
  });
});

describe('PROVIDER_TIMEOUT_MS and a connection still being opened', () => {
  /** A server that accepts TCP connections and never says a word: no TLS handshake, no HTTP answer. */
  async function startMuteServer(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.pause();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      close: () =>
        new Promise((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }

  test.each(['http', 'https'])(
    'a %s upstream that accepts TCP and never answers is a 504 within PROVIDER_TIMEOUT_MS, a TLS handshake never finished included',
    async (scheme) => {
      const upstream = await startMuteServer();
      const host = await startHost({
        env: {
          OPENAI_API_KEY: 'sk-test',
          OPENAI_BASE_URL: `${scheme}://127.0.0.1:${upstream.port}/v1`,
          PROVIDER_TIMEOUT_MS: '300',
          // Far longer than the wait allowed below: a handshake counted as an upload would be held this long.
          PROVIDER_IDLE_TIMEOUT_MS: '60000',
        },
      });
      try {
        const answer = await within(postJson(`${host.url}/v1/chat/completions`, { model: 'gpt-4o', messages: CHAT_MESSAGES }), 5000, 'the answer');
        expect(answer.status).toBe(504);
        expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'upstream_timeout' } });
      } finally {
        await host.close();
        await upstream.close();
      }
    },
  );
});

describe('keep-alive connections after failures and hang-ups', () => {
  const CHAT_STREAM = { model: 'gpt-4o', messages: CHAT_MESSAGES, stream: true };
  const ANSWER = `${OPENING.chat}data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`;

  /** What the fake does to the first request: each leaves its connection in another state. */
  const FAILURES: Array<{ name: string; answer: (res: ServerResponse) => void; outcome?: 'ok' }> = [
    {
      name: 'an answer with Connection: close',
      answer: (res) => res.writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' }).end(ANSWER),
      outcome: 'ok',
    },
    {
      name: 'a reset after the first event',
      answer: (res) => (
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(OPENING.chat),
        setImmediate(() => res.socket?.resetAndDestroy())
      ),
    },
    { name: 'a reset before any answer', answer: (res) => res.socket?.resetAndDestroy() },
    {
      name: 'an error event mid-stream, the response left open',
      answer: (res) =>
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: {"error":{"message":"boom","type":"server_error"}}\n\n'),
    },
    { name: 'no answer within PROVIDER_TIMEOUT_MS', answer: () => undefined },
    {
      name: 'silence mid-stream past PROVIDER_IDLE_TIMEOUT_MS',
      answer: (res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write(OPENING.chat),
    },
  ];

  test.each(FAILURES)('after $name, the next two requests are answered whole', async ({ answer, outcome }) => {
    const host = await startHost({ env: { ...envFor({ openai }), PROVIDER_TIMEOUT_MS: '300', PROVIDER_IDLE_TIMEOUT_MS: '300' } });
    const observed = observe();
    observed.listen(host.router);
    let first = true;
    openai.handler = (_recorded, res) => {
      if (!first) return false;
      first = false;
      answer(res);
      return true;
    };
    try {
      await postJson(`${host.url}/v1/chat/completions`, CHAT_STREAM);
      for (let i = 0; i < 2; i++) {
        const next = await postJson(`${host.url}/v1/chat/completions`, CHAT_STREAM);
        expect(next.status).toBe(200);
        expect(next.text.endsWith('data: [DONE]\n\n')).toBe(true);
      }
      const ends = await observed.waitForEnds(3);
      expect(ends.map((end) => end.outcome)).toEqual([outcome ?? 'error', 'ok', 'ok']);
    } finally {
      await host.close();
    }
  });

  test('150 requests kept on one client connection, every fourth one left after its first event: no listener piles up on any kept-alive socket, no warning', async () => {
    const clientSockets = new Set<net.Socket>();
    const host = await startHost(
      { env: envFor({ openai }) },
      {
        before: (app) =>
          app.use((req, _res, next) => {
            if (req.headers['x-kept'] === 'yes') clientSockets.add(req.socket);
            next();
          }),
      },
    );
    const observed = observe();
    observed.listen(host.router);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    // The router's own connections to the upstream, each with the listeners it had when each
    // request was handed it (before that request's own are added).
    const upstreamHost = new URL(openai.baseUrl).host;
    const upstreamSockets = new Map<net.Socket, number[]>();
    const listenersOf = (socket: net.Socket): number => socket.eventNames().reduce((sum, name) => sum + socket.listenerCount(name), 0);
    const onRequestStart = (message: unknown): void => {
      const request = (message as { request: http.ClientRequest }).request;
      if (request.getHeader('host') !== upstreamHost) return;
      request.once('socket', (socket: net.Socket) => {
        const counts = upstreamSockets.get(socket) ?? [];
        counts.push(listenersOf(socket));
        upstreamSockets.set(socket, counts);
      });
    };
    diagnosticsChannel.subscribe('http.client.request.created', onRequestStart);
    openai.handler = (recorded, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if ((recorded.body?.messages as Array<{ content: string }>)[0]?.content === 'leave') res.write(OPENING.chat);
      else res.end(ANSWER);
    };
    // The kept requests share one kept-alive connection; a request left is on a connection of its own, which it closes.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 200; i++) {
        const leave = i % 4 === 3;
        const call = postInFlight(
          `${host.url}/v1/chat/completions`,
          { ...CHAT_STREAM, messages: [{ role: 'user', content: leave ? 'leave' : 'stay' }] },
          leave ? { agent: false } : { agent, headers: { 'x-kept': 'yes' } },
        );
        if (leave) {
          await call.waitForBody((text) => text.length > 0);
          call.abort();
        } else expect((await call.response).status).toBe(200);
      }
      const ends = await observed.waitForEnds(200, 5000);
      expect(ends.filter((end) => end.outcome === 'aborted')).toHaveLength(50);
      expect(ends.filter((end) => end.outcome === 'ok')).toHaveLength(150);
      await waitUntil(() => openai.closedRequests === 50, 3000, 'every left stream closed upstream');
      // One client connection served the 150 kept requests; its listeners, by event, are Node's own few.
      expect(clientSockets.size).toBe(1);
      const [kept] = [...clientSockets];
      expect(Math.max(...kept!.eventNames().map((name) => kept!.listenerCount(name)))).toBeLessThan(5);
      // Upstream, each kept-alive connection served three kept requests, then a left one that closed
      // it: handed each request after the first (a new connection has listeners of its own until it
      // is open), it had as many listeners as when handed the second.
      const reused = [...upstreamSockets.values()].filter((counts) => counts.length > 2);
      expect(reused.length).toBeGreaterThanOrEqual(40);
      for (const counts of reused) expect(counts.slice(1)).toEqual(counts.slice(1).map(() => counts[1]));
      expect(warnings).toEqual([]);
    } finally {
      diagnosticsChannel.unsubscribe('http.client.request.created', onRequestStart);
      process.off('warning', onWarning);
      agent.destroy();
      await host.close();
    }
  });
});
