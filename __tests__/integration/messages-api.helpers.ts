/**
 * Helpers for the Messages API end-to-end tests: scripted fake answers (held streams, OpenAI tool
 * calls), SSE parsing of the router's answers, and a guard that turns a hang into a clear failure.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FakeUpstream, RecordedRequest } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { KEYS } from '../support/host';

/** The host's own client token: it must never reach an upstream. */
export const CLIENT_TOKEN = 'host-client-token';

export type ProviderId = 'anthropic' | 'local' | 'openai' | 'openrouter';

/** How each provider is addressed in these tests, and what reaches its fake. */
export interface ProviderCase {
  provider: ProviderId;
  /** The `model` a client sends. */
  model: string;
  /** The `model` the upstream receives. */
  upstreamModel: string;
  /** True for OpenAI-compatible upstreams that get a translated chat completion request. */
  translated: boolean;
  /** The path (and query) the upstream receives for a Messages request without a query. */
  upstreamPath: string;
  /** The fixture the fake streams by default (Anthropic frames for the passthrough upstreams). */
  streamFixture: string;
  /** The key the router sends this upstream (none for the local llama-server). */
  key: string | undefined;
}

export const PROVIDER_CASES: ProviderCase[] = [
  {
    provider: 'anthropic',
    model: 'anthropic/claude-sonnet-5-5',
    upstreamModel: 'claude-sonnet-5-5',
    translated: false,
    upstreamPath: '/v1/messages',
    streamFixture: 'anthropic-messages-stream-text.sse',
    key: KEYS.anthropic,
  },
  {
    provider: 'local',
    model: 'local/qwen',
    upstreamModel: 'qwen',
    translated: false,
    upstreamPath: '/v1/messages',
    streamFixture: 'anthropic-messages-stream-text.sse',
    key: undefined,
  },
  {
    provider: 'openai',
    model: 'openai/gpt-4o-mini',
    upstreamModel: 'gpt-4o-mini',
    translated: true,
    upstreamPath: '/v1/chat/completions',
    streamFixture: 'openai-chat-stream-usage.sse',
    key: KEYS.openai,
  },
  {
    provider: 'openrouter',
    model: 'openrouter/meta-llama/llama-3.1-8b-instruct',
    upstreamModel: 'meta-llama/llama-3.1-8b-instruct',
    translated: true,
    upstreamPath: '/api/v1/chat/completions',
    streamFixture: 'openrouter-chat-stream.sse',
    key: KEYS.openrouter,
  },
];

export const TRANSLATED_CASES = PROVIDER_CASES.filter((c) => c.translated);
export const PASSTHROUGH_CASES = PROVIDER_CASES.filter((c) => !c.translated);

export function caseOf(provider: ProviderId): ProviderCase {
  return PROVIDER_CASES.find((c) => c.provider === provider)!;
}

/** A promise with its resolver, for scripting the order of events between a fake and a client. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Rejects with a message naming `what` if `promise` has not settled within `ms`. Only a guard that
 * turns a hang into a quick failure: passing tests never wait for it.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Responses a fake holds open; ended by `destroyHeldResponses()` after each test. */
const heldResponses = new Set<ServerResponse>();

export function destroyHeldResponses(): void {
  for (const res of heldResponses) res.destroy();
  heldResponses.clear();
}

/** The index of the first frame that carries the fixtures' first text ("Hello"). */
export function firstTextFrameIndex(frames: string[]): number {
  const index = frames.findIndex((frame) => frame.includes('"Hello'));
  if (index === -1) throw new Error('no frame with the first text');
  return index;
}

/**
 * Sends `frames` up to and including `frames[splitAt]`, then waits for `release` before sending
 * the rest. Without `release` the response is held open (until the other side closes it).
 * `onRest` is called just before the rest is written.
 */
export function sendHeldStream(res: ServerResponse, frames: string[], splitAt: number, release?: Promise<void>, onRest?: () => void): void {
  heldResponses.add(res);
  res.on('close', () => heldResponses.delete(res));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_upstream_held' });
  for (const frame of frames.slice(0, splitAt + 1)) res.write(frame);
  if (!release) return;
  void release.then(() => {
    if (res.destroyed) return;
    onRest?.();
    for (const frame of frames.slice(splitAt + 1)) res.write(frame);
    res.end();
  });
}

/** The default stream frames of a provider's fake, as `sendFrames` would send them. */
export function streamFramesOf(c: ProviderCase): string[] {
  return sseFrames(c.streamFixture);
}

// ---------------------------------------------------------------------------------------------
// Tool calls from OpenAI-compatible upstreams

export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object' as const,
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
  },
};

export const TOOL_CALL_ID = 'call_weather_1';
export const TOOL_INPUT = { location: 'San Francisco, CA', unit: 'celsius' };

/** A non-streamed chat completion that answers with one `get_weather` call. */
export function openAIToolCallCompletion(model: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-tool-1',
    object: 'chat.completion',
    created: 1741569952,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: TOOL_CALL_ID, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify(TOOL_INPUT) } }],
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
  };
}

/** A chat completion stream: a text run, then one `get_weather` call whose arguments come in fragments. */
export function openAIToolCallStreamFrames(model: string): string[] {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-tool-2',
      object: 'chat.completion.chunk',
      created: 1741569952,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...extra,
    })}\n\n`;
  const args = (fragment: string) => ({ tool_calls: [{ index: 0, function: { arguments: fragment } }] });
  return [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Let me check' }),
    chunk({ content: ' the weather.' }),
    chunk({ tool_calls: [{ index: 0, id: TOOL_CALL_ID, type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    chunk(args('{"loca')),
    chunk(args('tion": "San Fran')),
    chunk(args('cisco, CA", "un')),
    chunk(args('it": "celsius"}')),
    chunk({}, 'tool_calls'),
    `data: ${JSON.stringify({
      id: 'chatcmpl-tool-2',
      object: 'chat.completion.chunk',
      created: 1741569952,
      model,
      choices: [],
      usage: { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
    })}\n\n`,
    'data: [DONE]\n\n',
  ];
}

// ---------------------------------------------------------------------------------------------
// Reading answers

export interface SseFrame {
  /** The `event:` field; undefined when the frame had none. */
  event: string | undefined;
  data: string;
  raw: string;
}

/** Splits an SSE body into frames (comment-only frames are skipped). */
export function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const raw of text.replace(/\r\n/g, '\n').split('\n\n')) {
    const lines = raw.split('\n').filter((line) => line !== '' && !line.startsWith(':'));
    if (lines.length === 0) continue;
    const eventLine = lines.find((line) => line.startsWith('event:'));
    const data = lines
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n');
    frames.push({ event: eventLine?.slice(6).trim(), data, raw });
  }
  return frames;
}

/** Every request every fake received, as one text (URL, headers and body), for leak checks. */
export function everythingSent(fakes: FakeUpstream[]): string {
  return fakes
    .flatMap((fake) => fake.requests)
    .map((r: RecordedRequest) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.rawBody}`)
    .join('\n');
}

/** Every 12-character piece of `key` (what the router's redactor treats as the key) found in `text`. */
export function keyPiecesIn(text: string, key: string): string[] {
  const found = new Set<string>();
  for (let start = 0; start + 12 <= key.length; start++) {
    const piece = key.slice(start, start + 12);
    if (text.includes(piece)) found.add(piece);
  }
  return [...found];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Header names (lower case) matching `pattern`. */
export function headerNames(headers: Record<string, unknown>, pattern: RegExp): string[] {
  return Object.keys(headers).filter((name) => pattern.test(name));
}
