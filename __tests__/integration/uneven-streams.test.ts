/**
 * Every translated route, fed the same upstream stream whole and in uneven pieces (cut inside
 * frames, inside UTF-8 sequences, between the CR and LF of a pair), gives the client the same
 * message. Recorded streams and seeded generated ones; a failure names its seed and case.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureText } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { random } from '../support/seeded-random';

const SEED = Number(process.env.UNEVEN_SEED ?? 20261127);
const GENERATED_CASES = 12;

/** Cuts `bytes` at random places, and always inside each multi-byte character and each CRLF pair. */
function unevenPieces(bytes: Buffer, next: () => number): Buffer[] {
  const cuts = new Set<number>();
  for (let i = 1; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const insideCharacter = (byte & 0xc0) === 0x80;
    const insideCrlf = bytes[i - 1] === 0x0d && byte === 0x0a;
    if (insideCharacter || insideCrlf || next() < 0.08) cuts.add(i);
  }
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** Writes each piece in its own turn of the event loop, so that they reach the router apart. */
async function writePieces(res: ServerResponse, pieces: Buffer[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const piece of pieces) {
    res.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

const WORDS = ['héllo', 'wörld', '日本語', 'emoji 🎉', 'Ünïcödé', 'plain', 'Ελληνικά', '𝔘𝔫𝔦', 'a\\"quote', 'tab\\t'];

function words(next: () => number, count: number): string[] {
  return Array.from({ length: count }, () => `${WORDS[Math.floor(next() * WORDS.length)]} `);
}

/** A chat completions stream: text pieces, sometimes a tool call, LF or CRLF line endings. */
function generatedChatStream(next: () => number): string {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-gen', object: 'chat.completion.chunk', created: 1, model: 'gen', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}`;
  const frames = [chunk({ role: 'assistant', content: '' })];
  for (const text of words(next, 3 + Math.floor(next() * 10))) frames.push(chunk({ content: text }));
  const withTool = next() < 0.5;
  if (withTool) {
    const args = JSON.stringify({ query: words(next, 3).join(''), n: 3 });
    const cut = Math.floor(args.length / 2);
    frames.push(chunk({ tool_calls: [{ index: 0, id: 'call_gen', type: 'function', function: { name: 'search', arguments: args.slice(0, cut) } }] }));
    frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(cut) } }] }));
  }
  frames.push(chunk({}, withTool ? 'tool_calls' : 'stop'));
  frames.push(
    `data: ${JSON.stringify({ id: 'chatcmpl-gen', object: 'chat.completion.chunk', created: 1, model: 'gen', choices: [], usage: { prompt_tokens: 7, completion_tokens: 11, total_tokens: 18 } })}`,
  );
  frames.push('data: [DONE]');
  const eol = next() < 0.5 ? '\n' : '\r\n';
  return frames.map((frame) => `${frame}${eol}${eol}`).join('');
}

/** A Messages stream: text deltas, sometimes a tool_use block, LF or CRLF line endings. */
function generatedMessagesStream(next: () => number): string {
  const eol = next() < 0.5 ? '\n' : '\r\n';
  const event = (type: string, payload: Record<string, unknown>) => `event: ${type}${eol}data: ${JSON.stringify({ type, ...payload })}${eol}${eol}`;
  let out = event('message_start', {
    message: {
      id: 'msg_gen',
      type: 'message',
      role: 'assistant',
      model: 'claude-gen',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 9, output_tokens: 1 },
    },
  });
  out += event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const text of words(next, 2 + Math.floor(next() * 10))) out += event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  out += event('content_block_stop', { index: 0 });
  const withTool = next() < 0.5;
  if (withTool) {
    const args = JSON.stringify({ city: words(next, 2).join('') });
    out += event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_gen', name: 'weather', input: {} } });
    out += event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: args.slice(0, 5) } });
    out += event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: args.slice(5) } });
    out += event('content_block_stop', { index: 1 });
  }
  out += event('message_delta', { delta: { stop_reason: withTool ? 'tool_use' : 'end_turn' }, usage: { output_tokens: 12 } });
  out += event('message_stop', {});
  return out;
}

let openai: FakeUpstream, anthropic: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [openai, anthropic] = await startFakeUpstreams('openai', 'anthropic');
  // OpenAI set to bridge: the Responses routes here are the translated ones.
  host = await startHost({ env: { ...envFor({ openai, anthropic }), OPENAI_RESPONSES: 'chat' } });
});
afterEach(() => [openai, anthropic].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, anthropic].map((fake) => fake.close()));
});

/** What a Messages client assembles from the router's translation of a chat completions stream. */
async function messagesClientReads(upstream: FakeUpstream, pieces: Buffer[]): Promise<unknown> {
  upstream.handler = (_request, res) => void writePieces(res, pieces);
  const client = new Anthropic({ apiKey: 'x', baseURL: host.url, maxRetries: 0 });
  const message = await client.messages
    .stream({ model: 'openai/gen', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] })
    .finalMessage()
    .catch((error: unknown) => ({ failed: String(error) }));
  // `id` is the router's own, fresh for every answer; the rest must be equal.
  return 'id' in message ? { ...message, id: 'msg_x' } : message;
}

/** What a chat client assembles from the router's translation of a Messages stream. */
async function chatClientReads(upstream: FakeUpstream, pieces: Buffer[]): Promise<unknown> {
  upstream.handler = (_request, res) => void writePieces(res, pieces);
  const client = new OpenAI({ apiKey: 'x', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const completion = await client.chat.completions
    .stream({ model: 'anthropic/claude-gen', messages: [{ role: 'user', content: 'go' }], stream_options: { include_usage: true } })
    .finalChatCompletion()
    .catch((error: unknown) => ({ failed: String(error) }));
  // `created` is the router's clock; the rest must be equal.
  return { ...completion, created: 0 };
}

/** What a Responses client assembles from the router's translation of a chat or Messages stream. */
function responsesClientReads(model: string) {
  return async (upstream: FakeUpstream, pieces: Buffer[]): Promise<unknown> => {
    upstream.handler = (_request, res) => void writePieces(res, pieces);
    const client = new OpenAI({ apiKey: 'x', baseURL: `${host.url}/v1`, maxRetries: 0 });
    const response = await client.responses
      .stream({ model, input: 'go' })
      .finalResponse()
      .catch((error: unknown) => ({ failed: String(error) }));
    // Ids and the creation time are the router's own, fresh for every response (reasoning ids with the router's mark, `rs_epr1`).
    return JSON.parse(
      JSON.stringify(response)
        .replace(/"(resp|msg|fc|ctc|rs|call)_(?:epr1)?[0-9a-f]{32}"/g, '"$1_x"')
        .replace(/"created_at":\d+/g, '"created_at":0'),
    ) as unknown;
  };
}

interface RouteCase {
  route: string;
  upstream: () => FakeUpstream;
  read: (upstream: FakeUpstream, pieces: Buffer[]) => Promise<unknown>;
  recorded: string[];
  generate: (next: () => number) => string;
}

const ROUTES: RouteCase[] = [
  {
    route: 'chat completions upstream to a Messages client',
    upstream: () => openai,
    read: messagesClientReads,
    recorded: ['openai-chat-stream-usage.sse', 'openrouter-chat-stream.sse', 'llama-server-chat-stream.sse', 'openrouter-midstream-error.sse'],
    generate: generatedChatStream,
  },
  {
    route: 'Messages upstream to a chat client',
    upstream: () => anthropic,
    read: chatClientReads,
    recorded: ['anthropic-messages-stream-text.sse', 'anthropic-messages-stream-tool-use.sse', 'anthropic-messages-stream-error.sse'],
    generate: generatedMessagesStream,
  },
  {
    route: 'chat completions upstream to a Responses client',
    upstream: () => openai,
    read: responsesClientReads('openai/gen'),
    recorded: [
      'openai-chat-stream-usage.sse',
      'openrouter-chat-stream.sse',
      'llama-server-chat-stream.sse',
      'llama-server-chat-stream-reasoning.sse',
    ],
    generate: generatedChatStream,
  },
  {
    route: 'Messages upstream to a Responses client (through chat completions)',
    upstream: () => anthropic,
    read: responsesClientReads('anthropic/claude-gen'),
    recorded: ['anthropic-messages-stream-text.sse', 'anthropic-messages-stream-tool-use.sse', 'anthropic-messages-stream-thinking.sse'],
    generate: generatedMessagesStream,
  },
];

describe.each(ROUTES)('$route', (route) => {
  test.each(route.recorded)('the recorded %s reads the same whole and in uneven pieces', async (name) => {
    const bytes = Buffer.from(fixtureText(name));
    const whole = await route.read(route.upstream(), [bytes]);
    const next = random(SEED);
    for (let round = 0; round < 3; round++) {
      expect(await route.read(route.upstream(), unevenPieces(bytes, next))).toEqual(whole);
    }
  });

  test(`${GENERATED_CASES} generated streams (seed ${SEED}) read the same whole and in uneven pieces`, async () => {
    const next = random(SEED);
    for (let index = 0; index < GENERATED_CASES; index++) {
      const bytes = Buffer.from(route.generate(next));
      const whole = await route.read(route.upstream(), [bytes]);
      expect(whole).not.toHaveProperty('failed');
      const pieces = unevenPieces(bytes, next);
      const split = await route.read(route.upstream(), pieces);
      if (JSON.stringify(split) !== JSON.stringify(whole)) {
        throw new Error(`case ${index} of seed ${SEED} differs in ${pieces.length} pieces:\n${JSON.stringify(split)}\n!=\n${JSON.stringify(whole)}`);
      }
    }
  });
});
