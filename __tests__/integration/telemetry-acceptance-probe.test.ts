/**
 * Acceptance probe of telemetry, the conversation record and the OpenTelemetry bridge (DESIGN
 * section 6, and the telemetry paragraphs of sections 8, 10 and 11), through the real `openai` and
 * `@anthropic-ai/sdk` clients. The other telemetry suites cover the built-in providers route by
 * outcome; this one adds what they leave: a provider declared in `OPENAI_COMPATIBLE_PROVIDERS` on
 * every route, one answer (reasoning, text, a tool call, cache tokens, a price) streamed and whole
 * whose reports must agree, and a client that leaves before the upstream answered.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry, type RequestEndEvent, type RequestStartEvent } from '../../lib';
import { startFakes, startFakeUpstream, type FakeUpstream, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postInFlight } from '../support/http-client';
import { expectStartAndEnd, observe, type Observed } from '../support/observe';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { sleep, waitUntil } from '../support/wait';
import { anthropicEvent, DONE_FRAME, dataFrame } from '../support/wire-frames';

const GROQ_KEY = 'gsk-probe-0123456789abcdefghij';

// ---------------------------------------------------------------------------------------------
// One answer, in each upstream dialect, streamed and whole: reasoning, text, one tool call.

const REASONING = 'Think about Paris.';
const TEXT = 'Let me look.';
const CALL = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
const CHAT_USAGE = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, completion_tokens_details: { reasoning_tokens: 5 }, cost: 0.0003 };

function chatFrames(model: string): string[] {
  const identity = { id: 'chatcmpl-p', object: 'chat.completion.chunk', created: 1, model };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    dataFrame({ ...identity, choices: [{ index: 0, delta, finish_reason: finish }] });
  return [
    chunk({ role: 'assistant', content: '' }),
    chunk({ reasoning: REASONING }),
    chunk({ content: TEXT }),
    chunk({ tool_calls: [{ index: 0, id: CALL.id, type: 'function', function: { name: CALL.name, arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: CALL.arguments } }] }),
    chunk({}, 'tool_calls'),
    dataFrame({ ...identity, choices: [], usage: CHAT_USAGE }),
    DONE_FRAME,
  ];
}

function chatJson(model: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-p',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: TEXT,
          reasoning: REASONING,
          tool_calls: [{ id: CALL.id, type: 'function', function: { name: CALL.name, arguments: CALL.arguments } }],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: CHAT_USAGE,
  };
}

/** Anthropic's usage: cache tokens count as prompt tokens (section 5): 3 + 100 + 7. */
const ANTHROPIC_USAGE = { input_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 7, output_tokens: 20 };

function messagesFrames(model: string): string[] {
  return [
    anthropicEvent('message_start', {
      message: {
        id: 'msg_p',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
      },
    }),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: REASONING } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'c2ln' } }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: TEXT } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('content_block_start', { index: 2, content_block: { type: 'tool_use', id: CALL.id, name: CALL.name, input: {} } }),
    anthropicEvent('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: CALL.arguments } }),
    anthropicEvent('content_block_stop', { index: 2 }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: ANTHROPIC_USAGE }),
    anthropicEvent('message_stop'),
  ];
}

function messagesJson(model: string): Record<string, unknown> {
  return {
    id: 'msg_p',
    type: 'message',
    role: 'assistant',
    model,
    content: [
      { type: 'thinking', thinking: REASONING, signature: 'c2ln' },
      { type: 'text', text: TEXT },
      { type: 'tool_use', id: CALL.id, name: CALL.name, input: JSON.parse(CALL.arguments) as unknown },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
  };
}

/** The answer in the Responses dialect: a reasoning item, a message, a function call; OpenRouter-style price. */
function responsesJson(model: string): Record<string, unknown> {
  return {
    id: 'resp_p',
    object: 'response',
    created_at: 1,
    status: 'completed',
    model,
    output: [
      { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: REASONING }] },
      { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: TEXT, annotations: [] }] },
      { type: 'function_call', id: 'fc_1', call_id: CALL.id, name: CALL.name, arguments: CALL.arguments, status: 'completed' },
    ],
    usage: { input_tokens: 10, output_tokens: 20, total_tokens: 30, output_tokens_details: { reasoning_tokens: 5 }, cost: 0.0003 },
  };
}

function responsesFrames(model: string): string[] {
  const whole = responsesJson(model);
  const output = whole.output as Array<Record<string, unknown>>;
  const opening = { ...whole, status: 'in_progress', output: [], usage: null };
  let n = 0;
  const event = (type: string, payload: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...payload })}\n\n`;
  return [
    event('response.created', { response: opening }),
    event('response.in_progress', { response: opening }),
    event('response.output_item.added', { output_index: 0, item: { type: 'reasoning', id: 'rs_1', summary: [], content: [] } }),
    event('response.reasoning_text.delta', { item_id: 'rs_1', output_index: 0, content_index: 0, delta: REASONING }),
    event('response.reasoning_text.done', { item_id: 'rs_1', output_index: 0, content_index: 0, text: REASONING }),
    event('response.output_item.done', { output_index: 0, item: output[0] }),
    event('response.output_item.added', { output_index: 1, item: { ...output[1], status: 'in_progress', content: [] } }),
    event('response.content_part.added', {
      item_id: 'msg_1',
      output_index: 1,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    event('response.output_text.delta', { item_id: 'msg_1', output_index: 1, content_index: 0, delta: TEXT }),
    event('response.output_text.done', { item_id: 'msg_1', output_index: 1, content_index: 0, text: TEXT }),
    event('response.content_part.done', {
      item_id: 'msg_1',
      output_index: 1,
      content_index: 0,
      part: { type: 'output_text', text: TEXT, annotations: [] },
    }),
    event('response.output_item.done', { output_index: 1, item: output[1] }),
    event('response.output_item.added', { output_index: 2, item: { ...output[2], status: 'in_progress', arguments: '' } }),
    event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 2, delta: CALL.arguments }),
    event('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 2, name: CALL.name, arguments: CALL.arguments }),
    event('response.output_item.done', { output_index: 2, item: output[2] }),
    event('response.completed', { response: whole }),
  ];
}

// ---------------------------------------------------------------------------------------------
// The host: the four built-in fakes, and `groq` from OPENAI_COMPATIBLE_PROVIDERS.

let fakes: Fakes;
let groq: FakeUpstream;
let host: Host;
let seen: Observed;
let exporter: InMemorySpanExporter;
let stopOtel: () => void;

beforeAll(async () => {
  fakes = await startFakes();
  groq = await startFakeUpstream('openai');
  seen = observe();
  host = await startHost({
    env: {
      ...envFor(fakes),
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: GROQ_KEY,
      PROVIDER_IDLE_TIMEOUT_MS: '300',
      PROVIDER_TIMEOUT_MS: '400',
    },
    conversationLogger: seen.conversationLogger,
  });
  seen.listen(host.router);
  exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('probe');
  stopOtel = instrumentOpenTelemetry(host.router.telemetry, tracer);
});

afterAll(async () => {
  stopOtel();
  await host.close();
  await groq.close();
  await fakes.close();
});

beforeEach(() => {
  fakes.reset();
  groq.reset();
  seen.clear();
  exporter.reset();
});

type RouteIn = 'chat' | 'messages' | 'responses';

const openai = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

const TOOLS_CHAT = [
  { type: 'function' as const, function: { name: CALL.name, parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];

/** Sends one request through the real SDK of `route`, reading a stream to its end. */
async function ask(route: RouteIn, model: string, stream: boolean): Promise<void> {
  if (route === 'chat') {
    const body = { model, messages: [{ role: 'user' as const, content: 'weather?' }], tools: TOOLS_CHAT };
    if (stream) for await (const _ of await openai().chat.completions.create({ ...body, stream: true })) void _;
    else await openai().chat.completions.create(body);
  } else if (route === 'messages') {
    const body = {
      model,
      max_tokens: 64,
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content: 'weather?' }],
      tools: [{ name: CALL.name, input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
    };
    if (stream) for await (const _ of await anthropic().messages.create({ ...body, stream: true })) void _;
    else await anthropic().messages.create(body);
  } else {
    const body = {
      model,
      instructions: 'Be brief.',
      input: 'weather?',
      tools: [
        { type: 'function' as const, name: CALL.name, strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
    };
    if (stream) for await (const _ of await openai().responses.create({ ...body, stream: true })) void _;
    else await openai().responses.create(body);
  }
}

const ENDPOINT: Record<RouteIn, RequestEndEvent['endpoint']> = { chat: 'chat.completions', messages: 'messages', responses: 'responses' };

interface Cell {
  name: string;
  route: RouteIn;
  model: string;
  provider: string;
  upstreamModel: string;
  upstream: () => FakeUpstream;
  dialect: 'chat' | 'messages' | 'responses';
  kind: 'passthrough' | 'bridged' | 'translated';
}

const CELLS: Cell[] = [
  {
    name: 'chat → groq',
    route: 'chat',
    model: 'groq/llama-3.3',
    provider: 'groq',
    upstreamModel: 'llama-3.3',
    upstream: () => groq,
    dialect: 'chat',
    kind: 'passthrough',
  },
  {
    name: 'messages → groq',
    route: 'messages',
    model: 'groq/llama-3.3',
    provider: 'groq',
    upstreamModel: 'llama-3.3',
    upstream: () => groq,
    dialect: 'chat',
    kind: 'translated',
  },
  {
    name: 'responses → groq',
    route: 'responses',
    model: 'groq/llama-3.3',
    provider: 'groq',
    upstreamModel: 'llama-3.3',
    upstream: () => groq,
    dialect: 'chat',
    kind: 'bridged',
  },
  {
    name: 'chat → local',
    route: 'chat',
    model: 'qwen3',
    provider: 'local',
    upstreamModel: 'qwen3',
    upstream: () => fakes.local,
    dialect: 'chat',
    kind: 'passthrough',
  },
  {
    name: 'chat → openrouter',
    route: 'chat',
    model: 'openrouter/x/y',
    provider: 'openrouter',
    upstreamModel: 'x/y',
    upstream: () => fakes.openrouter,
    dialect: 'chat',
    kind: 'passthrough',
  },
  {
    name: 'messages → openai',
    route: 'messages',
    model: 'openai/gpt-5.5',
    provider: 'openai',
    upstreamModel: 'gpt-5.5',
    upstream: () => fakes.openai,
    dialect: 'chat',
    kind: 'translated',
  },
  {
    name: 'responses → local',
    route: 'responses',
    model: 'local/qwen3',
    provider: 'local',
    upstreamModel: 'qwen3',
    upstream: () => fakes.local,
    dialect: 'chat',
    kind: 'bridged',
  },
  {
    name: 'chat → anthropic',
    route: 'chat',
    model: 'claude-sonnet-5-5',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    upstream: () => fakes.anthropic,
    dialect: 'messages',
    kind: 'translated',
  },
  {
    name: 'messages → anthropic',
    route: 'messages',
    model: 'anthropic/claude-sonnet-5-5',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    upstream: () => fakes.anthropic,
    dialect: 'messages',
    kind: 'passthrough',
  },
  {
    name: 'responses → anthropic',
    route: 'responses',
    model: 'anthropic/claude-sonnet-5-5',
    provider: 'anthropic',
    upstreamModel: 'claude-sonnet-5-5',
    upstream: () => fakes.anthropic,
    dialect: 'messages',
    kind: 'translated',
  },
  {
    name: 'responses → openai',
    route: 'responses',
    model: 'openai/gpt-5.5',
    provider: 'openai',
    upstreamModel: 'gpt-5.5',
    upstream: () => fakes.openai,
    dialect: 'responses',
    kind: 'passthrough',
  },
  {
    name: 'responses → openrouter',
    route: 'responses',
    model: 'openrouter/x/y',
    provider: 'openrouter',
    upstreamModel: 'x/y',
    upstream: () => fakes.openrouter,
    dialect: 'responses',
    kind: 'passthrough',
  },
  {
    name: 'messages → local',
    route: 'messages',
    model: 'local/qwen3',
    provider: 'local',
    upstreamModel: 'qwen3',
    upstream: () => fakes.local,
    dialect: 'messages',
    kind: 'passthrough',
  },
];

/** What the record keeps of each route's conversation (docs/architecture.md, "Conversation log"). */
const CONVERSATION: Record<RouteIn, Record<string, unknown>> = {
  chat: { messages: [{ role: 'user', content: 'weather?' }] },
  messages: { messages: [{ role: 'user', content: 'weather?' }], system: 'Be brief.' },
  responses: { messages: [{ role: 'user', content: 'weather?' }], instructions: 'Be brief.' },
};

function expectedUsage(cell: Cell): Record<string, number> {
  return cell.dialect !== 'messages'
    ? { promptTokens: 10, completionTokens: 20, totalTokens: 30, reasoningTokens: 5 }
    : { promptTokens: 110, completionTokens: 20, totalTokens: 130 };
}

function answerWith(cell: Cell, stream: boolean): void {
  cell.upstream().handler = (_request, res) => {
    if (cell.dialect === 'chat') {
      if (stream) sendFrames(res, chatFrames('served-model'));
      else sendJson(res, 200, chatJson('served-model'));
    } else if (cell.dialect === 'responses') {
      if (stream) sendFrames(res, responsesFrames('served-model'));
      else sendJson(res, 200, responsesJson('served-model'));
    } else if (stream) sendFrames(res, messagesFrames('served-model'));
    else sendJson(res, 200, messagesJson('served-model'));
  };
}

/** The one item of `items`. */
function only<T>(items: T[], what: string): T {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item === undefined) throw new Error(`no ${what}`);
  return item;
}

const spanOf = (): ReadableSpan => only(exporter.getFinishedSpans(), 'span');

/** The one `request.end` so far (after waiting for it), and its conversation record once written. */
async function endAndRecord(): Promise<{ end: RequestEndEvent; record: Record<string, unknown> }> {
  await seen.waitForEnds(1, 3000);
  await waitUntil(() => seen.records.length === 1, 2000, 'the record');
  await sleep(20);
  return { end: only(seen.ends(), 'request.end'), record: only(seen.records, 'record') };
}

describe.each(CELLS)('$name ($kind): one answer, streamed and whole', (cell) => {
  test.each([true, false])('stream %s: request.start, one request.end with every field, the record and the span', async (stream) => {
    answerWith(cell, stream);
    await ask(cell.route, cell.model, stream);
    const { end, record } = await endAndRecord();
    const start = only(
      seen.events.filter((e): e is RequestStartEvent => e.type === 'request.start'),
      'request.start',
    );
    expect(seen.events.map((e) => e.type)).toEqual(['request.start', 'request.end']);
    const identity = { provider: cell.provider, model: cell.model, upstreamModel: cell.upstreamModel, endpoint: ENDPOINT[cell.route], stream };
    expectStartAndEnd(start, end, identity);

    const usage = expectedUsage(cell);
    const finishReason = { chat: 'tool_calls', messages: 'tool_use', responses: 'completed' }[cell.dialect];
    expect(end).toMatchObject({ status: 200, outcome: 'ok', usage, finishReason, responseModel: 'served-model' });
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
    expect(end.ttfbMs).toEqual(expect.any(Number));
    if (cell.dialect !== 'messages') expect(end.costUsd).toBe(0.0003);
    else expect(end.costUsd).toBeUndefined();
    if (stream) {
      expect(end.firstTokenMs).toEqual(expect.any(Number));
      expect(end.firstReasoningMs).toEqual(expect.any(Number));
      expect(end.firstReasoningMs!).toBeLessThanOrEqual(end.firstTokenMs!);
    } else {
      expect(end.firstTokenMs).toBeNull();
      expect(end.firstReasoningMs).toBeNull();
    }
    expect(JSON.stringify(seen.events)).not.toContain('gsk-probe');

    expect(record).toEqual({
      requestId: end.requestId,
      provider: cell.provider,
      model: cell.model,
      upstreamModel: cell.upstreamModel,
      endpoint: ENDPOINT[cell.route],
      stream,
      ...CONVERSATION[cell.route],
      response: { text: TEXT, reasoning: REASONING, toolCalls: [CALL] },
      usage,
      finishReason,
      status: 200,
      outcome: 'ok',
      durationMs: end.durationMs,
      timestamp: end.timestamp,
    });

    const span = spanOf();
    expect(span.name).toBe(`chat ${cell.upstreamModel}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': cell.provider,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': cell.upstreamModel,
      'gen_ai.response.model': 'served-model',
      'gen_ai.usage.input_tokens': usage.promptTokens,
      'gen_ai.usage.output_tokens': usage.completionTokens,
      'gen_ai.response.finish_reasons': [finishReason],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// A client that leaves before the upstream sent its headers: 499, aborted, once.

describe.each(CELLS)('$name: the client leaves before the upstream answered', (cell) => {
  test.each([true, false])('stream %s: one request.end, status 499, outcome aborted; the record says the same', async (stream) => {
    const upstream = cell.upstream();
    upstream.handler = () => true; // holds the request, no headers
    const path = { chat: 'chat/completions', messages: 'messages', responses: 'responses' }[cell.route];
    const body =
      cell.route === 'responses'
        ? { model: cell.model, input: 'weather?', stream }
        : { model: cell.model, max_tokens: 64, messages: [{ role: 'user', content: 'weather?' }], stream };
    const inFlight = postInFlight(`${host.url}/v1/${path}`, body);
    await waitUntil(() => upstream.requests.length === 1, 2000, 'the upstream request');
    const closed = upstream.waitForClientClose();
    inFlight.abort();
    await closed;
    const { end, record } = await endAndRecord();
    expect(end).toMatchObject({ status: 499, outcome: 'aborted', ttfbMs: null, provider: cell.provider, stream });
    expect(record).toMatchObject({ status: 499, outcome: 'aborted', usage: null });
    expect(spanOf().attributes['http.response.status_code']).toBe(499);
  });
});

// ---------------------------------------------------------------------------------------------
// The ways a request fails, each cell reported once, the same by the event, the record and the span.

/** The answer's frames up to and including its tool call's arguments, the terminator not sent. */
function openingOf(cell: Cell): string[] {
  if (cell.dialect === 'chat') return chatFrames('served-model').slice(0, 5);
  if (cell.dialect === 'messages') return messagesFrames('served-model').slice(0, 10);
  return responsesFrames('served-model').slice(0, 14);
}

function errorBodyOf(cell: Cell): Record<string, unknown> {
  const error = { type: 'rate_limit_error', message: 'Slow down, please' };
  return cell.dialect === 'messages' ? { type: 'error', error } : { error: { ...error, code: 'rate_limit_exceeded' } };
}

const PATH: Record<RouteIn, string> = { chat: 'chat/completions', messages: 'messages', responses: 'responses' };

function rawBody(cell: Cell, stream: boolean): Record<string, unknown> {
  return cell.route === 'responses'
    ? { model: cell.model, input: 'weather?', stream }
    : { model: cell.model, max_tokens: 64, messages: [{ role: 'user', content: 'weather?' }], stream };
}

async function settled(): Promise<{ end: RequestEndEvent; record: Record<string, unknown>; span: ReadableSpan }> {
  const { end, record } = await endAndRecord();
  expect(seen.events.map((e) => e.type)).toEqual(['request.start', 'request.end']);
  expect(record).toMatchObject({
    requestId: end.requestId,
    status: end.status,
    outcome: end.outcome,
    finishReason: end.finishReason,
    durationMs: end.durationMs,
  });
  expect(record.usage ?? undefined).toEqual(end.usage);
  const span = spanOf();
  expect(span.attributes['http.response.status_code']).toBe(end.status);
  expect(span.attributes['express_provider_router.outcome']).toBe(end.outcome);
  expect(span.status.code).toBe(end.outcome === 'error' ? 2 : 0);
  return { end, record, span };
}

type MidStream = 'reset' | 'cut' | 'idle' | 'hang-up';

describe.each(CELLS)('$name: a stream that fails after its first bytes', (cell) => {
  test.each<MidStream>(['reset', 'cut', 'idle', 'hang-up'])('%s: status 200 kept, what arrived recorded', async (how) => {
    cell.upstream().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const frame of openingOf(cell)) res.write(frame);
      if (how === 'reset') setTimeout(() => res.destroy(), 20);
      if (how === 'cut') setTimeout(() => res.end(), 20);
    };
    const inFlight = postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, true));
    if (how === 'hang-up') {
      await inFlight.waitForBody((text) => text.includes(TEXT.slice(0, 5)));
      await sleep(30);
      inFlight.abort();
    } else {
      const response = await inFlight.response.catch(() => undefined);
      expect(response?.status).toBe(200);
    }
    const { end, record } = await settled();
    expect(end).toMatchObject({ status: 200, outcome: how === 'hang-up' ? 'aborted' : 'error', ttfbMs: expect.any(Number) });
    expect(end.firstTokenMs).toEqual(expect.any(Number));
    expect(end.firstReasoningMs).toEqual(expect.any(Number));
    if (how !== 'hang-up') expect(end.error).toEqual({ message: expect.any(String), type: expect.any(String) });
    expect(record.response).toMatchObject({ text: TEXT, reasoning: REASONING });
    if (how !== 'hang-up') expect((record.response as { toolCalls: unknown[] }).toolCalls).toEqual([CALL]);
  });
});

describe.each(CELLS)('$name: failures before any byte', (cell) => {
  test.each([true, false])('stream %s: an upstream 4xx keeps its status and message', async (stream) => {
    cell.upstream().handler = (_request, res) => sendJson(res, 429, errorBodyOf(cell), { 'retry-after': '1' });
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, stream)).response;
    expect(response.status).toBe(429);
    const { end, record } = await settled();
    expect(end).toMatchObject({ status: 429, outcome: 'error', ttfbMs: expect.any(Number), firstTokenMs: null, firstReasoningMs: null });
    expect(end.error?.message).toContain('Slow down, please');
    expect(record).toMatchObject({ usage: null, response: { text: '', toolCalls: [] } });
  });

  test.each([true, false])('stream %s: no headers within PROVIDER_TIMEOUT_MS is 504', async (stream) => {
    cell.upstream().handler = () => true;
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, stream)).response;
    expect(response.status).toBe(504);
    const { end } = await settled();
    expect(end).toMatchObject({ status: 504, outcome: 'error', ttfbMs: null, firstTokenMs: null });
    expect(end.error).toEqual({ message: expect.any(String), type: expect.any(String) });
  });
});
