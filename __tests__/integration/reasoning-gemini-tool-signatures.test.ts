/**
 * Gemini's own OpenAI-compatible API signs each tool call it makes in the call's `extra_content`
 * (`{google: {thought_signature}}`), and refuses the next request with a 400 when a call of the
 * turn comes back without it. Messages and Responses clients have no such field: the router
 * carries it in its envelope (DESIGN section 10) and restores it on the same call, for the same
 * provider and model only. Real HTTP, the clients' own SDKs, and a fake Gemini that refuses as
 * Gemini does.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { startFakeUpstreams, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

const PRO = 'gemini-3-pro-preview';
const FLASH = 'gemini-3-flash-preview';
const SIGNATURE = { google: { thought_signature: 'CiQBjz1rX7pro-signature-of-the-Read-call==' } };
const TEXT_SIGNATURE = { google: { thought_signature: 'CiQBjz1rX7text-signature==' } };
/** Gemini signs the first call of a turn; a parallel call after it has no signature of its own. */
const CALLS = [
  { id: 'function-call-5395485218181741378', type: 'function', function: { name: 'Read', arguments: '{"path":"a.txt"}' }, extra_content: SIGNATURE },
  { id: 'function-call-5395485218181741379', type: 'function', function: { name: 'Read', arguments: '{"path":"b.txt"}' } },
];

let gemini: FakeUpstream, local: FakeUpstream;
let host: Host;
/** The calls the fake Gemini made, by id: who made them and with what `extra_content`. */
const issued = new Map<string, { model: string; extra: unknown }>();

beforeAll(async () => {
  [gemini, local] = await startFakeUpstreams('local', 'local');
  host = await startHost({
    env: {
      ...envFor({}),
      // Another OpenAI-compatible provider, on chat completions for every client (llama-server serves Messages itself).
      OPENAI_COMPATIBLE_PROVIDERS: 'gemini,groq',
      GEMINI_BASE_URL: gemini.baseUrl,
      GEMINI_API_KEY: 'gemini-key',
      GROQ_BASE_URL: local.baseUrl,
      GROQ_API_KEY: 'groq-key',
    },
  });
});
beforeEach(() => {
  issued.clear();
  gemini.handler = answerAsGemini;
});
afterEach(() => [gemini, local].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([gemini, local].map((fake) => fake.close()));
});

/**
 * Gemini as it answers: the calls first (signed, streamed or not), and once the tool results come
 * back, a text answer, unless a call it made with that model comes back without its exact
 * `extra_content` (Gemini's own 400, in the array its OpenAI-compatible API wraps errors in).
 */
function answerAsGemini(request: RecordedRequest, res: ServerResponse): void {
  const body = request.body ?? {};
  const model = String(body.model);
  const messages = (body.messages ?? []) as Array<{
    role: string;
    tool_calls?: Array<{ id: string; function: { name: string }; extra_content?: unknown }>;
  }>;
  for (const call of messages.flatMap((message) => (message.role === 'assistant' ? (message.tool_calls ?? []) : []))) {
    const made = issued.get(call.id);
    if (made && made.model === model && !isDeepStrictEqual(call.extra_content, made.extra)) {
      sendJson(res, 400, [
        {
          error: {
            code: 400,
            message: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${call.function.name}\` , position 2. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
            status: 'INVALID_ARGUMENT',
          },
        },
      ]);
      return;
    }
  }
  const identity = { id: 'gemini-1', created: 1, model };
  const answered = messages.some((message) => message.role === 'tool');
  if (!answered) for (const call of CALLS) issued.set(call.id, { model, extra: call.extra_content });
  if (body.stream !== true) {
    const message = answered
      ? { role: 'assistant', content: 'They say hello.', extra_content: TEXT_SIGNATURE }
      : { role: 'assistant', content: null, tool_calls: CALLS };
    sendJson(res, 200, { ...chatCompletion(message, answered ? 'stop' : 'tool_calls'), model });
    return;
  }
  const usage = chatUsageFrame(identity, { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 });
  if (answered) {
    sendFrames(res, [
      chatChunkFrame(identity, { role: 'assistant', content: 'They say hello.', extra_content: TEXT_SIGNATURE }),
      chatChunkFrame(identity, {}, 'stop'),
      usage,
      DONE_FRAME,
    ]);
    return;
  }
  sendFrames(res, [
    chatChunkFrame(identity, { role: 'assistant', content: 'Reading both.', extra_content: TEXT_SIGNATURE }),
    chatChunkFrame(identity, { tool_calls: CALLS.map((call, index) => ({ index, ...call })) }, 'tool_calls'),
    usage,
    DONE_FRAME,
  ]);
}

/** The assistant turn with calls that `fake` received last. */
function sentCalls(fake: FakeUpstream): Array<Record<string, unknown>> {
  const messages = (fake.requests.at(-1)?.body?.messages ?? []) as Array<Record<string, unknown>>;
  const turn = messages.find((message) => message.role === 'assistant' && Array.isArray(message.tool_calls));
  if (!turn) throw new Error(`${fake.kind} received no assistant turn with calls`);
  return turn.tool_calls as Array<Record<string, unknown>>;
}

describe('Messages clients (the Anthropic SDK) on Gemini translated', () => {
  const anthropic = (): Anthropic => new Anthropic({ apiKey: 'x', baseURL: host.url, maxRetries: 0 });
  const question = {
    max_tokens: 2000,
    tools: [{ name: 'Read', input_schema: { type: 'object' as const } }],
    messages: [{ role: 'user' as const, content: 'Read a.txt and b.txt' }],
  };
  const followUp = (model: string, answer: Anthropic.ContentBlock[]): Anthropic.MessageCreateParamsNonStreaming => ({
    ...question,
    model,
    messages: [
      ...question.messages,
      { role: 'assistant', content: answer as Anthropic.ContentBlockParam[] },
      {
        role: 'user',
        content: CALLS.map((call) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: 'hello' })),
      },
    ],
  });

  test('not streamed: the tool loop goes back to Gemini with each call signed as Gemini signed it', async () => {
    const answer = await anthropic().messages.create({ ...question, model: `gemini/${PRO}` });
    const second = await anthropic().messages.create(followUp(`gemini/${PRO}`, answer.content));
    expect(gemini.requests).toHaveLength(2);
    expect(sentCalls(gemini)[0]!.extra_content).toEqual(SIGNATURE);
    expect(sentCalls(gemini)[1]).not.toHaveProperty('extra_content');
    expect(second.content).toEqual([{ type: 'text', text: 'They say hello.' }]);
    // Where it rode: the signature of a thinking block of the router's, before the calls.
    expect(answer.content.map((block) => block.type)).toEqual(['thinking', 'tool_use', 'tool_use']);
    expect(answer.content[0]).toMatchObject({ thinking: '', signature: expect.stringMatching(/^epr1\./) });
  });

  test('streamed (stream().finalMessage()): the same round trip, the signature in a thinking block after the calls', async () => {
    const answer = await anthropic()
      .messages.stream({ ...question, model: `gemini/${PRO}` })
      .finalMessage();
    const second = await anthropic()
      .messages.stream(followUp(`gemini/${PRO}`, answer.content))
      .finalMessage();
    expect(sentCalls(gemini).map((call) => call.extra_content)).toEqual([SIGNATURE, undefined]);
    expect(second.content).toEqual([{ type: 'text', text: 'They say hello.' }]);
    expect(answer.content.map((block) => block.type)).toEqual(['text', 'tool_use', 'tool_use', 'thinking']);
  });

  test('another model of Gemini, or another provider, gets no extra_content', async () => {
    const answer = await anthropic().messages.create({ ...question, model: `gemini/${PRO}` });

    await anthropic().messages.create(followUp(`gemini/${FLASH}`, answer.content));
    expect(sentCalls(gemini).map((call) => call.extra_content)).toEqual([undefined, undefined]);

    await anthropic().messages.create(followUp('groq/qwen3', answer.content));
    expect(sentCalls(local).map((call) => call.extra_content)).toEqual([undefined, undefined]);
  });
});

describe('Responses clients (the openai SDK) on Gemini bridged through chat completions', () => {
  const openai = (): OpenAI => new OpenAI({ apiKey: 'x', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'Read', parameters: { type: 'object' }, strict: false }];
  const question: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Read a.txt and b.txt' }];
  const include: OpenAI.Responses.ResponseIncludable[] = ['reasoning.encrypted_content'];
  const followUp = (model: string, output: OpenAI.Responses.ResponseOutputItem[]) => ({
    model,
    tools,
    include,
    store: false,
    input: [
      ...question,
      ...(output as OpenAI.Responses.ResponseInputItem[]),
      ...CALLS.map((call) => ({ type: 'function_call_output' as const, call_id: call.id, output: 'hello' })),
    ],
  });

  test('not streamed: the tool loop goes back to Gemini with each call signed as Gemini signed it', async () => {
    const answer = await openai().responses.create({ model: `gemini/${PRO}`, tools, include, store: false, input: question });
    const second = await openai().responses.create(followUp(`gemini/${PRO}`, answer.output));
    expect(gemini.requests).toHaveLength(2);
    expect(sentCalls(gemini).map((call) => call.extra_content)).toEqual([SIGNATURE, undefined]);
    expect(second.output_text).toBe('They say hello.');
    // Where it rode: the envelope of a reasoning item, before the calls.
    expect(answer.output.map((item) => item.type)).toEqual(['reasoning', 'function_call', 'function_call']);
    expect(answer.output[0]).toMatchObject({ encrypted_content: expect.stringMatching(/^epr1\./) });
  });

  test('streamed (stream().finalResponse()): the same round trip, the signature in a reasoning item after the calls', async () => {
    const answer = await openai()
      .responses.stream({ model: `gemini/${PRO}`, tools, include, store: false, input: question })
      .finalResponse();
    const second = await openai()
      .responses.stream(followUp(`gemini/${PRO}`, answer.output))
      .finalResponse();
    expect(sentCalls(gemini).map((call) => call.extra_content)).toEqual([SIGNATURE, undefined]);
    expect(second.output_text).toBe('They say hello.');
    expect(answer.output.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call', 'reasoning']);
  });

  test('another model of Gemini, or another provider, gets no extra_content', async () => {
    const answer = await openai().responses.create({ model: `gemini/${PRO}`, tools, include, store: false, input: question });

    await openai().responses.create(followUp(`gemini/${FLASH}`, answer.output));
    expect(sentCalls(gemini).map((call) => call.extra_content)).toEqual([undefined, undefined]);

    await openai().responses.create(followUp('groq/qwen3', answer.output));
    expect(sentCalls(local).map((call) => call.extra_content)).toEqual([undefined, undefined]);
  });
});
