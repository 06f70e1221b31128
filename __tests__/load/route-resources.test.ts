/**
 * Resources on every route kind under load: a client that reads nothing holds the upstream back on
 * each of the seven routes (the router buffers little, the fake's writes stall), and 500 streams held
 * open on a translated route cost a bounded amount of heap each, given back when they end.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { observe } from '../support/observe';
import { routeCases, wireFrames, type RouteCase } from '../support/route-cases';
import { sleep, waitUntil, within } from '../support/wait';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MIB = 1024 * 1024;
/** What each fake offers to send: far more than the socket buffers on loopback hold. */
const TOTAL_BYTES = 64 * MIB;
const PIECE = 'x'.repeat(1000);

/** The frames of each upstream wire format, each text piece 1000 bytes. */
const FRAMES = wireFrames(PIECE);

let anthropic: FakeUpstream;
let openai: FakeUpstream;
let local: FakeUpstream;

const ROUTES = routeCases({ anthropic: () => anthropic, openai: () => openai, local: () => local });

let host: Host;
const observed = observe();
/** The router's responses to the client, to read how much it holds in its own buffers. */
const routerResponses: ServerResponse[] = [];

beforeAll(async () => {
  [anthropic, openai, local] = await startFakeUpstreams('anthropic', 'openai', 'local');
  host = await startHost(
    { env: { ...envFor({ anthropic, openai, local }), PROVIDER_TIMEOUT_MS: '30000', PROVIDER_IDLE_TIMEOUT_MS: '30000' } },
    { before: (app) => app.use((_req, res, next) => (routerResponses.push(res), next())) },
  );
  observed.listen(host.router);
});
afterEach(() => {
  for (const fake of [anthropic, openai, local]) fake.reset();
  observed.clear();
  routerResponses.length = 0;
});
afterAll(async () => {
  await host.close();
  for (const fake of [anthropic, openai, local]) await fake.close();
});

/** Opens a streamed request and resolves with its response once the first bytes came, paused there. */
function openPaused(route: RouteCase, agent: http.Agent | false = false): Promise<{ res: IncomingMessage; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${host.url}${route.path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } },
      (res) => {
        res.once('data', () => {
          res.pause();
          resolve({ res, destroy: () => request.destroy() });
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ ...route.body, stream: true }));
  });
}

describe('a client that reads nothing holds the upstream back', () => {
  test.each(ROUTES)('$name: the fake stalls far below what it offers, and the router holds under 1 MiB', async (route) => {
    let written = 0;
    let finished = false;
    let upstreamClosed = false;
    route.fake().handler = (_recorded, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => (upstreamClosed = !res.writableFinished));
      const frames = FRAMES[route.wire];
      const pump = (): void => {
        while (written < TOTAL_BYTES && !res.destroyed) {
          written += frames.piece.length;
          if (!res.write(frames.piece)) {
            res.once('drain', pump);
            return;
          }
        }
        finished = true;
        res.end(frames.end);
      };
      written += frames.start.length;
      res.write(frames.start);
      pump();
    };
    const client = await openPaused(route);
    // Until the fake's writes stop moving: all it got out while the client read nothing.
    let still = 0;
    while (still < 5 && !finished) {
      const before = written;
      await sleep(100);
      still = written === before ? still + 1 : 0;
    }
    expect(finished).toBe(false);
    expect(written).toBeLessThan(TOTAL_BYTES / 4);
    expect(Math.max(...routerResponses.map((res) => res.writableLength))).toBeLessThan(MIB);
    client.destroy();
    await waitUntil(() => upstreamClosed, 5000, 'the upstream response closed');
    const [end] = await observed.waitForEnds(1);
    expect(end).toMatchObject({ outcome: 'aborted', status: 200 });
    await sleep(50);
    expect(observed.ends()).toHaveLength(1);
  });
});

describe('500 streams held open on a translated route (/responses to Anthropic)', () => {
  test('cost under 100 KiB of heap each (the client and the fake included), given back when they end', async () => {
    const route = ROUTES.at(-1)!;
    const held: ServerResponse[] = [];
    anthropic.handler = (_recorded, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(FRAMES.messages.start + FRAMES.messages.piece);
      held.push(res);
    };
    const agent = new http.Agent({ keepAlive: true });
    const openMany = (count: number): Promise<Array<{ res: IncomingMessage; destroy(): void }>> =>
      Promise.all(Array.from({ length: count }, () => openPaused(route, agent)));
    try {
      // Warm-up: code compiled, pools grown.
      const warm = await openMany(20);
      for (const res of held.splice(0)) res.end(FRAMES.messages.end);
      await Promise.all(warm.map(({ res }) => new Promise((resolve) => (res.on('end', resolve), res.resume()))));
      await observed.waitForEnds(20, 10000);
      // The host's middleware keeps every response for the other tests: not the router's.
      routerResponses.length = 0;
      gc();
      const before = process.memoryUsage().heapUsed;

      let clients = await within(openMany(500), 30000, '500 streams opened');
      gc();
      const open = process.memoryUsage().heapUsed;
      expect((open - before) / 500).toBeLessThan(100 * 1024);

      for (const res of held.splice(0)) res.end(FRAMES.messages.end);
      await within(
        Promise.all(clients.map(({ res }) => new Promise((resolve) => (res.on('end', resolve), res.resume())))),
        30000,
        'the streams ending',
      );
      await observed.waitForEnds(520, 10000);
      expect(observed.ends().filter((end) => end.outcome !== 'ok')).toEqual([]);
      clients = [];
      routerResponses.length = 0;
      observed.clear();
      agent.destroy();
      await sleep(200);
      gc();
      // What is left is the router's kept-alive connections to the fake, not the streams.
      expect(process.memoryUsage().heapUsed - before).toBeLessThan((open - before) / 4);
    } finally {
      agent.destroy();
    }
  });
});
