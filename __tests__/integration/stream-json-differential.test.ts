/**
 * A seeded differential test: one abstract model answer, rendered by the fake upstream in its
 * provider's two real wire forms (a JSON answer, and an SSE stream chunked as that provider
 * chunks it), must reach a client of each translated route the same streamed and not. The
 * clients are the official SDKs (`create` against the stream helpers' final object); telemetry's
 * `request.end` and the conversation record must agree too. A failure names its seed and case;
 * `DIFF_SEED` sets another seed.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { observe } from '../support/observe';
import { waitUntil } from '../support/wait';
import { anthropicMessage, anthropicStreamFrames, chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';
import { sendFrames, sendJson } from '../support/upstream-answers';

const SEED = Number(process.env.DIFF_SEED ?? 20261129);
const CASES = 14;

/** A small seeded generator (mulberry32): the same seed gives the same cases. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Why the abstract answer stopped, rendered in each dialect's words. */
type Stop = 'stop' | 'stop_sequence' | 'pause_turn' | 'length' | 'tool' | 'filter';

/** One model answer, before any wire format. */
interface Answer {
  reasoning: string;
  /** The thinking block's signature, on Anthropic. */
  signature: string;
  text: string;
  /** Chat completions' `refusal` (OpenAI-compatible upstreams only). */
  refusal: string;
  /** `args` is the arguments' JSON text as the model wrote it; '' for none at all. */
  calls: Array<{ id: string; name: string; args: string }>;
  stop: Stop;
  usage: { input: number; output: number; cached: number; cacheWrite: number; reasoning: number };
  /** Anthropic repeats the input side of usage in `message_delta` (newer API versions do). */
  deltaRepeatsInput: boolean;
}

const WORDS = ['héllo', 'wörld', '日本語', 'emoji 🎉', '"quoted"', 'back\\slash', 'new\nline', 'tab\t', '</script>', '{"json":1}', 'plain', '\u2028sep', '𝔘𝔫𝔦'];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, (_, i) => `${i ? ' ' : ''}${pick(next, WORDS)}`).join('');
}

/** `text` cut into 1-4 pieces at code point boundaries, as providers send tokens. */
function pieces(next: () => number, text: string): string[] {
  const points = Array.from(text);
  const count = Math.min(points.length, 1 + Math.floor(next() * 4));
  if (count <= 1) return [text];
  const cuts = new Set<number>();
  while (cuts.size < count - 1) cuts.add(1 + Math.floor(next() * (points.length - 1)));
  const sorted = [0, ...[...cuts].sort((a, b) => a - b), points.length];
  return sorted.slice(1).map((end, i) => points.slice(sorted[i], end).join(''));
}

function argumentsText(next: () => number): string {
  const roll = next();
  if (roll < 0.15) return '';
  if (roll < 0.3) return '{}';
  return JSON.stringify({ query: words(next, 2), n: Math.floor(next() * 100), nested: { list: [1, words(next, 1), null, true] } });
}

/** An answer for an upstream of `dialect`: chat answers may refuse; Messages answers may pause or stop on a sequence. */
function generateAnswer(next: () => number, dialect: 'chat' | 'messages', index: number): Answer {
  const callCount = next() < 0.45 ? 1 + Math.floor(next() * 3) : 0;
  const calls = Array.from({ length: callCount }, (_, i) => ({
    id: dialect === 'chat' ? `call_${index}_${i}_${Math.floor(next() * 1e6)}` : `toolu_${index}_${i}_${Math.floor(next() * 1e6)}`,
    name: pick(next, ['search', 'read_file', 'weather', 'no_args']),
    args: argumentsText(next),
  }));
  const refusal = dialect === 'chat' && callCount === 0 && next() < 0.15 ? `I can't help with ${words(next, 2)}.` : '';
  const text = refusal ? '' : callCount > 0 && next() < 0.4 ? '' : words(next, 1 + Math.floor(next() * 6));
  const stops: Stop[] = callCount > 0 ? ['tool', 'tool', 'length'] : dialect === 'messages' ? ['stop', 'stop_sequence', 'pause_turn', 'length', 'filter'] : ['stop', 'length', 'filter'];
  return {
    reasoning: next() < 0.5 ? words(next, 1 + Math.floor(next() * 4)) : '',
    signature: `c2ln${Math.floor(next() * 1e6)}`,
    text,
    refusal,
    calls,
    stop: refusal ? 'filter' : pick(next, stops),
    usage: {
      input: 10 + Math.floor(next() * 1000),
      output: 1 + Math.floor(next() * 500),
      cached: next() < 0.5 ? Math.floor(next() * 10) : 0,
      cacheWrite: next() < 0.3 ? Math.floor(next() * 10) : 0,
      reasoning: next() < 0.5 ? Math.floor(next() * 50) : 0,
    },
    deltaRepeatsInput: next() < 0.5,
  };
}

// ---------------------------------------------------------------- chat completions wire forms

/** Where an OpenAI-compatible provider puts reasoning text: nowhere (OpenAI), `reasoning` (OpenRouter), `reasoning_content` (llama-server). */
type ReasoningField = 'none' | 'reasoning' | 'reasoning_content';

const CHAT_FINISH: Record<Stop, string> = { stop: 'stop', stop_sequence: 'stop', pause_turn: 'stop', length: 'length', tool: 'tool_calls', filter: 'content_filter' };

function chatUsage(answer: Answer): Record<string, unknown> {
  const { input, output, cached, reasoning } = answer.usage;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

function chatJson(answer: Answer, field: ReasoningField): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: answer.text || null };
  if (field !== 'none' && answer.reasoning) message[field] = answer.reasoning;
  if (answer.refusal) message.refusal = answer.refusal;
  if (answer.calls.length > 0) {
    message.tool_calls = answer.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
  }
  return { ...chatCompletion(message, CHAT_FINISH[answer.stop]), usage: chatUsage(answer) };
}

/**
 * The stream as OpenAI-compatible providers write it: a role chunk, reasoning deltas, content (or
 * refusal) deltas, each tool call's id and name then its argument pieces, the finish chunk, and
 * the usage chunk (`choices: []`) when the request asked for it.
 */
function chatFrames(answer: Answer, field: ReasoningField, next: () => number, includeUsage: boolean): string[] {
  const identity = { id: 'chatcmpl-diff', created: 1, model: 'm' };
  const frames = [chatChunkFrame(identity, { role: 'assistant', content: '' })];
  if (field !== 'none') for (const piece of answer.reasoning ? pieces(next, answer.reasoning) : []) frames.push(chatChunkFrame(identity, { [field]: piece }));
  for (const piece of answer.text ? pieces(next, answer.text) : []) frames.push(chatChunkFrame(identity, { content: piece }));
  for (const piece of answer.refusal ? pieces(next, answer.refusal) : []) frames.push(chatChunkFrame(identity, { refusal: piece }));
  answer.calls.forEach((call, index) => {
    frames.push(chatChunkFrame(identity, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of call.args ? pieces(next, call.args) : []) frames.push(chatChunkFrame(identity, { tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  frames.push(chatChunkFrame(identity, {}, CHAT_FINISH[answer.stop]));
  if (includeUsage) frames.push(chatUsageFrame(identity, chatUsage(answer)));
  frames.push(DONE_FRAME);
  return frames;
}

// ---------------------------------------------------------------- Messages wire forms

const ANTHROPIC_STOP: Record<Stop, string> = {
  stop: 'end_turn',
  stop_sequence: 'stop_sequence',
  pause_turn: 'pause_turn',
  length: 'max_tokens',
  tool: 'tool_use',
  filter: 'refusal',
};

function anthropicInputUsage(answer: Answer): Record<string, number> {
  return { input_tokens: answer.usage.input, cache_read_input_tokens: answer.usage.cached, cache_creation_input_tokens: answer.usage.cacheWrite };
}

function anthropicJson(answer: Answer): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = [];
  if (answer.reasoning) content.push({ type: 'thinking', thinking: answer.reasoning, signature: answer.signature });
  if (answer.text) content.push({ type: 'text', text: answer.text });
  for (const call of answer.calls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.args ? JSON.parse(call.args) : {} });
  const message = anthropicMessage('claude-diff', content, ANTHROPIC_STOP[answer.stop], { ...anthropicInputUsage(answer), output_tokens: answer.usage.output });
  if (answer.stop === 'stop_sequence') message.stop_sequence = '###';
  return message;
}

/** The stream as the Messages API writes it; a call with no input gets no `input_json_delta` at all. */
function anthropicFrames(answer: Answer, next: () => number): string[] {
  const frames = anthropicStreamFrames(
    {
      model: 'claude-diff',
      reasoning: answer.reasoning,
      signature: answer.signature,
      text: answer.text,
      calls: answer.calls.map((call) => ({ ...call, args: call.args === '{}' ? '' : call.args })),
      stopReason: ANTHROPIC_STOP[answer.stop],
      startUsage: { ...anthropicInputUsage(answer), output_tokens: 1 },
      endUsage: answer.deltaRepeatsInput ? { ...anthropicInputUsage(answer), output_tokens: answer.usage.output } : { output_tokens: answer.usage.output },
    },
    (text) => (text ? pieces(next, text) : []),
  );
  if (answer.stop !== 'stop_sequence') return frames;
  return frames.map((frame) => (frame.startsWith('event: message_delta') ? frame.replace('"stop_sequence":null', '"stop_sequence":"###"') : frame));
}

// ---------------------------------------------------------------- the fakes and the host

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, groq: FakeUpstream, anthropic: FakeUpstream;
let host: Host;
const seen = observe();

beforeAll(async () => {
  [openai, openrouter, local, groq, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'local', 'anthropic');
  host = await startHost({
    env: {
      ...envFor({ openai, openrouter, local, anthropic }),
      OPENROUTER_RESPONSES: 'chat',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: 'gsk-diff-key',
    },
    conversationLogger: seen.conversationLogger,
  });
  seen.listen(host.router);
});
afterEach(() => {
  [openai, openrouter, local, groq, anthropic].forEach((fake) => fake.reset());
  seen.clear();
});
afterAll(async () => {
  await host.close();
  await Promise.all([openai, openrouter, local, groq, anthropic].map((fake) => fake.close()));
});

/** The fake answers `answer` in the form the request asks: a stream when `stream: true`, else JSON. */
function serveChat(fake: FakeUpstream, answer: Answer, field: ReasoningField, next: () => number): void {
  fake.handler = (request: RecordedRequest, res: ServerResponse) => {
    const body = request.body ?? {};
    if (body.stream !== true) return sendJson(res, 200, chatJson(answer, field));
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    sendFrames(res, chatFrames(answer, field, next, includeUsage));
  };
}

function serveMessages(fake: FakeUpstream, answer: Answer, next: () => number): void {
  fake.handler = (request: RecordedRequest, res: ServerResponse) => {
    if (request.body?.stream !== true) return sendJson(res, 200, anthropicJson(answer));
    sendFrames(res, anthropicFrames(answer, next));
  };
}

// ---------------------------------------------------------------- the clients

const claude = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
const openaiClient = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });

const TOOL_NAMES = ['search', 'read_file', 'weather', 'no_args'];
const OPEN_SCHEMA = { type: 'object' as const, properties: {} };

/** What one call gave the client, with what the router reported of it. */
interface Read {
  client: unknown;
  end: unknown;
  record: unknown;
}

/** Tool arguments parsed, so that equal JSON written apart compares equal. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsable: text };
  }
}

async function messagesRead(model: string, stream: boolean): Promise<unknown> {
  const params = {
    model,
    max_tokens: 1000,
    messages: [{ role: 'user' as const, content: 'go' }],
    tools: TOOL_NAMES.map((name) => ({ name, input_schema: OPEN_SCHEMA })),
  };
  const message = stream ? await claude().messages.stream(params).finalMessage() : await claude().messages.create(params);
  // The message id is the router's own, fresh for every answer; `parsed_output` is the SDK's stream helper's own.
  const { parsed_output: _helper, ...rest } = message as typeof message & { parsed_output?: unknown };
  return { ...rest, id: 'msg_x' };
}

async function responsesRead(model: string, stream: boolean): Promise<unknown> {
  const params = {
    model,
    input: 'go',
    tools: TOOL_NAMES.map((name) => ({ type: 'function' as const, name, strict: false, parameters: OPEN_SCHEMA })),
  };
  const response = stream ? await openaiClient().responses.stream(params).finalResponse() : await openaiClient().responses.create(params);
  // The stream helper adds `parsed` to text parts and `parsed_arguments` to calls: the SDK's own, not the router's.
  const output = JSON.parse(JSON.stringify(response.output, (key, value: unknown) => (key === 'parsed' || key === 'parsed_arguments' ? undefined : value))) as typeof response.output;
  for (const item of output) if (item.type === 'function_call') (item as { arguments: unknown }).arguments = parsed(item.arguments);
  // Ids and the creation time are the router's own, fresh for every response.
  return JSON.parse(
    JSON.stringify({ ...response, output, output_parsed: undefined })
      .replace(/"(resp|msg|fc|ctc|rs)_(?:epr1)?[0-9a-f]{32}"/g, '"$1_x"')
      .replace(/"created_at":\d+/g, '"created_at":0'),
  ) as unknown;
}

/** Reasoning a chat client assembles from the chunks. */
interface ChunkReasoning {
  text: string;
  details: Map<number, Record<string, unknown>>;
}

/**
 * Adds a chunk's reasoning to `into`. The SDK's stream helper keeps only the last value of a delta
 * field it does not know (`reasoning_content`, `reasoning_details`), so the test assembles them as
 * a reasoning-aware client does: DESIGN 10, "Streamed `reasoning_details` entries carry `index`;
 * text pieces with one index concatenate".
 */
function addReasoning(into: ChunkReasoning, chunk: OpenAI.Chat.ChatCompletionChunk): void {
  const delta = chunk.choices[0]?.delta as { reasoning_content?: string; reasoning_details?: Array<Record<string, unknown>> } | undefined;
  into.text += delta?.reasoning_content ?? '';
  for (const { index, text, ...rest } of delta?.reasoning_details ?? []) {
    const entry = into.details.get(index as number) ?? {};
    into.details.set(index as number, { ...entry, ...rest, ...(text === undefined ? {} : { text: `${(entry.text as string | undefined) ?? ''}${text as string}` }) });
  }
}

async function chatRead(model: string, stream: boolean): Promise<unknown> {
  const params = {
    model,
    messages: [{ role: 'user' as const, content: 'go' }],
    tools: TOOL_NAMES.map((name) => ({ type: 'function' as const, function: { name, parameters: OPEN_SCHEMA } })),
  };
  let completion: OpenAI.Chat.ChatCompletion;
  if (stream) {
    const reasoning: ChunkReasoning = { text: '', details: new Map() };
    const runner = openaiClient().chat.completions.stream({ ...params, stream_options: { include_usage: true } });
    runner.on('chunk', (chunk) => addReasoning(reasoning, chunk));
    completion = await runner.finalChatCompletion();
    const message = completion.choices[0]?.message as Record<string, unknown> | undefined;
    if (message) {
      // The helper's own `parsed` goes; the reasoning is the one assembled from the chunks.
      delete message.parsed;
      delete message.reasoning_content;
      delete message.reasoning_details;
      if (reasoning.text) message.reasoning_content = reasoning.text;
      if (reasoning.details.size > 0) message.reasoning_details = [...reasoning.details.values()];
      // The first chunk is `delta:{role:"assistant", content:""}` (DESIGN 5, `message_start`), so a
      // streamed answer without text assembles `content: ""` where the whole answer says `null`.
      if (message.content === '') message.content = null;
    }
  } else {
    completion = await openaiClient().chat.completions.create(params);
  }
  const choices = completion.choices.map((choice) => ({
    ...choice,
    message: {
      ...choice.message,
      tool_calls: choice.message.tool_calls?.map((call) => (call.type === 'function' ? { ...call, function: { ...call.function, arguments: parsed(call.function.arguments) } } : call)),
    },
  }));
  // `created` is the router's clock.
  return { ...completion, choices, created: 0 };
}

/** Runs one client call and reads what the router reported of it. */
async function readOnce(read: (stream: boolean) => Promise<unknown>, stream: boolean): Promise<Read> {
  seen.clear();
  const client = await read(stream).catch((error: unknown) => ({ failed: String(error) }));
  await seen.waitForEnds(1);
  await waitUntil(() => seen.records.length >= 1, 2000, 'the conversation record');
  const end = seen.ends()[0]!;
  const record = seen.records[0]!;
  return {
    client,
    end: { status: end.status, outcome: end.outcome, usage: end.usage, finishReason: end.finishReason },
    record: { response: record.response, usage: record.usage, finishReason: record.finishReason, status: record.status },
  };
}

interface RouteCase {
  route: string;
  dialect: 'chat' | 'messages';
  serve: (answer: Answer, next: () => number) => void;
  read: (stream: boolean) => Promise<unknown>;
}

const ROUTES: RouteCase[] = [
  {
    route: 'Messages client, OpenAI chat completions upstream',
    dialect: 'chat',
    serve: (answer, next) => serveChat(openai, answer, 'none', next),
    read: (stream) => messagesRead('openai/gpt-4o', stream),
  },
  {
    route: 'Messages client, OpenRouter chat completions upstream',
    dialect: 'chat',
    serve: (answer, next) => serveChat(openrouter, answer, 'reasoning', next),
    read: (stream) => messagesRead('openrouter/deepseek/deepseek-r1', stream),
  },
  {
    route: 'Messages client, env-declared upstream',
    dialect: 'chat',
    serve: (answer, next) => serveChat(groq, answer, 'reasoning_content', next),
    read: (stream) => messagesRead('groq/qwen3', stream),
  },
  {
    route: 'Responses client, llama-server bridged',
    dialect: 'chat',
    serve: (answer, next) => serveChat(local, answer, 'reasoning_content', next),
    read: (stream) => responsesRead('qwen3-8b', stream),
  },
  {
    route: 'Responses client, env-declared upstream bridged',
    dialect: 'chat',
    serve: (answer, next) => serveChat(groq, answer, 'reasoning_content', next),
    read: (stream) => responsesRead('groq/qwen3', stream),
  },
  {
    route: 'Responses client, OpenRouter bridged (OPENROUTER_RESPONSES=chat)',
    dialect: 'chat',
    serve: (answer, next) => serveChat(openrouter, answer, 'reasoning', next),
    read: (stream) => responsesRead('openrouter/deepseek/deepseek-r1', stream),
  },
  {
    route: 'Responses client, Anthropic translated',
    dialect: 'messages',
    serve: (answer, next) => serveMessages(anthropic, answer, next),
    read: (stream) => responsesRead('anthropic/claude-diff', stream),
  },
  {
    route: 'chat client, Anthropic translated',
    dialect: 'messages',
    serve: (answer, next) => serveMessages(anthropic, answer, next),
    read: (stream) => chatRead('anthropic/claude-diff', stream),
  },
];

/** JSON with object keys in order: key order is no difference. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b))) : inner,
  );
}

/** The first difference between `streamed` and `whole`, as a path and both values; undefined when equal. */
function firstDifference(streamed: unknown, whole: unknown, path = ''): string | undefined {
  if (canonical(streamed) === canonical(whole)) return undefined;
  if (streamed && whole && typeof streamed === 'object' && typeof whole === 'object') {
    const keys = new Set([...Object.keys(streamed), ...Object.keys(whole)]);
    for (const key of keys) {
      const found = firstDifference((streamed as Record<string, unknown>)[key], (whole as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path || '(top)'}: streamed ${JSON.stringify(streamed)} but not streamed ${JSON.stringify(whole)}`;
}

/** Serves `answer` and reads it streamed and not; the differences found, in words. */
async function differences(route: RouteCase, answer: Answer, next: () => number): Promise<string[]> {
  route.serve(answer, next);
  const whole = await readOnce(route.read, false);
  const streamed = await readOnce(route.read, true);
  const found: string[] = [];
  for (const part of ['client', 'end', 'record'] as const) {
    const difference = firstDifference(streamed[part], whole[part]);
    if (difference) found.push(`${part}${difference}`);
  }
  if (whole.client && typeof whole.client === 'object' && 'failed' in whole.client) found.push(`not streamed failed: ${JSON.stringify(whole.client)}`);
  return found;
}

describe.each(ROUTES)('$route', (route) => {
  test(`${CASES} generated answers (seed ${SEED}) read the same streamed and not`, async () => {
    const next = random(SEED);
    const failures: string[] = [];
    for (let index = 0; index < CASES; index++) {
      const answer = generateAnswer(next, route.dialect, index);
      const found = await differences(route, answer, next);
      if (found.length > 0) failures.push(`case ${index} of seed ${SEED} (DIFF_SEED=${SEED}): ${JSON.stringify(answer)}\n  ${found.join('\n  ')}`);
    }
    expect(failures).toEqual([]);
  });
});
