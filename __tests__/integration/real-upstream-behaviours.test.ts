/**
 * Upstreams that behave as real ones were seen to, each behaviour from a public report (cited at
 * its case), run through the router with the clients' own SDKs: the cases the router got wrong.
 * Behaviours it already handled are covered where their subject is (`upstream-quirks`,
 * `upstream-misbehaviour`, `uneven-streams`, `streaming-errors-matrix`, ...).
 */
import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { chatStreamPayloads } from '../support/chat-stream';
import { observe } from '../support/observe';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';
import { chatChunkFrame, chatCompletion, dataFrame, DONE_FRAME } from '../support/wire-frames';

let openrouter: FakeUpstream, openai: FakeUpstream, local: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [openrouter, openai, local] = await startFakeUpstreams('openrouter', 'openai', 'local');
  host = await startHost({ env: envFor({ openrouter, openai, local }) });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [openrouter, openai, local].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openrouter, openai, local].map((fake) => fake.close()));
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

  test.each(usageChunks)('%s still reaches a client that asked for usage, with `choices: []` as OpenAI sends it', async (_name, usageChunk) => {
    openai.handler = answerWithUsage(usageChunk);
    const res = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o', messages: HI, stream: true, stream_options: { include_usage: true } }),
    });
    const payloads = chatStreamPayloads(await res.text());
    // The SDK's stream helper iterates `choices` (docs/decisions.md, "Upstream answers").
    expect(payloads).toContainEqual(expect.objectContaining({ ...usageChunk, usage: USAGE, choices: [] }));
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

describe('finish_reason "abort": vLLM ends a generation its engine stopped (shutdown, scale-down, an abort) with it, then [DONE]', () => {
  /**
   * vllm-project/vllm#57082: a 200 stream whose last chunk says `finish_reason: "abort"` (not one of
   * OpenAI's values) and then `data: [DONE]`, as if the answer were whole. It is as cut off as one
   * ended with `"error"`, and every client must be told so.
   */
  const abortedStream = (_request: unknown, res: ServerResponse): void =>
    sendFrames(res, [
      chatChunkFrame(IDENTITY, { role: 'assistant', content: 'The first half of' }),
      chatChunkFrame(IDENTITY, {}, 'abort'),
      DONE_FRAME,
    ]);
  const abortedAnswer = (_request: unknown, res: ServerResponse): void =>
    sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'The first half of' }, 'abort'));

  test('a chat stream passed through gets the router’s error frame after it; the SDK throws', async () => {
    local.handler = abortedStream;
    const failure = await chatClient()
      .chat.completions.stream({ model: 'local/qwen', messages: HI })
      .finalChatCompletion()
      .catch((error: unknown) => error as Error);
    expect(String(failure)).toContain('the generation was stopped before it was complete');
    expect(ends).toEqual([expect.objectContaining({ outcome: 'error' })]);
  });

  test('a Messages client gets event: error, not end_turn', async () => {
    openai.handler = abortedStream;
    const anthropicClient = new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
    const failure = await anthropicClient.messages
      .stream({ model: 'openai/gpt-4o', max_tokens: 50, messages: HI })
      .finalMessage()
      .catch((error: unknown) => error as Error);
    expect(String(failure)).toContain('the generation was stopped before it was complete');
    expect(ends).toEqual([expect.objectContaining({ outcome: 'error' })]);
  });

  test('a Responses client gets response.failed, not response.completed', async () => {
    local.handler = abortedStream;
    const response = await chatClient().responses.stream({ model: 'local/qwen', input: 'hi' }).finalResponse();
    expect(response.status).toBe('failed');
    expect(response.error?.message).toContain('finish_reason "abort"');
    expect(ends).toEqual([expect.objectContaining({ outcome: 'error' })]);
  });

  test('a whole answer is a 502 on a translated route, and an error in telemetry when passed through', async () => {
    openai.handler = abortedAnswer;
    const anthropicClient = new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
    const failure = await anthropicClient.messages
      .create({ model: 'openai/gpt-4o', max_tokens: 50, messages: HI })
      .catch((error: unknown) => error as InstanceType<typeof Anthropic.APIError>);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(failure).toMatchObject({ status: 502, message: expect.stringContaining('the generation was stopped before it was complete') as unknown });

    local.handler = abortedAnswer;
    const completion = await chatClient().chat.completions.create({ model: 'local/qwen', messages: HI });
    expect(completion.choices[0]?.finish_reason).toBe('abort');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
  });
});

describe('OpenRouter’s "Provider returned error", whose reason is in error.metadata.raw', () => {
  /**
   * OpenRouter wraps a provider's refusal as `{"error":{"message":"Provider returned error","code":400,
   * "metadata":{"raw":"<the provider's own error body, JSON in a string, or plain text>",
   * "provider_name":"..."}}}` (openrouter.ai/docs/api/reference/errors-and-debugging;
   * OpenRouterTeam/ai-sdk-provider#428, open-webui/computer#293, diegosouzapw/OmniRoute#3044).
   * "Provider returned error" alone tells a Claude Code user nothing: the reason (its max_tokens over
   * the model's limit, a rate limit upstream) must reach every client.
   */
  const REASON = 'max_tokens: 64000 > 8192, which is the maximum allowed number of output tokens for this model';
  const refusal = {
    error: {
      message: 'Provider returned error',
      code: 400,
      metadata: { raw: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: REASON } }), provider_name: 'Anthropic' },
    },
    user_id: 'user_2x',
  };
  const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

  test('an error status reaches the chat, Messages and Responses clients with the provider’s reason', async () => {
    openrouter.handler = (_request, res) => sendJson(res, 400, refusal);
    const chatFailure = await chatClient()
      .chat.completions.create({ model: 'openrouter/anthropic/claude-x', messages: HI })
      .catch((error: unknown) => error as Error & { status?: number });
    expect(chatFailure).toMatchObject({ status: 400, message: expect.stringContaining(REASON) as unknown });

    const messagesFailure = await messagesClient()
      .messages.create({ model: 'openrouter/anthropic/claude-x', max_tokens: 64000, messages: HI, stream: true })
      .catch((error: unknown) => error as Error & { status?: number });
    expect(messagesFailure).toMatchObject({ status: 400, message: expect.stringContaining(REASON) as unknown });

    const responsesFailure = await chatClient()
      .responses.create({ model: 'openrouter/anthropic/claude-x', input: 'hi' })
      .catch((error: unknown) => error as Error & { status?: number });
    expect(responsesFailure).toMatchObject({ status: 400, message: expect.stringContaining(REASON) as unknown });
  });

  test('a rate limit reported in the stream ends it with its reason, raw as plain text', async () => {
    const reason = 'z-ai/glm-5.3-flash is temporarily rate-limited upstream. Please retry shortly';
    openrouter.handler = (_request, res) =>
      sendFrames(res, [
        chatChunkFrame(IDENTITY, { role: 'assistant', content: 'Partial' }),
        dataFrame({
          ...IDENTITY,
          object: 'chat.completion.chunk',
          error: { message: 'Provider returned error', code: 429, metadata: { raw: reason, provider_name: 'BaseTen' } },
          choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }],
        }),
      ]);
    // A chat client gets the provider's frame as it is (its SDK throws on it, with the metadata in
    // `error.error`), then the router's frame, which says why.
    const chat = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openrouter/z-ai/glm', messages: HI, stream: true }),
    });
    expect(chatStreamPayloads(await chat.text()).at(-1)).toEqual({
      error: expect.objectContaining({ message: `Provider returned error (BaseTen): ${reason}` }) as unknown,
    });

    const messagesFailure = await messagesClient()
      .messages.stream({ model: 'openrouter/z-ai/glm', max_tokens: 50, messages: HI })
      .finalMessage()
      .catch((error: unknown) => error as Error);
    expect(String(messagesFailure)).toContain(reason);
  });

  test('a whole answer that is only that error, with a 200, reaches a Messages client with the reason', async () => {
    openrouter.handler = (_request, res) => sendJson(res, 200, refusal);
    const failure = await messagesClient()
      .messages.create({ model: 'openrouter/anthropic/claude-x', max_tokens: 8000, messages: HI })
      .catch((error: unknown) => error as Error & { status?: number });
    expect(failure).toMatchObject({ status: 400, message: expect.stringContaining(REASON) as unknown });
  });
});

describe('Mistral’s reasoning models answer with `content` as parts, thinking parts first, streamed too', () => {
  /**
   * Magistral (and Mistral Small with `reasoning_effort`) sends `content` as an array of
   * `{type: "thinking", thinking: [{type: "text", text}]}` and `{type: "text", text}` parts, in
   * whole answers and in stream deltas (braintrustdata/braintrust-sdk-javascript#1857,
   * prism-php/prism#862, spring-projects/spring-ai#5020). Translated, the deltas' text was lost
   * (a Messages or Responses client got an empty answer), and the thinking parts always were.
   */
  const THOUGHT = 'The user greets me.';
  const thinking = (text: string): Record<string, unknown> => ({ type: 'thinking', thinking: [{ type: 'text', text }] });
  const answerInParts = (_request: unknown, res: ServerResponse, stream: boolean): void => {
    if (!stream) {
      sendJson(res, 200, {
        ...chatCompletion({ role: 'assistant', content: [thinking(THOUGHT), { type: 'text', text: 'Hello!' }] }, 'stop'),
        usage: USAGE,
      });
      return;
    }
    sendFrames(res, [
      chatChunkFrame(IDENTITY, { role: 'assistant', content: [thinking('The user ')] }),
      chatChunkFrame(IDENTITY, { content: [thinking('greets me.')] }),
      chatChunkFrame(IDENTITY, { content: [{ type: 'text', text: 'Hello' }] }),
      chatChunkFrame(IDENTITY, { content: '!' }),
      chatChunkFrame(IDENTITY, {}, 'stop'),
      DONE_FRAME,
    ]);
  };
  const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

  test.each([false, true])('a Messages client gets the thinking and the text, streamed %s', async (stream) => {
    openai.handler = (request, res) => answerInParts(request, res, stream);
    const params = { model: 'openai/magistral-medium', max_tokens: 64, messages: HI };
    const message = stream ? await messagesClient().messages.stream(params).finalMessage() : await messagesClient().messages.create(params);
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: THOUGHT }),
      expect.objectContaining({ type: 'text', text: 'Hello!' }),
    ]);
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok' })]);
    // Streamed, the times of the first reasoning and the first text are both taken.
    if (stream) expect(ends[0]).toMatchObject({ firstReasoningMs: expect.any(Number) as unknown, firstTokenMs: expect.any(Number) as unknown });
  });

  test.each([false, true])('a Responses client gets a reasoning item and the text, streamed %s', async (stream) => {
    local.handler = (request, res) => answerInParts(request, res, stream);
    const params = { model: 'local/magistral-small', input: 'hi' };
    const response = stream ? await chatClient().responses.stream(params).finalResponse() : await chatClient().responses.create(params);
    expect(response.output_text).toBe('Hello!');
    expect(response.output).toContainEqual(expect.objectContaining({ type: 'reasoning', content: [{ type: 'reasoning_text', text: THOUGHT }] }));
  });

  test('a chat client gets the answer as the provider wrote it, and the conversation record reads its parts', async () => {
    const observed = observe();
    const logged = await startHost({ env: envFor({ openrouter, openai, local }), conversationLogger: observed.conversationLogger });
    try {
      openai.handler = (request, res) => answerInParts(request, res, false);
      const completion = await new OpenAI({ apiKey: 'host-token', baseURL: `${logged.url}/v1`, maxRetries: 0 }).chat.completions.create({
        model: 'openai/magistral-medium',
        messages: HI,
      });
      expect(completion.choices[0]!.message.content).toEqual([thinking(THOUGHT), { type: 'text', text: 'Hello!' }]);
      await waitUntil(() => observed.records.length > 0, 2000, 'the conversation record');
      expect(observed.records).toEqual([
        expect.objectContaining({ response: expect.objectContaining({ text: 'Hello!', reasoning: THOUGHT }) as unknown }),
      ]);
    } finally {
      await logged.close();
    }
  });
});

describe('Gemini’s OpenAI-compatible endpoint sends its errors wrapped in an array', () => {
  /**
   * `[{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}]`, as quoted in
   * discuss.ai.google.dev/t/openai-api-compatibility-broken-due-to-thought-signature-on-gemini-3-pro-preview/109823.
   * The router quoted the whole body as the message.
   */
  const MESSAGE = 'Function call is missing a thought_signature in functionCall parts.';
  const sendGeminiError = (_request: unknown, res: ServerResponse): void => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify([{ error: { code: 400, message: MESSAGE, status: 'INVALID_ARGUMENT' } }]));
  };

  test('a Messages client gets Gemini’s message, not the body', async () => {
    openai.handler = sendGeminiError;
    const failure = await rejectionOf(
      new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 }).messages.create({
        model: 'openai/gemini-3-pro',
        max_tokens: 64,
        messages: HI,
      }),
      Anthropic.BadRequestError,
    );
    expect(failure).toMatchObject({ status: 400, message: expect.stringContaining(MESSAGE) as unknown });
    expect(failure.message).not.toContain('INVALID_ARGUMENT');
  });

  test('a Responses client, bridged, gets Gemini’s message, not the body', async () => {
    local.handler = sendGeminiError;
    const failure = await rejectionOf(chatClient().responses.create({ model: 'local/gemini-3-pro', input: 'hi' }), OpenAI.BadRequestError);
    expect(failure).toMatchObject({ status: 400, message: expect.stringContaining(MESSAGE) as unknown });
    expect(failure.message).not.toContain('INVALID_ARGUMENT');
  });
});
