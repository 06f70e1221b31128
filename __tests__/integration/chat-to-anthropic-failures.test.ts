/**
 * Chat completions clients (the `openai` SDK) on a Messages upstream (Anthropic) that misbehaves as
 * the real one does: errors before the stream, failures and surprises inside it (an `error` event,
 * a cut, pings only, event and block types the translation does not know), the stop reasons and
 * usage it reports, and request fields it takes differently. The SDK's helpers (`create`,
 * `.stream()` + `finalChatCompletion()`, `runTools`) must neither throw on a good answer nor
 * assemble a wrong one; a failure reaches them as an error carrying Anthropic's reason.
 */
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { KEYS } from '../support/keys';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { chatStreamPayloads, errorFrames } from '../support/chat-stream';
import { sendFrames, sendJson, writeSlowly } from '../support/upstream-answers';
import { anthropicEvent, messageStartFrame } from '../support/wire-frames';
import { clientFor, functionOf, postChat } from './anthropic-adapter.helpers';
import type { RequestEndEvent } from '../../lib';

type ChatCompletionChunk = OpenAI.Chat.Completions.ChatCompletionChunk;

const MODEL = 'anthropic/claude-sonnet-5-5';
const HELLO: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];
const tool = (name: string): OpenAI.Chat.Completions.ChatCompletionFunctionTool => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } } } },
});

let anthropic: FakeUpstream;
/** Idle timeout 300 ms, so that a silence can be waited for. */
let host: Host;
let client: OpenAI;
const ends: RequestEndEvent[] = [];

beforeAll(async () => {
  [anthropic] = await startFakeUpstreams('anthropic');
  host = await startHost({ env: { ...envFor({ anthropic }), PROVIDER_IDLE_TIMEOUT_MS: '300' } });
  host.router.telemetry.on('request.end', (event) => void ends.push(event));
  client = clientFor(host);
});
beforeEach(() => {
  anthropic.reset();
  ends.length = 0;
});
afterAll(async () => {
  await host?.close();
  await anthropic?.close();
});

const start = messageStartFrame('msg_1', 'claude-sonnet-5-5');
const textBlock = (index: number, ...texts: string[]): string[] => [
  anthropicEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }),
  ...texts.map((text) => anthropicEvent('content_block_delta', { index, delta: { type: 'text_delta', text } })),
  anthropicEvent('content_block_stop', { index }),
];
const toolBlock = (index: number, id: string, name: string, ...pieces: string[]): string[] => [
  anthropicEvent('content_block_start', { index, content_block: { type: 'tool_use', id, name, input: {} } }),
  ...pieces.map((partial_json) => anthropicEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } })),
  anthropicEvent('content_block_stop', { index }),
];
const end = (stopReason: string, usage: Record<string, unknown> = { output_tokens: 9 }): string[] => [
  anthropicEvent('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage }),
  anthropicEvent('message_stop'),
];
const streamOf = (frames: string[]): void => {
  anthropic.handler = (_request, res) => sendFrames(res, frames);
};
/** A Messages API answer (`stop_reason` null: a stream's `message_start`). */
const messageOf = (content: unknown[], stopReason: string | null, usage: Record<string, unknown> = { input_tokens: 5, output_tokens: 9 }) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-5-5',
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage,
});

/** The answer as the SDK's stream helper assembles it. */
function finalOf(params: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming> = {}): Promise<OpenAI.Chat.Completions.ChatCompletion> {
  return client.chat.completions.stream({ model: MODEL, messages: HELLO, ...params }).finalChatCompletion();
}

describe('errors before the stream', () => {
  test('an Anthropic 413 reaches the SDK as a 413 with its message, streamed or not, and nothing else is sent', async () => {
    anthropic.handler = (_request, res) =>
      sendJson(res, 413, { type: 'error', error: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' } });
    for (const call of [() => client.chat.completions.create({ model: MODEL, messages: HELLO }), () => finalOf()]) {
      const error = await rejectionOf(call(), OpenAI.APIError);
      expect(error.status).toBe(413);
      expect(error.error).toMatchObject({ message: 'Request exceeds the maximum allowed number of bytes.', type: 'request_too_large' });
    }
    expect(anthropic.requests).toHaveLength(2);
  });

  test('an Anthropic 529 overloaded keeps its status for the stream helper and runTools, with the message', async () => {
    anthropic.handler = (_request, res) => sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const streamed = await rejectionOf(finalOf(), OpenAI.APIError);
    expect(streamed.status).toBe(529);
    expect(streamed.error).toMatchObject({ message: 'Overloaded', type: 'overloaded_error' });
    const runner = client.chat.completions.runTools({
      model: MODEL,
      messages: HELLO,
      tools: [{ type: 'function', function: { name: 'noop', description: 'Does nothing', parameters: { type: 'object' }, function: () => 'ok' } }],
    });
    const ran = await rejectionOf(runner.finalChatCompletion(), OpenAI.APIError);
    expect(ran.status).toBe(529);
    expect(ends.map((e) => [e.status, e.outcome])).toEqual([
      [529, 'error'],
      [529, 'error'],
    ]);
  });

  test('an Anthropic 429 keeps retry-after for the stream helper', async () => {
    anthropic.handler = (_request, res) =>
      sendJson(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } }, { 'retry-after': '3' });
    const error = await rejectionOf(finalOf(), OpenAI.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('3');
    expect(error.error).toMatchObject({ message: 'Rate limited' });
  });

  test('an Anthropic 401 that echoes the key reaches a streaming client without the key', async () => {
    anthropic.handler = (_request, res) =>
      sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEYS.anthropic}` } });
    const error = await rejectionOf(finalOf(), OpenAI.AuthenticationError);
    expect(error.error).toMatchObject({ type: 'authentication_error', message: expect.stringMatching(/^invalid x-api-key/) as unknown });
    expect(JSON.stringify(error.error) + error.message).not.toContain(KEYS.anthropic.slice(-12));
  });
});

describe('failures inside the stream', () => {
  test('an overloaded `event: error` after text: the stream helper rejects with its message and the raw stream ends with the error frame', async () => {
    const frames = [
      start,
      ...textBlock(0, 'Hel').slice(0, 2),
      anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
    ];
    streamOf(frames);
    const error = await rejectionOf(finalOf(), OpenAI.APIError);
    expect(error.message).toContain('Overloaded');

    const response = await postChat(host, { model: MODEL, messages: HELLO, stream: true });
    const payloads = chatStreamPayloads(await response.text());
    expect(payloads.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error', code: null } });
    expect(payloads).not.toContain('[DONE]');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error', status: 200 });
  });

  test('a stream cut after its message_delta, before message_stop, is an error, not a finished answer', async () => {
    streamOf([start, ...textBlock(0, 'Hello'), ...end('end_turn').slice(0, 1)]);
    const error = await rejectionOf(finalOf(), Error);
    expect(error.message).toMatch(/ended before its terminator/);
    const response = await postChat(host, { model: MODEL, messages: HELLO, stream: true });
    const text = await response.text();
    expect(errorFrames(text)).toEqual([expect.objectContaining({ message: expect.stringMatching(/ended before its terminator/) as unknown })]);
    expect(text).not.toContain('[DONE]');
  });

  test('pings through a silence longer than the idle timeout keep the stream alive, and reach the client only as comments', async () => {
    const ping = anthropicEvent('ping');
    anthropic.handler = (_request, res) =>
      void writeSlowly(res, [start, ping, ping, ping, ping, ping, ...textBlock(0, 'Hello'), ...end('end_turn')], 100);
    const response = await postChat(host, { model: MODEL, messages: HELLO, stream: true });
    const text = await response.text();
    expect(text).not.toContain('ping');
    expect(text.match(/^: keep-alive$/gm)).toHaveLength(5);
    const payloads = chatStreamPayloads(text);
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(errorFrames(text)).toEqual([]);
  });

  test('server tool blocks, citations, signature deltas and event types it does not know are left out; the answer is the rest', async () => {
    const frames = [
      start,
      anthropicEvent('content_block_start', {
        index: 0,
        content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
      }),
      anthropicEvent('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"query":"weather"}' } }),
      anthropicEvent('content_block_stop', { index: 0 }),
      anthropicEvent('content_block_start', {
        index: 1,
        content_block: {
          type: 'web_search_tool_result',
          tool_use_id: 'srvtoolu_1',
          content: [{ type: 'web_search_result', url: 'https://x.test', title: 'X' }],
        },
      }),
      anthropicEvent('content_block_stop', { index: 1 }),
      anthropicEvent('content_block_start', { index: 2, content_block: { type: 'text', text: '', citations: [] } }),
      anthropicEvent('content_block_delta', { index: 2, delta: { type: 'text_delta', text: 'Sunny' } }),
      anthropicEvent('content_block_delta', {
        index: 2,
        delta: { type: 'citations_delta', citation: { type: 'web_search_result_location', url: 'https://x.test', cited_text: 'sun' } },
      }),
      anthropicEvent('content_block_delta', { index: 2, delta: { type: 'signature_delta', signature: 'EqSig' } }),
      anthropicEvent('content_block_delta', { index: 2, delta: { type: 'some_future_delta', value: 1 } }),
      anthropicEvent('content_block_stop', { index: 2 }),
      anthropicEvent('some_future_event', { detail: 'x' }),
      anthropicEvent('content_block_start', { index: 3, content_block: { type: 'some_future_block', data: 'x' } }),
      anthropicEvent('content_block_stop', { index: 3 }),
      ...toolBlock(4, 'toolu_1', 'get_weather', '{"city":"Paris"}'),
      ...end('tool_use'),
    ];
    streamOf(frames);
    const completion = await finalOf({ tools: [tool('get_weather')] });
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('Sunny');
    expect(message.tool_calls).toHaveLength(1);
    expect(message.tool_calls![0]!.id).toBe('toolu_1');
    expect(functionOf(message.tool_calls![0]).name).toBe('get_weather');
    expect(JSON.parse(functionOf(message.tool_calls![0]).arguments)).toEqual({ city: 'Paris' });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('a stream missing an event the SDK needs', () => {
  test('without message_delta, the choice still ends with finish_reason stop before [DONE], so the stream helper assembles it', async () => {
    streamOf([start, ...textBlock(0, 'Hello'), anthropicEvent('message_stop')]);
    const completion = await finalOf();
    expect(completion.choices[0]!.message.content).toBe('Hello');
    expect(completion.choices[0]!.finish_reason).toBe('stop');
  });

  test('without message_start, the first chunk carries the role, so the stream helper assembles it', async () => {
    streamOf([...textBlock(0, 'Hello'), ...end('end_turn')]);
    const completion = await finalOf();
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hello' });
    const response = await postChat(host, { model: MODEL, messages: HELLO, stream: true });
    const roles = chatStreamPayloads(await response.text()).flatMap((payload) =>
      typeof payload === 'object' && 'choices' in payload ? [(payload as ChatCompletionChunk).choices[0]?.delta.role] : [],
    );
    expect(roles.filter(Boolean)).toEqual(['assistant']);
    expect(roles[0]).toBe('assistant');
  });
});

describe('tool calls', () => {
  test('two tool_use blocks between texts are tool calls 0 and 1, each with its own arguments, streamed and whole', async () => {
    const frames = [
      start,
      ...textBlock(0, 'Checking ', 'both.'),
      ...toolBlock(1, 'toolu_a', 'get_weather', '{"city":', '"Paris"}'),
      ...textBlock(2, ' And'),
      ...toolBlock(3, 'toolu_b', 'get_time', '{"city":"Rome"}'),
      ...end('tool_use'),
    ];
    streamOf(frames);
    const indexes: number[] = [];
    const runner = client.chat.completions.stream({ model: MODEL, messages: HELLO, tools: [tool('get_weather'), tool('get_time')] });
    runner.on('chunk', (chunk: ChatCompletionChunk) => chunk.choices[0]?.delta.tool_calls?.forEach((call) => indexes.push(call.index)));
    const completion = await runner.finalChatCompletion();
    const message = completion.choices[0]!.message;
    expect(new Set(indexes)).toEqual(new Set([0, 1]));
    expect(message.content).toBe('Checking both. And');
    expect(message.tool_calls!.map((call) => [call.id, functionOf(call).name, JSON.parse(functionOf(call).arguments) as unknown])).toEqual([
      ['toolu_a', 'get_weather', { city: 'Paris' }],
      ['toolu_b', 'get_time', { city: 'Rome' }],
    ]);
  });

  test('a tool_use with no input_json_delta is arguments "{}" for the SDK, next to one that has arguments', async () => {
    streamOf([start, ...toolBlock(0, 'toolu_a', 'get_time'), ...toolBlock(1, 'toolu_b', 'get_weather', '{"city":"Oslo"}'), ...end('tool_use')]);
    const completion = await finalOf({ tools: [tool('get_time'), tool('get_weather')] });
    expect(completion.choices[0]!.message.tool_calls!.map((call) => functionOf(call).arguments)).toEqual(['{}', '{"city":"Oslo"}']);
  });

  test('a tool_use whose input comes whole in content_block_start, with no delta, keeps that input, as the whole answer does', async () => {
    streamOf([
      start,
      anthropicEvent('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Lima' } },
      }),
      anthropicEvent('content_block_stop', { index: 0 }),
      ...end('tool_use'),
    ]);
    const completion = await finalOf({ tools: [tool('get_weather')] });
    expect(JSON.parse(functionOf(completion.choices[0]!.message.tool_calls![0]).arguments)).toEqual({ city: 'Lima' });
  });

  test('runTools runs a tool loop: the call goes back as tool_use, its result as tool_result, and the final answer is the text', async () => {
    let turn = 0;
    anthropic.handler = (_request, res) => {
      turn++;
      sendFrames(
        res,
        turn === 1
          ? [start, ...toolBlock(0, 'toolu_a', 'get_weather', '{"city":"Oslo"}'), ...end('tool_use')]
          : [start, ...textBlock(0, 'It is cold.'), ...end('end_turn')],
      );
    };
    const runner = client.chat.completions.runTools({
      model: MODEL,
      stream: true,
      messages: HELLO,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'The weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            parse: (text: string) => JSON.parse(text) as { city: string },
            function: (args: { city: string }) => `cold in ${args.city}`,
          },
        },
      ],
    });
    expect(await runner.finalContent()).toBe('It is cold.');
    const second = anthropic.requests[1]!.body as { messages: unknown[] };
    expect(second.messages).toEqual([
      { role: 'user', content: 'Say hello' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: 'cold in Oslo' }] },
    ]);
  });
});

describe('stop reasons and usage', () => {
  test.each([
    ['model_context_window_exceeded', 'length'],
    ['pause_turn', 'stop'],
    ['refusal', 'content_filter'],
    ['stop_sequence', 'stop'],
  ])('stop_reason %s is finish_reason %s, streamed and whole', async (stopReason, finishReason) => {
    streamOf([start, ...textBlock(0, 'Once'), ...end(stopReason)]);
    expect((await finalOf()).choices[0]!.finish_reason).toBe(finishReason);
    anthropic.handler = (_request, res) => sendJson(res, 200, messageOf([{ type: 'text', text: 'Once' }], stopReason));
    expect((await client.chat.completions.create({ model: MODEL, messages: HELLO })).choices[0]!.finish_reason).toBe(finishReason);
  });

  test('a streamed answer with cache tokens: the include_usage chunk sums them into prompt_tokens, with the latest cumulative counts', async () => {
    const started = anthropicEvent('message_start', {
      message: {
        ...messageOf([], null),
        usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 },
      },
    });
    streamOf([started, ...textBlock(0, 'Hi'), ...end('end_turn', { output_tokens: 7 })]);
    const completion = await finalOf({ stream_options: { include_usage: true } });
    expect(completion.usage).toMatchObject({
      prompt_tokens: 130,
      completion_tokens: 7,
      total_tokens: 137,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(ends.at(-1)?.usage).toMatchObject({ promptTokens: 130, completionTokens: 7, totalTokens: 137 });
  });
});

describe('request fields Anthropic takes differently', () => {
  test('n, logprobs and top_logprobs are not sent; the answer has one choice with logprobs null', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages: HELLO, n: 2, logprobs: true, top_logprobs: 2 });
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.logprobs).toBeNull();
    const sent = upstreamBody(anthropic);
    for (const field of ['n', 'logprobs', 'top_logprobs']) expect(sent).not.toHaveProperty(field);
  });

  test('response_format json_object is a 400 naming response_format, and nothing is sent', async () => {
    const error = await rejectionOf(
      client.chat.completions.create({ model: MODEL, messages: HELLO, response_format: { type: 'json_object' } }),
      OpenAI.BadRequestError,
    );
    expect(error.param).toBe('response_format');
    expect(error.message).toMatch(/json_object/);
    expect(anthropic.requests).toHaveLength(0);
  });

  test('a stop string is stop_sequences; temperature 1.7 with top_p is temperature 1 alone', async () => {
    await client.chat.completions.create({ model: MODEL, messages: HELLO, stop: 'END', temperature: 1.7, top_p: 0.5 });
    const sent = upstreamBody(anthropic);
    expect(sent).toMatchObject({ stop_sequences: ['END'], temperature: 1 });
    expect(sent).not.toHaveProperty('top_p');
  });

  test('response_format json_schema is output_config.format; the SDK parses the JSON answer, streamed and whole', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const responseFormat = { type: 'json_schema' as const, json_schema: { name: 'place', schema, strict: true } };
    anthropic.handler = (_request, res) => sendJson(res, 200, messageOf([{ type: 'text', text: '{"city":"Oslo"}' }], 'end_turn'));
    const whole = await client.chat.completions.parse({ model: MODEL, messages: HELLO, response_format: responseFormat });
    expect(whole.choices[0]!.message.parsed).toEqual({ city: 'Oslo' });
    expect(upstreamBody(anthropic).output_config).toEqual({ format: { type: 'json_schema', schema } });
    anthropic.reset();
    streamOf([start, ...textBlock(0, '{"city":', '"Oslo"}'), ...end('end_turn')]);
    const streamed = await client.chat.completions.stream({ model: MODEL, messages: HELLO, response_format: responseFormat }).finalChatCompletion();
    expect(streamed.choices[0]!.message.parsed).toEqual({ city: 'Oslo' });
  });
});
