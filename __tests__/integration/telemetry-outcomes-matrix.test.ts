/**
 * Telemetry, the conversation record and the OpenTelemetry span, route kind by outcome (DESIGN
 * sections 2, 3, 6, 8, 10 and 11): every route the router serves (count_tokens, completions and
 * embeddings included) against every way a request can end (answered; an upstream 4xx or 5xx; a
 * client that leaves mid-stream; an upstream error inside the stream; a stream cut before its
 * terminator; a 200 whose JSON body is an error; an upstream unreachable; no headers in time).
 * Each cell checks the same three reports agree with each other and with what the client got.
 * `telemetry-routes.test.ts` checks the answered cells' reasoning and tool calls in depth.
 */
import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry, type RequestEndEvent, type RequestStartEvent, type TelemetryEvent } from '../../lib';
import { startFakes, type Fakes, type FakeHandler, type ProviderId } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { postInFlight, sendRequest, type InFlight } from '../support/http-client';
import { expectStartAndEnd, observe } from '../support/observe';
import { framesToFirstText, REASONED_ANSWERS } from '../support/reasoned-answers';
import { sendJson } from '../support/upstream-answers';
import { sleep, waitUntil } from '../support/wait';
import { DONE_FRAME, dataFrame } from '../support/wire-frames';

/** What the upstream answers in on a route, which is what the router reads usage and text from. */
type Upstream = 'chat' | 'messages' | 'responses' | 'completions' | 'embeddings' | 'count';

interface Route {
  name: string;
  path: string;
  model: string;
  provider: ProviderId;
  upstreamModel: string;
  endpoint: RequestEndEvent['endpoint'];
  upstream: Upstream;
  streams: boolean;
  /** `gen_ai.operation.name`, GenAI semantic conventions. */
  operation: string;
  /** Served by the host that swaps the Responses routes (`OPENROUTER_RESPONSES=chat`, `LOCAL_RESPONSES=native`). */
  swapped?: boolean;
}

const route = (
  name: string,
  path: string,
  model: string,
  provider: ProviderId,
  upstreamModel: string,
  endpoint: Route['endpoint'],
  upstream: Upstream,
): Route => ({
  name,
  path,
  model,
  provider,
  upstreamModel,
  endpoint,
  upstream,
  streams: !['embeddings', 'count'].includes(upstream),
  operation: { completions: 'text_completion', embeddings: 'embeddings', 'messages.count_tokens': 'count_tokens' }[endpoint as string] ?? 'chat',
});

const ROUTES: Route[] = [
  route('chat → local (passthrough)', 'chat/completions', 'qwen3', 'local', 'qwen3', 'chat.completions', 'chat'),
  route('chat → openai (passthrough)', 'chat/completions', 'gpt-4o-mini', 'openai', 'gpt-4o-mini', 'chat.completions', 'chat'),
  route('chat → openrouter (passthrough)', 'chat/completions', 'openrouter/x/y', 'openrouter', 'x/y', 'chat.completions', 'chat'),
  route('chat → anthropic (translated)', 'chat/completions', 'claude-sonnet-5-5', 'anthropic', 'claude-sonnet-5-5', 'chat.completions', 'messages'),
  route('messages → anthropic (passthrough)', 'messages', 'anthropic/claude-sonnet-5-5', 'anthropic', 'claude-sonnet-5-5', 'messages', 'messages'),
  route('messages → local (passthrough)', 'messages', 'local/qwen3', 'local', 'qwen3', 'messages', 'messages'),
  route('messages → openai (translated)', 'messages', 'openai/gpt-5.5', 'openai', 'gpt-5.5', 'messages', 'chat'),
  route('messages → openrouter (translated)', 'messages', 'openrouter/x/y', 'openrouter', 'x/y', 'messages', 'chat'),
  route(
    'count_tokens → anthropic',
    'messages/count_tokens',
    'anthropic/claude-sonnet-5-5',
    'anthropic',
    'claude-sonnet-5-5',
    'messages.count_tokens',
    'count',
  ),
  route('count_tokens → local', 'messages/count_tokens', 'local/qwen3', 'local', 'qwen3', 'messages.count_tokens', 'count'),
  route('responses → openai (native)', 'responses', 'openai/gpt-5.5', 'openai', 'gpt-5.5', 'responses', 'responses'),
  route('responses → openrouter (native)', 'responses', 'openrouter/x/y', 'openrouter', 'x/y', 'responses', 'responses'),
  route('responses → local (bridged)', 'responses', 'local/qwen3', 'local', 'qwen3', 'responses', 'chat'),
  route('responses → anthropic (translated)', 'responses', 'anthropic/claude-sonnet-5-5', 'anthropic', 'claude-sonnet-5-5', 'responses', 'messages'),
  {
    ...route('responses → openrouter (bridged: OPENROUTER_RESPONSES=chat)', 'responses', 'openrouter/x/y', 'openrouter', 'x/y', 'responses', 'chat'),
    swapped: true,
  },
  {
    ...route('responses → local (native: LOCAL_RESPONSES=native)', 'responses', 'local/qwen3', 'local', 'qwen3', 'responses', 'responses'),
    swapped: true,
  },
  route('completions → openrouter', 'completions', 'openrouter/x/y', 'openrouter', 'x/y', 'completions', 'completions'),
  route('completions → local', 'completions', 'qwen3', 'local', 'qwen3', 'completions', 'completions'),
  route('embeddings → openrouter', 'embeddings', 'openrouter/x/y', 'openrouter', 'x/y', 'embeddings', 'embeddings'),
  route('embeddings → openai', 'embeddings', 'openai/text-embedding-3-small', 'openai', 'text-embedding-3-small', 'embeddings', 'embeddings'),
];

// ---------------------------------------------------------------------------------------------
// What the client sends, and what the record keeps of it.

const MESSAGES = [{ role: 'user', content: 'hi' }];

function bodyFor(r: Route, stream: boolean): Record<string, unknown> {
  const streamField = r.streams ? { stream } : {};
  switch (r.endpoint) {
    case 'responses':
      return { model: r.model, instructions: 'Be brief.', input: 'hi', ...streamField };
    case 'messages':
    case 'messages.count_tokens':
      return { model: r.model, max_tokens: 64, system: 'Be brief.', messages: MESSAGES, ...streamField };
    case 'completions':
      return { model: r.model, prompt: 'Say hi', max_tokens: 8, ...streamField };
    case 'embeddings':
      return { model: r.model, input: 'hi' };
    default:
      return { model: r.model, max_tokens: 64, messages: MESSAGES, ...streamField };
  }
}

/**
 * The record's `messages` (and `system` / `instructions` beside them): each dialect's own
 * conversation, a Responses string `input` as one user message (docs/architecture.md).
 */
function conversationOf(r: Route): Record<string, unknown> {
  switch (r.endpoint) {
    case 'responses':
      return { messages: MESSAGES, instructions: 'Be brief.' };
    case 'messages':
    case 'messages.count_tokens':
      return { messages: MESSAGES, system: 'Be brief.' };
    case 'completions':
      return { messages: 'Say hi' };
    case 'embeddings':
      return { messages: 'hi' };
    default:
      return { messages: MESSAGES };
  }
}

// ---------------------------------------------------------------------------------------------
// What the upstreams answer.

/** OpenRouter prices each request; the other upstreams send no `cost`. */
const priced = (r: Route, text: string): string => (r.provider === 'openrouter' ? text : text.replace(/,"cost":[0-9.]+|"cost":[0-9.]+,/g, ''));

const COMPLETION_IDENTITY = { id: 'cmpl-1', object: 'text_completion', created: 1, model: 'x/y' };
const COMPLETION_FRAMES = [
  dataFrame({ ...COMPLETION_IDENTITY, choices: [{ index: 0, text: 'Hello', finish_reason: null }] }),
  dataFrame({ ...COMPLETION_IDENTITY, choices: [{ index: 0, text: ' there', finish_reason: 'stop' }] }),
  dataFrame({ ...COMPLETION_IDENTITY, choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, cost: 0.0002 } }),
  DONE_FRAME,
];

/** A streamed answer's frames, reasoning first where the dialect has any. */
function streamFrames(r: Route): string[] {
  const frames = {
    chat: REASONED_ANSWERS.chat.frames,
    messages: REASONED_ANSWERS.messages.frames,
    responses: REASONED_ANSWERS.responses.frames,
    completions: () => COMPLETION_FRAMES,
    embeddings: () => [],
    count: () => [],
  }[r.upstream]();
  return frames.map((frame) => priced(r, frame));
}

function wholeAnswer(r: Route): Record<string, unknown> {
  const answer = {
    chat: REASONED_ANSWERS.chat.json,
    messages: REASONED_ANSWERS.messages.json,
    responses: REASONED_ANSWERS.responses.json,
    completions: {
      ...COMPLETION_IDENTITY,
      choices: [{ index: 0, text: 'Hello there', finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, cost: 0.0002 },
    },
    embeddings: {
      object: 'list',
      model: 'm',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      usage: { prompt_tokens: 3, total_tokens: 3, cost: 0.00001 },
    },
    count: { input_tokens: 12 },
  }[r.upstream];
  return JSON.parse(priced(r, JSON.stringify(answer))) as Record<string, unknown>;
}

interface Expected {
  usage: Record<string, number> | undefined;
  costUsd?: number | undefined;
  finishReason: string | null;
  text: string;
  reasoning: string | undefined;
}

/** What request.end and the record report of an answered request. */
function expectedAnswer(r: Route, stream: boolean): Expected {
  const table: Record<Upstream, { stream?: Expected; whole: Expected }> = {
    ...REASONED_ANSWERS,
    completions: {
      stream: {
        usage: { promptTokens: 4, completionTokens: 2, totalTokens: 6 },
        costUsd: 0.0002,
        finishReason: 'stop',
        text: 'Hello there',
        reasoning: undefined,
      },
      whole: {
        usage: { promptTokens: 4, completionTokens: 2, totalTokens: 6 },
        costUsd: 0.0002,
        finishReason: 'stop',
        text: 'Hello there',
        reasoning: undefined,
      },
    },
    embeddings: {
      whole: {
        usage: { promptTokens: 3, completionTokens: 0, totalTokens: 3 },
        costUsd: 0.00001,
        finishReason: null,
        text: '',
        reasoning: undefined,
      },
    },
    // A count is not tokens spent: no usage (docs/decisions.md).
    count: { whole: { usage: undefined, costUsd: undefined, finishReason: null, text: '', reasoning: undefined } },
  };
  const expected = (stream ? table[r.upstream].stream : undefined) ?? table[r.upstream].whole;
  return { ...expected, costUsd: r.provider === 'openrouter' ? expected.costUsd : undefined };
}

/** An error body in the upstream's own shape. */
function errorBody(r: Route, message: string, type: string): Record<string, unknown> {
  return r.upstream === 'messages' || r.upstream === 'count' ? { type: 'error', error: { type, message } } : { error: { message, type } };
}

/** A stream's frames up to and including its first answer text (after any reasoning). */
const firstTextOf = (r: Route): string[] => framesToFirstText(streamFrames(r));

/** An upstream's own error inside a 200 stream, in its dialect, after some text. */
function midStreamErrorFrames(r: Route): { frames: string[]; message: string } {
  switch (r.upstream) {
    case 'messages':
      return { frames: sseFrames('anthropic-messages-stream-error.sse'), message: 'Overloaded' };
    case 'responses':
      return { frames: sseFrames('openai-responses-stream-failed.sse'), message: 'The model produced invalid content.' };
    case 'completions':
      return {
        frames: [
          COMPLETION_FRAMES[0]!,
          dataFrame({
            ...COMPLETION_IDENTITY,
            error: { code: 'server_error', message: 'Provider disconnected unexpectedly' },
            choices: [{ index: 0, text: '', finish_reason: 'error' }],
          }),
          DONE_FRAME,
        ],
        message: 'Provider disconnected unexpectedly',
      };
    default:
      // OpenRouter's error chunk beside `choices`, then the stream's usual end.
      return { frames: [...sseFrames('openrouter-midstream-error.sse'), DONE_FRAME], message: 'Provider disconnected unexpectedly' };
  }
}

/** A 200 whose whole JSON body says the request failed. */
function okStatusErrorBody(r: Route): Record<string, unknown> {
  if (r.upstream === 'responses') {
    return {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      status: 'failed',
      model: 'm',
      output: [],
      error: { code: 'server_error', message: 'Quota gone.' },
    };
  }
  return errorBody(r, 'Quota gone.', r.upstream === 'messages' || r.upstream === 'count' ? 'overloaded_error' : 'insufficient_quota');
}

/** OpenAI's recorded answer without reasoning: it reports `reasoning_tokens: 0`. */
const wholeAnswerWithoutReasoning = JSON.parse(
  JSON.stringify({
    id: 'chatcmpl-2',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29, completion_tokens_details: { reasoning_tokens: 0 } },
  }),
) as Record<string, unknown>;

function writeStream(res: ServerResponse, frames: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const frame of frames) res.write(frame);
}

// ---------------------------------------------------------------------------------------------
// The outcomes.

interface Cell {
  /** How the fake answers; undefined: the request goes to the host whose upstreams are unreachable. */
  handler?: FakeHandler;
  /** The client leaves once the body has begun. */
  abortMidStream?: boolean;
  status: number | 'as sent';
  outcome: RequestEndEvent['outcome'];
  /** Part of `request.end`'s `error.message`. */
  errorMessage?: string | RegExp;
  /** Whether the upstream's response headers arrived (`ttfbMs` set). */
  answered: boolean;
  /** Whether some of the answer's text reached the record. */
  partialText?: boolean;
  /** The finish reason `request.end` reports; null unless given. */
  finishReason?: string | null;
  /** The client leaves while the router waits for the upstream's headers. */
  abortBeforeAnswer?: boolean;
  /** Checks of the cell's own. */
  extra?: (end: RequestEndEvent, record: Record<string, unknown>) => void;
}

interface Outcome {
  name: string;
  applies: (r: Route, stream: boolean) => boolean;
  cell: (r: Route, stream: boolean) => Cell;
}

const always = (): boolean => true;
const streamedOnly = (r: Route, stream: boolean): boolean => r.streams && stream;

const OUTCOMES: Outcome[] = [
  {
    name: 'ok with usage and reasoning',
    applies: always,
    cell: (r, stream) => ({
      handler: (_request, res) => {
        if (stream) {
          writeStream(res, streamFrames(r));
          res.end();
        } else sendJson(res, 200, wholeAnswer(r));
      },
      status: 200,
      outcome: 'ok',
      answered: true,
    }),
  },
  {
    name: 'upstream 4xx',
    applies: always,
    cell: (r) => ({
      handler: (_request, res) => sendJson(res, 400, errorBody(r, 'Bad field.', 'invalid_request_error')),
      status: 400,
      outcome: 'error',
      errorMessage: 'Bad field.',
      answered: true,
    }),
  },
  {
    name: 'upstream 5xx',
    applies: always,
    cell: (r) => ({
      handler: (_request, res) => sendJson(res, 503, errorBody(r, 'Down for now.', r.upstream === 'messages' ? 'overloaded_error' : 'server_error')),
      status: 503,
      outcome: 'error',
      errorMessage: 'Down for now.',
      answered: true,
    }),
  },
  {
    name: 'client abort mid-stream',
    applies: streamedOnly,
    cell: (r) => ({
      handler: (_request, res) => {
        writeStream(res, firstTextOf(r));
        return true;
      },
      abortMidStream: true,
      status: 200,
      outcome: 'aborted',
      answered: true,
      partialText: true,
    }),
  },
  {
    name: 'mid-stream upstream error',
    applies: streamedOnly,
    cell: (r) => {
      const { frames, message } = midStreamErrorFrames(r);
      return {
        handler: (_request, res) => {
          writeStream(res, frames);
          res.end();
        },
        status: 200,
        outcome: 'error',
        errorMessage: message,
        answered: true,
        partialText: true,
      };
    },
  },
  {
    name: 'stream cut before its terminator',
    applies: streamedOnly,
    cell: (r) => ({
      handler: (_request, res) => {
        writeStream(res, firstTextOf(r));
        res.end();
      },
      status: 200,
      outcome: 'error',
      answered: true,
      partialText: true,
    }),
  },
  {
    name: '200 JSON error body',
    applies: (_r, stream) => !stream,
    cell: (r) => ({
      handler: (_request, res) => sendJson(res, 200, okStatusErrorBody(r)),
      // Passed-through chat answers keep their 200; an Anthropic-shaped one is a 502 (README).
      status: 'as sent',
      // A failed Responses object's status is its finish reason, as `completed` is an answered one's.
      finishReason: r.upstream === 'responses' ? 'failed' : null,
      outcome: 'error',
      errorMessage: /Quota gone\./,
      answered: true,
    }),
  },
  {
    name: 'ok, reasoning_tokens 0: no reasoningTokens, no firstReasoningMs, no reasoning in the record',
    applies: (r) => r.upstream === 'chat' || r.upstream === 'responses',
    cell: (r, stream) => {
      const streamed = r.upstream === 'chat' ? sseFrames('openai-chat-stream-usage.sse') : sseFrames('openai-responses-stream-function-call.sse');
      const whole =
        r.upstream === 'chat'
          ? wholeAnswerWithoutReasoning
          : {
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
                  content: [{ type: 'output_text', text: 'Hi.', annotations: [] }],
                },
              ],
              usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7, output_tokens_details: { reasoning_tokens: 0 } },
            };
      return {
        handler: (_request, res) => {
          if (stream) {
            writeStream(res, streamed);
            res.end();
          } else sendJson(res, 200, whole);
        },
        status: 200,
        outcome: 'ok',
        answered: true,
        extra: (end, record) => {
          expect(end.usage).toBeDefined();
          expect(end.usage).not.toHaveProperty('reasoningTokens');
          expect(end.firstReasoningMs).toBeNull();
          expect(record.response).not.toHaveProperty('reasoning');
          if (stream) expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs!);
        },
      };
    },
  },
  {
    name: 'client abort before the answer (499)',
    applies: always,
    cell: () => ({ handler: () => true, abortBeforeAnswer: true, status: 499, outcome: 'aborted', answered: false }),
  },
  {
    name: 'client abort while a whole answer is read (499: nothing was sent yet)',
    applies: (_r, stream) => !stream,
    cell: () => ({
      handler: (_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"x",');
        return true;
      },
      abortBeforeAnswer: true,
      status: 499,
      outcome: 'aborted',
      answered: true,
    }),
  },
  {
    name: 'upstream unreachable (502)',
    applies: always,
    cell: () => ({ status: 502, outcome: 'error', answered: false }),
  },
  {
    name: 'no headers within PROVIDER_TIMEOUT_MS (504)',
    applies: always,
    cell: () => ({ handler: () => true, status: 504, outcome: 'error', answered: false }),
  },
];

// ---------------------------------------------------------------------------------------------
// The hosts.

const TIMEOUT_MS = 300;
let fakes: Fakes;
let host: Host;
/** A host whose every upstream is a port nothing listens on. */
let unreachable: Host;
/** The two hosts again, with the Responses routes of OpenRouter and llama-server swapped. */
let swapped: Host;
let swappedUnreachable: Host;
const seen = observe();
const byName: TelemetryEvent[] = [];
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(async () => {
  fakes = await startFakes();
  const env = { ...envFor(fakes), PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), PROVIDER_IDLE_TIMEOUT_MS: '2000' };
  host = await startHost({ env, conversationLogger: seen.conversationLogger });
  const closedPort = await freePort();
  const dead = Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, name.endsWith('_BASE_URL') ? value.replace(/:\d+/, `:${closedPort}`) : value]),
  );
  unreachable = await startHost({ env: dead, conversationLogger: seen.conversationLogger });
  const swaps = { OPENROUTER_RESPONSES: 'chat', LOCAL_RESPONSES: 'native' };
  swapped = await startHost({ env: { ...env, ...swaps }, conversationLogger: seen.conversationLogger });
  swappedUnreachable = await startHost({ env: { ...dead, ...swaps }, conversationLogger: seen.conversationLogger });
  for (const h of [host, unreachable, swapped, swappedUnreachable]) {
    seen.listen(h.router);
    h.router.telemetry.on('request.start', (event) => void byName.push(event));
    h.router.telemetry.on('request.end', (event) => void byName.push(event));
    instrumentOpenTelemetry(h.router.telemetry, tracerProvider.getTracer('telemetry-matrix'));
  }
});
beforeEach(() => {
  seen.clear();
  byName.length = 0;
  exporter.reset();
});
afterEach(() => fakes.reset());
afterAll(async () => {
  await Promise.all([host, unreachable, swapped, swappedUnreachable].map((h) => h?.close()));
  await fakes?.close();
});

/** A port that was free a moment ago, and is closed now. */
async function freePort(): Promise<number> {
  const probe = await startHost({ env: {} });
  const port = Number(new URL(probe.url).port);
  await probe.close();
  return port;
}

const post = (target: Host, r: Route, stream: boolean): InFlight =>
  postInFlight(`${target.url}/v1/${r.path}`, bodyFor(r, stream), { headers: { 'anthropic-version': '2023-06-01' } });

/** The request's one start and one end, its one record and its one span, once all are in. */
async function reported(): Promise<{ start: RequestStartEvent; end: RequestEndEvent; record: Record<string, unknown>; span: ReadableSpan }> {
  await seen.waitForEnds(1, 3000);
  await waitUntil(() => seen.records.length > 0 && exporter.getFinishedSpans().length > 0, 1000, 'the record and the span');
  await sleep(20);
  expect(seen.events.map((event) => event.type)).toEqual(['request.start', 'request.end']);
  expect(byName).toEqual(seen.events);
  expect(byName[0]).toBe(seen.events[0]);
  expect(byName[1]).toBe(seen.events[1]);
  expect(seen.records).toHaveLength(1);
  expect(exporter.getFinishedSpans()).toHaveLength(1);
  return {
    start: seen.events[0] as RequestStartEvent,
    end: seen.events[1] as RequestEndEvent,
    record: seen.records[0]!,
    span: exporter.getFinishedSpans()[0]!,
  };
}

/** `SpanStatusCode` of `@opentelemetry/api`. */
const UNSET = 0;
const ERROR = 2;

const cases = ROUTES.flatMap((r) =>
  (r.streams ? [true, false] : [false]).flatMap((stream) =>
    OUTCOMES.filter((o) => o.applies(r, stream)).map((o) => [`${r.name}, stream=${stream}: ${o.name}`, r, stream, o] as const),
  ),
);

test.each(cases)('%s', async (_name, r, stream, o) => {
  const cell = o.cell(r, stream);
  const target = cell.handler ? (r.swapped ? swapped : host) : r.swapped ? swappedUnreachable : unreachable;
  const fake = fakes[r.provider];
  /** Whether `request.start` was out when the request reached the upstream ("when routing is decided"). */
  let startedBeforeUpstream: boolean | undefined;
  if (cell.handler) {
    const handler = cell.handler;
    // Only the request itself: a model list the router might fetch gets the fake's own answer.
    fake.handler = (request, res, req) => {
      if (request.url.endsWith('/models')) return false;
      startedBeforeUpstream = seen.events.some((event) => event.type === 'request.start');
      return handler(request, res, req);
    };
  }

  const call = post(target, r, stream);
  let clientStatus: number;
  if (cell.abortBeforeAnswer) {
    await waitUntil(() => fake.requests.some((request) => !request.url.endsWith('/models')), 2000, 'the request upstream');
    await sleep(20);
    call.abort();
    clientStatus = 499;
  } else if (cell.abortMidStream) {
    clientStatus = (await call.head).status;
    await call.waitForBody((text) => text.length > 0);
    await sleep(20);
    call.abort();
  } else clientStatus = (await call.response).status;

  const { start, end, record, span } = await reported();

  // request.start and request.end: the request's identity, as asked and as sent.
  const identity = { provider: r.provider, model: r.model, upstreamModel: r.upstreamModel, endpoint: r.endpoint, stream: r.streams && stream };
  expectStartAndEnd(start, end, identity);
  if (cell.handler) expect(startedBeforeUpstream).toBe(true);

  // How it ended: the status the client got (an aborted request: the one already sent).
  expect(clientStatus).toBe(cell.status === 'as sent' ? clientStatus : cell.status);
  if (cell.status === 'as sent') expect(clientStatus).toBeGreaterThanOrEqual(200);
  expect(end.status).toBe(clientStatus);
  expect(end.outcome).toBe(cell.outcome);
  expect(end.durationMs).toBeGreaterThanOrEqual(0);
  if (cell.answered) {
    expect(end.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(end.durationMs).toBeGreaterThanOrEqual(end.ttfbMs!);
  } else {
    expect(end.ttfbMs).toBeNull();
  }
  // Less a millisecond or two: timers fire on a coarser clock than `performance.now()`.
  if (cell.status === 504) expect(end.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  if (cell.outcome === 'error') {
    expect(end.error).toEqual({ message: expect.any(String), type: expect.any(String) });
    if (cell.errorMessage !== undefined) expect(end.error?.message).toMatch(cell.errorMessage);
  } else {
    expect(end).not.toHaveProperty('error');
  }

  // What the answer reported.
  if (cell.extra) cell.extra(end, record);
  else if (cell.outcome === 'ok') {
    const expected = expectedAnswer(r, stream);
    expect(end.usage).toEqual(expected.usage);
    expect(end.finishReason).toBe(expected.finishReason);
    expect(end.costUsd).toBe(expected.costUsd);
    if (r.streams && stream) {
      expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs!);
      if (expected.reasoning) expect(end.firstReasoningMs).toBeLessThanOrEqual(end.firstTokenMs!);
      else expect(end.firstReasoningMs).toBeNull();
    } else {
      expect(end.firstTokenMs).toBeNull();
      expect(end.firstReasoningMs).toBeNull();
    }
    expect(record.response).toEqual({ text: expected.text, ...(expected.reasoning ? { reasoning: expected.reasoning } : {}), toolCalls: [] });
  } else {
    if (!cell.partialText) expect(end.finishReason).toBe(cell.finishReason ?? null);
    if (!cell.answered || !(r.streams && stream)) {
      expect(end.firstTokenMs).toBeNull();
      expect(end.firstReasoningMs).toBeNull();
    }
    if (cell.partialText) {
      expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs!);
      expect((record.response as { text: string }).text).not.toBe('');
    }
    if (!cell.answered) expect(end).not.toHaveProperty('usage');
  }

  // The conversation record: the same request and ending, with what the client sent.
  expect(record).toEqual({
    requestId: end.requestId,
    ...identity,
    ...conversationOf(r),
    response: expect.objectContaining({ text: expect.any(String), toolCalls: expect.any(Array) }),
    usage: end.usage ?? null,
    finishReason: end.finishReason,
    status: end.status,
    outcome: end.outcome,
    durationMs: end.durationMs,
    timestamp: end.timestamp,
  });

  // The span: the GenAI attributes, and an error status exactly when the outcome is an error.
  expect(span.name).toBe(`${r.operation} ${r.upstreamModel}`);
  const attributes: Record<string, unknown> = {
    'gen_ai.provider.name': r.provider,
    'gen_ai.operation.name': r.operation,
    'gen_ai.request.model': r.upstreamModel,
    'gen_ai.response.model': end.responseModel ?? r.upstreamModel,
    'http.response.status_code': end.status,
  };
  expect(span.attributes).toMatchObject(attributes);
  expect(span.attributes['gen_ai.usage.input_tokens']).toBe(end.usage?.promptTokens);
  expect(span.attributes['gen_ai.usage.output_tokens']).toBe(end.usage?.completionTokens);
  expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(end.finishReason ? [end.finishReason] : undefined);
  expect(span.attributes).not.toHaveProperty('gen_ai.system');
  expect(span.status.code).toBe(cell.outcome === 'error' ? ERROR : UNSET);
  expect(span.attributes['error.type']).toBe(cell.outcome === 'error' ? end.error?.type : undefined);
});

test.each(ROUTES.filter((r) => !r.streams).map((r) => [r.name, r] as const))(
  '%s: `stream: true` in the body of an endpoint that never streams is reported as stream false (its answer is whole)',
  async (_name, r) => {
    fakes[r.provider].handler = (request, res) => (request.url.endsWith('/models') ? false : sendJson(res, 200, wholeAnswer(r)));
    const call = sendRequest({
      url: `${(r.swapped ? swapped : host).url}/v1/${r.path}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...bodyFor(r, false), stream: true }),
    });
    const response = await call.response;
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const { start, end, record, span } = await reported();
    expect([start.stream, end.stream, record.stream, span.attributes['express_provider_router.stream']]).toEqual([false, false, false, false]);
    expect(end.outcome).toBe('ok');
  },
);

/** The real clients, streaming as they do: to the end, or until the client drops the stream. */
async function streamWithSdk(r: Route, signal: AbortSignal, onEvent: () => void): Promise<void> {
  const target = r.swapped ? swapped : host;
  const openai = new OpenAI({ apiKey: 'host-user-token', baseURL: `${target.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: 'host-user-token', baseURL: target.url, maxRetries: 0 });
  if (r.endpoint === 'chat.completions') {
    const stream = await openai.chat.completions.create({ model: r.model, messages: [{ role: 'user', content: 'hi' }], stream: true }, { signal });
    for await (const chunk of stream) if (chunk) onEvent();
  } else if (r.endpoint === 'messages') {
    const stream = await anthropic.messages.create(
      { model: r.model, max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { signal },
    );
    for await (const event of stream) if (event) onEvent();
  } else {
    const stream = await openai.responses.create({ model: r.model, instructions: 'Be brief.', input: 'hi', stream: true }, { signal });
    for await (const event of stream) if (event) onEvent();
  }
}

describe.each(
  ROUTES.filter(
    (r) => ['chat.completions', 'messages', 'responses'].includes(r.endpoint) && (r.provider !== 'local' || r.name.includes('bridged')),
  ).map((r) => [r.name, r] as const),
)('with the real SDK: %s', (_name, r) => {
  test('a stream read to its end: ok, usage, cost, reasoning and the span', async () => {
    fakes[r.provider].handler = (request, res) => {
      if (request.url.endsWith('/models')) return false;
      writeStream(res, streamFrames(r));
      res.end();
      return true;
    };
    await streamWithSdk(r, new AbortController().signal, () => undefined);
    const { end, record, span } = await reported();
    const expected = expectedAnswer(r, true);
    expect(end).toMatchObject({ status: 200, outcome: 'ok', stream: true, usage: expected.usage, finishReason: expected.finishReason });
    expect(end.costUsd).toBe(expected.costUsd);
    expect(end.firstReasoningMs).toBeLessThanOrEqual(end.firstTokenMs!);
    expect(record).toMatchObject({ ...conversationOf(r), response: { text: expected.text, reasoning: expected.reasoning, toolCalls: [] } });
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': expected.usage!.promptTokens,
      'gen_ai.usage.output_tokens': expected.usage!.completionTokens,
    });
  });

  test('the client aborts mid-stream: the status already sent, outcome aborted, the span not an error', async () => {
    fakes[r.provider].handler = (request, res) => {
      if (request.url.endsWith('/models')) return false;
      writeStream(res, firstTextOf(r));
      return true;
    };
    const controller = new AbortController();
    // The openai SDK ends its iteration quietly on an abort; Anthropic's throws.
    await streamWithSdk(r, controller.signal, () => controller.abort()).catch((error: unknown) => expect(String(error)).toMatch(/abort/i));
    expect(controller.signal.aborted).toBe(true);
    const { end, span } = await reported();
    expect(end).toMatchObject({ status: 200, outcome: 'aborted', stream: true });
    expect(span.status.code).toBe(UNSET);
  });
});

/** An Anthropic stream whose one tool call takes no arguments: no `input_json_delta` follows its start. */
const argumentlessToolCallFrames = (): string[] =>
  [
    [
      'message_start',
      {
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-5-5',
          content: [],
          stop_reason: null,
          usage: { input_tokens: 5, output_tokens: 1 },
        },
      },
    ],
    ['content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} } }],
    ['content_block_stop', { index: 0 }],
    ['message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }],
    ['message_stop', {}],
  ].map(([type, fields]) => `event: ${type as string}\ndata: ${JSON.stringify({ type, ...(fields as object) })}\n\n`);

test.each(ROUTES.filter((r) => r.upstream === 'messages').map((r) => [r.name, r] as const))(
  '%s: a streamed tool call without arguments sets firstTokenMs, and the record holds its arguments as {}',
  async (_name, r) => {
    fakes[r.provider].handler = (request, res) => {
      if (request.url.endsWith('/models')) return false;
      writeStream(res, argumentlessToolCallFrames());
      res.end();
      return true;
    };
    expect((await post(r.swapped ? swapped : host, r, true).response).status).toBe(200);
    const { end, record } = await reported();
    expect(end).toMatchObject({ outcome: 'ok', finishReason: 'tool_use', firstReasoningMs: null });
    expect(end.firstTokenMs).toBeGreaterThanOrEqual(end.ttfbMs!);
    expect(record.response).toEqual({ text: '', toolCalls: [{ id: 'toolu_1', name: 'now', arguments: '{}' }] });
  },
);
