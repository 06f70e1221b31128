/**
 * Probes of the official SDKs' higher-level helpers (`openai`'s `chat.completions.parse` /
 * `stream` / `runTools`, `responses.parse` / `stream`; `@anthropic-ai/sdk`'s `messages.stream`,
 * `messages.parse`, `beta.messages.toolRunner`) on the translated and bridged routes, where the
 * router, not the provider, writes the wire format each helper parses (DESIGN.md sections 5, 8, 9,
 * 10 and 11). Each asks three things: the helper completes, its final object is the same streamed
 * or not, and the upstream gets what the client sent.
 */
import Anthropic, { NotFoundError } from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import OpenAI from 'openai';
import { execFile } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { CLIENT_TOKEN } from '../support/keys';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';

const execFileAsync = promisify(execFile);
const fakes = useFakes();
/** A provider declared in env (`OPENAI_COMPATIBLE_PROVIDERS`), on a fake of its own. */
let declared: FakeUpstream;
const declaredEnv: Record<string, string> = {};
beforeAll(async () => {
  declared = await startFakeUpstream('openai');
  Object.assign(declaredEnv, { OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: declared.baseUrl });
});
afterEach(() => declared.reset());
afterAll(async () => {
  await declared.close();
});
const host = useHost(fakes, { env: declaredEnv });

const anthropicClient = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
const openaiClient = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });

const CLAUDE = 'anthropic/claude-sonnet-5-5';
const GROQ = 'groq/llama-4';

// ---------- upstream answers in each provider's wire format ----------

const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: USAGE })}\n\n`;
const DONE = 'data: [DONE]\n\n';

interface ChatCall {
  id: string;
  name: string;
  args: string;
}

/** A chat completions answer (streamed when the request asked) with `text` and `calls`. */
function answerChat(
  request: RecordedRequest,
  res: ServerResponse,
  text: string | null,
  calls: ChatCall[] = [],
  extra: Record<string, unknown> = {},
): void {
  const finish = calls.length > 0 ? 'tool_calls' : 'stop';
  if (request.body!.stream === true) {
    const frames = [chunk({ role: 'assistant', content: text === null ? null : '' })];
    if (text !== null) for (const piece of text.match(/.{1,5}/gs) ?? []) frames.push(chunk({ content: piece }));
    calls.forEach((call, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const piece of call.args.match(/.{1,4}/gs) ?? []) frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    frames.push(chunk({}, finish), usageChunk, DONE);
    sendFrames(res, frames);
    return;
  }
  const message: Record<string, unknown> = { role: 'assistant', content: text, ...extra };
  if (calls.length > 0)
    message.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
  sendJson(res, 200, {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: USAGE,
  });
}

/** A Responses answer, created or streamed to its final response. */
async function respond(
  params: Omit<OpenAI.Responses.ResponseCreateParamsNonStreaming, 'stream'>,
  stream: boolean,
): Promise<OpenAI.Responses.Response> {
  return stream ? openaiClient().responses.stream(params).finalResponse() : openaiClient().responses.create({ ...params, stream: false });
}

/** A whole chat completion of one choice (`choice` without its `index`). */
const completionOf = (choice: Record<string, unknown>): Record<string, unknown> => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, ...choice }],
  usage: USAGE,
});

/** "one two" cut by the output limit (`length`), streamed when the request asked. */
function answerCutByLength(request: RecordedRequest, res: ServerResponse): void {
  if (request.body!.stream === true)
    return sendFrames(res, [chunk({ role: 'assistant', content: 'one two' }), chunk({}, 'length'), usageChunk, DONE]);
  sendJson(res, 200, completionOf({ message: { role: 'assistant', content: 'one two' }, finish_reason: 'length' }));
}

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'thinking'; thinking: string; signature: string };

const anthropicFrame = (data: Record<string, unknown>): string => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

/** An Anthropic Messages answer (streamed when the request asked) with `blocks`. */
function answerAnthropic(
  request: RecordedRequest,
  res: ServerResponse,
  blocks: AnthropicBlock[],
  stop: { reason: string; sequence?: string | null } = { reason: blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn' },
): void {
  const usage = { input_tokens: 3, output_tokens: 2 };
  const message = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: blocks,
    stop_reason: stop.reason,
    stop_sequence: stop.sequence ?? null,
    usage,
  };
  if (request.body!.stream !== true) {
    sendJson(res, 200, message);
    return;
  }
  const frames = [
    anthropicFrame({ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
  ];
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      frames.push(anthropicFrame({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      for (const piece of block.text.match(/.{1,5}/gs) ?? [])
        frames.push(anthropicFrame({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    } else if (block.type === 'tool_use') {
      frames.push(anthropicFrame({ type: 'content_block_start', index, content_block: { ...block, input: {} } }));
      for (const piece of JSON.stringify(block.input).match(/.{1,4}/gs) ?? [])
        frames.push(anthropicFrame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } }));
    } else {
      frames.push(anthropicFrame({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      frames.push(anthropicFrame({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } }));
      frames.push(anthropicFrame({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } }));
    }
    frames.push(anthropicFrame({ type: 'content_block_stop', index }));
  });
  frames.push(
    anthropicFrame({ type: 'message_delta', delta: { stop_reason: stop.reason, stop_sequence: stop.sequence ?? null }, usage: { output_tokens: 2 } }),
  );
  frames.push(anthropicFrame({ type: 'message_stop' }));
  sendFrames(res, frames);
}

const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, celsius: { type: 'number' } },
  required: ['city', 'celsius'],
  additionalProperties: false,
} as const;
const WEATHER_JSON = '{"city":"Oslo","celsius":4}';

/** The chat completion fields that must not depend on streaming (ids and timestamps do). */
const chatEssence = (completion: OpenAI.Chat.Completions.ParsedChatCompletion<unknown>): unknown => ({
  model: completion.model,
  choices: completion.choices.map((choice) => ({
    finish_reason: choice.finish_reason,
    // A streamed answer opens with `content: ""` (DESIGN section 5), a tool-only JSON one has null.
    content: choice.message.content || null,
    parsed: choice.message.parsed,
    tool_calls: choice.message.tool_calls?.map((call) => ({
      id: call.id,
      type: call.type,
      function: call.type === 'function' ? call.function : null,
    })),
  })),
  usage: completion.usage && { prompt_tokens: completion.usage.prompt_tokens, completion_tokens: completion.usage.completion_tokens },
});

describe('openai chat helpers, translated to Anthropic', () => {
  const RESPONSE_FORMAT = { type: 'json_schema' as const, json_schema: { name: 'weather', strict: true, schema: WEATHER_SCHEMA } };

  test('parse() and stream() with a strict json_schema: Anthropic gets output_config.format, both fill `parsed` alike', async () => {
    fakes.anthropic.handler = (request, res) => answerAnthropic(request, res, [{ type: 'text', text: WEATHER_JSON }]);
    const params = { model: CLAUDE, messages: [{ role: 'user' as const, content: 'Weather in Oslo?' }], response_format: RESPONSE_FORMAT };
    const parsed = await openaiClient().chat.completions.parse(params);
    const deltas: string[] = [];
    const stream = openaiClient().chat.completions.stream({ ...params, stream_options: { include_usage: true } });
    stream.on('content.delta', ({ delta }) => deltas.push(delta));
    const streamed = await stream.finalChatCompletion();

    expect(parsed.choices[0]!.message.parsed).toEqual({ city: 'Oslo', celsius: 4 });
    expect(chatEssence(streamed)).toEqual(chatEssence(parsed));
    expect(deltas.join('')).toBe(WEATHER_JSON);
    for (const request of fakes.anthropic.requests)
      expect(request.body!.output_config).toEqual({ format: { type: 'json_schema', schema: WEATHER_SCHEMA } });
  });

  test('runTools(): parallel calls over two rounds; Anthropic gets every call and result, streamed or not', async () => {
    const rounds = (request: RecordedRequest): number =>
      (request.body!.messages as Array<{ role: string; content: unknown }>).filter((message) => message.role === 'assistant').length;
    fakes.anthropic.handler = (request, res) => {
      const round = rounds(request);
      if (round === 0)
        return answerAnthropic(request, res, [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
        ]);
      if (round === 1) return answerAnthropic(request, res, [{ type: 'tool_use', id: 'toolu_3', name: 'weather', input: { city: 'Paris' } }]);
      return answerAnthropic(request, res, [{ type: 'text', text: 'Rome is warmest.' }]);
    };
    const finals: unknown[] = [];
    for (const stream of [false, true]) {
      fakes.anthropic.requests.length = 0;
      const runs: unknown[] = [];
      const tools = [
        {
          type: 'function' as const,
          function: {
            name: 'weather',
            description: 'Weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            parse: (args: string) => JSON.parse(args) as { city: string },
            function: (args: { city: string }) => {
              runs.push(args);
              return `${args.city}: ${args.city.length}C`;
            },
          },
        },
      ];
      const runner = stream
        ? openaiClient().chat.completions.runTools({ model: CLAUDE, stream: true, messages: [{ role: 'user', content: 'Warmest?' }], tools })
        : openaiClient().chat.completions.runTools({ model: CLAUDE, messages: [{ role: 'user', content: 'Warmest?' }], tools });
      expect(await runner.finalContent()).toBe('Rome is warmest.');
      expect(runs).toEqual([{ city: 'Oslo' }, { city: 'Rome' }, { city: 'Paris' }]);
      finals.push(fakes.anthropic.requests.at(-1)!.body!.messages);
    }
    expect(finals[1]).toEqual(finals[0]);
    expect(finals[0]).toEqual([
      { role: 'user', content: 'Warmest?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Oslo: 4C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'Rome: 4C' },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3', content: 'Paris: 5C' }] },
    ]);
  });

  test("stream(): tool_calls.function.arguments.done carries each call's parsed arguments, as the non-streamed parse() does", async () => {
    fakes.anthropic.handler = (request, res) =>
      answerAnthropic(request, res, [
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo', celsius: 4 } },
        { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Rome', celsius: 15 } },
      ]);
    const tools = [{ type: 'function' as const, function: { name: 'weather', strict: true, parameters: WEATHER_SCHEMA } }];
    const params = { model: CLAUDE, messages: [{ role: 'user' as const, content: 'Weather?' }], tools };
    const parsed = await openaiClient().chat.completions.parse(params);
    const done: unknown[] = [];
    const stream = openaiClient().chat.completions.stream({ ...params, stream_options: { include_usage: true } });
    stream.on('tool_calls.function.arguments.done', (event) => done.push({ index: event.index, name: event.name, parsed: event.parsed_arguments }));
    const streamed = await stream.finalChatCompletion();
    expect(done).toEqual([
      { index: 0, name: 'weather', parsed: { city: 'Oslo', celsius: 4 } },
      { index: 1, name: 'weather', parsed: { city: 'Rome', celsius: 15 } },
    ]);
    expect(chatEssence(streamed)).toEqual(chatEssence(parsed));
    expect(parsed.choices[0]!.message.tool_calls!.map((call) => (call.type === 'function' ? call.function.parsed_arguments : null))).toEqual([
      { city: 'Oslo', celsius: 4 },
      { city: 'Rome', celsius: 15 },
    ]);
  });

  test('stop hit: Anthropic gets stop_sequences, its stop_sequence stop reads as finish_reason stop, streamed or not', async () => {
    fakes.anthropic.handler = (request, res) =>
      answerAnthropic(request, res, [{ type: 'text', text: 'one two' }], { reason: 'stop_sequence', sequence: 'three' });
    const params = { model: CLAUDE, messages: [{ role: 'user' as const, content: 'Count' }], stop: ['three'] };
    const plain = await openaiClient().chat.completions.create(params);
    const streamed = await openaiClient()
      .chat.completions.stream({ ...params, stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(plain.choices[0]!.finish_reason).toBe('stop');
    expect(chatEssence(streamed)).toEqual(
      chatEssence({ ...plain, choices: plain.choices.map((c) => ({ ...c, message: { ...c.message, parsed: null } })) } as never),
    );
    for (const request of fakes.anthropic.requests) expect(request.body!.stop_sequences).toEqual(['three']);
  });

  test('logprobs asked of Anthropic: DESIGN section 5 leaves it out; the answer carries none', async () => {
    fakes.anthropic.handler = (request, res) => answerAnthropic(request, res, [{ type: 'text', text: 'Hi' }]);
    const completion = await openaiClient().chat.completions.create({
      model: CLAUDE,
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 2,
    });
    expect(completion.choices[0]!.message.content).toBe('Hi');
    expect(completion.choices[0]!.logprobs ?? null).toBeNull();
    expect(fakes.anthropic.requests[0]!.body).not.toHaveProperty('logprobs');
    expect(fakes.anthropic.requests[0]!.body).not.toHaveProperty('top_logprobs');
  });
});

describe('schema-less JSON asked of Anthropic is refused (section 5), never answered as free text', () => {
  test('chat.completions.parse() with json_object: 400 naming response_format', async () => {
    const error = await rejectionOf(
      openaiClient().chat.completions.parse({
        model: CLAUDE,
        messages: [{ role: 'user', content: 'JSON please' }],
        response_format: { type: 'json_object' },
      }),
      OpenAI.BadRequestError,
    );
    expect(error.message).toContain('json_object');
    expect(fakes.anthropic.requests).toHaveLength(0);
  });

  test('responses.create() with text.format json_object: 400 naming it', async () => {
    const error = await rejectionOf(
      openaiClient().responses.create({ model: CLAUDE, input: 'JSON please', text: { format: { type: 'json_object' } } }),
      OpenAI.BadRequestError,
    );
    expect(error.message).toContain('json_object');
    expect(fakes.anthropic.requests).toHaveLength(0);
  });
});

describe('openai chat runTools() against a declared OpenAI-compatible provider', () => {
  test('parallel calls over two rounds reach the provider whole', async () => {
    declared.handler = (request, res) => {
      const round = (request.body!.messages as Array<{ role: string }>).filter((message) => message.role === 'assistant').length;
      if (round === 0)
        return answerChat(request, res, null, [
          { id: 'call_1', name: 'weather', args: '{"city":"Oslo"}' },
          { id: 'call_2', name: 'weather', args: '{"city":"Rome"}' },
        ]);
      if (round === 1) return answerChat(request, res, null, [{ id: 'call_3', name: 'weather', args: '{"city":"Paris"}' }]);
      return answerChat(request, res, 'Rome.');
    };
    for (const stream of [false, true]) {
      declared.requests.length = 0;
      const tools = [
        {
          type: 'function' as const,
          function: {
            name: 'weather',
            description: 'Weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            parse: (args: string) => JSON.parse(args) as { city: string },
            function: (args: { city: string }) => `${args.city}!`,
          },
        },
      ];
      const runner = stream
        ? openaiClient().chat.completions.runTools({ model: GROQ, stream: true, messages: [{ role: 'user', content: 'Warmest?' }], tools })
        : openaiClient().chat.completions.runTools({ model: GROQ, messages: [{ role: 'user', content: 'Warmest?' }], tools });
      expect(await runner.finalContent()).toBe('Rome.');
      const last = declared.requests.at(-1)!.body!.messages as Array<Record<string, unknown>>;
      expect(last.filter((message) => message.role === 'tool').map((message) => message.content)).toEqual(['Oslo!', 'Rome!', 'Paris!']);
    }
  });
});

// ---------- openai responses helpers ----------

const LOCAL = 'qwen3-coder';
const RESPONSES_ROUTES = [
  ['anthropic (translated)', CLAUDE],
  ['local (bridged)', LOCAL],
  ['groq (bridged, declared)', GROQ],
] as const;

/** The fake that serves `model`, and how it answers text and calls in its own wire format. */
function upstreamFor(model: string): {
  fake: FakeUpstream;
  answer: (text: string | null, calls?: ChatCall[]) => (request: RecordedRequest, res: ServerResponse) => void;
} {
  if (model === CLAUDE)
    return {
      fake: fakes.anthropic,
      answer:
        (text, calls = []) =>
        (request, res) =>
          answerAnthropic(request, res, [
            ...(text === null ? [] : [{ type: 'text' as const, text }]),
            ...calls.map((call) => ({
              type: 'tool_use' as const,
              id: call.id,
              name: call.name,
              input: JSON.parse(call.args) as Record<string, unknown>,
            })),
          ]),
    };
  return {
    fake: model === LOCAL ? fakes.local : declared,
    answer:
      (text, calls = []) =>
      (request, res) =>
        answerChat(request, res, text, calls),
  };
}

/** Output items without their ids (made per answer), for comparing a streamed answer with a plain one. */
const outputEssence = (response: OpenAI.Responses.Response): unknown =>
  withoutHelperFields({
    status: response.status,
    model: response.model,
    output: response.output.map((item) => ({ ...item, id: undefined })),
    output_text: response.output_text,
    usage: response.usage,
  });

/** `value` as JSON, without the fields the SDKs' stream helpers add on their own (`parsed`, `parsed_arguments`, `parsed_output`). */
function withoutHelperFields(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, field: unknown) => (['parsed', 'parsed_arguments', 'parsed_output'].includes(key) ? undefined : field)),
  );
}

describe.each(RESPONSES_ROUTES)('openai responses helpers, %s', (_route, model) => {
  test('parse() and stream() with text.format json_schema: the provider gets the schema, output_parsed alike', async () => {
    const { fake, answer } = upstreamFor(model);
    fake.handler = answer(WEATHER_JSON);
    const params = {
      model,
      input: 'Weather in Oslo?',
      text: { format: { type: 'json_schema' as const, name: 'weather', strict: true, schema: WEATHER_SCHEMA } },
    };
    const parsed = await openaiClient().responses.parse(params);
    const streamed = await openaiClient().responses.stream(params).finalResponse();
    expect(parsed.output_parsed).toEqual({ city: 'Oslo', celsius: 4 });
    expect(streamed.output_parsed).toEqual({ city: 'Oslo', celsius: 4 });
    expect(outputEssence(streamed)).toEqual(outputEssence(parsed));
    for (const request of fake.requests)
      if (model === CLAUDE) expect(request.body!.output_config).toEqual({ format: { type: 'json_schema', schema: WEATHER_SCHEMA } });
      else
        expect(request.body!.response_format).toEqual({
          type: 'json_schema',
          json_schema: { name: 'weather', strict: true, schema: WEATHER_SCHEMA },
        });
  });

  test('stream() events: text deltas, arguments done per call, finalResponse() equal to create()', async () => {
    const { fake, answer } = upstreamFor(model);
    const calls = [
      { id: 'toolu_1', name: 'weather', args: '{"city":"Oslo"}' },
      { id: 'toolu_2', name: 'weather', args: '{"city":"Rome"}' },
    ];
    fake.handler = answer('Checking.', calls);
    const tools = [
      { type: 'function' as const, name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
    ];
    const params = { model, input: 'Weather?', tools };
    const plain = await openaiClient().responses.create(params);
    const deltas: string[] = [];
    const done: unknown[] = [];
    const stream = openaiClient().responses.stream(params);
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    stream.on('response.function_call_arguments.done', (event) => done.push(event.arguments));
    const streamed = await stream.finalResponse();
    expect(deltas.join('')).toBe('Checking.');
    expect(done).toEqual(['{"city":"Oslo"}', '{"city":"Rome"}']);
    expect(outputEssence(streamed)).toEqual(outputEssence(plain));
    expect(
      plain.output.filter((item) => item.type === 'function_call').map((item) => item.type === 'function_call' && [item.call_id, item.arguments]),
    ).toEqual([
      ['toolu_1', '{"city":"Oslo"}'],
      ['toolu_2', '{"city":"Rome"}'],
    ]);
  });

  test('create({ stream: true }) raw: sequence_number counts from 0 by one, one terminal event', async () => {
    const { fake, answer } = upstreamFor(model);
    fake.handler = answer('Hello there.', [{ id: 'toolu_1', name: 'weather', args: '{"city":"Oslo"}' }]);
    const stream = await openaiClient().responses.create({
      model,
      input: 'hi',
      stream: true,
      tools: [{ type: 'function', name: 'weather', parameters: { type: 'object', properties: {} }, strict: false }],
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    expect(
      events.filter((event) => ['response.completed', 'response.incomplete', 'response.failed'].includes(event.type)).map((event) => event.type),
    ).toEqual(['response.completed']);
    expect(events.at(-1)!.type).toBe('response.completed');
  });
});

describe.each(RESPONSES_ROUTES)('openai responses, max_output_tokens hit, %s', (_route, model) => {
  test('create() and stream() both end incomplete with reason max_output_tokens', async () => {
    const fake = upstreamFor(model).fake;
    fake.handler = (request, res) => {
      if (model === CLAUDE) return answerAnthropic(request, res, [{ type: 'text', text: 'one two' }], { reason: 'max_tokens' });
      answerCutByLength(request, res);
    };
    const params = { model, input: 'Count', max_output_tokens: 16 };
    const plain = await openaiClient().responses.create(params);
    const streamed = await openaiClient().responses.stream(params).finalResponse();
    expect(plain).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: 'one two' });
    expect(outputEssence(streamed)).toEqual(outputEssence(plain));
    for (const request of fake.requests) expect(request.body![model === CLAUDE ? 'max_tokens' : 'max_tokens']).toBe(16);
  });
});

describe('openai responses: a tool loop that sends the output items back, reasoning included', () => {
  const tools = [
    { type: 'function' as const, name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
  ];

  test.each([false, true])('anthropic (translated), signed thinking goes back exactly; stream: %p', async (stream) => {
    const thinking = { type: 'thinking' as const, thinking: 'Oslo is cold.', signature: 'sig-anthropic-1' };
    fakes.anthropic.handler = (request, res) => {
      const answered = (request.body!.messages as Array<{ role: string }>).length > 1;
      answerAnthropic(
        request,
        res,
        answered ? [{ type: 'text', text: 'Cold.' }] : [thinking, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }],
      );
    };
    const params = { model: CLAUDE, tools, include: ['reasoning.encrypted_content' as const], reasoning: { effort: 'high' as const } };
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await respond({ ...params, input }, stream);
    const reasoning = first.output.find((item) => item.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.encrypted_content).toEqual(expect.any(String));
    const call = first.output.find((item) => item.type === 'function_call')!;
    expect(call).toMatchObject({ call_id: 'toolu_1', name: 'weather', arguments: '{"city":"Oslo"}' });
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: 'toolu_1', output: '4C' });
    const second = await respond({ ...params, input }, stream);
    expect(second.output_text).toBe('Cold.');
    expect(fakes.anthropic.requests[1]!.body!.messages).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: [thinking, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '4C' }] },
    ]);
  });

  test.each([false, true])('local (bridged), reasoning_content goes back; stream: %p', async (stream) => {
    fakes.local.handler = (request, res) => {
      const answered = (request.body!.messages as Array<{ role: string }>).some((message) => message.role === 'tool');
      if (answered) return answerChat(request, res, 'Cold.');
      if (request.body!.stream === true)
        return sendFrames(res, [
          chunk({ role: 'assistant', content: null, reasoning_content: 'Oslo is cold.' }),
          chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] }),
          chunk({}, 'tool_calls'),
          usageChunk,
          DONE,
        ]);
      return answerChat(request, res, null, [{ id: 'call_1', name: 'weather', args: '{"city":"Oslo"}' }], { reasoning_content: 'Oslo is cold.' });
    };
    const params = { model: LOCAL, tools, include: ['reasoning.encrypted_content' as const] };
    const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await respond({ ...params, input }, stream);
    input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: 'call_1', output: '4C' });
    const second = await respond({ ...params, input }, stream);
    expect(second.output_text).toBe('Cold.');
    expect(fakes.local.requests[1]!.body!.messages).toEqual([
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Oslo is cold.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '4C' },
    ]);
  });
});

// ---------- Anthropic SDK helpers, translated to OpenAI-compatible providers ----------

const MESSAGES_ROUTES = [
  ['openai', 'openai/gpt-4o'],
  ['groq (declared)', GROQ],
] as const;
const chatFake = (model: string): FakeUpstream => (model === GROQ ? declared : fakes.openai);

describe.each(MESSAGES_ROUTES)('Anthropic SDK helpers, translated to %s', (_route, model) => {
  const tools = [{ name: 'weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];

  test('messages.stream() events and finalMessage() equal to messages.create()', async () => {
    chatFake(model).handler = (request, res) =>
      answerChat(request, res, 'Checking.', [
        { id: 'call_1', name: 'weather', args: '{"city":"Oslo"}' },
        { id: 'call_2', name: 'weather', args: '{"city":"Rome"}' },
      ]);
    const params = { model, max_tokens: 100, messages: [{ role: 'user' as const, content: 'Weather?' }], tools };
    const plain = await anthropicClient().messages.create(params);
    const texts: string[] = [];
    const json: string[] = [];
    const blocks: unknown[] = [];
    const stream = anthropicClient().messages.stream(params);
    stream.on('text', (delta) => texts.push(delta));
    stream.on('inputJson', (_partial, snapshot) => json.push(JSON.stringify(snapshot)));
    stream.on('contentBlock', (block) => blocks.push(block));
    const streamed = await stream.finalMessage();
    expect(texts.join('')).toBe('Checking.');
    expect(json.at(-1)).toBe('{"city":"Rome"}');
    expect(blocks).toEqual(streamed.content);
    const essence = (message: Anthropic.Message): unknown => withoutHelperFields({ ...message, id: undefined });
    expect(essence(streamed)).toEqual(essence(plain));
    expect(plain.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
    ]);
  });

  test('messages.parse() with a JSON-schema output format: the provider gets response_format json_schema', async () => {
    chatFake(model).handler = (request, res) => answerChat(request, res, WEATHER_JSON);
    const message = await anthropicClient().messages.parse({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      output_config: { format: jsonSchemaOutputFormat(WEATHER_SCHEMA) },
    });
    expect(message.parsed_output).toEqual({ city: 'Oslo', celsius: 4 });
    const sent = chatFake(model).requests[0]!.body!;
    expect(sent.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { schema: expect.objectContaining({ properties: WEATHER_SCHEMA.properties }) },
    });
  });

  test('beta.messages.parse() with the older output_format: the provider gets response_format json_schema', async () => {
    chatFake(model).handler = (request, res) => answerChat(request, res, WEATHER_JSON);
    const message = await anthropicClient().beta.messages.parse({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      output_format: { type: 'json_schema', schema: WEATHER_SCHEMA },
      betas: ['structured-outputs-2025-11-13'],
    });
    expect(message.parsed_output).toEqual({ city: 'Oslo', celsius: 4 });
    expect(chatFake(model).requests[0]!.body!.response_format).toMatchObject({ type: 'json_schema', json_schema: { schema: WEATHER_SCHEMA } });
  });

  test('messages.stream() with a JSON-schema output format: finalMessage() has parsed_output', async () => {
    chatFake(model).handler = (request, res) => answerChat(request, res, WEATHER_JSON);
    const message = await anthropicClient()
      .messages.stream({
        model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Weather?' }],
        output_config: { format: jsonSchemaOutputFormat(WEATHER_SCHEMA) },
      })
      .finalMessage();
    expect(message.parsed_output).toEqual({ city: 'Oslo', celsius: 4 });
  });

  test('messages.countTokens(): 404 not_found_error naming the provider', async () => {
    const error = await rejectionOf(anthropicClient().messages.countTokens({ model, messages: [{ role: 'user', content: 'hi' }] }), NotFoundError);
    const body = error.error as { type: string; error: { type: string; message: string } };
    expect(body.error.type).toBe('not_found_error');
    expect(body.error.message).toContain(model.split('/')[0]!);
    expect(chatFake(model).requests).toHaveLength(0);
  });

  test('stop_sequences reach the provider as stop; a length stop reads as max_tokens, streamed or not', async () => {
    chatFake(model).handler = (request, res) => {
      answerCutByLength(request, res);
    };
    const params = { model, max_tokens: 2, stop_sequences: ['three'], messages: [{ role: 'user' as const, content: 'Count' }] };
    const plain = await anthropicClient().messages.create(params);
    const streamed = await anthropicClient().messages.stream(params).finalMessage();
    expect(plain.stop_reason).toBe('max_tokens');
    expect(streamed.stop_reason).toBe('max_tokens');
    for (const request of chatFake(model).requests) {
      expect(request.body!.stop).toEqual(['three']);
      // Section 9: the openai adapter sends max_completion_tokens, others max_tokens.
      expect(request.body![model === GROQ ? 'max_tokens' : 'max_completion_tokens']).toBe(2);
    }
  });

  test.each([false, true])('beta toolRunner(): two rounds, parallel calls; stream: %p', async (stream) => {
    chatFake(model).handler = (request, res) => {
      const round = (request.body!.messages as Array<{ role: string }>).filter((message) => message.role === 'assistant').length;
      if (round === 0)
        return answerChat(request, res, null, [
          { id: 'call_1', name: 'weather', args: '{"city":"Oslo"}' },
          { id: 'call_2', name: 'weather', args: '{"city":"Rome"}' },
        ]);
      if (round === 1) return answerChat(request, res, null, [{ id: 'call_3', name: 'weather', args: '{"city":"Paris"}' }]);
      return answerChat(request, res, 'Rome.');
    };
    const runs: unknown[] = [];
    const weather = betaTool({
      name: 'weather',
      description: 'Weather in a city',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      run: (input) => {
        runs.push(input);
        return `${input.city}!`;
      },
    });
    const final = await anthropicClient().beta.messages.toolRunner({
      model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Warmest?' }],
      tools: [weather],
      stream,
    });
    expect(final.content).toEqual([{ type: 'text', text: 'Rome.' }]);
    expect(runs).toEqual([{ city: 'Oslo' }, { city: 'Rome' }, { city: 'Paris' }]);
    const last = chatFake(model).requests.at(-1)!.body!.messages as Array<Record<string, unknown>>;
    expect(last.filter((message) => message.role === 'tool').map((message) => message.content)).toEqual(['Oslo!', 'Rome!', 'Paris!']);
  });
});

describe('structured output with reasoning on the way', () => {
  const thinking = { type: 'thinking' as const, thinking: 'Oslo is cold in spring.', signature: 'sig-anthropic-2' };

  test('chat.completions.stream() to Anthropic with reasoning_effort and a json_schema: parsed after the thinking, equal to parse()', async () => {
    fakes.anthropic.handler = (request, res) => answerAnthropic(request, res, [thinking, { type: 'text', text: WEATHER_JSON }]);
    const params = {
      model: CLAUDE,
      reasoning_effort: 'high' as const,
      messages: [{ role: 'user' as const, content: 'Weather in Oslo?' }],
      response_format: { type: 'json_schema' as const, json_schema: { name: 'weather', strict: true, schema: WEATHER_SCHEMA } },
    };
    const parsed = await openaiClient().chat.completions.parse(params);
    const streamed = await openaiClient()
      .chat.completions.stream({ ...params, stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(parsed.choices[0]!.message.parsed).toEqual({ city: 'Oslo', celsius: 4 });
    expect(chatEssence(streamed)).toEqual(chatEssence(parsed));
    expect((streamed.choices[0]!.message as unknown as { reasoning_content?: string }).reasoning_content).toBe(thinking.thinking);
    for (const request of fakes.anthropic.requests)
      expect(request.body!.output_config).toEqual({ format: { type: 'json_schema', schema: WEATHER_SCHEMA }, effort: 'high' });
  });

  test('responses.stream() to Anthropic with reasoning and text.format: a reasoning item, then output_parsed, equal to parse()', async () => {
    fakes.anthropic.handler = (request, res) => answerAnthropic(request, res, [thinking, { type: 'text', text: WEATHER_JSON }]);
    const params = {
      model: CLAUDE,
      input: 'Weather in Oslo?',
      reasoning: { effort: 'medium' as const },
      text: { format: { type: 'json_schema' as const, name: 'weather', strict: true, schema: WEATHER_SCHEMA } },
    };
    const parsed = await openaiClient().responses.parse(params);
    const streamed = await openaiClient().responses.stream(params).finalResponse();
    expect(parsed.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(streamed.output_parsed).toEqual({ city: 'Oslo', celsius: 4 });
    expect(outputEssence(streamed)).toEqual(outputEssence(parsed));
  });

  test.each([false, true])(
    'Anthropic SDK to a declared provider that sends `reasoning`: a thinking block, then parsed_output; stream: %p',
    async (stream) => {
      declared.handler = (request, res) => {
        if (request.body!.stream === true)
          return sendFrames(res, [
            chunk({ role: 'assistant', content: '', reasoning: 'Oslo is cold.' }),
            chunk({ content: WEATHER_JSON }),
            chunk({}, 'stop'),
            usageChunk,
            DONE,
          ]);
        answerChat(request, res, WEATHER_JSON, [], { reasoning: 'Oslo is cold.' });
      };
      const params = {
        model: GROQ,
        max_tokens: 2000,
        thinking: { type: 'enabled' as const, budget_tokens: 1024 },
        messages: [{ role: 'user' as const, content: 'Weather in Oslo?' }],
        output_config: { format: jsonSchemaOutputFormat(WEATHER_SCHEMA) },
      };
      const message = stream ? await anthropicClient().messages.stream(params).finalMessage() : await anthropicClient().messages.parse(params);
      expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
      expect(message.parsed_output).toEqual({ city: 'Oslo', celsius: 4 });
      expect(declared.requests[0]!.body).toMatchObject({ reasoning_effort: 'low', response_format: { type: 'json_schema' } });
    },
  );
});

describe.each(RESPONSES_ROUTES.slice(1))('openai responses, a call cut by max_output_tokens, %s', (_route, model) => {
  test('create() and stream() agree, and the SDK accepts the stream', async () => {
    const fake = upstreamFor(model).fake;
    fake.handler = (request, res) => {
      if (model === CLAUDE) {
        if (request.body!.stream !== true)
          return sendJson(res, 200, {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-5-5',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} }],
            stop_reason: 'max_tokens',
            stop_sequence: null,
            usage: { input_tokens: 3, output_tokens: 2 },
          });
        return sendFrames(res, [
          anthropicFrame({
            type: 'message_start',
            message: {
              id: 'msg_1',
              type: 'message',
              role: 'assistant',
              model: 'm',
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: 3, output_tokens: 1 },
            },
          }),
          anthropicFrame({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } }),
          anthropicFrame({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Os' } }),
          anthropicFrame({ type: 'content_block_stop', index: 0 }),
          anthropicFrame({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 2 } }),
          anthropicFrame({ type: 'message_stop' }),
        ]);
      }
      if (request.body!.stream === true)
        return sendFrames(res, [
          chunk({
            role: 'assistant',
            content: null,
            tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Os' } }],
          }),
          chunk({}, 'length'),
          usageChunk,
          DONE,
        ]);
      sendJson(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Os' } }],
            },
            finish_reason: 'length',
          },
        ],
        usage: USAGE,
      });
    };
    const params = {
      model,
      input: 'Weather?',
      max_output_tokens: 16,
      tools: [{ type: 'function' as const, name: 'weather', parameters: { type: 'object' }, strict: false }],
    };
    const plain = await openaiClient().responses.create(params);
    const streamed = await openaiClient().responses.stream(params).finalResponse();
    expect(plain).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(outputEssence(streamed)).toEqual(outputEssence(plain));
  });
});

/**
 * Runs `ResponsesToolRunner` in a Node process of its own against the host: the runner refuses
 * objects of another realm ("Ledger data must be plain finite JSON values"), and under Jest's VM
 * the answers `fetch` parses are of the outer realm. Prints the runs and the final text as JSON.
 */
async function runResponsesToolRunner(model: string, options: Record<string, unknown>): Promise<{ runs: unknown[]; text?: string; error?: string }> {
  const script = `
    const OpenAI = require('openai').default;
    const { ResponsesToolRunner } = require('openai/helpers/responses-tool-runner');
    const [url, token, model, options] = process.argv.slice(1);
    const runs = [];
    const runner = new ResponsesToolRunner({ functions: [{
      tool: { type: 'function', name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false },
      execute: (args) => { runs.push(args); return args.city + '!'; },
    }] });
    runner.run(new OpenAI({ apiKey: token, baseURL: url, maxRetries: 0 }), { model, input: 'Warmest?' }, JSON.parse(options))
      .then((final) => console.log(JSON.stringify({ runs, text: final.output_text })))
      .catch((error) => console.log(JSON.stringify({ runs, error: String(error) })));
  `;
  const { stdout } = await execFileAsync(process.execPath, ['-e', script, `${host.url}/v1`, CLIENT_TOKEN, model, JSON.stringify(options)], {
    cwd: process.cwd(),
  });
  return JSON.parse(stdout) as { runs: unknown[]; text?: string; error?: string };
}

describe.each(RESPONSES_ROUTES)("openai's ResponsesToolRunner, %s", (_route, model) => {
  test.each([
    ['not streamed', {}],
    ['streamed', { stream: true }],
    ['streamed, eager', { stream: true, eager: true }],
  ] as const)('two rounds of parallel calls, %s', async (_mode, options) => {
    const { fake, answer } = upstreamFor(model);
    fake.handler = (request, res) => {
      const messages = request.body!.messages as Array<{ role: string; content: unknown }>;
      const round = messages.filter((message) => message.role === 'assistant').length;
      if (round === 0)
        return answer('Checking.', [
          { id: 'toolu_1', name: 'weather', args: '{"city":"Oslo"}' },
          { id: 'toolu_2', name: 'weather', args: '{"city":"Rome"}' },
        ])(request, res);
      if (round === 1) return answer(null, [{ id: 'toolu_3', name: 'weather', args: '{"city":"Paris"}' }])(request, res);
      return answer('Rome.')(request, res);
    };
    const outcome = await runResponsesToolRunner(model, options);
    expect(outcome).toEqual({ runs: [{ city: 'Oslo' }, { city: 'Rome' }, { city: 'Paris' }], text: 'Rome.' });
    expect(fake.requests).toHaveLength(3);
  });
});

describe('Anthropic SDK, stop_sequences hit on a provider that names the stop string (vLLM `stop_reason`, SGLang `matched_stop`)', () => {
  test.each(['stop_reason', 'matched_stop'])('%s: stop_reason stop_sequence and the sequence, streamed or not', async (field) => {
    declared.handler = (request, res) => {
      if (request.body!.stream === true)
        return sendFrames(res, [
          chunk({ role: 'assistant', content: 'one two' }),
          `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop', [field]: 'three' }] })}\n\n`,
          usageChunk,
          DONE,
        ]);
      sendJson(res, 200, completionOf({ message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop', [field]: 'three' }));
    };
    const params = { model: GROQ, max_tokens: 100, stop_sequences: ['three'], messages: [{ role: 'user' as const, content: 'Count' }] };
    const plain = await anthropicClient().messages.create(params);
    const streamed = await anthropicClient().messages.stream(params).finalMessage();
    for (const message of [plain, streamed]) expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'three' });
  });

  test.each(['stop_reason', 'matched_stop'])(
    "%s naming a stop string the client did not ask for (one of the model's own) is end_turn",
    async (field) => {
      declared.handler = (_request, res) =>
        sendJson(res, 200, completionOf({ message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop', [field]: '<|im_end|>' }));
      const params = { model: GROQ, max_tokens: 100, stop_sequences: ['three'], messages: [{ role: 'user' as const, content: 'Count' }] };
      expect(await anthropicClient().messages.create(params)).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
      const unasked = { model: GROQ, max_tokens: 100, messages: [{ role: 'user' as const, content: 'Count' }] };
      expect(await anthropicClient().messages.create(unasked)).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
    },
  );

  test('a stop token id (a number) or EOS (null) is no stop sequence: end_turn', async () => {
    declared.handler = (_request, res) =>
      sendJson(res, 200, completionOf({ message: { role: 'assistant', content: 'one two' }, finish_reason: 'stop', stop_reason: 128009 }));
    const message = await anthropicClient().messages.create({ model: GROQ, max_tokens: 100, messages: [{ role: 'user', content: 'Count' }] });
    expect(message).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });
});
