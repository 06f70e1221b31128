import type { ServerResponse } from 'node:http';
import { startFakeUpstream, type FakeUpstream, type UpstreamKind } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { recordEnds, type EndEvents } from './support/end-events';
import { loadAgent, openStream, runBounded, within, type OpenAnswer } from './support/load-client';
import { caseOf, chatBody, expectedText, PROVIDER_CASES, streamedText, tagOf, taggedFrames } from './support/provider-cases';

const STREAMS = 1000;
/** Streams opened at once while ramping up, so that connects do not overflow listen backlogs. */
const RAMP_BATCH = 100;
const REFERENCE_TAG = 'T999999';

let fakes: FakeUpstream[];
let host: Host;
let ends: EndEvents;

beforeAll(async () => {
  fakes = await Promise.all((['openai', 'openrouter', 'local', 'anthropic'] as const).map((kind) => startFakeUpstream(kind)));
  const byKind = Object.fromEntries(fakes.map((fake) => [fake.kind, fake])) as Record<UpstreamKind, FakeUpstream>;
  // Streams wait for each other at the fakes: the timeouts must outlast the whole ramp.
  host = await startHost({ env: { ...envFor(byKind), PROVIDER_TIMEOUT_MS: '60000', PROVIDER_IDLE_TIMEOUT_MS: '60000' } });
  ends = recordEnds(host.router);
});

afterAll(async () => {
  await host.close();
  await Promise.all(fakes.map((fake) => fake.close()));
});

test('1,000 concurrent streams across the four providers all complete intact, with no errors', async () => {
  const fakesHold = holdStreams(STREAMS);
  const agent = loadAgent(STREAMS + 8);
  try {
    // One unhurried request per provider: the translated Anthropic body every stream must match.
    const reference = new Map<UpstreamKind, string>();
    for (const c of PROVIDER_CASES) {
      const answer = await openStream(`${host.url}/v1/chat/completions`, chatBody(c, REFERENCE_TAG, true), agent);
      reference.set(c.kind, withoutCreated(await answer.ended));
    }
    ends.clear();

    const streams: OpenAnswer[] = [];
    const tags: string[] = [];
    for (let start = 0; start < STREAMS; start += RAMP_BATCH) {
      const batch = await runBounded(RAMP_BATCH, RAMP_BATCH, 30000, (offset) => {
        const index = start + offset;
        const c = PROVIDER_CASES[index % PROVIDER_CASES.length]!;
        tags[index] = `T${String(index).padStart(6, '0')}`;
        return openStream(`${host.url}/v1/chat/completions`, chatBody(c, tags[index]!, true), agent);
      });
      streams.push(...batch);
    }
    await within(fakesHold.allOpen, 30000, `all ${STREAMS} streams open at the fakes`);
    expect(streams.every((stream) => stream.status === 200)).toBe(true);
    expect(ends.all).toHaveLength(0); // none finished early: they really were open together
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

    const events = await ends.waitFor(STREAMS, 10000);
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
  const held: Array<() => void> = [];
  let open = 0;
  let allArrived!: () => void;
  const allOpen = new Promise<void>((resolve) => (allArrived = resolve));
  for (const fake of fakes) {
    fake.handler = (recorded, res) => {
      const tag = tagOf(recorded);
      const frames = taggedFrames(caseOf(fake.kind), tag);
      sent.set(tag, frames.join(''));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (tag === REFERENCE_TAG) return void finish(res, frames);
      res.write(frames[0]);
      held.push(() => finish(res, frames.slice(1)));
      if (++open === count) allArrived();
      return true;
    };
  }
  return { sent, allOpen, release: () => held.splice(0).forEach((finishStream) => finishStream()) };
}

function finish(res: ServerResponse, frames: string[]): void {
  for (const frame of frames) res.write(frame);
  res.end();
}

/** The translator stamps `created` with its own clock; everything else must match. */
function withoutCreated(body: string): string {
  return body.replace(/"created":\d+/g, '"created":0');
}
