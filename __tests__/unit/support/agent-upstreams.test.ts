/**
 * The scripted agents of `agent-upstreams.ts`, read by the official SDKs as a router would be
 * answered: a call to exec_command when asked to run a command, the tool's output read back, and
 * each API's own checks kept. They stand behind the Codex-through-the-router tests, which cannot
 * pass before the router's Responses route exists; these can.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../../support/fake-upstream';
import { postJson } from '../../support/http-client';
import { KEYS } from '../../support/keys';
import { parseAnthropicSse } from '../../support/messages-stream';
import { afterToolText, agentFor, EXEC_TOOL, helloText, TEXT_PROMPT, TOOL_COMMAND, TOOL_OUTPUT, TOOL_PROMPT } from '../../support/agent-upstreams';

let openai: FakeUpstream;
let local: FakeUpstream;
let anthropic: FakeUpstream;

beforeAll(async () => {
  [openai, local, anthropic] = await startFakeUpstreams('openai', 'local', 'anthropic');
  for (const fake of [openai, local, anthropic]) fake.handler = agentFor(fake);
});
afterAll(() => Promise.all([openai, local, anthropic].map((fake) => fake.close())));

const ARGS = JSON.stringify({ cmd: TOOL_COMMAND });
/** What Codex sends back as exec_command's output. */
const CODEX_OUTPUT = `Chunk ID: 1\nWall time: 0.0100 seconds\nProcess exited with code 0\nOriginal token count: 3\nOutput:\n${TOOL_OUTPUT}\n`;

test('chat completions (streamed, via the openai SDK): a tool call when asked, then the text from its output', async () => {
  const client = new OpenAI({ apiKey: 'x', baseURL: local.baseUrl, maxRetries: 0 });
  const tools = [
    { type: 'function' as const, function: { name: EXEC_TOOL, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } },
  ];
  const asked = await client.chat.completions
    .stream({
      model: 'qwen',
      messages: [
        { role: 'system', content: 'You are Codex.' },
        { role: 'user', content: TOOL_PROMPT },
      ],
      tools,
    })
    .finalChatCompletion();
  const choice = asked.choices[0]!;
  expect(choice.finish_reason).toBe('tool_calls');
  const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(call.function).toEqual({ name: EXEC_TOOL, arguments: ARGS });

  const answered = await client.chat.completions
    .stream({
      model: 'qwen',
      messages: [
        { role: 'user', content: TOOL_PROMPT },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: CODEX_OUTPUT },
      ],
      tools,
      stream_options: { include_usage: true },
    })
    .finalChatCompletion();
  expect(answered.choices[0]!.message.content).toBe(afterToolText(CODEX_OUTPUT));
  expect(afterToolText(CODEX_OUTPUT)).toBe(`Tool output received: ${TOOL_OUTPUT}`);

  const hello = await client.chat.completions.create({ model: 'qwen', messages: [{ role: 'user', content: [{ type: 'text', text: TEXT_PROMPT }] }] });
  expect(hello.choices[0]!.message.content).toBe(helloText('local'));
});

test('Messages (streamed, via the Anthropic SDK): a tool_use when asked, then the text from its tool_result', async () => {
  // This SDK sends its key as a Bearer token; Anthropic's own check (kept by the agent) wants x-api-key, as the router sends it.
  const client = new Anthropic({
    apiKey: KEYS.anthropic,
    baseURL: anthropic.baseUrl,
    maxRetries: 0,
    defaultHeaders: { 'x-api-key': KEYS.anthropic, authorization: null },
  });
  const tools = [{ name: EXEC_TOOL, input_schema: { type: 'object' as const, properties: { cmd: { type: 'string' } } } }];
  const asked = await client.messages
    .stream({ model: 'claude-sonnet-5-5', max_tokens: 100, system: 'You are Codex.', messages: [{ role: 'user', content: TOOL_PROMPT }], tools })
    .finalMessage();
  expect(asked.stop_reason).toBe('tool_use');
  const use = asked.content[0] as Anthropic.ToolUseBlock;
  expect(use).toMatchObject({ type: 'tool_use', name: EXEC_TOOL, input: { cmd: TOOL_COMMAND } });

  const answered = await client.messages
    .stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: TOOL_PROMPT },
        { role: 'assistant', content: [use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: [{ type: 'text', text: CODEX_OUTPUT }] }] },
      ],
      tools,
    })
    .finalMessage();
  expect(answered.content).toEqual([expect.objectContaining({ type: 'text', text: afterToolText(CODEX_OUTPUT) })]);

  // A translation merges Codex's consecutive user messages (<environment_context>, then the prompt): the last part asks.
  const merged = await client.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<environment_context>\n  <cwd>/tmp/w</cwd>\n</environment_context>' },
          { type: 'text', text: TOOL_PROMPT },
        ],
      },
    ],
    tools,
  });
  expect(merged.content).toEqual([expect.objectContaining({ type: 'tool_use', name: EXEC_TOOL, input: { cmd: TOOL_COMMAND } })]);
  const hello = await client.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: TEXT_PROMPT }],
    tools,
  });
  expect(hello.content).toEqual([{ type: 'text', text: helloText('anthropic') }]);
});

test('Messages: the stream is framed as Anthropic frames it, and the API checks stay', async () => {
  const headers = { 'x-api-key': KEYS.anthropic, 'anthropic-version': '2023-06-01' };
  const streamed = await postJson(
    `${anthropic.baseUrl}/v1/messages`,
    { model: 'claude-sonnet-5-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: TOOL_PROMPT }] },
    { headers },
  );
  expect(parseAnthropicSse(streamed.text).map((f) => f.event)).toEqual([
    'message_start',
    'content_block_start',
    'content_block_delta',
    'content_block_delta',
    'content_block_stop',
    'message_delta',
    'message_stop',
  ]);
  const noMaxTokens = await postJson(`${anthropic.baseUrl}/v1/messages`, { model: 'c', messages: [{ role: 'user', content: 'hi' }] }, { headers });
  expect(noMaxTokens.status).toBe(400);
  expect(
    (await postJson(`${anthropic.baseUrl}/v1/messages`, { model: 'c', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] })).status,
  ).toBe(400);
});

test('Responses (via the openai SDK): a function_call (streamed) when asked, then the text from its output; the API checks stay', async () => {
  const client = new OpenAI({ apiKey: 'x', baseURL: openai.baseUrl, maxRetries: 0 });
  const tools = [
    { type: 'function' as const, name: EXEC_TOOL, strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
  ];
  const asked = await client.responses.stream({ model: 'gpt-5.5', input: [{ role: 'user', content: TOOL_PROMPT }], tools }).finalResponse();
  const call = asked.output.find((item) => item.type === 'function_call')!;
  expect(call).toMatchObject({ name: EXEC_TOOL, arguments: ARGS });

  // Not streamed: the SDK's stream reader refuses the recorded text stream's reasoning item (its
  // reasoning_text deltas come without a content_part.added for them); Codex reads it fine.
  const answered = await client.responses.create({
    model: 'gpt-5.5',
    input: [
      { role: 'user', content: TOOL_PROMPT },
      { type: 'function_call', call_id: call.call_id, name: EXEC_TOOL, arguments: ARGS },
      { type: 'function_call_output', call_id: call.call_id, output: CODEX_OUTPUT },
    ],
    tools,
  });
  expect(answered.output_text).toBe(afterToolText(CODEX_OUTPUT));

  const hello = await client.responses.create({ model: 'gpt-5.5', input: TEXT_PROMPT });
  expect(hello.output_text).toBe(helloText('openai'));

  await expect(
    client.responses.create({ model: 'gpt-5.5', input: TEXT_PROMPT, max_tokens: 5 } as OpenAI.Responses.ResponseCreateParamsNonStreaming),
  ).rejects.toMatchObject({
    status: 400,
    code: 'unsupported_parameter',
  });
  // OpenAI's chat completions go to the chat agent.
  const chat = await new OpenAI({ apiKey: 'x', baseURL: openai.baseUrl, maxRetries: 0 }).chat.completions.create({
    model: 'gpt-5.5',
    messages: [{ role: 'user', content: TOOL_PROMPT }],
  });
  expect(chat.choices[0]!.message.tool_calls).toHaveLength(1);
});
