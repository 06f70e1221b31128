import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { defineProvider, type ProviderAdapter, type ProviderModel, type ProviderRouterOptions, type TelemetryEvent } from '../../lib';
import type { FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { observe } from '../support/observe';
import { sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { sleep, waitUntil, within } from '../support/wait';

const fakes = useFakes();

/** What a router reported: its telemetry events and its logger's warnings. */
interface Reports {
  events: TelemetryEvent[];
  warnings: string[];
}

/** Starts a host with every fake configured and a logger that records its warnings. */
async function startReportingHost(options: ProviderRouterOptions = {}): Promise<{ host: Host; reports: Reports }> {
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) };
  const host = await startHost({ ...options, env: { ...envFor(fakes), ...options.env }, logger });
  const observed = observe();
  observed.listen(host.router);
  return { host, reports: { events: observed.events, warnings } };
}

/** Runs `run` against a reporting host, closing it afterwards. */
async function withHost(options: ProviderRouterOptions, run: (host: Host, reports: Reports) => Promise<void>): Promise<void> {
  const { host, reports } = await startReportingHost(options);
  try {
    await run(host, reports);
  } finally {
    await host.close();
  }
}

/** A host-defined adapter whose list function resolves with `listed`, whatever its shape. */
function adapterListing(listed: unknown): ProviderRouterOptions['providers'] {
  return { mine: adapterListingWith(() => Promise.resolve(listed as ProviderModel[])) };
}

/** A host-defined adapter `mine` whose model list is what `listModels` gives. */
function adapterListingWith(listModels: () => Promise<ProviderModel[]>): ProviderAdapter {
  return defineProvider({
    id: 'mine',
    dialect: 'openai',
    baseUrl: 'http://127.0.0.1:9/v1',
    enabled: true,
    upstreamHeaders: () => ({}),
    listModels,
  });
}

/** Leaves every model-list request to `fake` unanswered; the answers are handed to the test. */
function holdListRequests(fake: FakeUpstream): ServerResponse[] {
  const held: ServerResponse[] = [];
  fake.handler = (r, res) => {
    if (r.method !== 'GET') return false;
    held.push(res);
    return true;
  };
  return held;
}

const modelErrors = (events: TelemetryEvent[], provider?: string) =>
  events.filter((e) => e.type === 'models.error' && (provider === undefined || e.provider === provider));

describe('a host-defined adapter whose list is malformed', () => {
  test.each([
    ['an object holding the list', { data: [{ id: 'a' }] }],
    ['null', null],
    ['an array with a null entry', [{ id: 'a' }, null]],
    ['an array with a string entry', [{ id: 'a' }, 'b']],
  ])('is left out and reported when its list function resolves with %s; the rest is served as JSON', async (_shape, listed) => {
    await withHost({ providers: adapterListing(listed) }, async (host, { events, warnings }) => {
      const res = await request(host.url).get('/v1/models');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const providers = new Set((res.body.data as Array<{ provider: string }>).map((m) => m.provider));
      expect([...providers].sort()).toEqual(['anthropic', 'local', 'openai', 'openrouter']);
      expect(modelErrors(events)).toEqual([expect.objectContaining({ provider: 'mine', error: expect.stringMatching(/mine/) })]);
      expect(warnings).toHaveLength(1);
    });
  });

  test('has its entries without a non-empty string id dropped, and the rest listed', async () => {
    const listed = [{ id: 'ok', owned_by: 'me' }, { name: 'no id' }, { id: '' }, { id: 42 }];
    await withHost({ providers: adapterListing(listed) }, async (host, { events }) => {
      const res = await request(host.url).get('/v1/models');
      const mine = (res.body.data as Array<{ id: string; provider: string }>).filter((m) => m.provider === 'mine');
      expect(mine.map((m) => m.id)).toEqual(['mine/ok']);
      expect(modelErrors(events)).toEqual([]);
    });
  });
});

describe('reports of failed lists', () => {
  test("a host logger that throws on the failure's warning fails neither GET /models nor the other providers' lists", async () => {
    fakes.local.handler = (r, res) => {
      if (r.method !== 'GET') return false;
      sendJson(res, 500, { error: { message: 'boom' } });
      return true;
    };
    const throwing = () => {
      throw new Error('log shipper down');
    };
    const host = await startHost({ env: envFor(fakes), logger: { warn: throwing, error: throwing } });
    const observed = observe();
    observed.listen(host.router);
    try {
      const res = await request(host.url).get('/v1/models');
      expect(res.status).toBe(200);
      const providers = new Set((res.body.data as Array<{ provider: string }>).map((m) => m.provider));
      expect(providers.has('openai')).toBe(true);
      expect(providers.has('local')).toBe(false);
      expect(modelErrors(observed.events, 'local')).toHaveLength(1);
    } finally {
      await host.close();
    }
  });

  test('close() aborts a list refresh in flight without reporting it', async () => {
    holdListRequests(fakes.openai);
    const { host, reports } = await startReportingHost();
    let closed = false;
    try {
      const listing = host.router.listModels();
      await waitUntil(() => fakes.openai.requests.length === 1, 2000, "the router's model-list request");
      const aborted = fakes.openai.waitForClientClose();
      closed = true;
      await host.close();
      await within(aborted, 2000, 'the aborted model-list request');
      const data = await within(listing, 2000, 'the list after close()');
      expect(data.some((m) => m.provider === 'openai')).toBe(false);
      await sleep(50);
      expect(modelErrors(reports.events)).toEqual([]);
      expect(reports.warnings).toEqual([]);
    } finally {
      if (!closed) await host.close();
    }
  });

  test('a llama-server still loading its model (503) is listed on the next request once it is up; the log has one line, telemetry every failure', async () => {
    let loading = true;
    fakes.local.handler = (r, res) => {
      if (r.method !== 'GET' || !loading) return false;
      sendJson(res, 503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
      return true;
    };
    await withHost({}, async (host, { events, warnings }) => {
      const localEntries = async () =>
        ((await request(host.url).get('/v1/models')).body.data as Array<{ provider: string }>).filter((m) => m.provider === 'local');
      expect(await localEntries()).toEqual([]);
      expect(await localEntries()).toEqual([]);
      expect(modelErrors(events, 'local')).toHaveLength(2);
      expect(warnings.filter((warning) => warning.includes('"local"'))).toHaveLength(1);
      loading = false;
      expect((await localEntries()).length).toBeGreaterThan(0);
    });
  });

  test('a list that times out is reported once, however many wait for it and however it ends later', async () => {
    const held = holdListRequests(fakes.openai);
    await withHost({ modelListTimeoutMs: 200 }, async (host, { events, warnings }) => {
      const answers = await Promise.all([request(host.url).get('/v1/models'), request(host.url).get('/v1/models'), host.router.listModels()]);
      for (const data of [answers[0].body.data, answers[1].body.data, answers[2]] as Array<Array<{ provider: string }>>) {
        expect(data.some((m) => m.provider === 'openai')).toBe(false);
      }
      expect(held).toHaveLength(1);
      sendJson(held[0]!, 500, { error: { message: 'gave up' } });
      await sleep(100);
      expect(modelErrors(events, 'openai')).toEqual([expect.objectContaining({ error: expect.stringMatching(/200 ms/) })]);
      expect(warnings).toHaveLength(1);
    });
  });

  test("a host adapter's list that never settles (its abort signal ignored) is asked again once the refresh is given up", async () => {
    let answer = (): Promise<ProviderModel[]> => new Promise(() => undefined);
    const mine = adapterListingWith(() => answer());
    await withHost({ providers: { mine }, modelListTimeoutMs: 100 }, async (host) => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        const first = host.router.listModels();
        await jest.advanceTimersByTimeAsync(100);
        expect((await first).some((m) => m.provider === 'mine')).toBe(false);
        answer = () => Promise.resolve([{ id: 'fresh', owned_by: 'me' }]);
        // Past the 30 s a refresh may take.
        await jest.advanceTimersByTimeAsync(31_000);
        const later = host.router.listModels();
        await jest.advanceTimersByTimeAsync(100);
        expect((await later).filter((m) => m.provider === 'mine').map((m) => m.id)).toEqual(['mine/fresh']);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  test('a list that timed out and then answered is listed, without asking again', async () => {
    const held = holdListRequests(fakes.openai);
    await withHost({ modelListTimeoutMs: 100 }, async (host) => {
      expect((await host.router.listModels()).some((m) => m.provider === 'openai')).toBe(false);
      sendJson(held[0]!, 200, { object: 'list', data: [{ id: 'gpt-late', object: 'model', created: 1, owned_by: 'system' }] });
      await sleep(50);
      expect((await host.router.listModels()).filter((m) => m.provider === 'openai').map((m) => m.id)).toEqual(['openai/gpt-late']);
      expect(held).toHaveLength(1);
    });
  });
});
