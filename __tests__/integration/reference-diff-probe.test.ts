/**
 * Edge cases the mature gateways (LiteLLM, Portkey) handle explicitly, checked on the matching
 * routes here against real HTTP servers: the router in a host, fake providers speaking their wire.
 */
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { anthropicToolProblem } from '../support/messages-wire';
import { asArray, asJson, type Json } from '../support/json-shape';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';

let local: FakeUpstream;
let anthropic: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [local, anthropic] = await startFakeUpstreams('local', 'anthropic');
  // A provider declared in env serves chat completions only: Messages requests are translated.
  host = await startHost({ env: { ...envFor({ local, anthropic }), OPENAI_COMPATIBLE_PROVIDERS: 'qwen', QWEN_BASE_URL: local.baseUrl } });
});
afterEach(() => {
  local.reset();
  anthropic.reset();
});
afterAll(async () => {
  await host.close();
  await local.close();
  await anthropic.close();
});

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

/** The messages the fake Anthropic received last, and each `tool_result`'s content by the `tool_use` input it answers. */
function sentToAnthropic(): { messages: Json[]; resultOf: Map<string, unknown> } {
  const messages = asArray(anthropic.requests.at(-1)?.body?.messages).map(asJson);
  const blocks = messages.flatMap((message) => asArray(message.content).map(asJson));
  const inputOf = new Map(blocks.filter((block) => block.type === 'tool_use').map((block) => [block.id, JSON.stringify(block.input)]));
  const resultOf = new Map(
    blocks.filter((block) => block.type === 'tool_result').map((block) => [String(inputOf.get(block.tool_use_id)), block.content]),
  );
  return { messages, resultOf };
}

describe('tool call ids a history repeats (servers that number their calls per answer: call_0 in every turn)', () => {
  // OpenAI's chat completions takes the repeat; Anthropic answers 400 "`tool_use` ids must be unique".
  const call = (command: string): OpenAI.ChatCompletionMessageToolCall => ({
    id: 'call_0',
    type: 'function',
    function: { name: 'Bash', arguments: JSON.stringify({ command }) },
  });
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'Bash', parameters: { type: 'object' } } }];

  test('a chat history moved to an anthropic/ model sends each call under an id of its own, each result with its call', async () => {
    await client().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      tools,
      messages: [
        { role: 'user', content: 'run two commands' },
        { role: 'assistant', content: null, tool_calls: [call('echo one')] },
        { role: 'tool', tool_call_id: 'call_0', content: 'one' },
        { role: 'assistant', content: null, tool_calls: [call('echo two')] },
        { role: 'tool', tool_call_id: 'call_0', content: 'two' },
      ],
    });
    const { messages, resultOf } = sentToAnthropic();
    expect(anthropicToolProblem(messages)).toBeUndefined();
    expect(resultOf).toEqual(
      new Map([
        ['{"command":"echo one"}', 'one'],
        ['{"command":"echo two"}', 'two'],
      ]),
    );
  });

  test('a Responses input moved to an anthropic/ model does the same, each output with the call before it', async () => {
    const input: OpenAI.Responses.ResponseInputItem[] = [
      { type: 'message', role: 'user', content: 'run two commands' },
      { type: 'function_call', call_id: 'call_0', name: 'Bash', arguments: '{"command":"echo one"}' },
      { type: 'function_call_output', call_id: 'call_0', output: 'one' },
      { type: 'function_call', call_id: 'call_0', name: 'Bash', arguments: '{"command":"echo two"}' },
      { type: 'function_call_output', call_id: 'call_0', output: 'two' },
    ];
    const responsesTools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'Bash', parameters: { type: 'object' }, strict: false }];
    await client().responses.create({ model: 'anthropic/claude-sonnet-5-5', input, tools: responsesTools });
    const { messages, resultOf } = sentToAnthropic();
    expect(anthropicToolProblem(messages)).toBeUndefined();
    expect(resultOf.get('{"command":"echo one"}')).toBe('one');
    expect(resultOf.get('{"command":"echo two"}')).toBe('two');

    // Bridged to a chat provider, each output follows its own call too.
    await client().responses.create({ model: 'local/qwen3', input, tools: responsesTools });
    const chat = asArray(local.requests.at(-1)?.body?.messages).map(asJson);
    expect(chat.map((message) => (message.role === 'tool' ? message.content : message.role))).toEqual([
      'user',
      'assistant',
      'one',
      'assistant',
      'two',
    ]);
  });
  test('parallel calls answered out of order, an output after a user message: each result still goes with its call', async () => {
    await client().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      tools,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [call('a'), { ...call('b'), id: 'call_1' }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'B' },
        { role: 'tool', tool_call_id: 'call_0', content: 'A' },
        { role: 'assistant', content: null, tool_calls: [{ ...call('d'), id: 'call_1' }, call('c')] },
        { role: 'tool', tool_call_id: 'call_0', content: 'C' },
        { role: 'tool', tool_call_id: 'call_1', content: 'D' },
      ],
    });
    const chat = sentToAnthropic();
    expect(anthropicToolProblem(chat.messages)).toBeUndefined();
    expect([...chat.resultOf].sort()).toEqual(['a', 'b', 'c', 'd'].map((c) => [JSON.stringify({ command: c }), c.toUpperCase()]));

    const item = (call_id: string, command: string): OpenAI.Responses.ResponseInputItem => ({
      type: 'function_call',
      call_id,
      name: 'Bash',
      arguments: JSON.stringify({ command }),
    });
    const output = (call_id: string, text: string): OpenAI.Responses.ResponseInputItem => ({ type: 'function_call_output', call_id, output: text });
    await client().responses.create({
      model: 'anthropic/claude-sonnet-5-5',
      tools: [{ type: 'function', name: 'Bash', parameters: { type: 'object' }, strict: false }],
      input: [
        { type: 'message', role: 'user', content: 'go' },
        item('call_0', 'a'),
        item('call_1', 'b'),
        output('call_1', 'B'),
        { type: 'message', role: 'user', content: 'hurry' },
        output('call_0', 'A'),
        item('call_0', 'c'),
        output('call_0', 'C'),
      ],
    });
    const responses = sentToAnthropic();
    expect(anthropicToolProblem(responses.messages)).toBeUndefined();
    expect([...responses.resultOf].sort()).toEqual(['a', 'b', 'c'].map((c) => [JSON.stringify({ command: c }), c.toUpperCase()]));
  });

  // Any client of the host sends such a history: each repeat searched its suffix from _2 again,
  // 10,000 calls of one id held the host's event loop over 3 s (20,000: 26 s) before it went out.
  test('a long history of one repeated id is read in time linear in its length', async () => {
    const turns = Array.from({ length: 20_000 }, (_, i): OpenAI.ChatCompletionMessageParam[] => [
      { role: 'assistant', content: null, tool_calls: [call(`echo ${i}`)] },
      { role: 'tool', tool_call_id: 'call_0', content: String(i) },
    ]).flat();
    const started = performance.now();
    await client().chat.completions.create({ model: 'anthropic/claude-sonnet-5-5', tools, messages: [{ role: 'user', content: 'go' }, ...turns] });
    // A bound far above the linear time (under a second here) and far below the quadratic one.
    expect(performance.now() - started).toBeLessThan(8_000);
    const { messages, resultOf } = sentToAnthropic();
    expect(anthropicToolProblem(messages)).toBeUndefined();
    expect(resultOf.get('{"command":"echo 19999"}')).toBe('19999');
  }, 60_000);
  // Each call and each moved output was added by copying the turn's list: 20,000 calls in one turn,
  // their outputs after a user message, held the host's event loop over 20 s.
  test('a Responses turn of many calls, their outputs moved up to it, is read in time linear in its size', async () => {
    const calls = Array.from({ length: 20_000 }, (_, i): OpenAI.Responses.ResponseInputItem => ({
      type: 'function_call',
      call_id: `call_${i}`,
      name: 'Bash',
      arguments: '{}',
    }));
    const outputs = calls.map((item): OpenAI.Responses.ResponseInputItem => ({
      type: 'function_call_output',
      call_id: (item as OpenAI.Responses.ResponseFunctionToolCall).call_id,
      output: 'ok',
    }));
    const started = performance.now();
    await client().responses.create({
      model: 'local/qwen3',
      input: [{ type: 'message', role: 'user', content: 'go' }, ...calls, { type: 'message', role: 'user', content: 'hurry' }, ...outputs],
      tools: [{ type: 'function', name: 'Bash', parameters: { type: 'object' }, strict: false }],
    });
    expect(performance.now() - started).toBeLessThan(8_000);
    const chat = asArray(local.requests.at(-1)?.body?.messages).map(asJson);
    expect(chat.map((message) => message.role).slice(0, 3)).toEqual(['user', 'assistant', 'tool']);
    expect(chat.at(-1)).toEqual({ role: 'user', content: 'hurry' });
  }, 60_000);

  // `push(...items)` takes each item as an argument: V8 throws a RangeError past about 120,000 of
  // them, and the client got a 500 "The router failed to handle the request" for a valid request.
  test('a Responses request of 200,000 input items (6 MB) reaches the provider whole', async () => {
    const input = Array.from({ length: 200_000 }, (_, i): OpenAI.Responses.ResponseInputItem => ({ role: 'user', content: String(i) }));
    const response = await client().responses.create({ model: 'local/qwen3', input });
    expect(response.status).toBe('completed');
    const chat = asArray(local.requests.at(-1)?.body?.messages).map(asJson);
    expect(chat).toHaveLength(200_000);
    expect(chat.at(-1)).toEqual({ role: 'user', content: '199999' });
  }, 60_000);
});

describe('the end user id', () => {
  // Anthropic refuses it: "metadata.user_id: user_id appears to contain an email address".
  test.each([
    [
      'chat completions',
      () =>
        client().chat.completions.create({
          model: 'anthropic/claude-sonnet-5-5',
          user: 'ada@example.com',
          messages: [{ role: 'user', content: 'hi' }],
        }),
    ],
    ['Responses', () => client().responses.create({ model: 'anthropic/claude-sonnet-5-5', safety_identifier: 'ada@example.com', input: 'hi' })],
  ])('an email address from a %s client reaches Anthropic as its SHA-256 hex digest, an opaque id', async (_route, send) => {
    await send();
    expect(anthropic.requests.at(-1)?.body?.metadata).toEqual({ user_id: createHash('sha256').update('ada@example.com').digest('hex') });
  });

  // Any client of the host sets it: a search that backtracks over it held the host's event loop for
  // seconds (quadratic: 100,000 characters took about 7 s here, a megabyte would take minutes).
  test('is read for an email in time linear in its length', async () => {
    const started = performance.now();
    await client().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      user: 'a'.repeat(100_000),
      messages: [{ role: 'user', content: 'hi' }],
    });
    // A bound far above the linear time (milliseconds) and far below the quadratic one.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(anthropic.requests.at(-1)?.body?.metadata).toEqual({ user_id: 'a'.repeat(100_000) });
  }, 30_000);
});

describe('consecutive assistant turns of a Messages request, which Anthropic reads as one turn', () => {
  test('go to a chat provider as one assistant message, the results of all its calls after it', async () => {
    await messagesClient().messages.create({
      model: 'qwen/qwen3',
      max_tokens: 10,
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'read two files' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'Read', input: { path: '/a' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'and the other' },
            { type: 'tool_use', id: 'toolu_b', name: 'Read', input: { path: '/b' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_a', content: 'A' },
            { type: 'tool_result', tool_use_id: 'toolu_b', content: 'B' },
          ],
        },
      ],
    });
    const sent = asArray(local.requests.at(-1)?.body?.messages).map(asJson);
    // OpenAI refuses a tool message that does not follow the assistant message holding its call.
    expect(sent.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(asArray(sent[1]?.tool_calls).map((call) => asJson(call).id)).toEqual(['toolu_a', 'toolu_b']);
    expect(sent[1]?.content).toBe('and the other');
  });

  test('an empty text in one of them adds no blank paragraph to the text of the others', async () => {
    await messagesClient().messages.create({
      model: 'qwen/qwen3',
      max_tokens: 10,
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'read two files' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: '' },
            { type: 'tool_use', id: 'toolu_a', name: 'Read', input: { path: '/a' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'and the other' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: 'A' }] },
      ],
    });
    expect(asJson(asArray(local.requests.at(-1)?.body?.messages)[1]).content).toBe('and the other');
  });
});

describe('text of only whitespace in a translated Messages answer (a model\'s "\\n\\n" before its tool calls)', () => {
  const ID = { id: 'chatcmpl-1', created: 1, model: 'qwen3' };
  const frames = (content: string, calls: boolean): string[] => [
    chatChunkFrame(ID, { role: 'assistant', content: '' }),
    chatChunkFrame(ID, { content }),
    ...(calls
      ? [chatChunkFrame(ID, { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":"/a"}' } }] })]
      : []),
    chatChunkFrame(ID, {}, calls ? 'tool_calls' : 'stop'),
    DONE_FRAME,
  ];
  const whole = (content: string, calls: boolean): Record<string, unknown> =>
    chatCompletion(
      {
        role: 'assistant',
        content,
        ...(calls ? { tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":"/a"}' } }] } : {}),
      },
      calls ? 'tool_calls' : 'stop',
    );
  const answer = (content: string, calls: boolean): void => {
    local.handler = (request, res) =>
      request.body?.stream === true ? sendFrames(res, frames(content, calls)) : sendJson(res, 200, whole(content, calls));
  };
  const toolUseIdOf = (message: Anthropic.Message): string =>
    message.content.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []))[0] ?? '';
  const request = {
    model: 'qwen/qwen3',
    max_tokens: 10,
    tools: [{ name: 'Read', input_schema: { type: 'object' as const } }],
    messages: [{ role: 'user' as const, content: 'read /a' }],
  };

  test('is left out beside the calls, streamed and whole: the turn sent back to an anthropic/ model is taken', async () => {
    answer('\n\n', true);
    for (const message of [await messagesClient().messages.stream(request).finalMessage(), await messagesClient().messages.create(request)]) {
      expect(message.content.map((block) => block.type)).toEqual(['tool_use']);
      // Claude Code sends the turn back; after a switch to an anthropic/ model Anthropic refuses a turn of blank text.
      const next = await messagesClient().messages.create({
        ...request,
        model: 'anthropic/claude-sonnet-5-5',
        messages: [
          ...request.messages,
          { role: 'assistant', content: message.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: toolUseIdOf(message), content: 'A' }],
          },
        ],
      });
      expect(next.type).toBe('message');
    }
  });

  test('is kept when it is the whole answer, streamed and whole', async () => {
    answer(' ', false);
    for (const message of [await messagesClient().messages.stream(request).finalMessage(), await messagesClient().messages.create(request)]) {
      expect(message.content.map((block) => (block.type === 'text' ? block.text : block.type))).toEqual([' ']);
    }
  });
});

describe('a base64 image whose data URL names another type than its bytes', () => {
  // A JPEG's first bytes. OpenAI reads the bytes and takes either data URL; Anthropic refuses
  // `image/jpg`, and a type the bytes contradict ("specified using the image/png media type, but
  // the image appears to be a image/jpeg image").
  const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]).toString('base64');

  test.each(['image/jpg', 'image/png'])('goes to Anthropic as image/jpeg when named %s, in a message and in a tool result', async (named) => {
    const url = `data:${named};base64,${JPEG}`;
    const answer = await client().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'Snap', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'image_url', image_url: { url } }] as never },
      ],
      tools: [{ type: 'function', function: { name: 'Snap', parameters: { type: 'object' } } }],
    });
    expect(answer.object).toBe('chat.completion');
    const blocks = sentToAnthropic().messages.flatMap((message) => asArray(message.content).map(asJson));
    const images = [...blocks, ...blocks.flatMap((block) => asArray(block.content).map(asJson))].filter((block) => block.type === 'image');
    expect(images.map((image) => asJson(image.source).media_type)).toEqual(['image/jpeg', 'image/jpeg']);
  });

  test('with parameters before `;base64` (RFC 2397: a Blob typed `text/plain;charset=utf-8`) reaches Anthropic, an image and a file', async () => {
    const text = Buffer.from('héllo').toString('base64');
    await client().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/jpeg;name=photo.jpg;base64,${JPEG}` } },
            { type: 'file', file: { filename: 'notes.txt', file_data: `data:text/plain;charset=utf-8;base64,${text}` } },
          ],
        },
      ],
    });
    const [image, document] = asArray(sentToAnthropic().messages[0]?.content).map(asJson);
    expect(image?.source).toEqual({ type: 'base64', media_type: 'image/jpeg', data: JPEG });
    expect(document?.source).toEqual({ type: 'text', media_type: 'text/plain', data: 'héllo' });
  });
});

describe("Mistral's thinking parts in an assistant message", () => {
  // Mistral answers with its reasoning as a `thinking` part of `content`; a conversation moved to
  // an anthropic/ model carries it back. Anthropic refuses thinking it did not sign (section 10).
  test('are left out on the way to Anthropic, as thinking it did not sign is; the text goes on', async () => {
    const assistant = {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: [{ type: 'text', text: 'The user greets me.' }] },
        { type: 'text', text: 'Hello!' },
      ],
    } as unknown as OpenAI.ChatCompletionAssistantMessageParam;
    await client().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      messages: [{ role: 'user', content: 'hi' }, assistant, { role: 'user', content: 'how are you?' }],
    });
    expect(anthropic.requests.at(-1)?.body?.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'how are you?' },
    ]);
  });

  test('in a user message are still refused, naming the part', async () => {
    const user = { role: 'user', content: [{ type: 'thinking', thinking: [] }] } as unknown as OpenAI.ChatCompletionUserMessageParam;
    const error = await client()
      .chat.completions.create({ model: 'anthropic/claude-sonnet-5-5', messages: [user] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("messages[0].content[0]: content part type 'thinking'");
  });
});
