/**
 * Telemetry and the conversation record on every route kind (DESIGN sections 2, 6, 8, 10 and 11):
 * chat completions, Messages and Responses in; passed through, bridged or translated out; streamed
 * and not; answered, refused, cut, silent and abandoned. Every route reports the same fields, read
 * from the upstream's own dialect.
 */
import type { ServerResponse } from 'node:http';
import type { RequestEndEvent, RequestStartEvent, TelemetryEvent } from '../../lib';
import type { Fakes, ProviderId } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost } from '../support/host';
import { postInFlight, sendRequest, type InFlight } from '../support/http-client';
import { expectStartAndEnd, ISO_TIME, observe } from '../support/observe';
import { framesToFirstText, REASONED_ANSWERS, type ReasoningDialect } from '../support/reasoned-answers';
import { sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { sleep, waitUntil } from '../support/wait';
import { chatChunkFrame } from '../support/wire-frames';

/** The dialect an upstream answers in on a route: what the router reads usage and text from. */
type UpstreamDialect = ReasoningDialect;

interface Route {
  name: string;
  path: string;
  model: string;
  provider: ProviderId;
  upstreamModel: string;
  endpoint: 'chat.completions' | 'messages' | 'responses';
  upstream: UpstreamDialect;
}

const ROUTES: Route[] = [
  {
    name: 'chat passed through to openai',
    path: 'chat/completions',
    model: 'gpt-4o-mini',
    provider: 'openai',
    upstreamModel: 'gpt-4o-mini',
    endpoint: 'chat.completions',
    upstream: 'chat',
  },
  {
    name: 'chat passed through to openrouter',
    path: 'chat/completions',
    model: 'openrouter/x/y',
    provider: 'openrouter',
    upstreamModel: 'x/y',
    endpoint: 'chat.completions',
    upstream: 'chat',
  },
  {
    name: 'chat passed through to local',
    path: 'chat/completions',
    model: 'qwen3',
    provider: 'local',
    upstreamModel: 'qwen3',
    endpoint: 'chat.completions',
    upstream: 'chat',
  },
  {
    name: 'chat translated to anthropic',
    path: 'chat/completions',
    model: 'claude-sonnet-5-5',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    endpoint: 'chat.completions',
    upstream: 'messages',
  },
  {
    name: 'Messages passed through to anthropic',
    path: 'messages',
    model: 'anthropic/claude-sonnet-5-5',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    endpoint: 'messages',
    upstream: 'messages',
  },
  {
    name: 'Messages passed through to local',
    path: 'messages',
    model: 'local/qwen3',
    provider: 'local',
    upstreamModel: 'qwen3',
    endpoint: 'messages',
    upstream: 'messages',
  },
  {
    name: 'Messages translated to openai',
    path: 'messages',
    model: 'openai/gpt-5.5',
    provider: 'openai',
    upstreamModel: 'gpt-5.5',
    endpoint: 'messages',
    upstream: 'chat',
  },
  {
    name: 'Messages translated to openrouter',
    path: 'messages',
    model: 'openrouter/x/y',
    provider: 'openrouter',
    upstreamModel: 'x/y',
    endpoint: 'messages',
    upstream: 'chat',
  },
  {
    name: 'Responses native to openai',
    path: 'responses',
    model: 'openai/gpt-5.5',
    provider: 'openai',
    upstreamModel: 'gpt-5.5',
    endpoint: 'responses',
    upstream: 'responses',
  },
  {
    name: 'Responses native to openrouter',
    path: 'responses',
    model: 'openrouter/x/y',
    provider: 'openrouter',
    upstreamModel: 'x/y',
    endpoint: 'responses',
    upstream: 'responses',
  },
  {
    name: 'Responses bridged to local',
    path: 'responses',
    model: 'local/qwen3',
    provider: 'local',
    upstreamModel: 'qwen3',
    endpoint: 'responses',
    upstream: 'chat',
  },
  {
    name: 'Responses translated to anthropic',
    path: 'responses',
    model: 'anthropic/claude-sonnet-5-5',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    endpoint: 'responses',
    upstream: 'messages',
  },
];

const IDLE_MS = 400;
const seen = observe();
/** The events as heard under their own names, beside `seen` (which hears them under 'event'). */
const byName: TelemetryEvent[] = [];
const fakes = useFakes();
const host = useHost(fakes, { env: { PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) }, router: { conversationLogger: seen.conversationLogger } });

beforeAll(() => {
  seen.listen(host.router);
  host.router.telemetry.on('request.start', (event) => void byName.push(event));
  host.router.telemetry.on('request.end', (event) => void byName.push(event));
});
beforeEach(() => {
  seen.clear();
  byName.length = 0;
});

const USER = [{ role: 'user', content: 'hi' }];

function bodyFor(route: Route, stream: boolean): Record<string, unknown> {
  if (route.endpoint === 'responses') return { model: route.model, input: 'hi', stream };
  return { model: route.model, max_tokens: 64, messages: USER, stream };
}

const post = (route: Route, stream: boolean): InFlight => postInFlight(`${host.url}/v1/${route.path}`, bodyFor(route, stream));

/** A streamed answer with one tool call and no text, in each upstream dialect. */
const TOOL_FRAMES: Record<UpstreamDialect, () => string[]> = {
  chat: () => {
    const identity = { id: 'c1', created: 1, model: 'm' };
    return [
      chatChunkFrame(identity, {
        role: 'assistant',
        tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } }],
      }),
      chatChunkFrame(identity, { tool_calls: [{ index: 0, function: { arguments: '{"tz":' } }] }),
      chatChunkFrame(identity, { tool_calls: [{ index: 0, function: { arguments: '"UTC"}' } }] }),
      chatChunkFrame(identity, {}, 'tool_calls'),
      'data: [DONE]\n\n',
    ];
  },
  messages: () => sseFrames('anthropic-messages-stream-tool-use.sse'),
  responses: () => sseFrames('openai-responses-stream-function-call.sse'),
};
const TOOL_CALLS: Record<UpstreamDialect, unknown[]> = {
  chat: [{ id: 'call_1', name: 'get_time', arguments: '{"tz":"UTC"}' }],
  messages: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' }],
  responses: [{ id: 'call_Xy12Ab34Cd56', name: 'exec_command', arguments: '{"cmd":"ls -la"}' }],
};

/** Writes the upstream's answer up to its first text, and leaves the stream open. */
function startStream(dialect: UpstreamDialect, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const frame of framesToFirstText(REASONED_ANSWERS[dialect].frames())) res.write(frame);
}

function upstreamError(dialect: UpstreamDialect): Record<string, unknown> {
  return dialect === 'messages'
    ? { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down.' } }
    : { error: { message: 'Slow down.', type: 'rate_limit_error' } };
}

/** The one `request.start` and `request.end` of the request, once its record is written too; any second event would show. */
async function reported(): Promise<{ start: RequestStartEvent; end: RequestEndEvent; record: Record<string, unknown> }> {
  await seen.waitForEnds(1, 3000);
  await waitUntil(() => seen.records.length > 0, 1000, 'the conversation record');
  await sleep(30);
  expect(seen.events.map((event) => event.type)).toEqual(['request.start', 'request.end']);
  // The same two objects under their own names as under 'event'.
  expect(byName).toEqual(seen.events);
  expect(byName[0]).toBe(seen.events[0]);
  expect(seen.records).toHaveLength(1);
  return { start: seen.events[0] as RequestStartEvent, end: seen.events[1] as RequestEndEvent, record: seen.records[0]! };
}

function expectIdentity(start: RequestStartEvent, end: RequestEndEvent, route: Route, stream: boolean, requestId: string | undefined): void {
  expectStartAndEnd(start, end, {
    provider: route.provider,
    model: route.model,
    upstreamModel: route.upstreamModel,
    endpoint: route.endpoint,
    stream,
  });
  if (requestId !== undefined) expect(start.requestId).toBe(requestId);
}

function expectRecordMatches(record: Record<string, unknown>, end: RequestEndEvent, route: Route): void {
  expect(record).toMatchObject({
    requestId: end.requestId,
    provider: end.provider,
    model: route.model,
    upstreamModel: route.upstreamModel,
    endpoint: route.endpoint,
    stream: end.stream,
    // A Responses request's string input is its one user message.
    messages: USER,
    usage: end.usage ?? null,
    finishReason: end.finishReason,
    status: end.status,
    outcome: end.outcome,
    durationMs: end.durationMs,
    timestamp: end.timestamp,
  });
}

describe.each(ROUTES.map((route) => [route.name, route] as const))('%s', (_name, route) => {
  const fake = (): Fakes[ProviderId] => fakes[route.provider];

  test.each([true, false])(
    'stream=%s: one request.start and one request.end with every field, and a record of the answer and its reasoning',
    async (stream) => {
      const answer = REASONED_ANSWERS[route.upstream];
      fake().handler = (_request, res) => {
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const frame of answer.frames()) res.write(frame);
          res.end();
        } else sendJson(res, 200, answer.json);
      };
      const call = post(route, stream);
      const response = await call.response;
      expect(response.status).toBe(200);
      const { start, end, record } = await reported();
      expectIdentity(start, end, route, stream, response.headers['x-request-id'] as string);
      const expected = stream ? answer.stream : answer.whole;
      expect(end).toMatchObject({ status: 200, outcome: 'ok', usage: expected.usage, finishReason: expected.finishReason });
      expect(end.costUsd).toBe(expected.costUsd);
      expect(end).not.toHaveProperty('error');
      expect(end.ttfbMs).toBeGreaterThanOrEqual(0);
      expect(end.durationMs).toBeGreaterThanOrEqual(end.ttfbMs!);
      if (stream) {
        // The reasoning comes first, then the answer's text.
        expect(end.firstReasoningMs).toBeGreaterThanOrEqual(end.ttfbMs!);
        expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.firstReasoningMs!);
        expect(end.durationMs).toBeGreaterThanOrEqual(end.firstTokenMs!);
      } else {
        expect(end.firstTokenMs).toBeNull();
        expect(end.firstReasoningMs).toBeNull();
      }
      expectRecordMatches(record, end, route);
      expect(record.response).toEqual({ text: expected.text, reasoning: expected.reasoning, toolCalls: [] });
    },
  );

  test('a streamed tool call is assembled in the record; no reasoning: firstReasoningMs is null', async () => {
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of TOOL_FRAMES[route.upstream]()) res.write(frame);
      res.end();
    };
    expect((await post(route, true).response).status).toBe(200);
    const { end, record } = await reported();
    expect(end).toMatchObject({ outcome: 'ok', firstReasoningMs: null });
    expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs!);
    expect((record.response as { toolCalls: unknown[] }).toolCalls).toEqual(TOOL_CALLS[route.upstream]);
    expect(record.response).not.toHaveProperty('reasoning');
  });

  test.each([true, false])("stream=%s: an upstream 429 ends with its status, outcome error and the upstream's message", async (stream) => {
    fake().handler = (_request, res) => sendJson(res, 429, upstreamError(route.upstream));
    expect((await post(route, stream).response).status).toBe(429);
    const { start, end, record } = await reported();
    expectIdentity(start, end, route, stream, undefined);
    expect(end).toMatchObject({
      status: 429,
      outcome: 'error',
      error: { message: 'Slow down.', type: 'rate_limit_error' },
      finishReason: null,
      firstTokenMs: null,
      firstReasoningMs: null,
    });
    expect(end.ttfbMs).not.toBeNull();
    expect(end).not.toHaveProperty('usage');
    expectRecordMatches(record, end, route);
  });

  test('a stream cut mid-way keeps its status 200, ends with outcome error, and the record keeps the text so far', async () => {
    fake().handler = (_request, res) => {
      startStream(route.upstream, res);
      setTimeout(() => res.destroy(), 20);
    };
    const call = post(route, true);
    expect((await call.head).status).toBe(200);
    const { end, record } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'error', error: { type: 'upstream_error' } });
    expect(end.firstTokenMs).not.toBeNull();
    expectRecordMatches(record, end, route);
    expect((record.response as { text: string }).text).not.toBe('');
  });

  test(`a stream silent for PROVIDER_IDLE_TIMEOUT_MS keeps its status 200 and ends with outcome error`, async () => {
    fake().handler = (_request, res) => {
      startStream(route.upstream, res);
      return true;
    };
    const call = post(route, true);
    expect((await call.head).status).toBe(200);
    const { end } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'error', error: { type: 'timeout_error' } });
    expect(end.durationMs).toBeGreaterThanOrEqual(IDLE_MS);
  });

  test('a client that leaves before the upstream answered: 499, outcome aborted, no ttfbMs', async () => {
    fake().handler = () => true;
    const call = post(route, true);
    await waitUntil(() => fake().requests.length === 1, 2000, 'the request upstream');
    call.abort();
    const { start, end, record } = await reported();
    expectIdentity(start, end, route, true, undefined);
    expect(end).toMatchObject({ status: 499, outcome: 'aborted', ttfbMs: null, firstTokenMs: null, firstReasoningMs: null, finishReason: null });
    expectRecordMatches(record, end, route);
  });

  test('a client that leaves mid-stream: the status already sent (200), outcome aborted', async () => {
    fake().handler = (_request, res) => {
      startStream(route.upstream, res);
      return true;
    };
    const call = post(route, true);
    expect((await call.head).status).toBe(200);
    await sleep(20);
    call.abort();
    const { end } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'aborted' });
    expect(end.ttfbMs).not.toBeNull();
  });
});

describe.each([
  ['chat/completions', 'openrouter/x/y'],
  ['messages', 'openrouter/x/y'],
  ['responses', 'anthropic/claude-sonnet-5-5'],
])('/%s', (path, model) => {
  test('requests refused before routing (bad JSON, no model, too large, an unknown encoding) emit no events and write no record', async () => {
    const small = await startHost({ env: { ...envFor(fakes), PROVIDER_MAX_BODY_BYTES: '200' }, conversationLogger: seen.conversationLogger });
    seen.listen(small.router);
    try {
      const sendTo = (body: string, headers: Record<string, string> = {}): Promise<number> =>
        sendRequest({ url: `${small.url}/v1/${path}`, headers: { 'content-type': 'application/json', ...headers }, body }).response.then(
          (r) => r.status,
        );
      expect(await sendTo('{"model":')).toBe(400);
      expect(await sendTo(JSON.stringify({ messages: USER, input: 'hi' }))).toBe(400);
      expect(await sendTo(JSON.stringify({ model, input: 'x'.repeat(300), messages: [{ role: 'user', content: 'x'.repeat(300) }] }))).toBe(413);
      expect(await sendTo(JSON.stringify({ model, input: 'hi' }), { 'content-encoding': 'zstd' })).toBe(415);
      await sleep(30);
      expect(seen.events).toEqual([]);
      expect(seen.records).toEqual([]);
      expect(fakes.received()).toEqual([]);
    } finally {
      await small.close();
    }
  });

  test('a model routed to a provider without a key (provider_not_configured): routing was decided, so request.start and one request.end with 400, and nothing upstream', async () => {
    const keyless = await startHost({ env: envFor({ local: fakes.local }), conversationLogger: seen.conversationLogger });
    seen.listen(keyless.router);
    try {
      const status = await sendRequest({
        url: `${keyless.url}/v1/${path}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 10, messages: USER, input: 'hi' }),
      }).response.then((r) => r.status);
      expect(status).toBe(400);
      await seen.waitForEnds(1);
      await waitUntil(() => seen.records.length > 0, 1000, 'the conversation record');
      expect(seen.events.map((event) => event.type)).toEqual(['request.start', 'request.end']);
      const end = seen.events[1] as RequestEndEvent;
      expect(end).toMatchObject({ provider: model.split('/')[0], status: 400, outcome: 'error', ttfbMs: null, finishReason: null });
      expect(end).not.toHaveProperty('usage');
      expect(end.error?.message).toMatch(/[A-Z]+_API_KEY/);
      expect(seen.records[0]).toMatchObject({ status: 400, outcome: 'error' });
      expect(fakes.received()).toEqual([]);
    } finally {
      await keyless.close();
    }
  });
});

test("a provider's failed model list is a models.error event with type, provider, timestamp and error, under its type and under 'event'", async () => {
  fakes.openrouter.handler = (request, res) => {
    if (!request.url.endsWith('/models')) return false;
    sendJson(res, 500, { error: { message: 'models down' } });
    return true;
  };
  const heard: TelemetryEvent[] = [];
  const listener = (event: TelemetryEvent): void => void heard.push(event);
  host.router.telemetry.on('models.error', listener);
  try {
    await host.router.listModels();
    const fromEvent = seen.events.filter((event) => event.type === 'models.error');
    expect(fromEvent).toEqual([
      { type: 'models.error', provider: 'openrouter', timestamp: expect.stringMatching(ISO_TIME), error: expect.stringMatching(/500/) },
    ]);
    expect(heard).toEqual(fromEvent);
  } finally {
    host.router.telemetry.off('models.error', listener);
  }
});
