/**
 * Acceptance probes of the Messages dialect translated to OpenAI-compatible upstreams (DESIGN
 * sections 1 to 3, 8, 9 and 10), driven by the official `@anthropic-ai/sdk`: `messages.create`,
 * `messages.stream()` with `finalMessage()` and its event helpers (`text`, `thinking`,
 * `signature`, `inputJson`, `contentBlock`), and `countTokens`. The upstreams are a llama-server
 * (the `local` adapter as docs/claude-code.md sets it up for builds without a Messages endpoint,
 * `servesMessages: false`) and OpenRouter, each misbehaving as the real one does: llama.cpp's
 * `reasoning_content` and `timings`, a usage chunk with empty `choices`, tool call arguments cut
 * across chunks with the id and name only in the first, calls interleaved by `index`, the finish
 * reason before the usage chunk, no `[DONE]`, an error object as a data line, OpenRouter's
 * `: OPENROUTER PROCESSING` comments, `native_finish_reason`, `reasoning` and
 * `reasoning_details`, `length` and `content_filter`, a 429 with `retry-after`, a 200 HTML page,
 * a stream cut inside an event.
 *
 * Every streamed answer is read twice: raw, through a strict reader of the Messages stream grammar
 * (`message_start` first, each block started, given deltas of its own type and stopped before the
 * next, indexes counting from 0, thinking blocks closed by one `signature_delta`, then
 * `message_delta` and `message_stop`, or an `error` event last), and through the SDK, whose event
 * helpers must agree with its final message.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createLocalProvider, type RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureText } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { parseAnthropicSse, type AnthropicFrame } from '../support/messages-stream';
import { PROXY_PAGE } from '../support/misbehaving-upstreams';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { chatChunkFrame, chatUsageFrame, DONE_FRAME, type ChunkIdentity } from '../support/wire-frames';

let local: FakeUpstream;
let openrouter: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [local, openrouter] = await startFakeUpstreams('local', 'openrouter');
  host = await startHost({
    env: envFor({ local, openrouter }),
    // docs/claude-code.md: a llama-server without its own Messages endpoint gets Messages translated.
    providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
  });
});
afterEach(() => [local, openrouter].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([local, openrouter].map((fake) => fake.close()));
});

const client = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });

const LLAMA: ChunkIdentity = { id: 'chatcmpl-R3aS0n1ngQwen3', created: 1795781041, model: 'qwen3-8b-q4_k_m.gguf' };
const OPENROUTER: ChunkIdentity = { id: 'gen-1795781041-ProbeOR', created: 1795781041, model: 'deepseek/deepseek-r1' };
const TIMINGS = { prompt_n: 18, prompt_ms: 21.4, predicted_n: 24, predicted_ms: 312.9, predicted_per_second: 76.7 };
const PROCESSING = ': OPENROUTER PROCESSING\n\n';

/** A llama-server chunk: no `logprobs`, `system_fingerprint` and `timings` where it sends them. */
const llama = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): string =>
  chatChunkFrame(LLAMA, delta, finish, { extra: { system_fingerprint: 'b7200-1a2b3c4d', ...extra } });
/** An OpenRouter chunk: `native_finish_reason` beside the finish reason, `provider` beside the choices. */
const routed = (delta: Record<string, unknown>, finish: string | null = null, native: string | null = finish): string =>
  chatChunkFrame(OPENROUTER, delta, finish, { choice: { native_finish_reason: native, logprobs: null }, extra: { provider: 'DeepInfra' } });

/** A translated route: the model a client asks for, the fake that answers it, and how that provider writes its stream. */
interface Route {
  name: string;
  model: string;
  fake: () => FakeUpstream;
  /** One of its chunks: choice 0 with `delta` and `finish`, `extra` beside the choices. */
  chunk: (delta: Record<string, unknown>, finish?: string | null, extra?: Record<string, unknown>) => string;
  /** Its usage chunk, `choices: []`. */
  usage: (usage: Record<string, unknown>) => string;
  /** The delta field its reasoning comes in. */
  think: 'reasoning_content' | 'reasoning';
  /** What it adds beside the choices of a whole answer. */
  extra: Record<string, unknown>;
}

const ROUTES: Route[] = [
  {
    name: 'llama-server',
    model: 'local/qwen3-8b-q4_k_m.gguf',
    fake: () => local,
    chunk: (delta, finish = null, extra = {}) => llama(delta, finish, extra),
    usage: (usage) => chatUsageFrame(LLAMA, usage),
    think: 'reasoning_content',
    extra: { system_fingerprint: 'b7200-1a2b3c4d', timings: TIMINGS },
  },
  {
    name: 'OpenRouter',
    model: 'openrouter/deepseek/deepseek-r1',
    fake: () => openrouter,
    chunk: (delta, finish = null, extra = {}) =>
      chatChunkFrame(OPENROUTER, delta, finish, {
        choice: { native_finish_reason: finish, logprobs: null },
        extra: { provider: 'DeepInfra', ...extra },
      }),
    usage: (usage) => chatUsageFrame(OPENROUTER, usage),
    think: 'reasoning',
    extra: { provider: 'DeepInfra' },
  },
];
const [LLAMA_ROUTE, OPENROUTER_ROUTE] = ROUTES as [Route, Route];

const TOOLS: Anthropic.Tool[] = [
  { name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
  { name: 'list_dir', input_schema: { type: 'object', properties: { dir: { type: 'string' } } } },
];
const ASK: Anthropic.MessageParam[] = [{ role: 'user', content: 'Read the notes.' }];

// ---- the strict reader of a Messages stream -------------------------------------------------

/** A content block as the raw stream built it. */
type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/** What a raw Messages stream said: its blocks, and how it ended. */
interface ReadStream {
  frames: AnthropicFrame[];
  blocks: Block[];
  stopReason?: string;
  usage?: Record<string, unknown>;
  /** The `error` event's error, when the stream ended with one. */
  error?: { type: string; message: string };
  /** A block was still open when the error came. */
  openAtError?: boolean;
}

const STOP_REASONS = ['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'];
const ERROR_TYPES = [
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
  'timeout_error',
];
const DELTA_OF: Record<Block['type'], string[]> = {
  text: ['text_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
  redacted_thinking: [],
  tool_use: ['input_json_delta'],
};

/**
 * Reads a Messages stream as the grammar allows it and nothing else, failing the test on the
 * first frame out of place (see the file's comment).
 */
function readStrictly(text: string, model: string): ReadStream {
  const frames = parseAnthropicSse(text).filter((frame) => frame.event !== 'ping');
  const [first, ...rest] = frames;
  // An upstream that fails before it says anything: the error event alone, as Anthropic may send it.
  if (first?.event === 'error' && rest.length === 0) {
    const error = first.data.error as { type: string; message: string };
    expect(ERROR_TYPES).toContain(error.type);
    return { frames, blocks: [], error, openAtError: false };
  }
  expect(first?.event).toBe('message_start');
  const message = first!.data.message as Record<string, unknown>;
  expect(message).toMatchObject({ type: 'message', role: 'assistant', model, content: [], stop_reason: null });
  expect(message.id).toMatch(/^msg_/);
  const read: ReadStream = { frames, blocks: [] };
  let open: { block: Block; json: string; signatures: number; afterSignature: boolean } | undefined;
  let ended = false;
  const cutInputs = new Map<Block & { type: 'tool_use' }, string>();
  for (const [i, { event, data }] of rest.entries()) {
    const where = `frame ${i + 1} (${event})`;
    expect({ where, ended }).toEqual({ where, ended: false });
    if (event === 'error') {
      const error = data.error as { type: string; message: string };
      expect(ERROR_TYPES).toContain(error.type);
      expect(typeof error.message).toBe('string');
      expect(error.message).not.toBe('');
      read.error = error;
      read.openAtError = open !== undefined;
      expect({ where, last: i === rest.length - 1 }).toEqual({ where, last: true });
      ended = true;
    } else if (event === 'content_block_start') {
      expect({ where, open: open !== undefined }).toEqual({ where, open: false });
      expect({ where, index: data.index }).toEqual({ where, index: read.blocks.length });
      const start = data.content_block as Record<string, unknown>;
      let block: Block;
      if (start.type === 'text') {
        expect(start).toEqual({ type: 'text', text: '' });
        block = { type: 'text', text: '' };
      } else if (start.type === 'thinking') {
        expect(start).toEqual({ type: 'thinking', thinking: '', signature: '' });
        block = { type: 'thinking', thinking: '', signature: '' };
      } else if (start.type === 'redacted_thinking') {
        // Anthropic sends a redacted block whole in its start.
        expect(typeof start.data).toBe('string');
        expect(start.data).not.toBe('');
        block = { type: 'redacted_thinking', data: start.data as string };
      } else {
        expect(start).toMatchObject({ type: 'tool_use', input: {} });
        expect(start.id).toMatch(/^toolu_|^call_|^[A-Za-z0-9_-]+$/);
        expect(typeof start.name).toBe('string');
        expect(start.name).not.toBe('');
        block = { type: 'tool_use', id: start.id as string, name: start.name as string, input: {} };
      }
      read.blocks.push(block);
      open = { block, json: '', signatures: 0, afterSignature: false };
    } else if (event === 'content_block_delta') {
      expect({ where, open: open !== undefined, index: data.index }).toEqual({ where, open: true, index: read.blocks.length - 1 });
      const delta = data.delta as Record<string, string>;
      expect(DELTA_OF[open!.block.type]).toContain(delta.type);
      expect({ where, afterSignature: open!.afterSignature }).toEqual({ where, afterSignature: false });
      const block = open!.block;
      if (delta.type === 'text_delta' && block.type === 'text') block.text += delta.text;
      else if (delta.type === 'thinking_delta' && block.type === 'thinking') block.thinking += delta.thinking;
      else if (delta.type === 'signature_delta' && block.type === 'thinking') {
        block.signature = delta.signature!;
        open!.signatures++;
        open!.afterSignature = true;
      } else if (delta.type === 'input_json_delta') open!.json += delta.partial_json;
    } else if (event === 'content_block_stop') {
      expect({ where, open: open !== undefined, index: data.index }).toEqual({ where, open: true, index: read.blocks.length - 1 });
      const block = open!.block;
      // Anthropic closes every thinking block with its signature, and the SDK keeps the last one.
      if (block.type === 'thinking') {
        expect({ where, signatures: open!.signatures }).toEqual({ where, signatures: 1 });
        expect(block.signature).not.toBe('');
      }
      if (block.type === 'tool_use') cutInputs.set(block, open!.json);
      open = undefined;
    } else if (event === 'message_delta') {
      expect({ where, open: open !== undefined }).toEqual({ where, open: false });
      const delta = data.delta as Record<string, unknown>;
      expect(STOP_REASONS).toContain(delta.stop_reason);
      read.stopReason = delta.stop_reason as string;
      read.usage = data.usage as Record<string, unknown>;
      expect(typeof read.usage.output_tokens).toBe('number');
      // A tool input is whole JSON, unless the output limit cut it (Anthropic's own stop there too).
      for (const [block, json] of cutInputs) {
        if (read.stopReason !== 'max_tokens' || isJson(json)) block.input = json === '' ? {} : (JSON.parse(json) as unknown);
        else block.input = { cut: json };
      }
      expect(rest[i + 1]?.event).toBe('message_stop');
    } else if (event === 'message_stop') {
      expect(read.stopReason).toBeDefined();
      expect({ where, last: i === rest.length - 1 }).toEqual({ where, last: true });
      ended = true;
    } else {
      throw new Error(`${where}: an event a Messages stream does not have`);
    }
  }
  // Every stream ends, with message_stop or an error event: never just stops.
  expect(ended).toBe(true);
  return read;
}

/** Posts a streamed Messages request to the host and reads the answer strictly. */
async function streamRaw(model: string, body: Record<string, unknown> = {}): Promise<ReadStream & { status: number }> {
  const response = await fetch(`${host.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': CLIENT_TOKEN },
    body: JSON.stringify({ model, max_tokens: 1000, messages: ASK, stream: true, ...body }),
  });
  expect(response.status).toBe(200);
  // DESIGN section 2's stream headers.
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
  expect(response.headers.get('x-accel-buffering')).toBe('no');
  return { status: response.status, ...readStrictly(await response.text(), model) };
}

/** What the SDK's stream helpers reported, and its final message. */
interface SdkRead {
  message: Anthropic.Message;
  text: string;
  thinking: string;
  signatures: string[];
  inputJson: string[];
  blocks: Anthropic.ContentBlock[];
}

/** Streams through the SDK, listening to its event helpers, and checks they agree with `finalMessage()`. */
async function streamWithSdk(model: string, params: Partial<Anthropic.MessageStreamParams> = {}): Promise<SdkRead> {
  const stream = client().messages.stream({ model, max_tokens: 1000, messages: ASK, ...params });
  const read = { text: '', thinking: '', signatures: [] as string[], inputJson: [] as string[], blocks: [] as Anthropic.ContentBlock[] };
  stream.on('text', (delta) => (read.text += delta));
  stream.on('thinking', (delta) => (read.thinking += delta));
  stream.on('signature', (signature) => read.signatures.push(signature));
  stream.on('inputJson', (partial) => read.inputJson.push(partial));
  stream.on('contentBlock', (block) => read.blocks.push(block));
  const message = await stream.finalMessage();
  expect(message.model).toBe(model);
  // The helpers saw every block, whole, and the same text and thinking as the final message holds.
  expect(read.blocks).toEqual(message.content);
  expect(read.text).toBe(textOf(message));
  expect(read.thinking).toBe(message.content.map((block) => (block.type === 'thinking' ? block.thinking : '')).join(''));
  return { message, ...read };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const textOf = (message: Anthropic.Message): string => message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

/** The raw stream's blocks as the SDK's final message holds them (a tool call's id aside). */
const asSdkContent = (blocks: Block[]): unknown[] =>
  blocks.map((block) => (block.type === 'tool_use' ? { ...block, id: expect.any(String) as unknown } : block));

// ---- the probes ------------------------------------------------------------------------------

describe('llama-server: streams as llama.cpp sends them', () => {
  const { model, fake } = LLAMA_ROUTE;

  test("llama.cpp's reasoning_content deltas, and usage with its timings on the finish chunk: a signed thinking block, then text", async () => {
    fake().handler = (_request, res) => sendFrames(res, fixtureText('llama-server-chat-stream-reasoning.sse').split(/(?<=\n\n)/));
    const raw = await streamRaw(model);
    expect(raw.blocks).toEqual([
      { type: 'thinking', thinking: 'The user asks for 17 times 3. 17*3 = 51.', signature: expect.stringMatching(/^epr1\./) as unknown },
      { type: 'text', text: '17 × 3 = 51.' },
    ]);
    expect(raw.stopReason).toBe('end_turn');
    expect(raw.usage).toMatchObject({ input_tokens: 18, output_tokens: 24 });

    const sdk = await streamWithSdk(model);
    expect(sdk.message.content).toEqual(asSdkContent(raw.blocks));
    expect(sdk.signatures).toEqual([expect.stringMatching(/^epr1\./)]);
    expect(sdk.message.stop_reason).toBe('end_turn');
    expect(sdk.message.usage).toMatchObject({ input_tokens: 18, output_tokens: 24 });
  });

  test('the finish reason in its own chunk, then a usage chunk with empty choices and timings, then [DONE]', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        llama({ role: 'assistant', content: null }),
        llama({ reasoning_content: 'Think.' }),
        llama({ content: 'Answer.' }),
        llama({}, 'stop', { timings: TIMINGS }),
        chatUsageFrame(LLAMA, { prompt_tokens: 18, completion_tokens: 24, total_tokens: 42 }),
        DONE_FRAME,
      ]);
    const raw = await streamRaw(model);
    expect(raw.blocks.map((block) => block.type)).toEqual(['thinking', 'text']);
    expect(raw.stopReason).toBe('end_turn');
    expect(raw.usage).toMatchObject({ input_tokens: 18, output_tokens: 24 });
    const sdk = await streamWithSdk(model);
    expect(sdk.message.usage).toMatchObject({ input_tokens: 18, output_tokens: 24 });
  });
});

describe('OpenRouter: streams as it sends them', () => {
  const { model, fake } = OPENROUTER_ROUTE;

  test("OpenRouter's comment lines, native_finish_reason, reasoning and reasoning_details of a model that is not Anthropic's", async () => {
    const detail = (text: string): Record<string, unknown> => ({ type: 'reasoning.text', text, format: 'unknown', index: 0 });
    fake().handler = (_request, res) =>
      sendFrames(res, [
        PROCESSING,
        routed({ role: 'assistant', content: '', reasoning: 'Weigh it', reasoning_details: [detail('Weigh it')] }),
        PROCESSING,
        routed({ role: 'assistant', content: '', reasoning: ' up.', reasoning_details: [detail(' up.')] }),
        routed({ role: 'assistant', content: 'Done', reasoning: null }),
        PROCESSING,
        routed({ role: 'assistant', content: '.' }),
        routed({ role: 'assistant', content: '' }, 'stop', 'STOP'),
        chatUsageFrame(OPENROUTER, { prompt_tokens: 7, completion_tokens: 9, total_tokens: 16, cost: 0.0001 }),
        PROCESSING,
        DONE_FRAME,
      ]);
    const raw = await streamRaw(model);
    expect(raw.blocks).toEqual([
      { type: 'thinking', thinking: 'Weigh it up.', signature: expect.stringMatching(/^epr1\./) as unknown },
      { type: 'text', text: 'Done.' },
    ]);
    expect(raw.stopReason).toBe('end_turn');
    expect(raw.usage).toMatchObject({ input_tokens: 7, output_tokens: 9 });
    const sdk = await streamWithSdk(model);
    expect(sdk.message.content).toEqual(raw.blocks);
  });
});

describe.each(ROUTES)('$name: streams as the upstream sends them', ({ model, fake, chunk, usage, think }) => {
  test('two calls interleaved by index, arguments cut across chunks with the id and name only in the first, finish before usage', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null, [think]: 'Both files.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"pa' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'list_dir', arguments: '{"d' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'th":"notes' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: 'ir":"."' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '.md"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '}' } }] }),
        chunk({}, 'tool_calls'),
        usage({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 }),
        DONE_FRAME,
      ]);
    const raw = await streamRaw(model, { tools: TOOLS });
    expect(raw.blocks).toEqual([
      { type: 'thinking', thinking: 'Both files.', signature: expect.stringMatching(/^epr1\./) as unknown },
      { type: 'tool_use', id: expect.any(String) as unknown, name: 'read_file', input: { path: 'notes.md' } },
      { type: 'tool_use', id: expect.any(String) as unknown, name: 'list_dir', input: { dir: '.' } },
    ]);
    expect(raw.stopReason).toBe('tool_use');
    expect(raw.usage).toMatchObject({ input_tokens: 30, output_tokens: 12 });

    const sdk = await streamWithSdk(model, { tools: TOOLS });
    expect(sdk.message.content).toEqual(asSdkContent(raw.blocks));
    expect(sdk.inputJson.join('')).toBe('{"path":"notes.md"}{"dir":"."}');
    expect(sdk.message.stop_reason).toBe('tool_use');
  });

  test.each([
    ['length', 'max_tokens'],
    ['content_filter', 'refusal'],
  ])('finish_reason %s part-way through the text is stop_reason %s, the text kept', async (finish, stopReason) => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: 'The first half' }),
        chunk({}, finish),
        usage({ prompt_tokens: 5, completion_tokens: 100, total_tokens: 105 }),
        DONE_FRAME,
      ]);
    const raw = await streamRaw(model);
    expect(raw.blocks).toEqual([{ type: 'text', text: 'The first half' }]);
    expect(raw.stopReason).toBe(stopReason);
    const sdk = await streamWithSdk(model);
    expect(sdk.message.stop_reason).toBe(stopReason);
    expect(sdk.message.usage.output_tokens).toBe(100);
  });

  test('finish_reason length inside the reasoning: the thinking block is still signed and closed, stop_reason max_tokens', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [chunk({ role: 'assistant', content: null, [think]: 'Let me think about this for a' }), chunk({}, 'length'), DONE_FRAME]);
    const raw = await streamRaw(model);
    expect(raw.blocks).toEqual([
      { type: 'thinking', thinking: 'Let me think about this for a', signature: expect.stringMatching(/^epr1\./) as unknown },
    ]);
    expect(raw.stopReason).toBe('max_tokens');
    const sdk = await streamWithSdk(model);
    expect(sdk.message.stop_reason).toBe('max_tokens');
  });

  test('finish_reason length inside a tool call: its block is closed and the turn ends max_tokens, as Anthropic ends it', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"no' } }],
        }),
        chunk({}, 'length'),
        DONE_FRAME,
      ]);
    const raw = await fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 10, messages: ASK, tools: TOOLS, stream: true }),
    });
    const read = readStrictly(await raw.text(), model);
    expect(read.blocks).toEqual([{ type: 'tool_use', id: expect.any(String) as unknown, name: 'read_file', input: { cut: '{"path":"no' } }]);
    expect(read.stopReason).toBe('max_tokens');
    const sdk = await streamWithSdk(model, { tools: TOOLS });
    expect(sdk.message.stop_reason).toBe('max_tokens');
    expect(sdk.message.content).toMatchObject([{ type: 'tool_use', name: 'read_file' }]);
  });

  test('reasoning and text that come while a tool block is open follow the calls, each block whole, signed and in order', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null, [think]: 'First.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":' } }] }),
        chunk({ [think]: 'Then.' }),
        chunk({ content: 'Reading.' }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"a"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'list_dir', arguments: '{}' } }] }),
        chunk({ [think]: 'Last.' }),
        chunk({}, 'tool_calls'),
        usage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }),
        DONE_FRAME,
      ]);
    const raw = await streamRaw(model, { tools: TOOLS });
    expect(raw.blocks.map((block) => block.type)).toEqual(['thinking', 'tool_use', 'tool_use', 'thinking', 'text', 'thinking']);
    expect(raw.stopReason).toBe('tool_use');
    const sdk = await streamWithSdk(model, { tools: TOOLS });
    expect(sdk.message.content).toEqual(asSdkContent(raw.blocks));
    expect(sdk.signatures).toHaveLength(3);
  });

  test('an answer with nothing in it (the role chunk, the finish, the usage): an empty message that ends end_turn', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({}, 'stop'),
        usage({ prompt_tokens: 3, completion_tokens: 0, total_tokens: 3 }),
        DONE_FRAME,
      ]);
    const raw = await streamRaw(model);
    expect(raw.blocks).toEqual([]);
    expect(raw.stopReason).toBe('end_turn');
    const sdk = await streamWithSdk(model);
    expect(sdk.message.content).toEqual([]);
  });
});

describe("llama-server's timings, its only token counts in a stream not asked for usage", () => {
  // Recent llama-server builds send `usage` only for `stream_options.include_usage`; `timings` always.
  let quiet: Host;
  beforeAll(async () => {
    quiet = await startHost({
      env: envFor({ local }),
      providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
      requestStreamUsage: false,
    });
  });
  afterAll(() => quiet.close());
  beforeEach(() => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        llama({ role: 'assistant', content: null }),
        llama({ content: 'Answer.' }),
        llama({}, 'stop', { timings: { ...TIMINGS, cache_n: 100 } }),
        DONE_FRAME,
      ]);
  });

  test('reach a Messages client as its usage, the reused prompt as cache_read_input_tokens, and telemetry alike', async () => {
    const ends: RequestEndEvent[] = [];
    quiet.router.telemetry.on('request.end', (event) => ends.push(event));
    const anthropic = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: quiet.url, maxRetries: 0 });
    const message = await anthropic.messages.stream({ model: 'local/qwen3-8b', max_tokens: 100, messages: ASK }).finalMessage();
    expect(local.requests[0]?.body?.stream_options).toBeUndefined();
    expect(message.usage).toMatchObject({ input_tokens: 18, cache_read_input_tokens: 100, output_tokens: 24 });
    expect(ends.at(-1)?.usage).toEqual({ promptTokens: 118, completionTokens: 24, totalTokens: 142 });
  });

  test('reach a Responses client bridged to llama-server as its usage', async () => {
    const openai = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${quiet.url}/v1`, maxRetries: 0 });
    const response = await openai.responses.stream({ model: 'local/qwen3-8b', input: 'Read the notes.' }).finalResponse();
    expect(response.usage).toMatchObject({ input_tokens: 118, input_tokens_details: { cached_tokens: 100 }, output_tokens: 24, total_tokens: 142 });
  });
});

describe.each(ROUTES)('$name: streams that fail', ({ model, fake, chunk, usage, think }) => {
  const OPENING = [chunk({ role: 'assistant', content: null }), chunk({ [think]: 'Hmm.' }), chunk({ content: 'Partial' })];

  test('no [DONE] after the finish and usage chunks: an error event, never a message that looks whole', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [...OPENING, chunk({}, 'stop'), usage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })]);
    const raw = await streamRaw(model);
    expect(raw.error?.type).toBe('api_error');
    expect(raw.stopReason).toBeUndefined();
    const error = await rejectionOf(streamWithSdk(model), Anthropic.APIError);
    expect(error.type).toBe('api_error');
    expect(error.message).toMatch(/terminator/);
  });

  test.each([
    ['llama.cpp', 'api_error', { code: 500, message: 'Context size has been exceeded.', type: 'exceed_context_size_error' }],
    ['a 429 code', 'rate_limit_error', { code: 429, message: 'Rate limit exceeded upstream', metadata: { provider_name: 'DeepInfra' } }],
    ['a 529 code', 'overloaded_error', { code: 529, message: 'Provider overloaded' }],
  ])('an error object as a data line mid-stream (%s) ends it with event: error of type %s', async (_case, type, error) => {
    fake().handler = (_request, res) => sendFrames(res, [...OPENING, `data: ${JSON.stringify({ error })}\n\n`]);
    const raw = await streamRaw(model);
    expect(raw.error).toEqual({ type, message: expect.stringContaining(error.message) as unknown });
    const thrown = await rejectionOf(streamWithSdk(model), Anthropic.APIError);
    expect(thrown.type).toBe(type);
    expect(thrown.message).toContain(error.message);
  });

  test('an error object as the first data line: the error event, which the SDK throws with its type', async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        PROCESSING,
        `data: ${JSON.stringify({ error: { code: 502, message: 'Upstream idle', metadata: { provider_name: 'X' } } })}\n\n`,
      ]);
    const raw = await streamRaw(model);
    expect(raw.error).toEqual({ type: 'api_error', message: expect.stringContaining('Upstream idle') as unknown });
    const thrown = await rejectionOf(streamWithSdk(model), Anthropic.APIError);
    expect(thrown.type).toBe('api_error');
  });

  test('an HTML page labelled as an event stream: an error event quoting it, never an empty message', async () => {
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(PROXY_PAGE);
    };
    const raw = await streamRaw(model);
    expect(raw.blocks).toEqual([]);
    expect(raw.error).toEqual({ type: 'api_error', message: expect.stringContaining('502 Bad Gateway') as unknown });
    await rejectionOf(streamWithSdk(model), Anthropic.APIError);
  });

  test('a stream cut inside an event: an error event, the half frame never read as an answer', async () => {
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(OPENING.join(''));
      res.end('data: {"choices":[{"index":0,"delta":{"content":" and the r');
    };
    const raw = await streamRaw(model);
    expect(raw.error?.type).toBe('api_error');
    expect(raw.blocks.map((block) => block.type)).toEqual(['thinking', 'text']);
    await rejectionOf(streamWithSdk(model), Anthropic.APIError);
  });

  test('a connection destroyed inside a tool call: an error event; the SDK throws rather than run a half input', async () => {
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"pa' } }],
        }),
      );
      setTimeout(() => res.destroy(), 20);
    };
    const raw = await streamRaw(model, { tools: TOOLS });
    expect(raw.error?.type).toBe('api_error');
    await rejectionOf(streamWithSdk(model, { tools: TOOLS }), Anthropic.APIError);
  });
});

describe.each(ROUTES)('$name: errors before the stream, in Anthropic’s shape', ({ model, fake }) => {
  test.each([true, false])('a 429 with retry-after (stream: %p) is a RateLimitError, its retry-after kept', async (stream) => {
    fake().handler = (_request, res) =>
      sendJson(res, 429, { error: { message: 'Rate limit reached for requests', type: 'rate_limit_exceeded', code: 429 } }, { 'retry-after': '7' });
    const call = stream ? streamWithSdk(model) : client().messages.create({ model, max_tokens: 100, messages: ASK });
    const error = await rejectionOf(call, Anthropic.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringContaining('Rate limit reached') as unknown },
    });
    expect(error.headers.get('retry-after')).toBe('7');
  });

  test('a 429 in plain text (a proxy in front of the server) is a RateLimitError quoting it, its retry-after kept', async () => {
    fake().handler = (_request, res) => {
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': '30' });
      res.end('Too Many Requests: slow down');
    };
    const error = await rejectionOf(streamWithSdk(model), Anthropic.RateLimitError);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.stringContaining('slow down') as unknown },
    });
    expect(error.headers.get('retry-after')).toBe('30');
  });

  test.each([true, false])('a 200 whose body is an HTML page (stream: %p) is a 502 api_error quoting it, not a message', async (stream) => {
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PROXY_PAGE);
    };
    const call = stream ? streamWithSdk(model) : client().messages.create({ model, max_tokens: 100, messages: ASK });
    const error = await rejectionOf(call, Anthropic.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(error.message).toContain('502 Bad Gateway');
  });

  test('a 503 HTML page from a proxy in front of the server keeps its status, as api_error', async () => {
    fake().handler = (_request, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end(PROXY_PAGE.replaceAll('502 Bad Gateway', '503 Service Temporarily Unavailable'));
    };
    const error = await rejectionOf(streamWithSdk(model), Anthropic.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });
});

describe.each(ROUTES)('$name: /v1/messages/count_tokens', ({ model, fake }) => {
  test('countTokens() is a NotFoundError in Anthropic’s shape naming the provider, and nothing is sent', async () => {
    const error = await rejectionOf(client().messages.countTokens({ model, messages: ASK, tools: TOOLS }), Anthropic.NotFoundError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(error.apiMessage).toContain(`"${model.split('/')[0]!}"`);
    expect(fake().requests).toHaveLength(0);
  });
});

describe.each(ROUTES)('$name: whole answers through messages.create', ({ model, fake, think, extra }) => {
  /** A whole answer as the provider writes it: choice 0 with `message` and `finish`, its own fields beside. */
  const answer = (message: Record<string, unknown>, finish: string, choice: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'chatcmpl-whole-1',
    object: 'chat.completion',
    created: 1,
    model: 'upstream-model',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish, ...choice }],
    usage: { prompt_tokens: 18, completion_tokens: 24, total_tokens: 42 },
    ...extra,
  });

  test('the reasoning in its field, the text and the usage: a signed thinking block, then the text', async () => {
    fake().handler = (_request, res) => sendJson(res, 200, answer({ [think]: 'Think.', content: 'Answer.' }, 'stop'));
    const message = await client().messages.create({ model, max_tokens: 100, messages: ASK });
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Think.', signature: expect.stringMatching(/^epr1\./) as unknown },
      { type: 'text', text: 'Answer.' },
    ]);
    expect(message).toMatchObject({ model, stop_reason: 'end_turn', usage: { input_tokens: 18, output_tokens: 24 } });
  });

  test.each([
    ['length', 'max_tokens', 'MAX_TOKENS'],
    ['content_filter', 'refusal', 'SAFETY'],
  ])("finish_reason %s (with OpenRouter's native_finish_reason) is stop_reason %s", async (finish, stopReason, native) => {
    const message = {
      content: 'Partial',
      refusal: null,
      [think]: 'R.',
      reasoning_details: [{ type: 'reasoning.text', text: 'R.', format: 'unknown', index: 0 }],
    };
    fake().handler = (_request, res) => sendJson(res, 200, answer(message, finish, { native_finish_reason: native, logprobs: null }));
    const created = await client().messages.create({ model, max_tokens: 100, messages: ASK });
    expect(created.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    expect(created.stop_reason).toBe(stopReason);
  });
});

describe.each(ROUTES)('$name: section 8 and 9 refusals: a 400 in Anthropic’s shape, nothing sent', ({ model, fake }) => {
  const refused: Array<[string, Partial<Anthropic.MessageCreateParamsNonStreaming>]> = [
    [
      'a search_result block',
      { messages: [{ role: 'user', content: [{ type: 'search_result', source: 's', title: 't', content: [{ type: 'text', text: 'x' }] }] }] },
    ],
    ['an image from the Files API', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] }],
    ['a server tool', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }],
    ['mcp_servers', { mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x' }] } as Partial<Anthropic.MessageCreateParamsNonStreaming>],
    [
      'an image block in a system prompt',
      {
        system: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }],
      } as unknown as Partial<Anthropic.MessageCreateParamsNonStreaming>,
    ],
  ];
  test.each(refused)('%s', async (_case, params) => {
    const error = await rejectionOf(client().messages.create({ model, max_tokens: 100, messages: ASK, ...params }), Anthropic.BadRequestError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(fake().requests).toHaveLength(0);
  });
});

describe.each(ROUTES)('$name: what the client sends reaches the provider whole, or is a 400', ({ model, fake, chunk, think }) => {
  const CALL: Anthropic.ToolUseBlockParam = { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'notes.md' } };

  test('a tool_result whose content is neither text nor blocks is refused, not sent as an empty result', async () => {
    const messages = [
      ...ASK,
      { role: 'assistant', content: [CALL] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: { type: 'text', text: 'the notes' } }] },
    ] as unknown as Anthropic.MessageParam[];
    const error = await rejectionOf(client().messages.create({ model, max_tokens: 100, messages, tools: TOOLS }), Anthropic.BadRequestError);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages[2].content[0]') as unknown },
    });
    expect(fake().requests).toHaveLength(0);
  });

  test('an assistant turn holding something that is not a block is refused, not left out', async () => {
    const messages = [
      ...ASK,
      { role: 'assistant', content: ['I read it.'] },
      { role: 'user', content: 'And?' },
    ] as unknown as Anthropic.MessageParam[];
    const error = await rejectionOf(client().messages.create({ model, max_tokens: 100, messages }), Anthropic.BadRequestError);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('messages[1].content[0]') as unknown },
    });
    expect(fake().requests).toHaveLength(0);
  });

  test("the SDK's own final message sent back in a tool loop: the provider gets the reasoning, the call and its result", async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null, [think]: 'Read it first.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"notes.md"}' } }] }),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    const first = await streamWithSdk(model, { tools: TOOLS });
    const call = first.message.content.find((block) => block.type === 'tool_use')!;
    fake().reset();
    fake().handler = (_request, res) => sendFrames(res, [chunk({ role: 'assistant', content: 'Done.' }), chunk({}, 'stop'), DONE_FRAME]);
    const second = await streamWithSdk(model, {
      tools: TOOLS,
      messages: [
        ...ASK,
        { role: 'assistant', content: first.message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'the notes' }] },
      ],
    });
    expect(textOf(second.message)).toBe('Done.');
    const sent = fake().requests[0]?.body?.messages as Array<Record<string, unknown>>;
    expect(sent.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        // DESIGN section 10: reasoning_content, whichever field the provider answered in.
        reasoning_content: 'Read it first.',
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"notes.md"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: 'the notes' },
    ]);
  });
});
