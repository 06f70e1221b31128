/**
 * Probes of the answers the router builds itself on two translated routes, held field by field
 * against what the real provider writes: Messages answers built from a chat completions upstream
 * (`openai/...`; DESIGN.md sections 5, 8, 9), against Anthropic's recorded message and streams and
 * the `@anthropic-ai/sdk` types; and chat completions built from Anthropic (`anthropic/...`),
 * against OpenAI's recorded completion and stream and the `openai` SDK. Each answer is read raw and
 * through the SDK, streamed (`finalMessage()`, `finalChatCompletion()`) and not, and the two held equal.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureEvents, fixtureJson, fixtureText } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { eventSequence, parseAnthropicSse } from '../support/messages-stream';
import { chatStreamPayloads } from '../support/chat-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicMessage, anthropicStreamFrames, chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

type Json = Record<string, unknown>;

let openai: FakeUpstream, anthropic: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [openai, anthropic] = await startFakeUpstreams('openai', 'anthropic');
  host = await startHost({ env: envFor({ openai, anthropic }) });
});
afterEach(() => [openai, anthropic].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, anthropic].map((fake) => fake.close()));
});

const anthropicClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
const openaiClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const keys = (value: unknown): string[] => Object.keys(value as Json).sort();

async function post(path: string, body: Json): Promise<string> {
  const response = await fetch(`${host.url}/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** What an upstream answers: its parts, how it finished, its usage. */
interface Answer {
  reasoning?: string;
  text?: string;
  calls?: { id: string; name: string; args: string }[];
  finish: string;
  usage?: Json;
}

const CHAT_USAGE = { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 };

/** OpenAI's chat answer, streamed (role chunk, each part, finish, usage, [DONE]) or whole. */
function chatAnswer(answer: Answer) {
  const identity = { id: 'chatcmpl-probe', created: 1741569952, model: 'gpt-4.1-2025-04-14' };
  const usage = answer.usage ?? CHAT_USAGE;
  return (request: { body?: Json }, res: ServerResponse): void => {
    if (request.body?.stream !== true) {
      const message: Json = { role: 'assistant', content: answer.text ?? null, refusal: null, annotations: [] };
      if (answer.reasoning) message.reasoning_content = answer.reasoning;
      if (answer.calls)
        message.tool_calls = answer.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
      sendJson(res, 200, { ...chatCompletion(message, answer.finish, { logprobs: null }), ...identity, object: 'chat.completion', usage });
      return;
    }
    const frames = [
      chatChunkFrame(identity, { role: 'assistant', content: answer.text === undefined ? null : '', refusal: null }, null, { logprobs: true }),
    ];
    if (answer.reasoning) frames.push(chatChunkFrame(identity, { reasoning_content: answer.reasoning }, null, { logprobs: true }));
    if (answer.text) frames.push(chatChunkFrame(identity, { content: answer.text }, null, { logprobs: true }));
    answer.calls?.forEach((call, index) => {
      frames.push(
        chatChunkFrame(identity, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null, {
          logprobs: true,
        }),
        chatChunkFrame(identity, { tool_calls: [{ index, function: { arguments: call.args } }] }, null, { logprobs: true }),
      );
    });
    frames.push(chatChunkFrame(identity, {}, answer.finish, { logprobs: true }), chatUsageFrame(identity, usage), DONE_FRAME);
    sendFrames(res, frames);
  };
}

const ANTHROPIC_USAGE = { input_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 4, output_tokens: 8 };

/** Anthropic's answer, streamed (thinking, text and tool_use blocks) or whole. */
function anthropicAnswer(answer: Answer) {
  const usage = answer.usage ?? ANTHROPIC_USAGE;
  return (request: { body?: Json }, res: ServerResponse): void => {
    if (request.body?.stream !== true) {
      const content: Json[] = [];
      if (answer.reasoning) content.push({ type: 'thinking', thinking: answer.reasoning, signature: 'EqQBsig' });
      if (answer.text) content.push({ type: 'text', text: answer.text });
      for (const call of answer.calls ?? [])
        content.push({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.args) as unknown });
      sendJson(res, 200, anthropicMessage('claude-sonnet-5-5', content, answer.finish, usage as Record<string, number>));
      return;
    }
    const frames = anthropicStreamFrames({
      model: 'claude-sonnet-5-5',
      reasoning: answer.reasoning,
      signature: 'EqQBsig',
      text: answer.text,
      calls: answer.calls,
      stopReason: answer.finish,
      startUsage: { ...usage, output_tokens: 1 },
      // Anthropic's newer streams repeat every count there, cumulative; the recorded ones give output_tokens alone.
      endUsage: (answer.usage ?? { output_tokens: usage.output_tokens }) as Record<string, number>,
    });
    sendFrames(res, frames);
  };
}

const TOOLS = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];

const ASK = [{ role: 'user' as const, content: 'Weather in Oslo?' }];
const MESSAGES_MODEL = 'openai/gpt-4.1';
const CHAT_MODEL = 'anthropic/claude-sonnet-5-5';
const CALL = { id: 'call_1', name: 'get_weather', args: '{"city":"Oslo"}' };

/** `value` without the fields named. */
const without = (value: unknown, ...fields: string[]): Json =>
  Object.fromEntries(Object.entries(value as Json).filter(([field]) => !fields.includes(field)));

describe('Messages built from a chat completions upstream (openai): held to what Anthropic writes', () => {
  const params = { model: MESSAGES_MODEL, max_tokens: 100, messages: ASK, tools: TOOLS };

  test("create(): the message, its blocks and its usage have the keys of Anthropic's recorded message; id msg_, model as asked", async () => {
    const recorded = fixtureJson('anthropic-message.json');
    const recordedBlocks = new Map((recorded.content as Json[]).map((block) => [block.type, keys(block)]));
    openai.handler = chatAnswer({ text: 'Checking.', calls: [CALL], finish: 'tool_calls' });
    const plain = await anthropicClient().messages.create(params);
    expect(keys(plain)).toEqual(keys(recorded));
    expect(plain.id).toMatch(/^msg_[0-9a-f]{32}$/);
    // Section 8: the model as the client asked, not the provider's dated name.
    expect(plain.model).toBe(MESSAGES_MODEL);
    expect(plain.content.map((block) => [block.type, keys(block)])).toEqual([...recordedBlocks]);
    // The provider's id is kept (section 5: the provider gets its own ids back); Anthropic's prefix is not needed.
    expect(plain.content[1]).toMatchObject({ type: 'tool_use', id: 'call_1', input: { city: 'Oslo' } });
    // Anthropic writes both cache counts, 0 when it used no cache; the SDK types them as present.
    expect(keys(plain.usage)).toEqual(keys(recorded.usage));
    expect(plain.usage).toEqual({ input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 8 });
  });

  test("the raw stream: Anthropic's event order; message_start and message_delta carry the recorded keys and every count", async () => {
    const recordedStart = fixtureEvents('anthropic-messages-stream-thinking.sse')
      .map((event) => JSON.parse(event.data) as Json)
      .find((data) => data.type === 'message_start')!.message as Json;
    openai.handler = chatAnswer({ reasoning: 'Hmm.', text: 'Checking.', calls: [CALL], finish: 'tool_calls' });
    const frames = parseAnthropicSse(await post('messages', { ...params, stream: true }));
    expect(eventSequence(frames)).toEqual([
      'message_start',
      ...[0, 1, 2].flatMap((index) => [
        `content_block_start@${index}`,
        `content_block_delta@${index}`,
        ...(index === 0 ? ['content_block_delta@0'] : []),
        `content_block_stop@${index}`,
      ]),
      'message_delta',
      'message_stop',
    ]);
    const start = frames[0]!.data.message as Json;
    expect(keys(start)).toEqual(keys(recordedStart));
    expect(keys(start.usage)).toEqual(keys(recordedStart.usage));
    expect(start).toMatchObject({ model: MESSAGES_MODEL, content: [], stop_reason: null, stop_sequence: null });
    const delta = frames.at(-2)!.data;
    expect(keys(delta.delta)).toEqual(['stop_reason', 'stop_sequence']);
    // The counts come with the chat stream's last chunk: message_delta carries them all, cumulative, as Anthropic's newer streams do.
    expect(delta.usage).toEqual({ input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 8 });
  });

  const FINISHES: ReadonlyArray<[finish: string | null, stopReason: string, answer: Omit<Answer, 'finish'>]> = [
    ['stop', 'end_turn', { text: 'Hello.' }],
    ['length', 'max_tokens', { reasoning: 'Hmm.', text: 'Hel' }],
    ['tool_calls', 'tool_use', { reasoning: 'Hmm.', text: 'Checking.', calls: [CALL] }],
    ['function_call', 'tool_use', { calls: [CALL] }],
    ['content_filter', 'refusal', { text: 'I can' }],
    [null, 'end_turn', { text: 'Hello.' }],
    ['stop', 'end_turn', {}],
  ];
  const USAGES: readonly Json[] = [
    CHAT_USAGE,
    { prompt_tokens: 30, completion_tokens: 8, total_tokens: 38, prompt_tokens_details: { cached_tokens: 20, cache_write_tokens: 6 } },
  ];

  test.each(FINISHES)('finish_reason %s: stop_reason %s, and stream().finalMessage() equals create()', async (finish, stopReason, answer) => {
    for (const usage of USAGES) {
      openai.handler = chatAnswer({ ...answer, finish: finish as string, usage });
      const plain = await anthropicClient().messages.create(params);
      const streamed = await anthropicClient().messages.stream(params).finalMessage();
      expect(plain.stop_reason).toBe(stopReason);
      expect(keys(plain.usage)).toEqual(['cache_creation_input_tokens', 'cache_read_input_tokens', 'input_tokens', 'output_tokens']);
      // parsed_output is the SDK's own.
      expect({ ...without(streamed, 'parsed_output'), id: plain.id }).toEqual(plain);
    }
  });
});

describe('Messages built from a chat completions upstream (openai): the reasoning tokens', () => {
  test("the provider's reasoning_tokens are Anthropic's output_tokens_details.thinking_tokens, in create(), message_delta and finalMessage()", async () => {
    const usage = { ...CHAT_USAGE, completion_tokens_details: { reasoning_tokens: 5 } };
    const expected = {
      input_tokens: 12,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 8,
      output_tokens_details: { thinking_tokens: 5 },
    };
    openai.handler = chatAnswer({ reasoning: 'Hmm.', text: 'Hello.', finish: 'stop', usage });
    const params = { model: MESSAGES_MODEL, max_tokens: 100, messages: ASK };
    const plain = await anthropicClient().messages.create(params);
    expect(plain.usage).toEqual(expected);
    const frames = parseAnthropicSse(await post('messages', { ...params, stream: true }));
    expect(frames.find((frame) => frame.event === 'message_delta')!.data.usage).toEqual(expected);
    expect((await anthropicClient().messages.stream(params).finalMessage()).usage).toEqual(expected);
  });
});

describe('chat completions built from an Anthropic upstream: held to what OpenAI writes', () => {
  const recorded = fixtureJson('openai-chat.json');
  const recordedChoice = (recorded.choices as Json[])[0]!;

  test("create(): the completion and its choice have the keys of OpenAI's recorded one; id and model Anthropic's (section 5)", async () => {
    anthropic.handler = anthropicAnswer({ text: 'Hello.', finish: 'end_turn' });
    const before = Math.floor(Date.now() / 1000);
    const plain = await openaiClient().chat.completions.create({ model: CHAT_MODEL, messages: ASK });
    // `service_tier` says how OpenAI served the request: Anthropic's tiers are not OpenAI's, and none is claimed.
    expect(keys(plain)).toEqual(keys(recorded).filter((key) => key !== 'service_tier'));
    expect(keys(plain.choices[0])).toEqual(keys(recordedChoice));
    // `annotations` are the URL citations of OpenAI's web search, which Anthropic's answer cannot hold.
    expect(keys(plain.choices[0]!.message)).toEqual(keys(recordedChoice.message).filter((key) => key !== 'annotations'));
    expect(plain).toMatchObject({ id: 'msg_1', object: 'chat.completion', model: 'claude-sonnet-5-5' });
    expect(plain.choices[0]).toMatchObject({ index: 0, logprobs: null, message: { role: 'assistant', content: 'Hello.', refusal: null } });
    expect(plain.created).toBeGreaterThanOrEqual(before);
    // Cache reads are OpenAI's cached_tokens; prompt_tokens counts them in (section 5).
    expect(plain.usage).toEqual({ prompt_tokens: 12, completion_tokens: 8, total_tokens: 20, prompt_tokens_details: { cached_tokens: 4 } });
  });

  test("the raw stream with include_usage: chunks of OpenAI's recorded keys, usage null on each but the last (as OpenAI documents), then [DONE]", async () => {
    const recordedChunks = chatStreamPayloads(fixtureText('openai-chat-stream-usage.sse')).filter((payload): payload is Json => payload !== '[DONE]');
    const chunkKeys = keys(recordedChunks[0]).filter((key) => key !== 'service_tier' && key !== 'system_fingerprint');
    expect(recordedChunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    anthropic.handler = anthropicAnswer({ text: 'Checking.', calls: [{ ...CALL, id: 'toolu_1' }], finish: 'tool_use' });
    const payloads = chatStreamPayloads(
      await post('chat/completions', { model: CHAT_MODEL, messages: ASK, stream: true, stream_options: { include_usage: true } }),
    );
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1) as Json[];
    for (const chunk of chunks) expect(keys(chunk)).toEqual(chunkKeys);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.usage).toBeNull();
      expect(keys((chunk.choices as Json[])[0])).toEqual(keys((recordedChunks[0]!.choices as Json[])[0]));
    }
    expect((chunks[0]!.choices as Json[])[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } });
  });

  test('the raw stream without include_usage: no usage anywhere, as OpenAI writes it', async () => {
    anthropic.handler = anthropicAnswer({ text: 'Hello.', finish: 'end_turn' });
    const payloads = chatStreamPayloads(await post('chat/completions', { model: CHAT_MODEL, messages: ASK, stream: true }));
    expect(payloads.at(-1)).toBe('[DONE]');
    for (const chunk of payloads.slice(0, -1) as Json[]) {
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk.choices).toHaveLength(1);
    }
  });

  test("an answer of tool calls only: content null in create(), as OpenAI's; '' in finalChatCompletion(), from section 5's role chunk", async () => {
    anthropic.handler = anthropicAnswer({ calls: [{ ...CALL, id: 'toolu_1' }], finish: 'tool_use' });
    const plain = await openaiClient().chat.completions.create({ model: CHAT_MODEL, messages: ASK });
    const streamed = await openaiClient().chat.completions.stream({ model: CHAT_MODEL, messages: ASK }).finalChatCompletion();
    expect(plain.choices[0]!.message.content).toBeNull();
    // The role chunk goes out at message_start, before the router knows whether text will come
    // (DESIGN section 5 writes it `content: ""`); OpenAI, which knows, writes null there.
    expect(streamed.choices[0]!.message.content).toBe('');
    expect(streamed.choices[0]!.message.tool_calls).toEqual(plain.choices[0]!.message.tool_calls);
  });

  const STOPS: ReadonlyArray<[stopReason: string, finishReason: string, answer: Omit<Answer, 'finish'>]> = [
    ['end_turn', 'stop', { text: 'Hello.' }],
    ['stop_sequence', 'stop', { text: 'Hello.' }],
    ['max_tokens', 'length', { reasoning: 'Hmm.', text: 'Hel' }],
    ['tool_use', 'tool_calls', { reasoning: 'Hmm.', text: 'Checking.', calls: [{ ...CALL, id: 'toolu_1' }] }],
    ['refusal', 'content_filter', { text: 'I can' }],
    ['pause_turn', 'stop', { text: 'Searching.' }],
    ['model_context_window_exceeded', 'length', { text: 'Hel' }],
  ];
  const USAGE_WITH_WRITES = {
    input_tokens: 8,
    cache_creation_input_tokens: 6,
    cache_read_input_tokens: 4,
    output_tokens: 8,
    output_tokens_details: { thinking_tokens: 3 },
  };

  test.each(STOPS)(
    'stop_reason %s: finish_reason %s, and stream().finalChatCompletion() equals create()',
    async (stopReason, finishReason, answer) => {
      anthropic.handler = anthropicAnswer({ ...answer, finish: stopReason, usage: USAGE_WITH_WRITES });
      const plain = await openaiClient().chat.completions.create({ model: CHAT_MODEL, messages: ASK });
      const streamed = await openaiClient()
        .chat.completions.stream({ model: CHAT_MODEL, messages: ASK, stream_options: { include_usage: true } })
        .finalChatCompletion();
      expect(plain.choices[0]!.finish_reason).toBe(finishReason);
      // Cache writes count in the prompt, beside cached_tokens (the reads) as OpenRouter reports them; thinking tokens are reasoning tokens (section 10).
      expect(plain.usage).toEqual({
        prompt_tokens: 18,
        completion_tokens: 8,
        total_tokens: 26,
        prompt_tokens_details: { cached_tokens: 4, cache_write_tokens: 6 },
        completion_tokens_details: { reasoning_tokens: 3 },
      });
      // The SDK keeps only the last streamed reasoning_details entry (an OpenRouter field it does not know); parsed is its own;
      // created is each request's second.
      expect(Math.abs(streamed.created - plain.created)).toBeLessThanOrEqual(1);
      const comparable = (completion: Json): Json => {
        const [choice] = completion.choices as Json[];
        const message = without(choice!.message, 'reasoning_details', 'parsed');
        return { ...completion, created: 0, choices: [{ ...choice, message }] };
      };
      expect(comparable(streamed as unknown as Json)).toEqual(comparable(plain as unknown as Json));
    },
  );
});
