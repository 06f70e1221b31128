import { startFakes, type Fakes, type ProviderId } from '../support/fake-upstream';
import { streamedText } from '../support/chat-stream';
import { envFor, startHost, type Host } from '../support/host';
import { openStream, type OpenStream } from '../support/http-client';
import { observe } from '../support/observe';
import { sendFrames, sendHeldStream } from '../support/upstream-answers';
import { deferred, within } from '../support/wait';
import { caseOf, chatBody, expectedText, PROVIDER_CASES, tagOf, taggedFrames } from './support/provider-cases';
import { loadAgent, runBounded } from './support/load-runner';

const STREAMS = 1000;
/** Streams opened at once while ramping up, so that connects do not overflow listen backlogs. */
const RAMP_BATCH = 100;
const REFERENCE_TAG = 'T999999';

let fakes: Fakes;
let host: Host;
const observed = observe();

beforeAll(async () => {
  fakes = await startFakes();
  // Streams wait for each other at the fakes: the timeouts must outlast the whole ramp.
  host = await startHost({ env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '60000', PROVIDER_IDLE_TIMEOUT_MS: '60000' } });
  observed.listen(host.router);
});

afterAll(async () => {
  await host.close();
  await fakes.close();
});

test('1,000 concurrent streams across the four providers all complete intact, with no errors', async () => {
  const fakesHold = holdStreams(STREAMS);
  const agent = loadAgent(STREAMS + 8);
  try {
    // One unhurried request per provider: the translated Anthropic body every stream must match.
    const reference = new Map<ProviderId, string>();
    for (const c of PROVIDER_CASES) {
      const answer = await openStream(`${host.url}/v1/chat/completions`, chatBody(c, REFERENCE_TAG, true), { agent });
      reference.set(c.kind, withoutCreated(await answer.ended));
    }
    observed.clear();

    const streams: OpenStream[] = [];
    const tags: string[] = [];
    for (let start = 0; start < STREAMS; start += RAMP_BATCH) {
      const batch = await runBounded(RAMP_BATCH, RAMP_BATCH, 30000, (offset) => {
        const index = start + offset;
        const c = PROVIDER_CASES[index % PROVIDER_CASES.length]!;
        tags[index] = `T${String(index).padStart(6, '0')}`;
        return openStream(`${host.url}/v1/chat/completions`, chatBody(c, tags[index]!, true), { agent });
      });
      streams.push(...batch);
    }
    await within(fakesHold.allOpen, 30000, `all ${STREAMS} streams open at the fakes`);
    expect(streams.every((stream) => stream.status === 200)).toBe(true);
    expect(observed.ends()).toHaveLength(0); // none finished early: they really were open together
    fakesHold.release();

    const bodies = await within(Promise.all(streams.map((stream) => stream.ended)), 60000, `${STREAMS} streams ending`);
    const broken: string[] = [];
    bodies.forEach((body, index) => {
      const c = PROVIDER_CASES[index % PROVIDER_CASES.length]!;
      const tag = tags[index]!;
      const expected = c.kind === 'anthropic' ? reference.get(c.kind)!.replaceAll(REFERENCE_TAG, tag) : fakesHold.sent.get(tag);
      const intact = (c.kind === 'anthropic' ? withoutCreated(body) : body) === expected && streamedText(body) === expectedText(tag);
      if (!intact) broken.push(`${tag} (${c.kind}): ${JSON.stringify(body.slice(0, 300))}`);
    });
    expect(broken).toEqual([]);

    const events = await observed.waitForEnds(STREAMS, 10000);
    expect(events.filter((event) => event.outcome !== 'ok' || event.status !== 200)).toEqual([]);
    expect(new Set(events.map((event) => event.requestId)).size).toBe(STREAMS);
    for (const c of PROVIDER_CASES) expect(events.filter((event) => event.provider === c.kind)).toHaveLength(STREAMS / 4);
  } finally {
    fakesHold.release();
    agent.destroy();
  }
}, 120000);

/**
 * Scripts every fake to answer with its tagged stream, holding each open after the first frame
 * until `count` are open at once; the reference request is answered at once.
 */
function holdStreams(count: number): { sent: Map<string, string>; allOpen: Promise<void>; release(): void } {
  // What each fake sent, by tag.
  const sent = new Map<string, string>();
  const released = deferred();
  const allArrived = deferred();
  let open = 0;
  for (const fake of fakes.all()) {
    fake.handler = (recorded, res) => {
      const tag = tagOf(recorded);
      const frames = taggedFrames(caseOf(fake.kind), tag);
      sent.set(tag, frames.join(''));
      if (tag === REFERENCE_TAG) return sendFrames(res, frames);
      sendHeldStream(res, frames, 0, released.promise);
      if (++open === count) allArrived.resolve();
    };
  }
  return { sent, allOpen: allArrived.promise, release: () => released.resolve() };
}

/** The translator stamps `created` with its own clock; everything else must match. */
function withoutCreated(body: string): string {
  return body.replace(/"created":\d+/g, '"created":0');
}
