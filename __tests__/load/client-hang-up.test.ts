import http from 'node:http';
import { startFakeUpstream, type FakeUpstream, type UpstreamKind } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { recordEnds, type EndEvents } from './support/end-events';
import { openStream, waitUntil, within } from './support/load-client';
import { caseOf, chatBody, PROVIDER_CASES, taggedFrames } from './support/provider-cases';

/** The promise of section 2: an abandoned generation stops costing at once. */
const CLOSE_WITHIN_MS = 100;

let fakes: Record<UpstreamKind, FakeUpstream>;
let host: Host;
let ends: EndEvents;

beforeAll(async () => {
  const started = await Promise.all((['openai', 'openrouter', 'local', 'anthropic'] as const).map((kind) => startFakeUpstream(kind)));
  fakes = Object.fromEntries(started.map((fake) => [fake.kind, fake])) as Record<UpstreamKind, FakeUpstream>;
  // Long timeouts: only the client's hang-up may close the upstream connection.
  host = await startHost({ env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '30000', PROVIDER_IDLE_TIMEOUT_MS: '30000' } });
  ends = recordEnds(host.router);
});

beforeEach(() => ends.clear());
afterEach(() => Object.values(fakes).forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

describe.each(PROVIDER_CASES.map((c) => [c.kind, c] as const))('%s', (kind, c) => {
  test(`a client hang-up mid-stream closes the upstream connection within ${CLOSE_WITHIN_MS} ms; request.end says aborted`, async () => {
    const fake = fakes[kind];
    fake.handler = (_recorded, res) => {
      const frames = taggedFrames(caseOf(kind), 'T1');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Up to the first text piece (OpenRouter starts with comment lines), then held open: a long
      // generation in progress.
      res.write(frames.slice(0, frames.findIndex((frame) => frame.includes('Hello')) + 1).join(''));
      return true;
    };
    const stream = await openStream(`${host.url}/v1/chat/completions`, chatBody(c, 'T1', true), false);
    expect(stream.status).toBe(200);
    await waitUntil(() => stream.received().includes('Hello'), 5000, 'the first streamed text');

    const upstreamClosed = fake.waitForClientClose().then(() => performance.now());
    const abortedAt = performance.now();
    stream.abort();
    const closedAt = await within(upstreamClosed, 5000, `${kind} fake seeing its connection closed`);

    expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
    expect(fake.closedRequests).toBe(1);
    const [end] = await ends.waitFor(1);
    expect(end).toEqual(expect.objectContaining({ provider: kind, outcome: 'aborted', status: 200, stream: true }));
  });

  test(`a client hang-up before the upstream answered closes the upstream connection within ${CLOSE_WITHIN_MS} ms; request.end says aborted, 499`, async () => {
    const fake = fakes[kind];
    fake.handler = () => true; // never answers
    const req = http.request(`${host.url}/v1/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify(chatBody(c, 'T2', false)));
    await waitUntil(() => fake.requests.length === 1, 5000, `${kind} fake receiving the request`);

    const upstreamClosed = fake.waitForClientClose().then(() => performance.now());
    const abortedAt = performance.now();
    req.destroy();
    const closedAt = await within(upstreamClosed, 5000, `${kind} fake seeing its connection closed`);

    expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
    const [end] = await ends.waitFor(1);
    expect(end).toEqual(expect.objectContaining({ provider: kind, outcome: 'aborted', status: 499, stream: false }));
  });
});
