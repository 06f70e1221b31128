/**
 * Faults found by reading the translation half line by line (dialects, providers, config), each
 * shown here against real HTTP servers: the router in a host, a fake provider speaking its wire.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { waitUntil } from '../support/wait';
import { anthropicEvent, chatChunkFrame, chatCompletion, DONE_FRAME, messageStartFrame } from '../support/wire-frames';

interface LoggedRecord {
  response: { text: string; toolCalls: Array<{ id: string; name: string; arguments: string }> };
}

let local: FakeUpstream;
let anthropic: FakeUpstream;
let host: Host;
let records: LoggedRecord[];
let ends: RequestEndEvent[];

beforeAll(async () => {
  [local, anthropic] = await startFakeUpstreams('local', 'anthropic');
  // A provider declared in env serves chat completions only: Messages and Responses are translated.
  host = await startHost({
    env: { ...envFor({ local, anthropic }), OPENAI_COMPATIBLE_PROVIDERS: 'qwen', QWEN_BASE_URL: local.baseUrl },
    conversationLogger: { info: (_message: string, record: unknown) => records.push(record as LoggedRecord) } as never,
  });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => {
  records = [];
  ends = [];
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

const IDENTITY = { id: 'chatcmpl-review', created: 1, model: 'qwen3' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra?: Record<string, unknown>): string =>
  chatChunkFrame(IDENTITY, delta, finish, { extra });
const messagesClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });
const responsesClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });

/** A chat completions request for `model`; the text the client got, once the conversation record is written. */
async function chat(stream: boolean, model = 'qwen3'): Promise<string> {
  const response = await fetch(`${host.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'go' }] }),
  });
  const text = await response.text();
  await waitUntil(() => records.length === 1, 3000, 'the conversation record');
  return text;
}

describe('the conversation record of a streamed answer holds the calls the provider made', () => {
  const calls = [
    { id: 'call_a', name: 'Read', arguments: '{"path":"/a"}' },
    { id: 'call_b', name: 'Bash', arguments: '{"command":"ls"}' },
  ];

  test('several calls sent at index 0, each with its own id (Ollama-like servers), stay apart', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":"/a"}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    await chat(true);
    expect(records[0]?.response.toolCalls).toEqual(calls);
  });

  test('a name repeated whole on every fragment is the name once', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '{"path":' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Read', arguments: '"/a"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] }),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    await chat(true);
    expect(records[0]?.response.toolCalls).toEqual(calls);
  });

  test('as the record of the same answer not streamed has them', async () => {
    local.handler = (_request, res) =>
      sendJson(
        res,
        200,
        chatCompletion(
          {
            role: 'assistant',
            content: null,
            tool_calls: calls.map(({ id, name, arguments: args }) => ({ id, type: 'function', function: { name, arguments: args } })),
          },
          'tool_calls',
        ),
      );
    await chat(false);
    expect(records[0]?.response.toolCalls).toEqual(calls);
  });
});

describe('a stream whose later usage chunk holds only some counts (DESIGN section 9: nothing the provider answered is lost)', () => {
  // The first count comes with the text, the final count alone with the finish.
  const partialUsage = [
    chunk({ role: 'assistant', content: 'Hi' }, null, { usage: { prompt_tokens: 30, completion_tokens: 1, total_tokens: 31 } }),
    chunk({}, 'stop', { usage: { completion_tokens: 5 } }),
    DONE_FRAME,
  ];

  test('a Messages client gets the input count and the final output count', async () => {
    local.handler = (_request, res) => sendFrames(res, partialUsage);
    const message = await messagesClient()
      .messages.stream({ model: 'qwen/qwen3', max_tokens: 100, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();
    expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 5 });
  });

  test('a Responses client gets them too, and their sum', async () => {
    local.handler = (_request, res) => sendFrames(res, partialUsage);
    const response = await responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go' }).finalResponse();
    expect(response.usage).toMatchObject({ input_tokens: 30, output_tokens: 5, total_tokens: 35 });
  });

  test("request.end reports them, on a chat client's passthrough too", async () => {
    local.handler = (_request, res) => sendFrames(res, partialUsage);
    await chat(true);
    await waitUntil(() => ends.length === 1, 3000, 'request.end');
    expect(ends[0]?.usage).toMatchObject({ promptTokens: 30, completionTokens: 5, totalTokens: 35 });
  });
});

describe('a Messages stream whose block starts with its text (a server that sends it there, not in a delta)', () => {
  const textInStart = [
    messageStartFrame('msg_1', 'claude-sonnet-5-5'),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: 'Greet.', signature: '' } }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: 'Hello' } }),
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: ' there.' } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } }),
    anthropicEvent('message_stop'),
  ];

  test('the conversation record holds the text and reasoning the chat client got', async () => {
    anthropic.handler = (_request, res) => sendFrames(res, textInStart);
    const frames = await chat(true, 'claude-sonnet-5-5');
    const got = frames
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map(
        (frame) => (JSON.parse(frame.slice('data: '.length)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '',
      )
      .join('');
    expect(got).toBe('Hello there.');
    expect(records[0]?.response).toMatchObject({ text: 'Hello there.', reasoning: 'Greet.' });
  });
});

describe("Anthropic's count of thinking tokens (usage.output_tokens_details.thinking_tokens) reaches clients of the other dialects", () => {
  const usage = { input_tokens: 12, output_tokens: 20, output_tokens_details: { thinking_tokens: 7 } };
  const answer = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: [
      { type: 'thinking', thinking: 'Count.', signature: 'sig-1' },
      { type: 'text', text: 'Seven.' },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
  };
  const streamed = [
    anthropicEvent('message_start', { message: { ...answer, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Count.' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-1' } }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Seven.' } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 20, output_tokens_details: { thinking_tokens: 7 } },
    }),
    anthropicEvent('message_stop'),
  ];
  const openai = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
  const ask = { model: 'claude-sonnet-5-5', reasoning_effort: 'high' as const, messages: [{ role: 'user' as const, content: 'go' }] };

  test('a chat client, not streamed: completion_tokens_details.reasoning_tokens, and request.end', async () => {
    anthropic.handler = (_request, res) => sendJson(res, 200, answer);
    const completion = await openai().chat.completions.create(ask);
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 20, completion_tokens_details: { reasoning_tokens: 7 } });
    await waitUntil(() => ends.length === 1, 3000, 'request.end');
    expect(ends[0]?.usage).toMatchObject({ reasoningTokens: 7 });
  });

  test('a chat client, streamed with include_usage: the usage chunk has it, and request.end', async () => {
    anthropic.handler = (_request, res) => sendFrames(res, streamed);
    const stream = await openai().chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const piece of stream) last = piece;
    expect(last?.usage).toMatchObject({ completion_tokens: 20, completion_tokens_details: { reasoning_tokens: 7 } });
    await waitUntil(() => ends.length === 1, 3000, 'request.end');
    expect(ends[0]?.usage).toMatchObject({ reasoningTokens: 7 });
  });

  test('a Responses client: output_tokens_details.reasoning_tokens, streamed or not', async () => {
    anthropic.handler = (_request, res) => sendJson(res, 200, answer);
    const whole = await openai().responses.create({ model: 'claude-sonnet-5-5', input: 'go', reasoning: { effort: 'high' } });
    expect(whole.usage?.output_tokens_details.reasoning_tokens).toBe(7);
    anthropic.handler = (_request, res) => sendFrames(res, streamed);
    const response = await openai()
      .responses.stream({ model: 'claude-sonnet-5-5', input: 'go', reasoning: { effort: 'high' } })
      .finalResponse();
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(7);
  });
});

describe('Messages `thinking` of a type other than enabled, adaptive or disabled, to a chat completions provider', () => {
  const ask = (thinking: Record<string, unknown>): Promise<Response> =>
    fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'qwen/qwen3',
        max_tokens: 100,
        thinking,
        output_config: { effort: 'high' },
        messages: [{ role: 'user', content: 'go' }],
      }),
    });

  test('`between_tools` (the SDK sends it: think between tool calls) asks for the effort, as adaptive thinking does', async () => {
    const response = await ask({ type: 'between_tools' });
    expect(response.status).toBe(200);
    expect(local.requests.at(-1)?.body).toMatchObject({ reasoning_effort: 'high' });
  });

  test('a type the router does not know is a 400 naming it, not a request sent without it', async () => {
    const response = await ask({ type: 'sometimes' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('sometimes') },
    });
    expect(local.requests).toHaveLength(0);
  });
});

describe('a custom tool called with no arguments (Codex apply_patch, the model sending nothing)', () => {
  const tools = [{ type: 'custom' as const, name: 'apply_patch', description: 'Edit files.' }];
  const call = { id: 'call_p', type: 'function', function: { name: 'apply_patch', arguments: '' } };

  test('has the input the model gave, none, streamed and not, and the done event says the same as the item', async () => {
    local.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: null, tool_calls: [call] }, 'tool_calls'));
    const whole = await responsesClient().responses.create({ model: 'qwen/qwen3', input: 'go', tools });
    expect(whole.output[0]).toMatchObject({ type: 'custom_tool_call', input: '' });

    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, ...call }] }),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    const inputs: string[] = [];
    const stream = responsesClient().responses.stream({ model: 'qwen/qwen3', input: 'go', tools });
    stream.on('response.custom_tool_call_input.done', (event) => inputs.push(event.input));
    const response = await stream.finalResponse();
    expect(response.output[0]).toMatchObject({ type: 'custom_tool_call', input: '' });
    expect(inputs).toEqual(['']);
  });
});

describe('an Anthropic answer with two thinking blocks (interleaved thinking), to a chat client', () => {
  const content = [
    { type: 'thinking', thinking: 'Read the file first.', signature: 'sig-1' },
    { type: 'text', text: 'Reading.' },
    { type: 'thinking', thinking: 'Then list it.', signature: 'sig-2' },
    { type: 'tool_use', id: 'toolu_1', name: 'Ls', input: {} },
  ];
  const answer = {
    id: 'msg_2',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content,
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 9 },
  };
  const streamed = [
    anthropicEvent('message_start', { message: { ...answer, content: [], stop_reason: null } }),
    ...content.flatMap((block, index) => {
      const start =
        block.type === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : block.type === 'text' ? { type: 'text', text: '' } : block;
      const deltas =
        block.type === 'thinking'
          ? [
              { type: 'thinking_delta', thinking: block.thinking },
              { type: 'signature_delta', signature: block.signature },
            ]
          : block.type === 'text'
            ? [{ type: 'text_delta', text: block.text }]
            : [];
      return [
        anthropicEvent('content_block_start', { index, content_block: start }),
        ...deltas.map((delta) => anthropicEvent('content_block_delta', { index, delta })),
        anthropicEvent('content_block_stop', { index }),
      ];
    }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } }),
    anthropicEvent('message_stop'),
  ];
  const ask = { model: 'claude-sonnet-5-5', reasoning_effort: 'high' as const, messages: [{ role: 'user' as const, content: 'go' }] };

  test('gets the same reasoning text streamed as not streamed', async () => {
    const client = new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
    anthropic.handler = (_request, res) => sendJson(res, 200, answer);
    const whole = (await client.chat.completions.create(ask)).choices[0]?.message as { reasoning_content?: string } | undefined;
    expect(whole?.reasoning_content).toBe('Read the file first.\n\nThen list it.');

    anthropic.handler = (_request, res) => sendFrames(res, streamed);
    let reasoning = '';
    for await (const piece of await client.chat.completions.create({ ...ask, stream: true })) {
      reasoning += (piece.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '';
    }
    expect(reasoning).toBe(whole?.reasoning_content);
  });

  test('a Responses client streamed gets each block as a reasoning item of its own text, nothing before it', async () => {
    anthropic.handler = (_request, res) => sendFrames(res, streamed);
    const response = await responsesClient()
      .responses.stream({ model: 'claude-sonnet-5-5', input: 'go', reasoning: { effort: 'high' } })
      .finalResponse();
    expect(response.output.map((item) => (item.type === 'reasoning' ? item.content?.[0]?.text : item.type))).toEqual([
      'Read the file first.',
      'message',
      'Then list it.',
      'function_call',
    ]);
  });
});
