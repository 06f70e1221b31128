/**
 * Telemetry, the conversation record and the OpenTelemetry bridge on the outcomes and route kinds
 * `telemetry-routes.test.ts` does not cover (DESIGN sections 2, 3, 4, 6, 8 and 11): completions,
 * embeddings and count_tokens passed through; upstream 5xx; an unreachable upstream (502); no
 * headers in time (504); a 200 JSON error body; an error inside a 200 stream; a stream closed
 * before its terminator; a client leaving a non-streamed request; a listener that throws; keys
 * redacted in the record; and one GenAI span per request on every route kind.
 */
import http, { type ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { AddressInfo } from 'node:net';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry, type RequestEndEvent, type RequestStartEvent } from '../../lib';
import type { Fakes, ProviderId } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postInFlight, sendRequest, type InFlight } from '../support/http-client';
import { KEYS } from '../support/keys';
import { cutJson, inStreamErrorFrames, openingFrames, textFrames, WHOLE_TEXT, wholeAnswer } from '../support/misbehaving-upstreams';
import { observe } from '../support/observe';
import { sseFrames } from '../support/fixtures';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';
import { sleep, waitUntil } from '../support/wait';

type Endpoint = 'chat.completions' | 'completions' | 'embeddings' | 'messages' | 'messages.count_tokens' | 'responses';
type Upstream = 'chat' | 'messages' | 'responses' | 'completions' | 'embeddings' | 'count_tokens';

interface Route {
  name: string;
  path: string;
  model: string;
  provider: ProviderId;
  upstreamModel: string;
  endpoint: Endpoint;
  upstream: Upstream;
  /** Whether the route takes `stream: true`. */
  streams: boolean;
}

const route = (
  name: string,
  path: string,
  model: string,
  provider: ProviderId,
  upstreamModel: string,
  endpoint: Endpoint,
  upstream: Upstream,
  streams = true,
): Route => ({
  name,
  path,
  model,
  provider,
  upstreamModel,
  endpoint,
  upstream,
  streams,
});

const ROUTES: Route[] = [
  route('chat → local', 'chat/completions', 'local/qwen3', 'local', 'qwen3', 'chat.completions', 'chat'),
  route('chat → openai', 'chat/completions', 'openai/gpt-5.5', 'openai', 'gpt-5.5', 'chat.completions', 'chat'),
  route('chat → openrouter', 'chat/completions', 'openrouter/x/y', 'openrouter', 'x/y', 'chat.completions', 'chat'),
  route(
    'chat → anthropic (translated)',
    'chat/completions',
    'anthropic/claude-sonnet-5-5',
    'anthropic',
    'claude-sonnet-5-5',
    'chat.completions',
    'messages',
  ),
  route('completions → local', 'completions', 'local/qwen3', 'local', 'qwen3', 'completions', 'completions', false),
  route('completions → openai', 'completions', 'openai/gpt-5.5', 'openai', 'gpt-5.5', 'completions', 'completions', false),
  route('completions → openrouter', 'completions', 'openrouter/x/y', 'openrouter', 'x/y', 'completions', 'completions', false),
  route('embeddings → local', 'embeddings', 'local/qwen3', 'local', 'qwen3', 'embeddings', 'embeddings', false),
  route('embeddings → openai', 'embeddings', 'openai/text-embedding-3-small', 'openai', 'text-embedding-3-small', 'embeddings', 'embeddings', false),
  route('embeddings → openrouter', 'embeddings', 'openrouter/x/y', 'openrouter', 'x/y', 'embeddings', 'embeddings', false),
  route('Messages → anthropic', 'messages', 'anthropic/claude-sonnet-5-5', 'anthropic', 'claude-sonnet-5-5', 'messages', 'messages'),
  route('Messages → local', 'messages', 'local/qwen3', 'local', 'qwen3', 'messages', 'messages'),
  route('Messages → openai (translated)', 'messages', 'openai/gpt-5.5', 'openai', 'gpt-5.5', 'messages', 'chat'),
  route('Messages → openrouter (translated)', 'messages', 'openrouter/x/y', 'openrouter', 'x/y', 'messages', 'chat'),
  route(
    'count_tokens → anthropic',
    'messages/count_tokens',
    'anthropic/claude-sonnet-5-5',
    'anthropic',
    'claude-sonnet-5-5',
    'messages.count_tokens',
    'count_tokens',
    false,
  ),
  route('count_tokens → local', 'messages/count_tokens', 'local/qwen3', 'local', 'qwen3', 'messages.count_tokens', 'count_tokens', false),
  route('Responses → openai (native)', 'responses', 'openai/gpt-5.5', 'openai', 'gpt-5.5', 'responses', 'responses'),
  route('Responses → openrouter (native)', 'responses', 'openrouter/x/y', 'openrouter', 'x/y', 'responses', 'responses'),
  route('Responses → local (bridged)', 'responses', 'local/qwen3', 'local', 'qwen3', 'responses', 'chat'),
  route('Responses → anthropic (translated)', 'responses', 'anthropic/claude-sonnet-5-5', 'anthropic', 'claude-sonnet-5-5', 'responses', 'messages'),
];

const SECRET_TEXT = `my key is ${KEYS.openai} and ${KEYS.anthropic}`;

function bodyFor(r: Route, stream: boolean, text = 'hi'): Record<string, unknown> {
  switch (r.endpoint) {
    case 'responses':
      return { model: r.model, input: text, stream };
    case 'completions':
      return { model: r.model, prompt: text };
    case 'embeddings':
      return { model: r.model, input: text };
    case 'messages.count_tokens':
      return { model: r.model, messages: [{ role: 'user', content: text }] };
    default:
      return { model: r.model, max_tokens: 64, messages: [{ role: 'user', content: text }], ...(stream ? { stream } : {}) };
  }
}

/** A whole (non-streamed) successful answer in the upstream's dialect, with usage; OpenRouter's adds `usage.cost`. */
function okAnswer(r: Route): Record<string, unknown> {
  const cost = r.provider === 'openrouter' ? { cost: 0.0005 } : {};
  switch (r.upstream) {
    case 'completions':
      return {
        id: 'c1',
        object: 'text_completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, text: 'Hi.', finish_reason: 'stop' }],
        usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5, ...cost },
      };
    case 'embeddings':
      return {
        object: 'list',
        model: 'm',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        usage: { prompt_tokens: 2, total_tokens: 2, ...cost },
      };
    case 'count_tokens':
      return { input_tokens: 7 };
    case 'responses':
      return {
        id: 'resp_1',
        object: 'response',
        created_at: 1,
        status: 'completed',
        model: 'm',
        output: [
          {
            type: 'message',
            id: 'msg_1',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: WHOLE_TEXT, annotations: [] }],
          },
        ],
        usage: { input_tokens: 20, output_tokens: 8, total_tokens: 28, ...cost },
      };
    case 'messages':
      return wholeAnswer('messages');
    default: {
      const answer = wholeAnswer('chat');
      return { ...answer, usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28, ...cost } };
    }
  }
}

function errorBody(r: Route, message: string): Record<string, unknown> {
  return r.upstream === 'messages' || r.upstream === 'count_tokens'
    ? { type: 'error', error: { type: 'api_error', message } }
    : { error: { message, type: 'server_error' } };
}

const seen = observe();
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const TIMEOUT_MS = 400;
const fakes = useFakes();
const host = useHost(fakes, {
  env: { PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), PROVIDER_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) },
  router: { conversationLogger: seen.conversationLogger },
});

beforeAll(() => {
  seen.listen(host.router);
  instrumentOpenTelemetry(host.router.telemetry, tracerProvider.getTracer('telemetry-matrix'));
});
beforeEach(() => {
  seen.clear();
  exporter.reset();
});

const post = (target: Host, r: Route, stream: boolean, text?: string): InFlight =>
  postInFlight(`${target.url}/v1/${r.path}`, bodyFor(r, stream, text));

/** The request's one `request.start` and one `request.end`, once its record is written; a second event would show. */
async function reported(): Promise<{ start: RequestStartEvent; end: RequestEndEvent; record: Record<string, unknown> | undefined }> {
  await seen.waitForEnds(1, 3000);
  await waitUntil(() => seen.records.length > 0, 1000, 'the conversation record').catch(() => undefined);
  await sleep(30);
  expect(seen.events.map((event) => event.type)).toEqual(['request.start', 'request.end']);
  expect(seen.records.length).toBeLessThanOrEqual(1);
  return { start: seen.events[0] as RequestStartEvent, end: seen.events[1] as RequestEndEvent, record: seen.records[0] };
}

function expectIdentity(end: RequestEndEvent, r: Route, stream: boolean): void {
  expect(end).toMatchObject({ provider: r.provider, model: r.model, upstreamModel: r.upstreamModel, endpoint: r.endpoint, stream });
  expect(end.durationMs).toBeGreaterThanOrEqual(0);
}

function expectRecord(record: Record<string, unknown> | undefined, end: RequestEndEvent, r: Route): void {
  expect(record).toMatchObject({
    requestId: end.requestId,
    provider: r.provider,
    model: r.model,
    upstreamModel: r.upstreamModel,
    status: end.status,
    durationMs: end.durationMs,
    timestamp: end.timestamp,
    finishReason: end.finishReason,
  });
}

const UNARY: Upstream[] = ['completions', 'embeddings', 'count_tokens'];
const EXPECTED_USAGE: Record<Upstream, Record<string, number> | undefined> = {
  chat: { promptTokens: 20, completionTokens: 8, totalTokens: 28 },
  messages: { promptTokens: 20, completionTokens: 8, totalTokens: 28 },
  responses: { promptTokens: 20, completionTokens: 8, totalTokens: 28 },
  completions: { promptTokens: 2, completionTokens: 3, totalTokens: 5 },
  embeddings: { promptTokens: 2, completionTokens: 0, totalTokens: 2 },
  count_tokens: undefined,
};

describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, r) => {
  const fake = (): Fakes[ProviderId] => fakes[r.provider];
  const streams = r.streams ? [false, true] : [false];

  test('a whole answer: request.end ok, costUsd from OpenRouter usage.cost, a record with keys redacted, one GenAI span', async () => {
    fake().handler = (_request, res) => sendJson(res, 200, okAnswer(r));
    const response = await post(host, r, false, SECRET_TEXT).response;
    expect(response.status).toBe(200);
    const { start, end, record } = await reported();
    expect(start.requestId).toBe(response.headers['x-request-id']);
    expectIdentity(end, r, false);
    expect(end).toMatchObject({ status: 200, outcome: 'ok' });
    expect(end.ttfbMs).toBeGreaterThanOrEqual(0);
    if (EXPECTED_USAGE[r.upstream]) expect(end.usage).toMatchObject(EXPECTED_USAGE[r.upstream]!);
    if (r.provider === 'openrouter') expect(end.costUsd).toBe(0.0005);
    else expect(end).not.toHaveProperty('costUsd');
    if (!UNARY.includes(r.upstream)) {
      expect(end.finishReason).toEqual(expect.any(String));
      expectRecord(record, end, r);
      const text = JSON.stringify(record);
      expect(text).toContain('my key is');
      expect(text).not.toContain(KEYS.openai.slice(0, 20));
      expect(text).not.toContain(KEYS.anthropic.slice(0, 20));
    }
    if (record) expect(JSON.stringify(record)).not.toContain(KEYS.openai.slice(0, 20));
    await waitUntil(() => exporter.getFinishedSpans().length > 0, 1000, 'a finished span');
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const attributes = spans[0]!.attributes;
    expect(attributes).toMatchObject({
      'gen_ai.provider.name': r.provider,
      'gen_ai.request.model': r.upstreamModel,
      'gen_ai.response.model': expect.any(String),
    });
    if (['chat.completions', 'messages', 'responses'].includes(r.endpoint)) {
      expect(attributes['gen_ai.operation.name']).toBe('chat');
      expect(attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 20,
        'gen_ai.usage.output_tokens': 8,
        'gen_ai.response.finish_reasons': [end.finishReason],
      });
    }
    expect(attributes).not.toHaveProperty('gen_ai.system');
  });

  test.each(streams)('stream=%s: an upstream 503 keeps its status and ends with outcome error; the span is an error', async (stream) => {
    fake().handler = (_request, res) => sendJson(res, 503, errorBody(r, 'Down for now.'));
    expect((await post(host, r, stream).response).status).toBe(503);
    const { end, record } = await reported();
    expectIdentity(end, r, stream);
    expect(end).toMatchObject({ status: 503, outcome: 'error', finishReason: null });
    expect(end.error?.message).toBe('Down for now.');
    expect(end).not.toHaveProperty('usage');
    if (record) expectRecord(record, end, r);
    await waitUntil(() => exporter.getFinishedSpans().length > 0, 1000, 'a finished span');
    expect(exporter.getFinishedSpans()[0]!.status).toEqual({ code: 2, message: 'Down for now.' });
  });

  test.each(streams)('stream=%s: no response headers within PROVIDER_TIMEOUT_MS: 504, outcome error, no ttfbMs', async (stream) => {
    fake().handler = () => true;
    expect((await post(host, r, stream).response).status).toBe(504);
    const { end } = await reported();
    expectIdentity(end, r, stream);
    expect(end).toMatchObject({ status: 504, outcome: 'error', ttfbMs: null, error: { type: 'timeout_error' } });
  });

  test('a client that leaves a non-streamed request before the answer: 499, outcome aborted', async () => {
    fake().handler = () => true;
    const call = post(host, r, false);
    await waitUntil(() => fake().requests.length === 1, 2000, 'the request upstream');
    call.abort();
    const { end } = await reported();
    expectIdentity(end, r, false);
    expect(end).toMatchObject({ status: 499, outcome: 'aborted', ttfbMs: null });
  });

  if (r.upstream === 'chat' || r.upstream === 'messages') {
    const dialect = r.upstream;
    test('stream=false: a 200 JSON error body ends with outcome error, not ok', async () => {
      fake().handler = (_request, res) => sendJson(res, 200, errorBody(r, 'Hidden failure.'));
      const response = await post(host, r, false).response;
      expect(response.status).toBeGreaterThanOrEqual(400);
      const { end } = await reported();
      expect(end).toMatchObject({ status: response.status, outcome: 'error' });
    });

    test('stream=true: an error inside the 200 stream keeps status 200 and ends with outcome error; the record keeps the text so far', async () => {
      fake().handler = (_request, res) => sendFrames(res, inStreamErrorFrames(dialect, 'Broke mid-way.', 'alone'));
      expect((await post(host, r, true).response).status).toBe(200);
      const { end, record } = await reported();
      expect(end).toMatchObject({ status: 200, outcome: 'error' });
      expect(end.error?.message).toContain('Broke mid-way.');
      expect(end.firstTokenMs).toBeGreaterThanOrEqual(0);
      expectRecord(record, end, r);
    });

    test('stream=true: a provider error chunk beside choices keeps status 200 and ends with outcome error', async () => {
      fake().handler = (_request, res) => sendFrames(res, inStreamErrorFrames(dialect, 'Broke beside choices.', 'choices'));
      expect((await post(host, r, true).response).status).toBe(200);
      const { end } = await reported();
      expect(end).toMatchObject({ status: 200, outcome: 'error' });
      expect(end.error?.message).toContain('Broke beside choices.');
    });

    test.each([
      ['mid-answer', (frames: string[]) => frames.slice(0, openingFrames(dialect).length + 1)],
      ['after its finish reason and usage, without [DONE] / message_stop', (frames: string[]) => frames.slice(0, -1)],
    ])('stream=true: a stream closed cleanly %s ends with outcome error', async (_where, cut) => {
      const frames = cut(textFrames(dialect));
      fake().handler = (_request, res) => sendFrames(res, frames);
      expect((await post(host, r, true).response).status).toBe(200);
      const { end } = await reported();
      expect(end).toMatchObject({ status: 200, outcome: 'error' });
    });

    test('stream=true: a whole stream ends ok with usage, firstTokenMs and the record of its text', async () => {
      fake().handler = (_request, res) => sendFrames(res, textFrames(dialect));
      expect((await post(host, r, true).response).status).toBe(200);
      const { end, record } = await reported();
      expect(end).toMatchObject({ status: 200, outcome: 'ok', usage: { completionTokens: 8 }, firstReasoningMs: null });
      expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs!);
      expectRecord(record, end, r);
      expect((record!.response as { text: string }).text).toBe(WHOLE_TEXT);
    });
  }
});

describe('an upstream that cannot be reached', () => {
  let dead: Host;
  beforeAll(async () => {
    // A port that was just listening and is now closed: connections are refused.
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    dead = await startHost({
      env: {
        ...envFor(fakes),
        OPENAI_BASE_URL: closed,
        OPENROUTER_BASE_URL: closed,
        ANTHROPIC_BASE_URL: closed,
        LOCAL_BASE_URL: closed,
      },
      conversationLogger: seen.conversationLogger,
    });
    seen.listen(dead.router);
  });
  afterAll(() => dead.close());

  test.each(ROUTES.map((r) => [r.name, r] as const))('%s: 502, one request.end with outcome error and no ttfbMs', async (_name, r) => {
    expect((await post(dead, r, false).response).status).toBe(502);
    const { end } = await reported();
    expectIdentity(end, r, false);
    expect(end).toMatchObject({ status: 502, outcome: 'error', ttfbMs: null });
  });
});

describe('a telemetry listener that throws', () => {
  test.each(ROUTES.filter((r) => r.streams).map((r) => [r.name, r] as const))(
    '%s: breaks neither the answer nor the other listeners',
    async (_name, r) => {
      const boom = (): void => {
        throw new Error('listener failed');
      };
      host.router.telemetry.on('request.start', boom);
      host.router.telemetry.on('request.end', boom);
      host.router.telemetry.on('event', boom);
      try {
        const dialect = r.upstream === 'messages' ? 'messages' : 'chat';
        fakes[r.provider].handler = (_request, res) =>
          r.upstream === 'responses' ? sendJson(res, 200, okAnswer(r)) : sendFrames(res, textFrames(dialect));
        const response = await post(host, r, r.upstream !== 'responses').response;
        expect(response.status).toBe(200);
        const { end } = await reported();
        expect(end.outcome).toBe('ok');
      } finally {
        host.router.telemetry.off('request.start', boom);
        host.router.telemetry.off('request.end', boom);
        host.router.telemetry.off('event', boom);
      }
    },
  );
});

describe.each(ROUTES.filter((r) => r.upstream === 'responses').map((r) => [r.name, r] as const))('%s, streamed', (_name, r) => {
  const frames = (): string[] => sseFrames('openai-responses-stream-text.sse');
  const completedAt = (all: string[]): number => all.findIndex((frame) => frame.startsWith('event: response.completed'));

  test.each([
    ['closed before response.completed', (all: string[]) => all.slice(0, completedAt(all))],
    [
      'ending with response.failed',
      (all: string[]) => [
        ...all.slice(0, completedAt(all)),
        `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 99, response: { id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code: 'server_error', message: 'It broke.' } } })}\n\n`,
      ],
    ],
    [
      'with an error event alone',
      (all: string[]) => [
        ...all.slice(0, completedAt(all)),
        `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: 99, code: 'server_error', message: 'It broke.' })}\n\n`,
      ],
    ],
  ])('a stream %s keeps status 200 and ends with outcome error', async (_what, cut) => {
    fakes[r.provider].handler = (_request, res) => sendFrames(res, cut(frames()));
    expect((await post(host, r, true).response).status).toBe(200);
    const { end, record } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'error' });
    expect(end.firstTokenMs).toBeGreaterThanOrEqual(0);
    expectRecord(record, end, r);
  });
});

describe('usage.reasoningTokens 0 is left out (docs/decisions.md)', () => {
  const byName = (name: string): Route => ROUTES.find((r) => r.name === name)!;
  test.each([
    ['chat → openai', false],
    ['chat → openrouter', true],
    ['Messages → openai (translated)', true],
    ['Responses → local (bridged)', true],
  ])('%s stream=%s', async (name, stream) => {
    const r = byName(name);
    const usage = { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28, completion_tokens_details: { reasoning_tokens: 0 } };
    fakes[r.provider].handler = (_request, res) => {
      if (!stream) return sendJson(res, 200, { ...wholeAnswer('chat'), usage });
      const all = textFrames('chat');
      return sendFrames(res, [...all.slice(0, -2), all.at(-2)!.replace(/"usage":\{[^}]*\}/, `"usage":${JSON.stringify(usage)}`), all.at(-1)!]);
    };
    expect((await post(host, r, stream).response).status).toBe(200);
    const { end } = await reported();
    expect(end.usage).toEqual({ promptTokens: 20, completionTokens: 8, totalTokens: 28 });
  });

  test.each(ROUTES.filter((r) => r.upstream === 'responses').map((r) => [r.name, r] as const))('%s', async (_name, r) => {
    fakes[r.provider].handler = (_request, res) =>
      sendJson(res, 200, {
        ...okAnswer(r),
        usage: { input_tokens: 20, output_tokens: 8, total_tokens: 28, output_tokens_details: { reasoning_tokens: 0 } },
      });
    expect((await post(host, r, false).response).status).toBe(200);
    const { end } = await reported();
    expect(end.usage).toEqual({ promptTokens: 20, completionTokens: 8, totalTokens: 28 });
  });
});

describe("Anthropic's usage fields: cached input counts as prompt, once, on every route that reads them", () => {
  const anthropicRoutes = ROUTES.filter((r) => r.upstream === 'messages' && r.provider === 'anthropic');
  const cached = { input_tokens: 3, cache_read_input_tokens: 10, cache_creation_input_tokens: 7, output_tokens: 8 };
  test.each(anthropicRoutes.map((r) => [r.name, r] as const))('%s, whole', async (_name, r) => {
    fakes.anthropic.handler = (_request, res) => sendJson(res, 200, { ...wholeAnswer('messages'), usage: cached });
    expect((await post(host, r, false).response).status).toBe(200);
    const { end } = await reported();
    expect(end.usage).toEqual({ promptTokens: 20, completionTokens: 8, totalTokens: 28 });
  });
  test.each(anthropicRoutes.map((r) => [r.name, r] as const))('%s, streamed with the counts repeated in message_delta', async (_name, r) => {
    fakes.anthropic.handler = (_request, res) =>
      sendFrames(
        res,
        textFrames('messages').map((frame) =>
          frame.startsWith('event: message_start')
            ? frame.replace(/"usage":\{[^}]*\}/, `"usage":${JSON.stringify({ ...cached, output_tokens: 1 })}`)
            : frame.startsWith('event: message_delta')
              ? frame.replace(/"usage":\{[^}]*\}/, `"usage":${JSON.stringify(cached)}`)
              : frame,
        ),
      );
    expect((await post(host, r, true).response).status).toBe(200);
    const { end } = await reported();
    expect(end.usage).toEqual({ promptTokens: 20, completionTokens: 8, totalTokens: 28 });
  });
});

describe("the record keeps the request's conversation in each dialect, keys redacted", () => {
  const byName = (name: string): Route => ROUTES.find((r) => r.name === name)!;
  const key = KEYS.openrouter;
  test.each([
    [
      'Messages → openrouter (translated)',
      { system: `Be brief. ${key}`, messages: [{ role: 'user', content: [{ type: 'text', text: `hello ${key}` }] }], max_tokens: 16 },
      {
        system: expect.stringContaining('Be brief.'),
        messages: [{ role: 'user', content: [{ type: 'text', text: expect.stringContaining('hello') }] }],
      },
    ],
    [
      'Responses → openrouter (native)',
      {
        instructions: `Be brief. ${key}`,
        input: [
          { type: 'message', role: 'developer', content: 'dev' },
          { type: 'message', role: 'user', content: `hello ${key}` },
        ],
      },
      {
        instructions: expect.stringContaining('Be brief.'),
        messages: [
          { type: 'message', role: 'developer', content: 'dev' },
          { type: 'message', role: 'user', content: expect.stringContaining('hello') },
        ],
      },
    ],
    ['completions → openrouter', { prompt: `hello ${key}` }, { messages: expect.stringContaining('hello') }],
  ])('%s', async (name, body, expected) => {
    const r = byName(name);
    fakes.openrouter.handler = (_request, res) => sendJson(res, 200, okAnswer(r));
    const response = await sendRequest({
      url: `${host.url}/v1/${r.path}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: r.model, ...body }),
    }).response;
    expect(response.status).toBe(200);
    const { record } = await reported();
    expect(record).toMatchObject(expected);
    expect(JSON.stringify(record)).not.toContain(key.slice(0, 12));
  });
});

describe('models.error per provider', () => {
  const keyOf: Record<ProviderId, string> = { openai: KEYS.openai, openrouter: KEYS.openrouter, anthropic: KEYS.anthropic, local: KEYS.openai };
  test.each(['openai', 'openrouter', 'anthropic', 'local'] as const)(
    "%s: a failed model list is one models.error under its type and 'event', its error redacted, the other lists kept",
    async (provider) => {
      fakes[provider].handler = (request, res) => {
        if (!request.url.includes('/models')) return false;
        sendJson(res, 401, { error: { message: `Incorrect API key provided: ${keyOf[provider]}` } });
        return true;
      };
      const fresh = await startHost({ env: envFor(fakes) });
      const heard: unknown[] = [];
      const all: Array<{ type: string }> = [];
      fresh.router.telemetry.on('models.error', (event) => void heard.push(event));
      fresh.router.telemetry.on('event', (event) => void all.push(event));
      try {
        const models = await fresh.router.listModels();
        expect(models.some((model) => (model as { provider?: string }).provider === provider)).toBe(false);
        expect(models.length).toBeGreaterThan(0);
        expect(heard).toEqual([{ type: 'models.error', provider, timestamp: expect.any(String), error: expect.stringMatching(/401/) }]);
        expect(all).toEqual(heard);
        expect(JSON.stringify(heard)).not.toContain(keyOf[provider].slice(0, 12));
      } finally {
        await fresh.close();
      }
    },
  );
});

describe('OTel spans of streamed requests carry usage and finish reasons on every streaming route kind', () => {
  test.each(ROUTES.filter((r) => r.streams).map((r) => [r.name, r] as const))('%s', async (_name, r) => {
    const dialect = r.upstream === 'messages' ? 'messages' : 'chat';
    fakes[r.provider].handler = (_request, res) =>
      sendFrames(res, r.upstream === 'responses' ? sseFrames('openai-responses-stream-text.sse') : textFrames(dialect));
    expect((await post(host, r, true).response).status).toBe(200);
    const { end } = await reported();
    await waitUntil(() => exporter.getFinishedSpans().length > 0, 1000, 'a finished span');
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes).toMatchObject({
      'gen_ai.provider.name': r.provider,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': r.upstreamModel,
      'gen_ai.usage.input_tokens': end.usage!.promptTokens,
      'gen_ai.usage.output_tokens': end.usage!.completionTokens,
      'gen_ai.response.finish_reasons': [end.finishReason],
    });
    expect(span!.name).toBe(`chat ${r.upstreamModel}`);
    expect(span!.status.code).not.toBe(2);
  });
});

describe('streamed legacy completions passed through', () => {
  test.each(ROUTES.filter((r) => r.endpoint === 'completions').map((r) => [r.name, r] as const))(
    '%s: text, finish reason and usage read from the stream',
    async (_name, r) => {
      const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
        `data: ${JSON.stringify({ id: 'c1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, ...choice }], ...extra })}\n\n`;
      fakes[r.provider].handler = (_request, res) =>
        sendFrames(res, [
          chunk({ text: 'Hel', finish_reason: null }),
          chunk({ text: 'lo.', finish_reason: 'stop' }, { usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } }),
          'data: [DONE]\n\n',
        ]);
      const response = await sendRequest({
        url: `${host.url}/v1/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: r.model, prompt: 'hi', stream: true }),
      }).response;
      expect(response.status).toBe(200);
      const { end, record } = await reported();
      expect(end).toMatchObject({
        stream: true,
        status: 200,
        outcome: 'ok',
        finishReason: 'stop',
        usage: { promptTokens: 2, completionTokens: 3, totalTokens: 5 },
      });
      expect(end.firstTokenMs).toBeGreaterThanOrEqual(0);
      expect(record).toMatchObject({ response: { text: 'Hello.' } });
    },
  );
});

describe('non-streamed answers that fail after their headers', () => {
  test.each(ROUTES.map((r) => [r.name, r] as const))('%s: a JSON body cut short ends with outcome error, one request.end', async (_name, r) => {
    fakes[r.provider].handler = (_request, res) => cutJson(res, okAnswer(r));
    const status = (await post(host, r, false).response).status;
    const { end } = await reported();
    expect(end).toMatchObject({ status, outcome: 'error' });
    expect(status).toBeGreaterThanOrEqual(500);
  });

  test.each(ROUTES.map((r) => [r.name, r] as const))(
    '%s: a body silent after its headers ends with outcome error, one request.end',
    async (_name, r) => {
      fakes[r.provider].handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        return true;
      };
      const status = (await post(host, r, false).response).status;
      const { end } = await reported();
      expect(end).toMatchObject({ status, outcome: 'error' });
      expect(status).toBeGreaterThanOrEqual(500);
    },
  );
});

test('count_tokens for a provider without the endpoint: 404 after routing, so request.start and one request.end with outcome error', async () => {
  const r = {
    ...ROUTES.find((x) => x.endpoint === 'messages.count_tokens')!,
    model: 'openai/gpt-5.5',
    provider: 'openai' as const,
    upstreamModel: 'gpt-5.5',
  };
  expect((await post(host, r, false).response).status).toBe(404);
  const { end } = await reported();
  expectIdentity(end, r, false);
  expect(end).toMatchObject({ status: 404, outcome: 'error', ttfbMs: null });
  expect(fakes.received()).toEqual([]);
});

describe('a host that parses JSON before the router', () => {
  let parsed: Host;
  beforeAll(async () => {
    parsed = await startHost({ env: envFor(fakes), conversationLogger: seen.conversationLogger }, { jsonFirst: true });
    seen.listen(parsed.router);
  });
  afterAll(() => parsed.close());
  test.each(ROUTES.map((r) => [r.name, r] as const))('%s: the same events and a record of the conversation', async (_name, r) => {
    fakes[r.provider].handler = (_request, res) => sendJson(res, 200, okAnswer(r));
    expect((await post(parsed, r, false).response).status).toBe(200);
    const { end, record } = await reported();
    expectIdentity(end, r, false);
    expect(end).toMatchObject({ status: 200, outcome: 'ok' });
    if (record) expect(record.messages).toBeDefined();
    if (!UNARY.includes(r.upstream)) expect(JSON.stringify(record!.messages)).toContain('hi');
  });
});

describe('listeners registered before the others, and a conversationLogger, that throw', () => {
  let fragile: Host;
  const after = observe();
  beforeAll(async () => {
    fragile = await startHost({
      env: envFor(fakes),
      conversationLogger: {
        info: () => {
          throw new Error('logger failed');
        },
      },
    });
    for (const name of ['event', 'request.start', 'request.end'] as const) {
      fragile.router.telemetry.on(name, () => {
        throw new Error('listener failed');
      });
    }
    after.listen(fragile.router);
  });
  beforeEach(() => after.clear());
  afterAll(() => fragile.close());

  test.each(ROUTES.map((r) => [r.name, r] as const))('%s: the answer and the later listeners are untouched', async (_name, r) => {
    const dialect = r.upstream === 'messages' ? 'messages' : 'chat';
    fakes[r.provider].handler = (_request, res) =>
      r.streams && r.upstream !== 'responses' ? sendFrames(res, textFrames(dialect)) : sendJson(res, 200, okAnswer(r));
    const stream = r.streams && r.upstream !== 'responses';
    const response = await post(fragile, r, stream).response;
    expect(response.status).toBe(200);
    if (stream)
      expect(response.text).toContain(r.endpoint === 'responses' ? 'response.completed' : r.endpoint === 'messages' ? 'message_stop' : '[DONE]');
    await after.waitForEnds(1);
    await sleep(20);
    expect(after.events.map((event) => event.type)).toEqual(['request.start', 'request.end']);
    expect(after.ends()[0]!.outcome).toBe('ok');
  });
});

describe('an upstream 401 echoing the key: redacted in request.end, the record and the span', () => {
  const cases = ROUTES.flatMap((r) => (r.streams ? [false, true] : [false]).map((stream) => [r.name, stream, r] as const));
  test.each(cases)('%s stream=%s', async (_name, stream, r) => {
    const key = r.provider === 'local' ? KEYS.openai : KEYS[r.provider];
    fakes[r.provider].handler = (_request, res) => sendJson(res, 401, errorBody(r, `Incorrect API key provided: ${key}.`));
    const response = await post(host, r, stream).response;
    expect(response.status).toBe(401);
    const { end, record } = await reported();
    expect(end).toMatchObject({ status: 401, outcome: 'error' });
    expect(end.error?.message).toContain('Incorrect API key provided');
    await waitUntil(() => exporter.getFinishedSpans().length > 0, 1000, 'a finished span');
    const everything = JSON.stringify([end, record, exporter.getFinishedSpans()[0]!.status, response.text]);
    // Every configured key is redacted, whichever provider echoes it.
    expect(everything).not.toContain(key.slice(0, 12));
  });
});

describe('a client that leaves while a non-streamed body is half sent', () => {
  test.each(ROUTES.map((r) => [r.name, r] as const))('%s: outcome aborted, the status already sent else 499', async (_name, r) => {
    fakes[r.provider].handler = (_request, res) => {
      const text = JSON.stringify(okAnswer(r));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return true;
    };
    const call = post(host, r, false);
    let headStatus: number | undefined;
    call.head.then((head) => (headStatus = head.status)).catch(() => undefined);
    await waitUntil(() => fakes[r.provider].requests.length === 1, 2000, 'the request upstream');
    await sleep(50);
    call.abort();
    const { end } = await reported();
    expect(end.outcome).toBe('aborted');
    expect(end.status).toBe(headStatus ?? 499);
  });
});

describe('through the real SDKs, streamed, on every streaming route kind', () => {
  const openai = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const anthropic = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

  /** Opens the route's stream with its SDK; iterates it, stopping (and aborting) after the first event when `leave`. */
  async function consume(r: Route, leave: boolean): Promise<void> {
    const controller = new AbortController();
    const options = { signal: controller.signal };
    let stream: AsyncIterable<unknown>;
    if (r.endpoint === 'messages') {
      stream = await anthropic().messages.create(
        { model: r.model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream: true },
        options,
      );
    } else if (r.endpoint === 'responses') {
      stream = await openai().responses.create({ model: r.model, input: 'hi', stream: true }, options);
    } else {
      stream = await openai().chat.completions.create({ model: r.model, messages: [{ role: 'user', content: 'hi' }], stream: true }, options);
    }
    try {
      const events = stream[Symbol.asyncIterator]();
      for (let next = await events.next(); !next.done; next = await events.next()) {
        if (leave) {
          controller.abort();
          break;
        }
      }
    } catch (error) {
      if (!leave) throw error;
    }
  }

  const held = (r: Route) => (_request: unknown, res: ServerResponse) => {
    const frames =
      r.upstream === 'responses' ? sseFrames('openai-responses-stream-text.sse') : textFrames(r.upstream === 'messages' ? 'messages' : 'chat');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const frame of frames.slice(0, 3)) res.write(frame);
    return true;
  };

  test.each(ROUTES.filter((r) => r.streams).map((r) => [r.name, r] as const))('%s: whole, then left mid-stream', async (_name, r) => {
    fakes[r.provider].handler = (_request, res) =>
      sendFrames(
        res,
        r.upstream === 'responses' ? sseFrames('openai-responses-stream-text.sse') : textFrames(r.upstream === 'messages' ? 'messages' : 'chat'),
      );
    await consume(r, false);
    let { end } = await reported();
    expectIdentity(end, r, true);
    expect(end).toMatchObject({ status: 200, outcome: 'ok', usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number) } });
    expect(end.firstTokenMs).toBeGreaterThanOrEqual(0);

    seen.clear();
    fakes[r.provider].handler = held(r);
    await consume(r, true);
    ({ end } = await reported());
    expect(end).toMatchObject({ status: 200, outcome: 'aborted' });
  });
});

describe.each(ROUTES.filter((r) => r.upstream === 'responses').map((r) => [r.name, r] as const))(
  '%s, streamed to response.incomplete',
  (_name, r) => {
    test('ends ok, with the incomplete reason as finishReason and the usage it carries', async () => {
      const all = sseFrames('openai-responses-stream-text.sse');
      const at = all.findIndex((frame) => frame.startsWith('event: response.completed'));
      const completed = JSON.parse(all[at]!.split('data: ')[1]!) as { response: Record<string, unknown> };
      const incomplete = {
        type: 'response.incomplete',
        sequence_number: 99,
        response: { ...completed.response, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
      };
      fakes[r.provider].handler = (_request, res) =>
        sendFrames(res, [...all.slice(0, at), `event: response.incomplete\ndata: ${JSON.stringify(incomplete)}\n\n`]);
      expect((await post(host, r, true).response).status).toBe(200);
      const { end, record } = await reported();
      expect(end).toMatchObject({
        status: 200,
        outcome: 'ok',
        finishReason: 'max_output_tokens',
        usage: { promptTokens: 1204, completionTokens: 38 },
      });
      expectRecord(record, end, r);
    });
  },
);

describe('a 200 JSON error body on the passthrough routes', () => {
  test.each(ROUTES.filter((r) => ['completions', 'embeddings', 'responses'].includes(r.upstream)).map((r) => [r.name, r] as const))(
    '%s: ends with outcome error, never ok',
    async (_name, r) => {
      fakes[r.provider].handler = (_request, res) => sendJson(res, 200, { error: { message: 'Hidden failure.', code: 502 } });
      const response = await post(host, r, false).response;
      const { end } = await reported();
      expect(end).toMatchObject({ status: response.status, outcome: 'error' });
    },
  );
});
