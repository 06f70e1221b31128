/**
 * Keep-alives on translated and bridged streams. A provider that is working without streaming
 * text (thinking it does not show, a long prompt being read) sends keep-alives: OpenRouter's
 * `: OPENROUTER PROCESSING` comments, Anthropic's `ping` events. Passed through, they reach the
 * client as they are; translated, the client must still get something, or a proxy between the
 * host and the client cuts a silent answer that is alive upstream. The client gets an SSE comment,
 * which its SDK skips.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { fixtureText } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { parseSse } from '../support/sse';
import { destroyHeldResponses, sendFrames, sendHeldStream } from '../support/upstream-answers';
import { deferred, within } from '../support/wait';

let fakes: Fakes;
let host: Host;

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: envFor(fakes) });
});

beforeEach(() => fakes.reset());
afterEach(() => destroyHeldResponses());

afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

/** The frames of a recorded stream, each with its blank line. */
function framesOf(fixture: string): string[] {
  return fixtureText(fixture)
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => `${frame}\n\n`);
}

const OPENROUTER_MODEL = 'openrouter/meta-llama/llama-3.1-8b-instruct';
const ANTHROPIC_MODEL = 'anthropic/claude-sonnet-5-5';
const HELLO = [{ role: 'user' as const, content: 'Hello' }];

/** A streamed request on `path`, for `model`, in the path's own dialect. */
function streamedRequest(path: string, model: string): Record<string, unknown> {
  if (path === '/v1/messages') return { model, max_tokens: 64, stream: true, messages: HELLO };
  if (path === '/v1/responses') return { model, stream: true, input: 'Hello' };
  return { model, stream: true, messages: HELLO };
}

/** Reads `reader` until `done` holds for what came so far (or the body ends), or fails after `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, ms = 3000): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  await within(
    (async () => {
      while (!done(text)) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        text += decoder.decode(value, { stream: true });
      }
    })(),
    ms,
    'the body',
  );
  return text;
}

describe.each([
  ['/v1/messages', 'OpenRouter chat completions', OPENROUTER_MODEL, 'openrouter' as const, 'openrouter-chat-stream.sse', 0],
  ['/v1/responses', 'a llama-server sending comments as OpenRouter does (bridged)', 'local/qwen', 'local' as const, 'openrouter-chat-stream.sse', 0],
  ['/v1/chat/completions', 'Anthropic', ANTHROPIC_MODEL, 'anthropic' as const, 'anthropic-messages-stream-text.sse', 2],
  ['/v1/responses', 'Anthropic', ANTHROPIC_MODEL, 'anthropic' as const, 'anthropic-messages-stream-text.sse', 2],
])('%s from %s', (path, _upstream, model, kind, fixture, keepAliveIndex) => {
  test("the upstream's keep-alive reaches the client while the upstream holds the rest back", async () => {
    const frames = framesOf(fixture);
    // OpenRouter's stream opens with its comment; Anthropic's pings after its first block starts.
    expect(frames[keepAliveIndex]).toMatch(kind === 'anthropic' ? /^event: ping/ : /^: OPENROUTER PROCESSING/);
    const release = deferred();
    fakes[kind].handler = (_recorded, res) => sendHeldStream(res, frames, keepAliveIndex, release.promise);
    const response = await fetch(`${host.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` },
      body: JSON.stringify(streamedRequest(path, model)),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const held = await readUntil(reader, (text) => /^: keep-alive$/m.test(text));
    expect(held).toMatch(/^: keep-alive$/m);
    release.resolve();
    const rest = await readUntil(reader, () => false);
    const events = parseSse(held + rest);
    expect(events.length).toBeGreaterThan(2);
  });
});

test('a /messages stream from a chat provider keeps its keep-alives as comments, and the SDK reads the answer whole', async () => {
  const frames = framesOf('openrouter-chat-stream.sse');
  // A keep-alive after the first chunk too, as OpenRouter sends while a reasoning model thinks.
  frames.splice(3, 0, ': OPENROUTER PROCESSING\n\n');
  fakes.openrouter.handler = (_recorded, res) => sendFrames(res, frames);
  const raw = await fetch(`${host.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_TOKEN, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(streamedRequest('/v1/messages', OPENROUTER_MODEL)),
  }).then((response) => response.text());
  expect(raw.match(/^: keep-alive$/gm)).toHaveLength(3);
  // The events are Anthropic's and nothing else: no `ping` the upstream did not send.
  expect(parseSse(raw).map((frame) => frame.event)).not.toContain('ping');

  const client = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
  const message = await client.messages.stream({ model: OPENROUTER_MODEL, max_tokens: 64, messages: HELLO }).finalMessage();
  expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello there!' })]);
});

test('the openai SDK reads a chat stream translated from Anthropic, keep-alives and all', async () => {
  fakes.anthropic.handler = (_recorded, res) => sendFrames(res, framesOf('anthropic-messages-stream-text.sse'));
  const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
  const completion = await client.chat.completions.stream({ model: ANTHROPIC_MODEL, messages: HELLO }).finalChatCompletion();
  expect(completion.choices[0]?.message.content).toBe('Hello there!');
});
