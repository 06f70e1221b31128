/**
 * `POST /completions` and `POST /embeddings` on every provider, through the `openai` SDK
 * (`completions.create`, streamed or not, and `embeddings.create`): passed through to the
 * OpenAI-compatible ones with only `model` rewritten; for Anthropic, which has neither endpoint, a
 * 400 `unsupported_endpoint` in OpenAI's shape with nothing sent anywhere; and upstreams that fail
 * on these routes as real ones do, each failure reaching the SDK with its status and message.
 */
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import type { FakeUpstream, ProviderId } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { dataFrame } from '../support/wire-frames';
import { postChat } from './anthropic-adapter.helpers';

const fakes = useFakes();
let host: Host;
let client: OpenAI;
const ends: RequestEndEvent[] = [];

beforeAll(async () => {
  host = await startHost({ env: envFor(fakes) });
  host.router.telemetry.on('request.end', (event) => void ends.push(event));
  client = new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
});
beforeEach(() => (ends.length = 0));
afterAll(() => host?.close());

/** A streamed completion, read whole: its text. */
async function streamedCompletion(model: string): Promise<string> {
  let text = '';
  for await (const chunk of await client.completions.create({ model, prompt: 'Say', stream: true })) text += chunk.choices[0]?.text ?? '';
  return text;
}

const completionChunk = (text: string, finish: string | null = null): string =>
  dataFrame({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text, finish_reason: finish }] });

describe.each<[ProviderId, string, string, string]>([
  ['openai', 'openai/gpt-3.5-turbo-instruct', 'gpt-3.5-turbo-instruct', '/v1'],
  ['openrouter', 'openrouter/mistralai/mistral-7b', 'mistralai/mistral-7b', '/api/v1'],
  ['local', 'local/nomic-embed', 'nomic-embed', '/v1'],
])('%s', (kind, model, upstreamModel, prefix) => {
  const fake = (): FakeUpstream => fakes[kind];

  test('completions, streamed and not, and embeddings pass through with only the model rewritten', async () => {
    const completion = await client.completions.create({ model, prompt: 'Say', max_tokens: 5 });
    expect(completion.choices[0]?.text).toBe('Hello');
    expect(await streamedCompletion(model)).toBe('Hello');
    const embedding = await client.embeddings.create({ model, input: 'hi', encoding_format: 'float' });
    expect(embedding.data[0]?.embedding).toEqual([0.1, 0.2]);

    expect(fake().requests.map((request) => [request.url, request.body])).toEqual([
      [`${prefix}/completions`, { model: upstreamModel, prompt: 'Say', max_tokens: 5 }],
      [`${prefix}/completions`, { model: upstreamModel, prompt: 'Say', stream: true }],
      [`${prefix}/embeddings`, { model: upstreamModel, input: 'hi', encoding_format: 'float' }],
    ]);
    expect(fakes.received()).toHaveLength(3);
    expect(ends.map((end) => [end.provider, end.endpoint, end.status, end.outcome])).toEqual([
      [kind, 'completions', 200, 'ok'],
      [kind, 'completions', 200, 'ok'],
      [kind, 'embeddings', 200, 'ok'],
    ]);
  });

  test("an upstream's own error keeps its status, message and retry-after on both routes", async () => {
    fake().handler = (_request, res) =>
      sendJson(res, 429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'retry-after': '2' });
    for (const call of [() => client.completions.create({ model, prompt: 'Say' }), () => client.embeddings.create({ model, input: 'hi' })]) {
      const error = await rejectionOf(call(), OpenAI.RateLimitError);
      expect(error.error).toMatchObject({ message: 'Rate limit reached', code: 'rate_limit_exceeded' });
      expect(error.headers?.get('retry-after')).toBe('2');
    }
  });

  test('a streamed completion cut before [DONE] fails the SDK with the reason, after the text it got', async () => {
    fake().handler = (_request, res) => sendFrames(res, [completionChunk('Hel')]);
    const error = await rejectionOf(streamedCompletion(model), OpenAI.APIError);
    expect(error.message).toMatch(/ended before its terminator/);
    expect(ends.at(-1)).toMatchObject({ endpoint: 'completions', outcome: 'error', status: 200 });
  });

  test("a provider's in-stream error on a completion reaches the SDK with its message", async () => {
    fake().handler = (_request, res) =>
      sendFrames(res, [
        completionChunk('Hel'),
        dataFrame({ id: 'cmpl-1', object: 'text_completion', choices: [], error: { code: 502, message: 'Provider went away' } }),
      ]);
    const error = await rejectionOf(streamedCompletion(model), OpenAI.APIError);
    expect(error.message).toContain('Provider went away');
  });

  test('a 200 whose body is only an error is that error, with the status of its code', async () => {
    fake().handler = (_request, res) => sendJson(res, 200, { error: { code: 503, message: 'No endpoints available' } });
    const error = await rejectionOf(client.embeddings.create({ model, input: 'hi' }), OpenAI.APIError);
    expect(error.status).toBe(503);
    expect(error.error).toMatchObject({ message: 'No endpoints available' });
  });
});

test('llama-server started without --embeddings: its 501 reaches the SDK with its message', async () => {
  fakes.local.handler = (_request, res) =>
    sendJson(res, 501, {
      error: { code: 501, message: 'This server does not support embeddings. Start it with `--embeddings`', type: 'not_supported_error' },
    });
  const error = await rejectionOf(client.embeddings.create({ model: 'local/qwen', input: 'hi' }), OpenAI.APIError);
  expect(error.status).toBe(501);
  expect(error.error).toMatchObject({
    message: 'This server does not support embeddings. Start it with `--embeddings`',
    type: 'not_supported_error',
  });
});

describe('Anthropic, which has neither endpoint', () => {
  test.each([
    ['anthropic/claude-sonnet-5-5', 'a prefixed model'],
    ['claude-sonnet-5-5', "a plain claude-* model (the built-in rule's)"],
  ])('%s (%s): a 400 unsupported_endpoint in OpenAI shape for completions, streamed or not, and embeddings; nothing is sent', async (model) => {
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['completions', () => client.completions.create({ model, prompt: 'Say' })],
      ['completions', () => streamedCompletion(model)],
      ['embeddings', () => client.embeddings.create({ model, input: 'hi' })],
    ];
    for (const [endpoint, call] of calls) {
      const error = await rejectionOf(call(), OpenAI.BadRequestError);
      expect(error.code).toBe('unsupported_endpoint');
      expect(error.error).toMatchObject({ type: 'invalid_request_error' });
      expect(error.message).toContain(`Provider "anthropic" does not offer /${endpoint}`);
      expect(error.headers?.get('x-request-id')).toBeTruthy();
    }
    expect(fakes.received()).toEqual([]);
    expect(ends.map((end) => [end.provider, end.endpoint, end.status, end.outcome])).toEqual([
      ['anthropic', 'completions', 400, 'error'],
      ['anthropic', 'completions', 400, 'error'],
      ['anthropic', 'embeddings', 400, 'error'],
    ]);
  });

  test('the raw answer is exactly OpenAI’s error shape', async () => {
    const response = await postChat(host, { model: 'anthropic/claude-sonnet-5-5', input: 'hi' }, '/v1/embeddings');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining('does not offer /embeddings') as unknown,
        type: 'invalid_request_error',
        code: 'unsupported_endpoint',
      },
    });
  });
});
