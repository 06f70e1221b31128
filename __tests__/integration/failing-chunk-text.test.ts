/**
 * A chat completions chunk that carries the stream's failure and a last piece of text (OpenRouter's
 * `error` beside `choices`, vLLM's `finish_reason: "abort"`): passed through, the client gets the
 * text and then the error. Translated for a Messages or bridged Responses client, the text must
 * reach it too, before the error.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { sendFrames } from '../support/upstream-answers';

let fakes: Fakes;
let host: Host;

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: envFor(fakes) });
});

beforeEach(() => fakes.reset());

afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

const MODEL = 'openrouter/meta-llama/llama-3.1-8b-instruct';

function chunk(fields: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: 'gen-1', object: 'chat.completion.chunk', created: 1, model: 'm', ...fields })}\n\n`;
}

const FAILING_CHUNKS: Array<[string, Record<string, unknown>]> = [
  [
    "OpenRouter's error beside choices",
    {
      error: { code: 502, message: 'Provider disconnected' },
      choices: [{ index: 0, delta: { content: ' there' }, finish_reason: 'error' }],
    },
  ],
  ["vLLM's abort", { choices: [{ index: 0, delta: { content: ' there' }, finish_reason: 'abort' }] }],
];

beforeEach(() => {
  // OpenRouter for the Messages client; llama-server, whose /responses is bridged, for the Responses one.
  for (const fake of [fakes.openrouter, fakes.local])
    fake.handler = (recorded, res) => {
      const failing = FAILING_CHUNKS.find(([name]) => JSON.stringify(recorded.body).includes(name))?.[1];
      sendFrames(res, [chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }] }), chunk(failing!)]);
    };
});

describe.each(FAILING_CHUNKS)('%s', (name) => {
  test('a Messages client gets the text of the failing chunk, then the error', async () => {
    const client = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: name }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(text).toBe('Hello there');
  });

  test('a bridged Responses client gets the text of the failing chunk, then response.failed', async () => {
    const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
    const stream = await client.responses.create({ model: 'local/qwen', input: name, stream: true });
    let text = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('Hello there');
    expect(types.at(-1)).toBe('response.failed');
  });
});

describe('what else the failing chunk carries of the answer', () => {
  /** vLLM's reasoning parser: the aborted chunk carries the last piece of reasoning and the first of text. */
  const reasoningThenFailing = [
    chunk({ choices: [{ index: 0, delta: { role: 'assistant', reasoning: 'Think' }, finish_reason: null }] }),
    chunk({ choices: [{ index: 0, delta: { reasoning: ' more', content: 'Hi' }, finish_reason: 'abort' }] }),
  ];

  test('a Messages client gets its reasoning, then its text, then the error', async () => {
    fakes.openrouter.handler = (_recorded, res) => sendFrames(res, reasoningThenFailing);
    const client = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
    let thinking = '';
    let text = '';
    stream.on('thinking', (delta) => (thinking += delta));
    stream.on('text', (delta) => (text += delta));
    await expect(stream.finalMessage()).rejects.toThrow(/abort/);
    expect(thinking).toBe('Think more');
    expect(text).toBe('Hi');
  });

  test('a bridged Responses client gets its reasoning, then its text, then response.failed', async () => {
    fakes.local.handler = (_recorded, res) => sendFrames(res, reasoningThenFailing);
    const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
    const stream = await client.responses.create({ model: 'local/qwen', input: 'Hello', stream: true });
    let reasoning = '';
    let text = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.reasoning_text.delta') reasoning += event.delta;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(reasoning).toBe('Think more');
    expect(text).toBe('Hi');
    expect(types.at(-1)).toBe('response.failed');
  });

  test("a bridged Responses client gets a refusal's last piece as refusal, not as answer text", async () => {
    fakes.local.handler = (_recorded, res) =>
      sendFrames(res, [
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', refusal: 'I cannot' }, finish_reason: null }] }),
        chunk({ choices: [{ index: 0, delta: { refusal: ' help with that' }, finish_reason: 'abort' }] }),
      ]);
    const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
    const stream = await client.responses.create({ model: 'local/qwen', input: 'Hello', stream: true });
    let refusal = '';
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.refusal.delta') refusal += event.delta;
    }
    expect(refusal).toBe('I cannot help with that');
    expect(types).not.toContain('response.output_text.delta');
    expect(types.filter((type) => type === 'response.output_item.added')).toHaveLength(1);
    expect(types.at(-1)).toBe('response.failed');
  });
});
