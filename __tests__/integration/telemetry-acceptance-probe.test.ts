/**
 * Acceptance probe of telemetry, the conversation record and the OpenTelemetry bridge (DESIGN
 * section 6, and the telemetry paragraphs of sections 8, 10 and 11), through the real `openai` and
 * `@anthropic-ai/sdk` clients. The other telemetry suites cover the built-in providers route by
 * outcome; this one adds what they leave: a provider declared in `OPENAI_COMPATIBLE_PROVIDERS` on
 * every route, one answer (reasoning, text, a tool call, cache tokens, a price) streamed and whole
 * whose reports must agree, and every way such a request fails (an upstream 4xx, 504, 502, a
 * stream reset, cut, silent or abandoned, an error inside it, a whole body that stalls or is
 * abandoned, an answer in the wrong shape), each reported once, alike by `request.end`, the
 * conversation record and the span. Then the file log with listeners that throw, keys, and
 * requests refused before routing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import winston from 'winston';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry, type RequestEndEvent, type RequestStartEvent } from '../../lib';
import { startFakes, startFakeUpstream, type FakeUpstream, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { postInFlight, sendRequest } from '../support/http-client';
import { readJsonLines } from '../support/json-lines';
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

const openaiAt = (url: string): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${url}/v1`, maxRetries: 0 });
const anthropicAt = (url: string): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: url, maxRetries: 0 });

const TOOLS_CHAT = [
  { type: 'function' as const, function: { name: CALL.name, parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
];

/** Sends one request through the real SDK of `route`, reading a stream to its end. */
async function ask(route: RouteIn, model: string, stream: boolean, url = host.url): Promise<void> {
  const openai = (): OpenAI => openaiAt(url);
  const anthropic = (): Anthropic => anthropicAt(url);
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
      await inFlight.waitForBody((text) => text.includes('Paris'));
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
    expect((record.response as { toolCalls: unknown[] }).toolCalls).toEqual([CALL]);
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

// ---------------------------------------------------------------------------------------------
// A non-streamed answer abandoned while its body arrives: the status the client already has, else 499.

describe.each(CELLS)('$name: the client leaves while a whole answer arrives', (cell) => {
  test('request.end reports what the client was sent, the record the same', async () => {
    const upstream = cell.upstream();
    upstream.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"x",');
    };
    const inFlight = postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, false));
    await waitUntil(() => upstream.requests.length === 1, 2000, 'the upstream request');
    await sleep(50);
    const sent = inFlight.received().status;
    inFlight.abort();
    const { end, record } = await settled();
    expect(end).toMatchObject({ status: sent ?? 499, outcome: 'aborted', ttfbMs: expect.any(Number) });
    expect(record).toMatchObject({ status: sent ?? 499, outcome: 'aborted' });
  });
});

// ---------------------------------------------------------------------------------------------
// Streamed chat completions upstreams are asked for usage; the client sees the stream it asked for.

describe.each(CELLS.filter((cell) => cell.dialect === 'chat'))('$name: usage asked of a chat completions upstream', (cell) => {
  test('stream_options.include_usage is sent; a client that did not ask gets no usage-only chunk', async () => {
    answerWith(cell, true);
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, true)).response;
    expect(response.status).toBe(200);
    const sentUp = only(cell.upstream().requests, 'upstream request').body;
    expect(sentUp?.stream_options).toMatchObject({ include_usage: true });
    if (cell.route === 'chat') expect(response.text).not.toContain('"choices":[]');
    const { end } = await settled();
    expect(end.usage).toEqual(expectedUsage(cell));
  });
});

// ---------------------------------------------------------------------------------------------
// Keys: an upstream 401 that echoes the key, and a client that pastes one into its prompt.

describe.each(CELLS)('$name: keys never reach the event, the record or the span', (cell) => {
  const key = (): string =>
    ({
      groq: GROQ_KEY,
      openai: 'sk-openai-test-0123456789abcdefghij',
      openrouter: 'sk-or-v1-test-0123456789abcdefghij',
      anthropic: 'sk-ant-api03-test-0123456789abcdefghij',
    })[cell.provider] ?? GROQ_KEY;

  test('a 401 echoing the key, and the key pasted into the prompt', async () => {
    const echoed = `Incorrect API key provided: ${key()}`;
    cell.upstream().handler = (_request, res) =>
      sendJson(
        res,
        401,
        cell.dialect === 'messages'
          ? { type: 'error', error: { type: 'authentication_error', message: echoed } }
          : { error: { message: echoed, type: 'invalid_request_error' } },
      );
    const body = rawBody(cell, false);
    const pasted = `my key is ${GROQ_KEY}`;
    if (cell.route === 'responses') body.input = pasted;
    else body.messages = [{ role: 'user', content: pasted }];
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, body).response;
    expect(response.status).toBe(401);
    const { end, record, span } = await settled();
    expect(end.error?.message).toContain('Incorrect API key provided');
    for (const text of [JSON.stringify(end), JSON.stringify(record), JSON.stringify(span.attributes), String(span.status.message), response.text]) {
      expect(text).not.toContain(key().slice(4, 20));
      expect(text).not.toContain(GROQ_KEY.slice(4, 20));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hosts of their own: upstreams unreachable, a conversation log file, listeners that throw.

/** A base URL nothing listens on: a fake's, after it closed. */
async function deadUrl(kind: 'openai' | 'anthropic' | 'local', suffix = ''): Promise<string> {
  const fake = await startFakeUpstream(kind);
  await fake.close();
  return fake.baseUrl + suffix;
}

describe('an upstream that cannot be reached', () => {
  let dead: Host;
  const deadSeen = observe();
  const deadSpans = new InMemorySpanExporter();
  beforeAll(async () => {
    dead = await startHost({
      env: {
        OPENAI_API_KEY: 'sk-dead-0123456789abcdefghij',
        OPENAI_BASE_URL: await deadUrl('openai'),
        ANTHROPIC_API_KEY: 'sk-ant-dead-0123456789abcdefghij',
        ANTHROPIC_BASE_URL: await deadUrl('anthropic'),
        LOCAL_BASE_URL: await deadUrl('local'),
        OPENAI_COMPATIBLE_PROVIDERS: 'groq',
        GROQ_BASE_URL: await deadUrl('openai'),
        PROVIDER_TIMEOUT_MS: '1000',
      },
      conversationLogger: deadSeen.conversationLogger,
    });
    deadSeen.listen(dead.router);
    instrumentOpenTelemetry(
      dead.router.telemetry,
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(deadSpans)] }).getTracer('dead'),
    );
  });
  afterAll(() => dead.close());
  beforeEach(() => {
    deadSeen.clear();
    deadSpans.reset();
  });

  const targets = CELLS.filter((cell) => cell.provider !== 'openrouter');
  describe.each(targets)('$name', (cell) => {
    test.each([true, false])('stream %s: 502, one request.end with outcome error and no ttfbMs, its record and an error span', async (stream) => {
      const response = await postInFlight(`${dead.url}/v1/${PATH[cell.route]}`, rawBody(cell, stream)).response;
      expect(response.status).toBe(502);
      const [end] = await deadSeen.waitForEnds(1);
      await waitUntil(() => deadSeen.records.length === 1, 2000, 'the record');
      await sleep(20);
      expect(deadSeen.events.map((e) => e.type)).toEqual(['request.start', 'request.end']);
      expect(end).toMatchObject({
        status: 502,
        outcome: 'error',
        ttfbMs: null,
        firstTokenMs: null,
        firstReasoningMs: null,
        finishReason: null,
        provider: cell.provider,
      });
      expect(end?.usage).toBeUndefined();
      expect(end?.error).toEqual({ message: expect.any(String), type: expect.any(String) });
      expect(deadSeen.records[0]).toMatchObject({ status: 502, outcome: 'error', usage: null });
      const span = only(deadSpans.getFinishedSpans(), 'span');
      expect(span.status.code).toBe(2);
      expect(span.attributes).toMatchObject({ 'http.response.status_code': 502, 'gen_ai.provider.name': cell.provider });
    });
  });
});

describe('CONVERSATION_LOG_FILE, with listeners that throw', () => {
  let logged: Host;
  let dir: string;
  let file: string;
  const loggedSeen = observe();
  const errors: unknown[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'epr-probe-'));
    file = join(dir, 'logs', 'conversations.jsonl');
    logged = await startHost({
      env: {
        ...envFor(fakes),
        OPENAI_COMPATIBLE_PROVIDERS: 'groq',
        GROQ_BASE_URL: groq.baseUrl,
        GROQ_API_KEY: GROQ_KEY,
        CONVERSATION_LOG_FILE: file,
      },
      logger: { warn: () => undefined, error: (...args: unknown[]) => void errors.push(args) },
    });
    const boom = (): never => {
      throw new Error('listener broke');
    };
    logged.router.telemetry.on('request.start', boom);
    logged.router.telemetry.on('event', boom);
    logged.router.telemetry.on('request.end', boom);
    loggedSeen.listen(logged.router);
  });
  afterAll(async () => {
    await logged.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(CELLS.flatMap((cell) => [true, false].map((stream) => ({ ...cell, stream }))))(
    '$name, stream $stream: the answer arrives whole; the file holds the record with every field',
    async (cell) => {
      loggedSeen.clear();
      fakes.reset();
      groq.reset();
      answerWith(cell, cell.stream);
      await ask(cell.route, cell.model, cell.stream, logged.url);
      const [end] = await loggedSeen.waitForEnds(1);
      expect(loggedSeen.ends()).toHaveLength(1);
      await waitUntil(() => existsSync(file) && readJsonLines(file).some((r) => r.requestId === end?.requestId), 3000, 'the line');
      const line = only(
        readJsonLines(file).filter((r) => r.requestId === end?.requestId),
        'line',
      );
      expect(line).toEqual({
        requestId: end?.requestId,
        provider: cell.provider,
        model: cell.model,
        upstreamModel: cell.upstreamModel,
        endpoint: ENDPOINT[cell.route],
        stream: cell.stream,
        ...CONVERSATION[cell.route],
        response: { text: TEXT, reasoning: REASONING, toolCalls: [CALL] },
        usage: expectedUsage(cell),
        finishReason: end?.finishReason,
        status: 200,
        outcome: 'ok',
        durationMs: end?.durationMs,
        timestamp: end?.timestamp,
        level: 'info',
        message: 'conversation',
      });
      expect(errors.length).toBeGreaterThan(0);
    },
  );

  test.each<[RouteIn, string, (url: string) => Promise<number>]>([
    ['chat', 'bad JSON', (url) => postRaw(url, '{"model":')],
    ['messages', 'bad JSON', (url) => postRaw(url, '{"model":')],
    ['responses', 'bad JSON', (url) => postRaw(url, '{"model":')],
    ['chat', 'no model', (url) => postRaw(url, '{"messages":[]}')],
    ['messages', 'no model', (url) => postRaw(url, '{"max_tokens":5,"messages":[]}')],
    ['responses', 'no model', (url) => postRaw(url, '{"input":"hi"}')],
    ['chat', 'a number as model', (url) => postRaw(url, '{"model":5,"messages":[]}')],
  ])('%s, %s: refused before routing, no request event, no record', async (route, _what, send) => {
    loggedSeen.clear();
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(await send(`${logged.url}/v1/${PATH[route]}`)).toBe(400);
    await sleep(50);
    expect(loggedSeen.events).toEqual([]);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').toBe(before);
  });
});

async function postRaw(url: string, body: string): Promise<number> {
  const response = await sendRequest({ url, body, headers: { 'content-type': 'application/json' } }).response;
  return response.status;
}

describe('a body over PROVIDER_MAX_BODY_BYTES', () => {
  test.each<RouteIn>(['chat', 'messages', 'responses'])('%s: 413, no request event', async (route) => {
    const small = await startHost({ env: { ...envFor(fakes), PROVIDER_MAX_BODY_BYTES: '200' } });
    const smallSeen = observe();
    smallSeen.listen(small.router);
    try {
      const body = JSON.stringify({ model: 'gpt-4o', input: 'x'.repeat(400), messages: [{ role: 'user', content: 'x'.repeat(400) }] });
      expect(await postRaw(`${small.url}/v1/${PATH[route]}`, body)).toBe(413);
      await sleep(50);
      expect(smallSeen.events).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

describe.each(CELLS)('$name: a whole answer whose body stalls', (cell) => {
  test('504 after PROVIDER_IDLE_TIMEOUT_MS, reported once as an error with the upstream headers timed', async () => {
    cell.upstream().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"x",');
    };
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, false)).response;
    expect(response.status).toBe(504);
    const { end } = await settled();
    expect(end).toMatchObject({ status: 504, outcome: 'error', ttfbMs: expect.any(Number), error: { type: 'timeout_error' } });
  });
});

// ---------------------------------------------------------------------------------------------
// Errors the upstream reports inside a 200 stream.

function inStreamErrorFrames(cell: Cell): string[] {
  const opening = openingOf(cell);
  if (cell.dialect === 'chat') {
    return [
      ...opening,
      dataFrame({
        id: 'chatcmpl-p',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'served-model',
        error: { message: 'Upstream overloaded', code: 502 },
        choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
      }),
    ];
  }
  if (cell.dialect === 'messages')
    return [...opening, anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Upstream overloaded' } })];
  const n = opening.length;
  return [
    ...opening,
    `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: n, response: { ...responsesJson('served-model'), status: 'failed', usage: null, error: { code: 'server_error', message: 'Upstream overloaded' } } })}\n\n`,
  ];
}

describe.each(CELLS)('$name: an error inside the stream', (cell) => {
  test('status 200, outcome error with the upstream message, text and calls so far recorded', async () => {
    cell.upstream().handler = (_request, res) => sendFrames(res, inStreamErrorFrames(cell));
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, true)).response;
    expect(response.status).toBe(200);
    expect(response.text).toContain('Upstream overloaded');
    const { end, record } = await settled();
    expect(end).toMatchObject({ status: 200, outcome: 'error' });
    expect(end.error?.message).toContain('Upstream overloaded');
    expect(record.response).toMatchObject({ text: TEXT, reasoning: REASONING });
    expect((record.response as { toolCalls: unknown[] }).toolCalls).toHaveLength(1);
  });
});

describe.each(CELLS.filter((cell) => cell.dialect === 'responses'))('$name: response.failed that lists no output', (cell) => {
  test('the calls the stream began stay in the record', async () => {
    const frames = inStreamErrorFrames(cell);
    const failed = JSON.parse(frames[frames.length - 1]!.split('data: ')[1]!) as { response: Record<string, unknown> };
    failed.response.output = [];
    frames[frames.length - 1] = `event: response.failed\ndata: ${JSON.stringify(failed)}\n\n`;
    cell.upstream().handler = (_request, res) => sendFrames(res, frames);
    await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, true)).response;
    const { end, record } = await settled();
    expect(end).toMatchObject({ status: 200, outcome: 'error' });
    expect((record.response as { toolCalls: unknown[] }).toolCalls).toEqual([CALL]);
  });
});

describe.each(CELLS.filter((cell) => cell.dialect === 'messages'))('$name: Anthropic usage split over message_start and message_delta', (cell) => {
  test.each([true, false])('stream %s: cache tokens from message_start stay prompt tokens when message_delta gives output only', async (stream) => {
    cell.upstream().handler = (_request, res) => {
      if (!stream) return sendJson(res, 200, messagesJson('served-model'));
      const frames = messagesFrames('served-model');
      frames[frames.length - 2] = anthropicEvent('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 20 },
      });
      sendFrames(res, frames);
    };
    await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, stream)).response;
    const { end } = await settled();
    expect(end.usage).toEqual({ promptTokens: 110, completionTokens: 20, totalTokens: 130 });
  });
});

describe.each(CELLS)('$name: a whole answer to a streamed request', (cell) => {
  test('streamed to the client as the upstream would have streamed it, with the usage, price, finish reason and text it carried', async () => {
    answerWith(cell, false);
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, true)).response;
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const { end, record, span } = await settled();
    const finishReason = { chat: 'tool_calls', messages: 'tool_use', responses: 'completed' }[cell.dialect];
    expect(end).toMatchObject({ status: 200, outcome: 'ok', stream: true, usage: expectedUsage(cell), finishReason });
    expect(end.error).toBeUndefined();
    expect(end.costUsd).toBe(cell.dialect === 'messages' ? undefined : 0.0003);
    expect(record.response).toEqual({ text: TEXT, reasoning: REASONING, toolCalls: [CALL] });
    expect(span.attributes['gen_ai.usage.output_tokens']).toBe(20);
  });
});

describe.each(CELLS)('$name: a stream answering a request without `stream`', (cell) => {
  test('refused with 502, yet the usage, price, finish reason and text it carried are reported', async () => {
    answerWith(cell, true);
    const response = await postInFlight(`${host.url}/v1/${PATH[cell.route]}`, rawBody(cell, false)).response;
    expect(response.status).toBe(502);
    const { end, record } = await settled();
    const finishReason = { chat: 'tool_calls', messages: 'tool_use', responses: 'completed' }[cell.dialect];
    expect(end).toMatchObject({ status: 502, outcome: 'error', usage: expectedUsage(cell), finishReason, error: { type: 'upstream_error' } });
    expect(end.costUsd).toBe(cell.dialect === 'messages' ? undefined : 0.0003);
    expect(end.error?.message).toContain('answered a request without `stream` with a stream');
    expect(record.response).toEqual({ text: TEXT, reasoning: REASONING, toolCalls: [CALL] });
  });
});

describe('conversationLogger in code against CONVERSATION_LOG_FILE', () => {
  test.each<['false' | 'winston']>([['false'], ['winston']])(
    'conversationLogger: %s wins over the file; events under their type and under event alike',
    async (which) => {
      const dir = mkdtempSync(join(tmpdir(), 'epr-probe-'));
      const file = join(dir, 'c.jsonl');
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
      const own = await startHost({ env: { ...envFor(fakes), CONVERSATION_LOG_FILE: file }, conversationLogger: which === 'false' ? false : logger });
      const ownSeen = observe();
      const typed: unknown[] = [];
      own.router.telemetry.on('request.start', (e) => typed.push(e));
      own.router.telemetry.on('request.end', (e) => typed.push(e));
      ownSeen.listen(own.router);
      try {
        const local = CELLS.find((cell) => cell.name === 'chat → local');
        if (!local) throw new Error('no chat → local cell');
        answerWith(local, true);
        await ask('chat', 'qwen3', true, own.url);
        const [end] = await ownSeen.waitForEnds(1);
        await sleep(100);
        expect(typed).toHaveLength(2);
        typed.forEach((event, i) => expect(event).toBe(ownSeen.events[i]));
        expect(existsSync(file)).toBe(false);
        if (which === 'false') expect(lines).toEqual([]);
        else {
          const line = JSON.parse(only(lines, 'line')) as Record<string, unknown>;
          expect(line).toMatchObject({
            requestId: end?.requestId,
            provider: 'local',
            model: 'qwen3',
            response: { text: TEXT, reasoning: REASONING, toolCalls: [CALL] },
            usage: expectedUsage(local),
            level: 'info',
            message: 'conversation',
          });
        }
      } finally {
        await own.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
