/**
 * Upstreams that behave as real ones were seen to, each behaviour from a public report, run
 * through the router with the clients' own SDKs. The catalogue these come from, and what was
 * probed and found fine, is in the CHANGELOG entries and the commit that added this file; the
 * cases here are the ones the router got wrong.
 */
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { chatStreamPayloads } from '../support/chat-stream';
import { sendFrames } from '../support/upstream-answers';
import { chatChunkFrame, dataFrame, DONE_FRAME } from '../support/wire-frames';

let openrouter: FakeUpstream, openai: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [openrouter, openai] = await startFakeUpstreams('openrouter', 'openai');
  host = await startHost({ env: envFor({ openrouter, openai }) });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [openrouter, openai].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openrouter, openai].map((fake) => fake.close()));
});

const chatClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const HI = [{ role: 'user' as const, content: 'hi' }];
const IDENTITY = { id: 'chatcmpl-real-1', created: 1795781041, model: 'upstream-model' };
const USAGE = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };

describe('the usage chunk the router asked for on the client’s behalf', () => {
  /**
   * DeepInfra, Groq and Gemini's OpenAI-compatible endpoint send the usage chunk with no `choices`
   * at all (earendil-works/pi#1671, tashfeenahmed/freellmapi#156,
   * open-telemetry/opentelemetry-js-contrib#3555), others with `choices: null`
   * (cline/cline#8518, pydantic/pydantic-ai#5170). The openai SDK's stream helper iterates
   * `chunk.choices` and throws on either, so a client that asked for no usage must not get it.
   */
  const usageChunks: Array<[string, Record<string, unknown>]> = [
    ['without choices', { usage: USAGE }],
    ['with choices null', { choices: null, usage: USAGE }],
  ];
  const answerWithUsage =
    (usageChunk: Record<string, unknown>) =>
    (_request: unknown, res: ServerResponse): void =>
      sendFrames(res, [
        chatChunkFrame(IDENTITY, { role: 'assistant', content: 'Hello' }),
        chatChunkFrame(IDENTITY, {}, 'stop'),
        dataFrame({ id: IDENTITY.id, object: 'chat.completion.chunk', created: IDENTITY.created, model: IDENTITY.model, ...usageChunk }),
        DONE_FRAME,
      ]);

  test.each(usageChunks)('%s is left out: the SDK’s stream helper reads the answer, and telemetry still counts it', async (_name, usageChunk) => {
    openrouter.handler = answerWithUsage(usageChunk);
    const completion = await chatClient().chat.completions.stream({ model: 'openrouter/some-model', messages: HI }).finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Hello');
    expect(openrouter.requests[0]!.body?.stream_options).toEqual({ include_usage: true });
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 } })]);
  });

  test.each(usageChunks)('%s still reaches a client that asked for usage, as the provider sent it', async (_name, usageChunk) => {
    openai.handler = answerWithUsage(usageChunk);
    const res = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', messages: HI, stream: true, stream_options: { include_usage: true } }),
    });
    const payloads = chatStreamPayloads(await res.text());
    expect(payloads).toContainEqual(expect.objectContaining({ usage: USAGE, ...usageChunk }));
  });

  test('one that carries a provider error is passed on, with the router’s error frame after it', async () => {
    const error = { code: 502, message: 'Provider disconnected mid-generation' };
    openrouter.handler = answerWithUsage({ choices: [], usage: USAGE, error });
    const res = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openrouter/some-model', messages: HI, stream: true }),
    });
    const payloads = chatStreamPayloads(await res.text());
    expect(payloads).toContainEqual(expect.objectContaining({ error, usage: USAGE }));
    expect(payloads.at(-1)).toEqual({ error: expect.objectContaining({ message: error.message }) });
    expect(ends).toEqual([expect.objectContaining({ outcome: 'error' })]);
  });
});
