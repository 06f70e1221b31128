/**
 * Acceptance probes: what a user of the official clients (`@anthropic-ai/sdk`, `openai`) sees
 * through a real Express host when the upstreams answer as real servers do (DESIGN.md sections 8,
 * 10 and 11). Each probe reads the answer through the SDK's own helpers (`finalMessage()`,
 * `finalResponse()`, the beta namespace, `toolRunner`), whose parsers refuse events they cannot
 * place, so a passing probe means the SDK accepted every event and holds the whole answer.
 */
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from '../support/fake-upstream';
import { CLIENT_TOKEN } from '../support/keys';
import { ANTHROPIC_AGENT_SIGNATURE } from '../support/messages-wire';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { useFakes } from '../support/use-fakes';
import { useHost } from '../support/use-host';

const fakes = useFakes();
const host = useHost(fakes);

const anthropicClient = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
const openaiClient = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const USAGE = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: USAGE })}\n\n`;
const DONE = 'data: [DONE]\n\n';
const anthropicFrame = (data: Record<string, unknown>): string => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;

const MESSAGES_TOOLS = [
  { name: 'now', input_schema: { type: 'object' as const } },
  { name: 'later', input_schema: { type: 'object' as const } },
];
const RESPONSES_TOOLS = MESSAGES_TOOLS.map((tool) => ({
  type: 'function' as const,
  name: tool.name,
  parameters: { type: 'object', properties: {} },
  strict: false,
}));

/** What a stream shape must reach the client as: text blocks and calls in order, the stop, the usage. */
interface Expected {
  /** Content in order: a string is a text block (a message item), an object a call. */
  content: Array<string | { name: string; input: Record<string, unknown> }>;
  stop: 'end_turn' | 'tool_use';
  /** Whether the shape carries usage (3 in, 2 out). */
  usage: boolean;
}

const call = (name: string, input: Record<string, unknown>): { name: string; input: Record<string, unknown> } => ({ name, input });
const toolCallDelta = (index: number, id: string, name: string, args: string): Record<string, unknown> => ({
  tool_calls: [{ index, id, type: 'function', function: { name, arguments: args } }],
});

/** Chat completion streams as OpenAI-compatible servers shape them, and what each must reach the client as. */
const STREAM_SHAPES: Array<[string, string[], Expected]> = [
  [
    'the finish reason on the chunk with the last text (vLLM, Gemini)',
    [chunk({ role: 'assistant', content: 'Hel' }), chunk({ content: 'lo' }, 'stop'), usageChunk, DONE],
    { content: ['Hello'], stop: 'end_turn', usage: true },
  ],
  [
    'usage on the finish chunk and no usage chunk of its own',
    [chunk({ role: 'assistant', content: 'Hello' }), chunk({}, 'stop', { usage: USAGE }), DONE],
    { content: ['Hello'], stop: 'end_turn', usage: true },
  ],
  [
    '`usage: null` on every chunk before the usage chunk',
    [chunk({ role: 'assistant', content: 'Hello' }, null, { usage: null }), chunk({}, 'stop', { usage: null }), usageChunk, DONE],
    { content: ['Hello'], stop: 'end_turn', usage: true },
  ],
  [
    'a whole tool call in the finish chunk',
    [chunk({ role: 'assistant', content: null, ...toolCallDelta(0, 'call_1', 'now', '{"a":1}') }, 'tool_calls'), usageChunk, DONE],
    { content: [call('now', { a: 1 })], stop: 'tool_use', usage: true },
  ],
  [
    'the id and name repeated on every piece of a call',
    [
      chunk({ role: 'assistant', content: null, ...toolCallDelta(0, 'call_1', 'now', '{"a"') }),
      chunk(toolCallDelta(0, 'call_1', 'now', ':1}')),
      chunk({}, 'tool_calls'),
      usageChunk,
      DONE,
    ],
    { content: [call('now', { a: 1 })], stop: 'tool_use', usage: true },
  ],
  [
    'two whole calls both at index 0, each with its own id (Ollama-like servers)',
    [
      chunk({ role: 'assistant', content: null, ...toolCallDelta(0, 'call_1', 'now', '{"a":1}') }),
      chunk(toolCallDelta(0, 'call_2', 'later', '{"b":2}')),
      chunk({}, 'tool_calls'),
      usageChunk,
      DONE,
    ],
    { content: [call('now', { a: 1 }), call('later', { b: 2 })], stop: 'tool_use', usage: true },
  ],
  [
    'a finish reason OpenAI does not have (`eos`)',
    [chunk({ role: 'assistant', content: 'Hello' }), chunk({}, 'eos'), usageChunk, DONE],
    { content: ['Hello'], stop: 'end_turn', usage: true },
  ],
  [
    'text after a tool call',
    [
      chunk({ role: 'assistant', content: 'A' }),
      chunk(toolCallDelta(0, 'call_1', 'now', '{}')),
      chunk({ content: 'B' }),
      chunk({}, 'tool_calls'),
      usageChunk,
      DONE,
    ],
    { content: ['A', call('now', {}), 'B'], stop: 'tool_use', usage: true },
  ],
  [
    'no role chunk, and choices without `index`',
    [
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ delta: { content: 'Hello' }, finish_reason: null }] })}\n\n`,
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ delta: {}, finish_reason: 'stop' }] })}\n\n`,
      DONE,
    ],
    { content: ['Hello'], stop: 'end_turn', usage: false },
  ],
];

describe.each(STREAM_SHAPES)('sections 8 and 11: %s reaches SDK users whole', (_shape, frames, expected) => {
  test.each([
    ['openai', 'openai/gpt-4o'],
    ['openrouter', 'openrouter/meta-llama/llama-3.1-8b-instruct'],
  ] as const)('Messages, translated from %s: finalMessage() has every block, the stop reason and the usage', async (provider, model) => {
    fakes[provider].handler = (_request, res) => sendFrames(res, frames);
    const message = await anthropicClient()
      .messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], tools: MESSAGES_TOOLS })
      .finalMessage();
    expect(message.content).toEqual(
      expected.content.map((piece) =>
        typeof piece === 'string' ? { type: 'text', text: piece } : { type: 'tool_use', id: expect.any(String) as unknown, ...piece },
      ),
    );
    expect(message.stop_reason).toBe(expected.stop);
    expect(message.model).toBe(model);
    if (expected.usage) expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 2 });
  });

  test('Responses, bridged to local: finalResponse() has every item, its status and the usage', async () => {
    fakes.local.handler = (_request, res) => sendFrames(res, frames);
    const response = await openaiClient().responses.stream({ model: 'local/m', input: 'hi', tools: RESPONSES_TOOLS }).finalResponse();
    expect(response.output).toMatchObject(
      expected.content.map((piece) =>
        typeof piece === 'string'
          ? { type: 'message', status: 'completed', content: [{ type: 'output_text', text: piece }] }
          : { type: 'function_call', status: 'completed', name: piece.name, arguments: JSON.stringify(piece.input) },
      ),
    );
    expect(response.output_text).toBe(expected.content.filter((piece) => typeof piece === 'string').join(''));
    expect(response.status).toBe('completed');
    if (expected.usage) expect(response.usage).toMatchObject({ input_tokens: 3, output_tokens: 2, total_tokens: 5 });
  });
});

describe("section 10: Anthropic's signed thinking shown as a signature alone (display omitted) goes back exactly", () => {
  // Thinking with no text but its signature, text with a citation between its pieces, and a call
  // whose only input piece is empty: what Anthropic streams for an agent turn.
  const AGENT_TURN = [
    anthropicFrame({
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-5-5-20261001',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      },
    }),
    anthropicFrame({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    anthropicFrame({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: ANTHROPIC_AGENT_SIGNATURE } }),
    anthropicFrame({ type: 'content_block_stop', index: 0 }),
    anthropicFrame({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '', citations: [] } }),
    anthropicFrame({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'The sky' } }),
    anthropicFrame({
      type: 'content_block_delta',
      index: 1,
      delta: {
        type: 'citations_delta',
        citation: { type: 'char_location', cited_text: 'blue', document_index: 0, document_title: 'd', start_char_index: 0, end_char_index: 4 },
      },
    }),
    anthropicFrame({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: ' is blue.' } }),
    anthropicFrame({ type: 'content_block_stop', index: 1 }),
    anthropicFrame({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} } }),
    anthropicFrame({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } }),
    anthropicFrame({ type: 'content_block_stop', index: 2 }),
    anthropicFrame({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 10, output_tokens: 20 },
    }),
    anthropicFrame({ type: 'message_stop' }),
  ];
  const firstTurnOnly = (request: RecordedRequest, res: ServerResponse): boolean => {
    if ((request.body?.messages as unknown[]).length > 1) return false;
    sendFrames(res, AGENT_TURN);
    return true;
  };
  const signedBlock = { type: 'thinking', thinking: '', signature: ANTHROPIC_AGENT_SIGNATURE };

  test('a Responses client: a reasoning item whose encrypted_content restores the block with the tool loop', async () => {
    fakes.anthropic.handler = firstTurnOnly;
    const params = {
      model: 'anthropic/claude-sonnet-5-5',
      tools: [RESPONSES_TOOLS[0]!],
      include: ['reasoning.encrypted_content' as const],
      reasoning: { effort: 'high' as const },
      store: false,
    };
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Why is the sky blue? Check the time first.' }];
    const first = await openaiClient()
      .responses.stream({ ...params, input })
      .finalResponse();
    expect(first.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(first.output_text).toBe('The sky is blue.');
    expect(first.output[2]).toMatchObject({ call_id: 'toolu_1', name: 'now', arguments: '{}' });
    expect(first.usage).toMatchObject({ input_tokens: 10, output_tokens: 20, total_tokens: 30 });

    // The SDK user's own loop: the whole output (with the SDK's parsed views) back, then the result.
    await openaiClient().responses.create({
      ...params,
      input: [...input, ...first.output, { type: 'function_call_output', call_id: 'toolu_1', output: '12:00' }] as OpenAI.Responses.ResponseInput,
    });
    const sent = fakes.anthropic.requests.at(-1)!.body!;
    expect(sent.messages).toEqual([
      { role: 'user', content: 'Why is the sky blue? Check the time first.' },
      {
        role: 'assistant',
        content: [signedBlock, { type: 'text', text: 'The sky is blue.' }, { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '12:00' }] },
    ]);
    expect(sent.thinking).toMatchObject({ type: 'adaptive' });
  });

  test('a chat client: reasoning_details carry the signature, and the block goes back with the tool loop', async () => {
    fakes.anthropic.handler = firstTurnOnly;
    const tools = [{ type: 'function' as const, function: { name: 'now', parameters: { type: 'object', properties: {} } } }];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Why is the sky blue? Check the time first.' }];
    const params = { model: 'anthropic/claude-sonnet-5-5', tools, reasoning_effort: 'high' as const };
    const completion = await openaiClient()
      .chat.completions.stream({ ...params, messages, stream_options: { include_usage: true } })
      .finalChatCompletion();
    const answer = completion.choices[0]!.message as OpenAI.Chat.ChatCompletionMessage & { reasoning_details?: unknown };
    expect(answer.content).toBe('The sky is blue.');
    expect(answer.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'now', arguments: '{}' } }]);
    expect(answer.reasoning_details).toEqual([
      { type: 'reasoning.text', signature: ANTHROPIC_AGENT_SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 20 });

    await openaiClient().chat.completions.create({
      ...params,
      messages: [
        ...messages,
        {
          role: 'assistant',
          content: answer.content,
          tool_calls: answer.tool_calls,
          reasoning_details: answer.reasoning_details,
        } as OpenAI.Chat.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: 'toolu_1', content: '12:00' },
      ],
    });
    const sent = fakes.anthropic.requests.at(-1)!.body!;
    expect((sent.messages as Array<{ content: unknown }>)[1]!.content).toEqual([
      signedBlock,
      { type: 'text', text: 'The sky is blue.' },
      { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} },
    ]);
  });
});

describe("section 8: the Anthropic SDK's toolRunner runs a tool loop through a translated provider", () => {
  test.each([
    ['openai', 'openai/gpt-4o', true],
    ['openai', 'openai/gpt-4o', false],
    ['openrouter', 'openrouter/meta-llama/llama-3.1-8b-instruct', true],
    ['openrouter', 'openrouter/meta-llama/llama-3.1-8b-instruct', false],
  ] as const)('%s (%s), stream: %p', async (provider, model, stream) => {
    fakes[provider].handler = (request, res) => {
      const answered = (request.body!.messages as Array<{ role: string }>).some((message) => message.role === 'tool');
      if (request.body!.stream === true) {
        sendFrames(
          res,
          answered
            ? [chunk({ role: 'assistant', content: 'It is noon in UTC.' }), chunk({}, 'stop'), usageChunk, DONE]
            : [
                chunk({ role: 'assistant', content: null, ...toolCallDelta(0, 'call_1', 'now', '{"tz":"UTC"}') }),
                chunk({}, 'tool_calls'),
                usageChunk,
                DONE,
              ],
        );
        return;
      }
      const message = answered
        ? { role: 'assistant', content: 'It is noon in UTC.' }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '{"tz":"UTC"}' } }],
          };
      sendJson(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message, finish_reason: answered ? 'stop' : 'tool_calls' }],
        usage: USAGE,
      });
    };
    const runs: unknown[] = [];
    const now = betaTool({
      name: 'now',
      description: 'The time now',
      inputSchema: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
      run: (input) => {
        runs.push(input);
        return `12:00 ${input.tz}`;
      },
    });
    const final = await anthropicClient().beta.messages.toolRunner({
      model,
      max_tokens: 200,
      messages: [{ role: 'user', content: 'What time is it?' }],
      tools: [now],
      stream,
    });
    expect(runs).toEqual([{ tz: 'UTC' }]);
    expect(final).toMatchObject({ model, stop_reason: 'end_turn', content: [{ type: 'text', text: 'It is noon in UTC.' }] });
    expect(fakes[provider].requests.at(-1)!.body!.messages).toEqual([
      { role: 'user', content: 'What time is it?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'now', arguments: '{"tz":"UTC"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '12:00 UTC' },
    ]);
  });
});

describe("section 8: the SDK's beta namespace (its betas in anthropic-beta) for every provider", () => {
  const MODELS = [
    ['anthropic', 'anthropic/claude-sonnet-5-5'],
    ['local', 'qwen3-coder'],
    ['openai', 'openai/gpt-4o'],
    ['openrouter', 'openrouter/meta-llama/llama-3.1-8b-instruct'],
  ] as const;
  const betas = ['context-management-2025-06-27'];

  test.each(MODELS)('%s: beta.messages.stream() reads the whole answer, with the model as asked', async (_provider, model) => {
    const message = await anthropicClient()
      .beta.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], betas })
      .finalMessage();
    expect(message.model).toBe(model);
    expect(message.content).toEqual([{ type: 'text', text: expect.stringMatching(/\S/) as unknown }]);
    expect(message.stop_reason).toBe('end_turn');
  });

  test.each(MODELS.slice(0, 2))('%s: beta.messages.countTokens() passes through, with the betas', async (provider, model) => {
    const counted = await anthropicClient().beta.messages.countTokens({ model, messages: [{ role: 'user', content: 'hi' }], betas });
    expect(counted.input_tokens).toEqual(expect.any(Number));
    const sent = fakes[provider].requests.at(-1)!;
    expect(sent.url).toBe('/v1/messages/count_tokens');
    if (provider === 'anthropic') expect(sent.headers['anthropic-beta']).toBe(`${betas[0]},token-counting-2024-11-01`);
  });

  test.each(MODELS.slice(2))(
    '%s: beta.messages.countTokens() is a NotFoundError naming the provider, with its request id',
    async (provider, model) => {
      const error = await rejectionOf(
        anthropicClient().beta.messages.countTokens({ model, messages: [{ role: 'user', content: 'hi' }], betas }),
        Anthropic.NotFoundError,
      );
      expect(error.status).toBe(404);
      expect(error.type).toBe('not_found_error');
      expect(error.apiMessage).toContain(`"${provider}"`);
      expect(error.requestID).toMatch(/\S/);
      expect(fakes.received()).toEqual([]);
    },
  );
});

describe('sections 8 and 11: tool input streamed in pieces that split its JSON escapes', () => {
  // Codex's apply_patch input: newlines, quotes, a backslash and a \u escape, cut every 3 characters.
  const PATCH = '*** Begin Patch\n*** Add File: a.txt\n+say "hi" caf\u00e9 \\o/\n*** End Patch';
  const argumentsJson = JSON.stringify({ input: PATCH }).replace('é', '\\u00e9');
  const pieces = argumentsJson.match(/[^]{1,3}/g)!;
  const chatCallFrames = [
    chunk({ role: 'assistant', content: null, ...toolCallDelta(0, 'call_1', 'apply_patch', '') }),
    ...pieces.map((piece) => chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
    chunk({}, 'tool_calls'),
    usageChunk,
    DONE,
  ];
  const anthropicCallFrames = [
    anthropicFrame({
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-x',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 3, output_tokens: 1 },
      },
    }),
    anthropicFrame({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'apply_patch', input: {} } }),
    ...pieces.map((piece) => anthropicFrame({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } })),
    anthropicFrame({ type: 'content_block_stop', index: 0 }),
    anthropicFrame({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 2 } }),
    anthropicFrame({ type: 'message_stop' }),
  ];

  test.each([
    ['anthropic', 'anthropic/claude-sonnet-5-5', anthropicCallFrames],
    ['local', 'local/m', chatCallFrames],
  ] as const)('a Responses client of %s gets the custom tool input whole: deltas, .done and the item', async (provider, model, frames) => {
    fakes[provider].handler = (_request, res) => sendFrames(res, frames);
    const deltas: string[] = [];
    const done: string[] = [];
    const stream = openaiClient()
      .responses.stream({ model, input: 'Add a.txt', tools: [{ type: 'custom', name: 'apply_patch', description: 'Apply a patch' }] })
      .on('response.custom_tool_call_input.delta', (event) => deltas.push(event.delta))
      .on('response.custom_tool_call_input.done', (event) => done.push(event.input));
    const response = await stream.finalResponse();
    expect(response.output).toMatchObject([{ type: 'custom_tool_call', name: 'apply_patch', input: PATCH }]);
    expect(done).toEqual([PATCH]);
    expect(deltas.join('')).toBe(PATCH);
  });

  test.each(['openai', 'openrouter'] as const)('a Messages client of %s gets the tool input whole', async (provider) => {
    fakes[provider].handler = (_request, res) => sendFrames(res, chatCallFrames);
    const partials: string[] = [];
    const message = await anthropicClient()
      .messages.stream({
        model: provider === 'openai' ? 'openai/gpt-4o' : 'openrouter/meta-llama/llama-3.1-8b-instruct',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Add a.txt' }],
        tools: [{ name: 'apply_patch', input_schema: { type: 'object', properties: { input: { type: 'string' } } } }],
      })
      .on('inputJson', (partial) => partials.push(partial))
      .finalMessage();
    expect(message.content).toEqual([{ type: 'tool_use', id: expect.any(String) as unknown, name: 'apply_patch', input: { input: PATCH } }]);
    expect(JSON.parse(partials.join(''))).toEqual({ input: PATCH });
  });
});
