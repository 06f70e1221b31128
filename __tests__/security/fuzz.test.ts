/**
 * Fuzz: thousands of seeded malformed requests on the five POST routes. Each refused family must
 * get a 4xx in its route's error shape, reach no upstream and emit no telemetry (but for a provider
 * without its key, which routing chose: a start and an end); requests with a
 * routable model and wrong types elsewhere must never make the router fail (5xx, reset); and the
 * router must still serve afterwards. Replay a failure with FUZZ_SEED=<seed> and its case number.
 */
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { observe } from '../support/observe';
import {
  FUZZ_ROUTES,
  REFUSED_FAMILIES,
  describeFailure,
  errorShapeProblem,
  invalidUtf8InStringCase,
  prng,
  refusedCase,
  sendAll,
  wrongTypesCase,
  type FuzzCase,
  type FuzzResult,
} from './helpers/fuzz';
import { sendDialectError } from './helpers/hosts';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed7);
const MAX_BODY_BYTES = 64 * 1024;
const PER_REFUSED_FAMILY = 700;
const WRONG_TYPES_CASES = 1500;
const UTF8_IN_STRING_CASES = 200;
const PER_JSON_FIRST_FAMILY = 200;
const CONCURRENCY = 16;

let fakes: Fakes;
let host: Host;
const observed = observe();
const counted = { sent: 0 };

beforeAll(async () => {
  fakes = await startFakes();
  // openrouter is left without a key: `openrouter/...` must be refused, not sent.
  const env = {
    ...envFor({ openai: fakes.openai, anthropic: fakes.anthropic, local: fakes.local }),
    PROVIDER_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  };
  host = await startHost({ env, conversationLogger: observed.conversationLogger });
  observed.listen(host.router);
});
afterEach(() => {
  fakes.reset();
  observed.clear();
});
afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

/** Every problem with a result that had to be refused before routing. */
function refusalProblems(results: readonly FuzzResult[]): string[] {
  const problems: string[] = [];
  for (const result of results) {
    const { response, error, fuzzCase } = result;
    if (error || !response) {
      problems.push(describeFailure(result, `connection failed: ${error?.message}`));
      continue;
    }
    if (response.status < 400 || response.status > 499)
      problems.push(describeFailure(result, `status ${response.status}: ${response.text.slice(0, 160)}`));
    else if (fuzzCase.status !== undefined && response.status !== fuzzCase.status) {
      problems.push(describeFailure(result, `status ${response.status}, expected ${fuzzCase.status}: ${response.text.slice(0, 160)}`));
    } else {
      const shape = errorShapeProblem(fuzzCase.route, response);
      if (shape) problems.push(describeFailure(result, shape));
    }
  }
  return problems;
}

/** At most this many failure lines in a report; the count says how many there were. */
function summary(problems: string[]): string[] {
  return problems.length <= 12 ? problems : [...problems.slice(0, 12), `... and ${problems.length - 12} more`];
}

describe(`fuzz (seed ${SEED}, ${CONCURRENCY} at a time over keep-alive)`, () => {
  test.each(REFUSED_FAMILIES.map((family, i) => [family, i] as const))(
    `%s: ${PER_REFUSED_FAMILY} requests, each refused with a 4xx in its route's error shape, none forwarded, no telemetry`,
    async (family, familyIndex) => {
      const rng = prng(SEED + familyIndex * 7919);
      const cases: FuzzCase[] = Array.from({ length: PER_REFUSED_FAMILY }, (_, i) => refusedCase(rng, i, family, MAX_BODY_BYTES));
      // Every route gets its share.
      for (const route of FUZZ_ROUTES) expect(cases.some((c) => c.route === route)).toBe(true);
      const results = await sendAll(host.url, cases, CONCURRENCY);
      counted.sent += results.length;
      expect(summary(refusalProblems(results))).toEqual([]);
      expect(fakes.received().map((r) => `${r.method} ${r.url} ${r.rawBody.slice(0, 80)}`)).toEqual([]);
      // Only a request routed to a provider without its key was routed: it has its request events
      // (DESIGN section 6), a 400 each; every other refusal came before routing and has none.
      const notConfigured = results.filter((result) => result.response?.text.includes('is not configured: set OPENROUTER_API_KEY')).length;
      expect(observed.events.map((e) => e.type).sort()).toEqual([
        ...Array<string>(notConfigured).fill('request.end'),
        ...Array<string>(notConfigured).fill('request.start'),
      ]);
      for (const event of observed.events) expect(event).toMatchObject({ provider: 'openrouter' });
      for (const end of observed.ends()) expect(end).toMatchObject({ status: 400, outcome: 'error' });
      expect(observed.records).toHaveLength(notConfigured);
    },
  );

  test(`invalid UTF-8 inside a string value: ${UTF8_IN_STRING_CASES} requests, each refused with 400, none forwarded`, async () => {
    const rng = prng(SEED + 104729);
    const cases = Array.from({ length: UTF8_IN_STRING_CASES }, (_, i) => invalidUtf8InStringCase(rng, i));
    const results = await sendAll(host.url, cases, CONCURRENCY);
    counted.sent += results.length;
    const problems = refusalProblems(results);
    const forwarded = fakes.received();
    if (forwarded.length > 0) {
      const sample = forwarded[0]!.rawBody.slice(0, 100);
      problems.push(`${forwarded.length} of ${cases.length} were forwarded upstream, e.g. ${JSON.stringify(sample)}`);
    }
    expect(summary(problems)).toEqual([]);
  });

  test(`wrong types beside a routable model: ${WRONG_TYPES_CASES} requests, each answered with a 4xx in its route's shape, never a 5xx or a reset`, async () => {
    // Upstreams that validate like the real APIs: whatever the router passes on, they refuse.
    for (const fake of fakes.all()) {
      fake.handler = (request, res) => sendDialectError(fake, request, res, 400, 'fake upstream: invalid request');
    }
    const rng = prng(SEED + 15485863);
    const cases = Array.from({ length: WRONG_TYPES_CASES }, (_, i) => wrongTypesCase(rng, i));
    const results = await sendAll(host.url, cases, CONCURRENCY);
    counted.sent += results.length;
    expect(summary(refusalProblems(results))).toEqual([]);
    // Every request that did go upstream went to a configured fake as JSON.
    for (const request of fakes.received()) expect(request.body).toBeDefined();
    expect(fakes.openrouter.requests).toEqual([]);
    if (process.env.FUZZ_STATS) {
      const refused = results.length - fakes.received().length;
      process.stdout.write(`wrong types: ${fakes.received().length} passed on (upstream refused), ${refused} refused by the router\n`);
    }
  });

  test.each(['unusable model', 'wrong content type', 'huge strings'] as const)(
    `with express.json() mounted first (Express 4), %s: ${PER_JSON_FIRST_FAMILY} requests refused by the router in its route's error shape, none forwarded`,
    async (family) => {
      // The first host this was planned for parses JSON itself: the router then reads req.body.
      const jsonFirst = await startHost(
        {
          env: {
            ...envFor({ openai: fakes.openai, anthropic: fakes.anthropic, local: fakes.local }),
            PROVIDER_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
          },
        },
        { jsonFirst: true, expressVersion: 4 },
      );
      try {
        const rng = prng(SEED + 31 * (REFUSED_FAMILIES.indexOf(family) + 1));
        const cases = Array.from({ length: PER_JSON_FIRST_FAMILY }, (_, i) => refusedCase(rng, i, family, MAX_BODY_BYTES));
        const results = await sendAll(jsonFirst.url, cases, CONCURRENCY);
        counted.sent += results.length;
        expect(summary(refusalProblems(results))).toEqual([]);
        expect(fakes.received()).toEqual([]);
      } finally {
        await jsonFirst.close();
      }
    },
  );

  test('after the fuzz, every route still serves a valid request', async () => {
    expect(counted.sent).toBeGreaterThanOrEqual(5000);
    const valid: Array<[string, Record<string, unknown>]> = [
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/chat/completions', { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }], stream: true }],
      ['/v1/completions', { model: 'gpt-4o-mini', prompt: 'Say' }],
      ['/v1/embeddings', { model: 'qwen2.5-0.5b', input: 'x' }],
      ['/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/messages', { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], stream: true }],
      ['/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hi' }] }],
    ];
    for (const [route, body] of valid) {
      const res = await rawRequest({ url: `${host.url}${route}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect([route, res.status]).toEqual([route, 200]);
    }
    expect(fakes.received()).toHaveLength(valid.length);
  });
});
