import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { openStream, sendRequest } from '../support/http-client';
import { observe } from '../support/observe';
import { firstTextFrameIndex, sendHeldStream } from '../support/upstream-answers';
import { waitUntil, within } from '../support/wait';
import { chatBody, PROVIDER_CASES, taggedFrames } from './support/provider-cases';

/** The promise of section 2: an abandoned generation stops costing at once. */
const CLOSE_WITHIN_MS = 100;

let fakes: Fakes;
let host: Host;
const observed = observe();

beforeAll(async () => {
  fakes = await startFakes();
  // Long timeouts: only the client's hang-up may close the upstream connection.
  host = await startHost({ env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '30000', PROVIDER_IDLE_TIMEOUT_MS: '30000' } });
  observed.listen(host.router);
});

beforeEach(() => observed.clear());
afterEach(() => fakes.reset());
afterAll(async () => {
  await host.close();
  await fakes.close();
});

describe.each(PROVIDER_CASES.map((c) => [c.kind, c] as const))('%s', (kind, c) => {
  test(`a client hang-up mid-stream closes the upstream connection within ${CLOSE_WITHIN_MS} ms; request.end says aborted`, async () => {
    const fake = fakes[kind];
    fake.handler = (_recorded, res) => {
      const frames = taggedFrames(c, 'T1');
      // Up to the first text piece (OpenRouter starts with comment lines), then held open: a long
      // generation in progress.
      sendHeldStream(res, frames, firstTextFrameIndex(frames));
    };
    const stream = await openStream(`${host.url}/v1/chat/completions`, chatBody(c, 'T1', true));
    expect(stream.status).toBe(200);
    await waitUntil(() => stream.text().includes('Hello'), 5000, 'the first streamed text');

    const upstreamClosed = fake.waitForClientClose().then(() => performance.now());
    const abortedAt = performance.now();
    stream.abort();
    const closedAt = await within(upstreamClosed, 5000, `${kind} fake seeing its connection closed`);

    expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
    expect(fake.closedRequests).toBe(1);
    const [end] = await observed.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ provider: kind, outcome: 'aborted', status: 200, stream: true }));
  });

  test(`a client hang-up before the upstream answered closes the upstream connection within ${CLOSE_WITHIN_MS} ms; request.end says aborted, 499`, async () => {
    const fake = fakes[kind];
    fake.handler = () => true; // never answers
    const call = sendRequest({
      url: `${host.url}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody(c, 'T2', false)),
    });
    await waitUntil(() => fake.requests.length === 1, 5000, `${kind} fake receiving the request`);

    const upstreamClosed = fake.waitForClientClose().then(() => performance.now());
    const abortedAt = performance.now();
    call.abort();
    const closedAt = await within(upstreamClosed, 5000, `${kind} fake seeing its connection closed`);

    expect(closedAt - abortedAt).toBeLessThan(CLOSE_WITHIN_MS);
    const [end] = await observed.waitForEnds(1);
    expect(end).toEqual(expect.objectContaining({ provider: kind, outcome: 'aborted', status: 499, stream: false }));
  });
});
