/**
 * DESIGN section 5, sentence by sentence, as tables: what the `openai` SDK's chat completions
 * request becomes at a fake Anthropic (request), and what Anthropic's answer becomes for the SDK,
 * whole (response) and streamed (stream).
 */
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { chatStreamPayloads } from '../support/chat-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicEvent } from '../support/wire-frames';
import { clientFor, postChat } from './anthropic-adapter.helpers';

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const MODEL = 'anthropic/claude-sonnet-5-5';
const HELLO: Message[] = [{ role: 'user', content: 'Say hello' }];
const WEATHER: OpenAI.Chat.Completions.ChatCompletionFunctionTool = {
  type: 'function',
  function: { name: 'weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};
const CLOCK: OpenAI.Chat.Completions.ChatCompletionFunctionTool = { type: 'function', function: { name: 'clock', parameters: { type: 'object' } } };

let anthropic: FakeUpstream;
let host: Host;
let client: OpenAI;

beforeAll(async () => {
  [anthropic] = await startFakeUpstreams('anthropic');
  host = await startHost({ env: envFor({ anthropic }) });
  client = clientFor(host);
});
afterEach(() => anthropic.reset());
afterAll(async () => {
  await host?.close();
  await anthropic?.close();
});

/** The body Anthropic received for a chat completions request with `params`. */
async function sentFor(params: Partial<Params>, on: OpenAI = client): Promise<Record<string, unknown>> {
  await on.chat.completions.create({ model: MODEL, messages: HELLO, ...params } as Params);
  return upstreamBody(anthropic);
}

describe('request', () => {
  const toolTurn: Message[] = [
    { role: 'user', content: 'Weather in Paris and the time?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'clock', arguments: '{}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
  ];

  const rows: Array<[sentence: string, params: Partial<Params>, expected: Record<string, unknown>]> = [
    ['max_tokens is sent as max_tokens', { max_tokens: 77 }, { max_tokens: 77 }],
    ['max_completion_tokens is sent as max_tokens', { max_completion_tokens: 55 }, { max_tokens: 55 }],
    [
      'with both, max_completion_tokens (the current field) is max_tokens, as at OpenAI',
      { max_tokens: 300, max_completion_tokens: 55 },
      { max_tokens: 55 },
    ],
    ['without either, max_tokens is ANTHROPIC_MAX_TOKENS (4096 by default)', {}, { max_tokens: 4096 }],
    [
      'every system and developer message, wherever it is, joins the top-level system; messages keep user and assistant only',
      {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'system', content: 'No emoji.' },
          { role: 'user', content: 'Again' },
        ],
      },
      {
        system: 'Be brief.\n\nAnswer in French.\n\nNo emoji.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'user', content: 'Again' },
        ],
      },
    ],
    [
      'assistant tool_calls become tool_use blocks with input JSON.parse(arguments); consecutive tool messages one user turn of tool_result blocks',
      { messages: toolTurn, tools: [WEATHER, CLOCK] },
      {
        messages: [
          { role: 'user', content: 'Weather in Paris and the time?' },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'clock', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny' },
              { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
            ],
          },
        ],
      },
    ],
    [
      'text of only whitespace, which Anthropic refuses in a turn, is left out (a model\'s "\\n\\n" before its tool calls)',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather?' },
              { type: 'text', text: ' \n' },
            ],
          },
          { role: 'assistant', content: '\n\n', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        ],
        tools: [WEATHER],
      },
      {
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny' }] },
        ],
      },
    ],
    [
      'a data URL image becomes a base64 source with its media type, an http(s) URL a url source',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
              { type: 'image_url', image_url: { url: 'http://example.com/dog.gif' } },
            ],
          },
        ],
      },
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
              { type: 'image', source: { type: 'url', url: 'http://example.com/dog.gif' } },
            ],
          },
        ],
      },
    ],
    [
      'tools become {name, description, input_schema: parameters}',
      { tools: [WEATHER] },
      { tools: [{ name: 'weather', description: 'The weather in a city', input_schema: WEATHER.function.parameters }] },
    ],
    ['tool_choice auto is {type:"auto"}', { tools: [WEATHER], tool_choice: 'auto' }, { tool_choice: { type: 'auto' } }],
    ['tool_choice required is {type:"any"}', { tools: [WEATHER], tool_choice: 'required' }, { tool_choice: { type: 'any' } }],
    ['tool_choice none is {type:"none"}', { tools: [WEATHER], tool_choice: 'none' }, { tool_choice: { type: 'none' } }],
    [
      'a named function tool_choice is {type:"tool", name}',
      { tools: [WEATHER, CLOCK], tool_choice: { type: 'function', function: { name: 'clock' } } },
      { tool_choice: { type: 'tool', name: 'clock' } },
    ],
    [
      'parallel_tool_calls false is disable_parallel_tool_use true, on auto when no choice is given',
      { tools: [WEATHER], parallel_tool_calls: false },
      { tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
    ],
    [
      'parallel_tool_calls false is disable_parallel_tool_use true beside required',
      { tools: [WEATHER], tool_choice: 'required', parallel_tool_calls: false },
      { tool_choice: { type: 'any', disable_parallel_tool_use: true } },
    ],
    [
      'parallel_tool_calls false is disable_parallel_tool_use true beside a named tool',
      { tools: [WEATHER], tool_choice: { type: 'function', function: { name: 'weather' } }, parallel_tool_calls: false },
      { tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true } },
    ],
    ['a stop string becomes the array stop_sequences', { stop: 'END' }, { stop_sequences: ['END'] }],
    ['a stop array becomes stop_sequences', { stop: ['END', '###'] }, { stop_sequences: ['END', '###'] }],
    ['temperature above 1 is clamped to 1, not scaled', { temperature: 1.8 }, { temperature: 1 }],
    ['temperature up to 1 is sent as it is', { temperature: 0.4 }, { temperature: 0.4 }],
    ['user becomes metadata.user_id', { user: 'user-42' }, { metadata: { user_id: 'user-42' } }],
    [
      'response_format json_schema becomes output_config.format',
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } },
        },
      },
      { output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } } },
    ],
  ];

  test.each(rows)('%s', async (_sentence, params, expected) => {
    expect(await sentFor(params)).toMatchObject({ model: 'claude-sonnet-5-5', ...expected });
  });

  test('temperature and top_p together send temperature only; top_p alone is sent', async () => {
    const both = await sentFor({ temperature: 0.3, top_p: 0.9 });
    expect(both.temperature).toBe(0.3);
    expect(both).not.toHaveProperty('top_p');
    anthropic.reset();
    expect(await sentFor({ top_p: 0.9 })).toMatchObject({ top_p: 0.9 });
  });

  test('n, penalties, seed, logprobs, logit_bias and stream_options are not sent, streamed or not', async () => {
    const ignored = { n: 1, frequency_penalty: 0.5, presence_penalty: 0.5, seed: 7, logprobs: true, top_logprobs: 2, logit_bias: { '50256': -100 } };
    const whole = await sentFor(ignored);
    anthropic.reset();
    await client.chat.completions
      .stream({ model: MODEL, messages: HELLO, ...ignored, stream_options: { include_usage: true } })
      .finalChatCompletion();
    const streamed = upstreamBody(anthropic);
    for (const body of [whole, streamed]) {
      for (const field of [...Object.keys(ignored), 'stream_options']) expect(body).not.toHaveProperty(field);
    }
    expect(streamed.stream).toBe(true);
  });

  test('a tool call whose arguments are not JSON is a 400 naming the message, and nothing is sent', async () => {
    const messages: Message[] = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
    ];
    const error = await rejectionOf(client.chat.completions.create({ model: MODEL, messages, tools: [WEATHER] }), OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ message: expect.stringContaining('messages[1].tool_calls[0].function.arguments') as unknown });
    expect(anthropic.requests).toHaveLength(0);
  });

  test.each([['\n'], [['END', ' \t']]])(
    'a stop sequence of only whitespace (%j), which Anthropic refuses, is a 400 naming stop, and nothing is sent',
    async (stop) => {
      const error = await rejectionOf(client.chat.completions.create({ model: MODEL, messages: HELLO, stop }), OpenAI.BadRequestError);
      expect(error.param).toBe('stop');
      expect(error.message).toMatch(/only whitespace/);
      expect(anthropic.requests).toHaveLength(0);
    },
  );

  test('response_format json_object is a 400 naming response_format, and nothing is sent', async () => {
    const error = await rejectionOf(
      client.chat.completions.create({ model: MODEL, messages: HELLO, response_format: { type: 'json_object' } }),
      OpenAI.BadRequestError,
    );
    expect(error.param).toBe('response_format');
    expect(anthropic.requests).toHaveLength(0);
  });

  test('ANTHROPIC_MAX_TOKENS is max_tokens when the request gives none; ANTHROPIC_VERSION 2026-10-21 leaves temperature, top_p and top_k out', async () => {
    const configured = await startHost({ env: { ...envFor({ anthropic }), ANTHROPIC_MAX_TOKENS: '1234', ANTHROPIC_VERSION: '2026-10-21' } });
    try {
      const body = await sentFor({ temperature: 0.5, top_p: 0.5, ...{ top_k: 5 } }, clientFor(configured));
      expect(body.max_tokens).toBe(1234);
      for (const field of ['temperature', 'top_p', 'top_k']) expect(body).not.toHaveProperty(field);
      expect(anthropic.requests[0]!.headers['anthropic-version']).toBe('2026-10-21');
    } finally {
      await configured.close();
    }
  });
});

/** A Messages API answer with `content`, `stop_reason` and `usage`. */
const messageOf = (content: unknown[], stopReason: string | null, usage: Record<string, unknown> = { input_tokens: 5, output_tokens: 9 }) => ({
  id: 'msg_matrix',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-5-5',
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage,
});

const STOP_REASONS: Array<[stopReason: string | null, finishReason: string]> = [
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
  ['pause_turn', 'stop'],
  ['a_reason_added_later', 'stop'],
];

describe('response', () => {
  test('text blocks join into message.content; tool_use blocks become tool_calls with arguments JSON.stringify(input)', async () => {
    const input = { city: 'Paris', days: [1, 2], nested: { unit: 'C' } };
    anthropic.handler = (_request, res) =>
      sendJson(
        res,
        200,
        messageOf(
          [
            { type: 'text', text: 'Let me ' },
            { type: 'text', text: 'check.' },
            { type: 'tool_use', id: 'toolu_1', name: 'weather', input },
          ],
          'tool_use',
        ),
      );
    const completion = await client.chat.completions.create({ model: MODEL, messages: HELLO, tools: [WEATHER] });
    const message = completion.choices[0]!.message;
    expect(message.content).toBe('Let me check.');
    expect(message.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: JSON.stringify(input) } }]);
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
  });

  test.each(STOP_REASONS)('stop_reason %s is finish_reason %s', async (stopReason, finishReason) => {
    anthropic.handler = (_request, res) => sendJson(res, 200, messageOf([{ type: 'text', text: 'Hi' }], stopReason));
    const completion = await client.chat.completions.create({ model: MODEL, messages: HELLO });
    expect(completion.choices[0]!.finish_reason).toBe(finishReason);
  });

  test('usage: completion_tokens is output_tokens; prompt_tokens is input + cache read + cache creation tokens', async () => {
    const usage = { input_tokens: 10, cache_read_input_tokens: 300, cache_creation_input_tokens: 20, output_tokens: 7 };
    anthropic.handler = (_request, res) => sendJson(res, 200, messageOf([{ type: 'text', text: 'Hi' }], 'end_turn', usage));
    const completion = await client.chat.completions.create({ model: MODEL, messages: HELLO });
    expect(completion.usage).toMatchObject({ prompt_tokens: 330, completion_tokens: 7, total_tokens: 337 });
  });
});

describe('stream', () => {
  const messageStart = anthropicEvent('message_start', {
    message: {
      ...messageOf([], null, { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 1 }),
      id: 'msg_stream',
      model: 'claude-sonnet-5-5-20991231',
    },
  });
  const ping = anthropicEvent('ping');
  const frames = (stopReason: string): string[] => [
    messageStart,
    ping,
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Checking' } }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'weather', input: {} } }),
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
    ping,
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'clock', input: {} } }),
    anthropicEvent('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{}' } }),
    anthropicEvent('content_block_stop', { index: 2 }),
    anthropicEvent('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { input_tokens: 10, cache_read_input_tokens: 4, cache_creation_input_tokens: 2, output_tokens: 25 },
    }),
    anthropicEvent('message_stop'),
  ];

  async function streamed(stopReason: string, extra: Record<string, unknown> = {}): Promise<ReturnType<typeof chatStreamPayloads>> {
    anthropic.handler = (_request, res) => sendFrames(res, frames(stopReason));
    const response = await postChat(host, { model: MODEL, messages: HELLO, tools: [WEATHER, CLOCK], stream: true, ...extra });
    expect(response.status).toBe(200);
    return chatStreamPayloads(await response.text());
  }

  test('each event becomes its chunk: role first (id and model kept), text, tool calls numbered from 0 among tool blocks, finish_reason, [DONE]; pings only keep-alive comments', async () => {
    const payloads = await streamed('tool_use');
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = payloads.slice(0, -1) as OpenAI.Chat.Completions.ChatCompletionChunk[];
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ id: 'msg_stream', object: 'chat.completion.chunk', model: 'claude-sonnet-5-5-20991231' });
    expect(chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Checking' }, null],
      [{ tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'weather', arguments: '' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null],
      [{ tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'clock', arguments: '' } }] }, null],
      [{ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }, null],
      [{}, 'tool_calls'],
    ]);
  });

  test.each(STOP_REASONS.filter(([reason]) => reason !== null))('a streamed stop_reason %s is finish_reason %s', async (stopReason, finishReason) => {
    const chunks = (await streamed(stopReason!)).slice(0, -1) as OpenAI.Chat.Completions.ChatCompletionChunk[];
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe(finishReason);
  });

  test("with include_usage, message_stop is one chunk of choices [] and message_delta's latest usage, summed, before [DONE]", async () => {
    const payloads = await streamed('end_turn', { stream_options: { include_usage: true } });
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(payloads.at(-2)).toMatchObject({ id: 'msg_stream', choices: [], usage: { prompt_tokens: 16, completion_tokens: 25, total_tokens: 41 } });
    expect(payloads.slice(0, -2).filter((payload) => (payload as { choices?: unknown[] }).choices?.length === 0)).toEqual([]);
  });

  test('without include_usage no chunk has choices []', async () => {
    const payloads = await streamed('end_turn');
    expect(payloads.filter((payload) => (payload as { choices?: unknown[] }).choices?.length === 0)).toEqual([]);
  });

  test('an error event is the mid-stream error frame of section 2, and the stream ends without [DONE]', async () => {
    anthropic.handler = (_request, res) =>
      sendFrames(res, [...frames('end_turn').slice(0, 4), anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    const response = await postChat(host, { model: MODEL, messages: HELLO, stream: true });
    const payloads = chatStreamPayloads(await response.text());
    expect(payloads.at(-2)).toMatchObject({ choices: [{ delta: { content: 'Checking' } }] });
    expect(payloads.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'overloaded_error', code: null } });
  });
});
