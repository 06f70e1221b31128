/**
 * DESIGN section 10 (reasoning across dialects) as a matrix, one row per rule: effort in from each
 * client dialect, effort out to each provider, reasoning text out to each client dialect, and
 * reasoning sent back in. Requests go through the official clients (`openai` for chat and
 * Responses, `@anthropic-ai/sdk` for Messages) to fake upstreams speaking their real wire formats.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { chatStreamPayloads } from '../support/chat-stream';
import type { FakeHandler, FakeUpstream } from '../support/fake-upstream';
import { startFakeUpstream, startFakeUpstreams } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { KEYS } from '../support/keys';
import { sendFrames, sendJson, writeSlowly } from '../support/upstream-answers';
import { anthropicEvent, anthropicMessage, chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream, groq: FakeUpstream;
let host: Host;
let budgetHost: Host;
let ends: RequestEndEvent[];
let records: Array<{ response: { text: string; reasoning?: string } }>;

beforeAll(async () => {
  [openai, openrouter, local, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic');
  // An OpenAI-compatible provider declared in env, as a host adds Groq.
  groq = await startFakeUpstream('openai');
  const env = {
    ...envFor({ openai, openrouter, local, anthropic }),
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: groq.baseUrl,
    GROQ_API_KEY: KEYS.openai,
  };
  host = await startHost({
    env,
    conversationLogger: { info: (_message: string, record: unknown) => records.push(record as (typeof records)[number]) } as never,
  });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
  budgetHost = await startHost({ env: { ...env, ANTHROPIC_THINKING: 'budget' } });
});
beforeEach(() => {
  ends = [];
  records = [];
});
afterEach(() => [openai, openrouter, local, anthropic, groq].forEach((fake) => fake.reset()));
afterAll(async () => {
  await Promise.all([host.close(), budgetHost.close()]);
  await Promise.all([openai, openrouter, local, anthropic, groq].map((fake) => fake.close()));
});

const chatClient = (on: Host = host): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${on.url}/v1`, maxRetries: 0 });
const messagesClient = (on: Host = host): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: on.url, maxRetries: 0 });

/** The body of the last request `fake` received. */
function sentTo(fake: FakeUpstream): Record<string, unknown> {
  const body = fake.requests.at(-1)?.body;
  if (!body) throw new Error(`${fake.kind} received nothing`);
  return body;
}

/** The effort fields of a body sent to an OpenAI-compatible provider. */
function effortFields(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => key === 'reasoning_effort' || key === 'reasoning'));
}

/** The thinking fields of a body sent to Anthropic. */
function thinkingFields(body: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (body.thinking !== undefined) fields.thinking = body.thinking;
  const config = body.output_config as Record<string, unknown> | undefined;
  if (config?.effort !== undefined) fields.effort = config.effort;
  return fields;
}

const QUESTION = [{ role: 'user' as const, content: 'Which is larger, 9.11 or 9.9?' }];
const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
type Effort = (typeof EFFORTS)[number];

/** Thinking budgets for ANTHROPIC_THINKING=budget (DESIGN section 10). */
const BUDGETS: Record<Effort, number | undefined> = { none: undefined, minimal: 1024, low: 1024, medium: 2048, high: 4096, xhigh: 8192, max: 16384 };

describe('effort in from a chat client, out to each provider', () => {
  const providers: [name: string, model: string, fake: () => FakeUpstream, expected: (effort: Effort) => Record<string, unknown>][] = [
    ['openai reasoning model', 'openai/gpt-5', () => openai, (effort) => ({ reasoning_effort: effort })],
    ['openai non-reasoning model', 'openai/gpt-4o', () => openai, () => ({})],
    ['openrouter', 'openrouter/deepseek/deepseek-r1', () => openrouter, (effort) => ({ reasoning: { effort } })],
    ['local', 'local/qwen3', () => local, (effort) => ({ reasoning_effort: effort })],
    ['env provider', 'groq/qwen3-32b', () => groq, (effort) => ({ reasoning_effort: effort })],
  ];
  const rows = providers.flatMap(([name, model, fake, expected]) => EFFORTS.map((effort) => [name, effort, model, fake, expected(effort)] as const));
  test.each(rows)('%s, reasoning_effort %s', async (_name, effort, model, fake, expected) => {
    await chatClient().chat.completions.create({ model, messages: QUESTION, reasoning_effort: effort as OpenAI.ReasoningEffort });
    expect(effortFields(sentTo(fake()))).toEqual(expected);
  });

  test.each(EFFORTS)('anthropic adaptive, reasoning_effort %s', async (effort) => {
    await chatClient().chat.completions.create({
      model: 'anthropic/claude-opus-4-8',
      messages: QUESTION,
      reasoning_effort: effort as OpenAI.ReasoningEffort,
    });
    const expected =
      effort === 'none' ? {} : { thinking: { type: 'adaptive', display: 'summarized' }, effort: effort === 'minimal' ? 'low' : effort };
    expect(thinkingFields(sentTo(anthropic))).toEqual(expected);
  });

  test.each(EFFORTS)('anthropic budget (ANTHROPIC_THINKING=budget), reasoning_effort %s', async (effort) => {
    await chatClient(budgetHost).chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 32000,
      messages: QUESTION,
      reasoning_effort: effort as OpenAI.ReasoningEffort,
    });
    const budget = BUDGETS[effort];
    expect(thinkingFields(sentTo(anthropic))).toEqual(budget === undefined ? {} : { thinking: { type: 'enabled', budget_tokens: budget } });
  });

  test.each([
    // [max_tokens, effort, budget sent or undefined]
    [5000, 'high', 4096],
    [4096, 'high', 4095],
    [3000, 'max', 2999],
    [1025, 'low', 1024],
    [1024, 'low', undefined],
    [800, 'medium', undefined],
  ] as const)('anthropic budget kept below max_tokens %i (effort %s): budget %s', async (maxTokens, effort, budget) => {
    await chatClient(budgetHost).chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: maxTokens,
      messages: QUESTION,
      reasoning_effort: effort,
    });
    const sent = sentTo(anthropic);
    expect(thinkingFields(sent)).toEqual(budget === undefined ? {} : { thinking: { type: 'enabled', budget_tokens: budget } });
    expect(sent.max_tokens).toBe(maxTokens);
  });

  test('no reasoning_effort: no effort field to any provider', async () => {
    for (const [model, fake] of [
      ['openai/gpt-5', openai],
      ['openrouter/deepseek/deepseek-r1', openrouter],
      ['local/qwen3', local],
      ['groq/qwen3-32b', groq],
    ] as const) {
      await chatClient().chat.completions.create({ model, messages: QUESTION });
      expect([model, effortFields(sentTo(fake))]).toEqual([model, {}]);
    }
    await chatClient().chat.completions.create({ model: 'anthropic/claude-opus-4-8', messages: QUESTION });
    expect(thinkingFields(sentTo(anthropic))).toEqual({});
  });

  test.each([
    'o1',
    'o3-mini',
    'o4-mini',
    'gpt-5',
    'gpt-5.5',
    'gpt-6.2-sol',
    'ft:o4-mini-2025-04-16:acme::abc123',
    'gpt-4o',
    'gpt-4.1',
    'gpt-5-chat-latest',
  ])('chat passthrough to openai %s: reasoning_effort only for reasoning models, max_tokens as max_completion_tokens', async (model) => {
    await chatClient().chat.completions.create({ model: `openai/${model}`, messages: QUESTION, reasoning_effort: 'high', max_tokens: 100 });
    const sent = sentTo(openai);
    const reasons = !['gpt-4o', 'gpt-4.1', 'gpt-5-chat-latest'].includes(model);
    expect(effortFields(sent)).toEqual(reasons ? { reasoning_effort: 'high' } : {});
    expect(sent).toMatchObject({ max_completion_tokens: 100 });
    expect(sent).not.toHaveProperty('max_tokens');
  });
});

describe('effort in from a Messages client', () => {
  const budgets: [budget: number, effort: Effort][] = [
    [1023, 'minimal'],
    [1024, 'low'],
    [2047, 'low'],
    [2048, 'medium'],
    [4095, 'medium'],
    [4096, 'high'],
    [8191, 'high'],
    [8192, 'xhigh'],
    [16383, 'xhigh'],
    [16384, 'max'],
  ];
  test.each(budgets)('thinking enabled, budget_tokens %i: effort %s', async (budget, effort) => {
    await messagesClient().messages.create({
      model: 'groq/qwen3-32b',
      max_tokens: 20000,
      thinking: { type: 'enabled', budget_tokens: budget },
      messages: QUESTION,
    });
    expect(effortFields(sentTo(groq))).toEqual({ reasoning_effort: effort });
    await messagesClient().messages.create({
      model: 'openrouter/deepseek/deepseek-r1',
      max_tokens: 20000,
      thinking: { type: 'enabled', budget_tokens: budget },
      messages: QUESTION,
    });
    expect(effortFields(sentTo(openrouter))).toEqual({ reasoning: { effort } });
  });

  const adaptive: [label: string, request: Record<string, unknown>, expected: Record<string, unknown>][] = [
    ['adaptive without output_config.effort: medium', { thinking: { type: 'adaptive' } }, { reasoning_effort: 'medium' }],
    ...(['low', 'medium', 'high', 'xhigh', 'max'] as const).map(
      (effort) =>
        [
          `adaptive with output_config.effort ${effort}`,
          { thinking: { type: 'adaptive' }, output_config: { effort } },
          { reasoning_effort: effort },
        ] as [string, Record<string, unknown>, Record<string, unknown>],
    ),
    ['disabled: none', { thinking: { type: 'disabled' } }, { reasoning_effort: 'none' }],
    ['no thinking at all: no effort field', {}, {}],
    ['output_config.effort without thinking: no effort field', { output_config: { effort: 'high' } }, {}],
  ];
  test.each(adaptive)('%s', async (_label, request, expected) => {
    await messagesClient().messages.create({
      model: 'groq/qwen3-32b',
      max_tokens: 1000,
      messages: QUESTION,
      ...request,
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(effortFields(sentTo(groq))).toEqual(expected);
  });

  test('disabled to OpenRouter: reasoning.effort none', async () => {
    await messagesClient().messages.create({
      model: 'openrouter/deepseek/deepseek-r1',
      max_tokens: 1000,
      thinking: { type: 'disabled' },
      messages: QUESTION,
    });
    expect(effortFields(sentTo(openrouter))).toEqual({ reasoning: { effort: 'none' } });
  });

  test.each([
    ['gpt-5', { type: 'adaptive' }, { reasoning_effort: 'medium' }],
    ['gpt-4o', { type: 'enabled', budget_tokens: 4096 }, {}],
    ['gpt-5-chat-latest', { type: 'adaptive' }, {}],
    ['o4-mini', { type: 'disabled' }, { reasoning_effort: 'none' }],
  ] as const)('to openai %s, thinking %j: %j, max_tokens as max_completion_tokens', async (model, thinking, expected) => {
    await messagesClient().messages.create({ model: `openai/${model}`, max_tokens: 20000, thinking, messages: QUESTION });
    const sent = sentTo(openai);
    expect(effortFields(sent)).toEqual(expected);
    expect(sent).toMatchObject({ max_completion_tokens: 20000 });
    expect(sent).not.toHaveProperty('max_tokens');
  });
});

describe('effort in from a Responses client', () => {
  test.each(EFFORTS)('reasoning.effort %s: bridged to local as reasoning_effort, translated to Anthropic as adaptive thinking', async (effort) => {
    await chatClient().responses.create({ model: 'local/qwen3', input: 'Which is larger?', reasoning: { effort: effort as OpenAI.ReasoningEffort } });
    expect(effortFields(sentTo(local))).toEqual({ reasoning_effort: effort });
    await chatClient().responses.create({
      model: 'groq/qwen3-32b',
      input: 'Which is larger?',
      reasoning: { effort: effort as OpenAI.ReasoningEffort },
    });
    expect(effortFields(sentTo(groq))).toEqual({ reasoning_effort: effort });
    await chatClient().responses.create({
      model: 'anthropic/claude-opus-4-8',
      input: 'Which is larger?',
      reasoning: { effort: effort as OpenAI.ReasoningEffort },
    });
    expect(thinkingFields(sentTo(anthropic))).toEqual(
      effort === 'none' ? {} : { thinking: { type: 'adaptive', display: 'summarized' }, effort: effort === 'minimal' ? 'low' : effort },
    );
  });

  test.each([
    ['absent', {}],
    ['{summary: "auto"} alone', { reasoning: { summary: 'auto' } }],
  ] as const)('reasoning %s: no effort field', async (_label, request) => {
    await chatClient().responses.create({ model: 'local/qwen3', input: 'Which is larger?', ...request });
    expect(effortFields(sentTo(local))).toEqual({});
    await chatClient().responses.create({ model: 'anthropic/claude-opus-4-8', input: 'Which is larger?', ...request });
    expect(thinkingFields(sentTo(anthropic))).toEqual({});
  });

  test.each([
    ['gpt-5.5', true],
    ['o4-mini', true],
    ['ft:o4-mini-2025-04-16:acme::abc123', true],
    ['gpt-4o', false],
    ['gpt-4.1', false],
    ['gpt-5-chat-latest', false],
  ] as const)('native passthrough to openai %s: reasoning goes only to a reasoning model (%s)', async (model, reasons) => {
    const reasoning = { effort: 'high' as const, summary: 'auto' as const };
    await chatClient().responses.create({ model: `openai/${model}`, input: 'Which is larger?', reasoning });
    const sent = sentTo(openai);
    if (reasons) expect(sent.reasoning).toEqual(reasoning);
    else expect(sent).not.toHaveProperty('reasoning');
    expect(sent.input).toBe('Which is larger?');
  });

  test('native passthrough to openrouter: reasoning goes on as the client sent it', async () => {
    await chatClient().responses.create({ model: 'openrouter/openai/gpt-4o', input: 'Which is larger?', reasoning: { effort: 'none' } });
    expect(sentTo(openrouter).reasoning).toEqual({ effort: 'none' });
  });

  test('reasoning.effort with ANTHROPIC_THINKING=budget: a thinking budget below the default max_tokens', async () => {
    await chatClient(budgetHost).responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Which is larger?', reasoning: { effort: 'high' } });
    expect(thinkingFields(sentTo(anthropic))).toEqual({ thinking: { type: 'enabled', budget_tokens: 4095 } });
  });
});

const THOUGHT = ['The user asks for 17 times 3.', ' 17*3 = 51.'];
const ANSWER = ['17 × 3 = ', '51.'];
const CHAT_USAGE = { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, completion_tokens_details: { reasoning_tokens: 12 } };

/** A whole answer from qwen3 of the assistant `message`'s fields, with reasoning tokens in its usage. */
const qwenAnswer = (message: Record<string, unknown>): Record<string, unknown> => ({
  id: 'chatcmpl-r',
  object: 'chat.completion',
  created: 1,
  model: 'qwen3',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
  usage: CHAT_USAGE,
});

/** An OpenAI-compatible answer whose reasoning text comes in `field` (`reasoning_content` or `reasoning`), streamed or whole. */
function chatReasoningAnswer(field: 'reasoning_content' | 'reasoning'): FakeHandler {
  return (request, res) => {
    if (request.body?.stream !== true) {
      sendJson(res, 200, qwenAnswer({ content: ANSWER.join(''), [field]: THOUGHT.join('') }));
      return;
    }
    const identity = { id: 'chatcmpl-r', created: 1, model: 'qwen3' };
    sendFrames(res, [
      chatChunkFrame(identity, { role: 'assistant', content: null }),
      ...THOUGHT.map((piece) => chatChunkFrame(identity, { [field]: piece })),
      ...ANSWER.map((piece) => chatChunkFrame(identity, { content: piece })),
      chatChunkFrame(identity, {}, 'stop'),
      chatUsageFrame(identity, CHAT_USAGE),
      DONE_FRAME,
    ]);
  };
}

const OPENROUTER_SIGNATURE = 'EuYBCkQYAiJAWbdC3n0tNrJ4pX2oH8y9zQ5m1vL7kR3sT6uW0aB2cD4eF6gH8iJ0kL2mN4oP6qR8sT0uV2wX4yZ6ZxhIMc2lnbmF0dXJlLWV4YW1wbGU=';
const OPENROUTER_THOUGHT = 'The user wants a haiku about routers. Five, seven, five.';

/** OpenRouter relaying Anthropic's signed thinking: `reasoning` and `reasoning_details`, streamed as recorded, or whole. */
const openrouterReasoningAnswer: FakeHandler = (request, res) => {
  if (request.body?.stream === true) return sendFrames(res, sseFrames('openrouter-chat-stream-reasoning.sse'));
  sendJson(res, 200, {
    id: 'gen-1',
    object: 'chat.completion',
    created: 1,
    model: 'anthropic/claude-sonnet-5-5',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Packets find their way',
          reasoning: OPENROUTER_THOUGHT,
          reasoning_details: [
            { type: 'reasoning.text', text: OPENROUTER_THOUGHT, signature: OPENROUTER_SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
          ],
        },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 31, completion_tokens: 64, total_tokens: 95, completion_tokens_details: { reasoning_tokens: 38 } },
  });
};

const ANTHROPIC_THOUGHT = ['Compare 9.11 and 9.9: ', '9.9 = 9.90 > 9.11.'];
const ANTHROPIC_SIGNATURE = 'EqQBCkgIBxABGAIiQL2vN9kL1mP3oQ5rS7tU9vW1';
const REDACTED = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB8URBTR';

/** Anthropic answering with signed thinking, a redacted block, then the text: streamed with `signature_delta`, or whole. */
const anthropicReasoningAnswer: FakeHandler = (request, res) => {
  if (request.body?.stream !== true) {
    sendJson(res, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-8',
      content: [
        { type: 'thinking', thinking: ANTHROPIC_THOUGHT.join(''), signature: ANTHROPIC_SIGNATURE },
        { type: 'redacted_thinking', data: REDACTED },
        { type: 'text', text: '9.9 is larger.' },
      ],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 42, output_tokens: 57 },
    });
    return;
  }
  sendFrames(res, [
    anthropicEvent('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-4-8',
        content: [],
        stop_reason: null,
        usage: { input_tokens: 42, output_tokens: 3 },
      },
    }),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    ...ANTHROPIC_THOUGHT.map((thinking) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking } })),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: ANTHROPIC_SIGNATURE } }),
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('content_block_start', { index: 1, content_block: { type: 'redacted_thinking', data: REDACTED } }),
    anthropicEvent('content_block_stop', { index: 1 }),
    anthropicEvent('content_block_start', { index: 2, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 2, delta: { type: 'text_delta', text: '9.9 is larger.' } }),
    anthropicEvent('content_block_stop', { index: 2 }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 57 } }),
    anthropicEvent('message_stop'),
  ]);
};

/** The `Read` tool of the Responses tool loops on Anthropic. */
const READ_TOOLS = [{ type: 'function' as const, name: 'Read', parameters: { type: 'object' }, strict: false }];

/** Anthropic calling `Read` after the `thinking` blocks, and, once the tool's result is back, answering "It says hello.". */
const readLoopAnswer =
  (thinking: Array<Record<string, unknown>>): FakeHandler =>
  (request, res) => {
    const toolTurn = JSON.stringify(request.body?.messages ?? []).includes('tool_result');
    sendJson(
      res,
      200,
      anthropicMessage(
        'claude-opus-4-8',
        toolTurn ? [{ type: 'text', text: 'It says hello.' }] : [...thinking, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }],
        toolTurn ? 'end_turn' : 'tool_use',
        { input_tokens: 10, output_tokens: 10 },
      ),
    );
  };

/** The first turn of a Responses `Read` loop on Anthropic, asking for the reasoning's envelope. */
const firstReadTurn = (): Promise<OpenAI.Responses.Response> =>
  chatClient().responses.create({
    model: 'anthropic/claude-opus-4-8',
    reasoning: { effort: 'high' },
    include: ['reasoning.encrypted_content'],
    tools: READ_TOOLS,
    input: 'Read a.txt',
  });

/** A chat completions `Read` loop to Anthropic: the assistant's call of `Read`, with the `reasoning` fields, then its result. */
const chatReadLoop = (reasoning: Record<string, unknown>): Promise<OpenAI.ChatCompletion> =>
  chatClient().chat.completions.create({
    model: 'anthropic/claude-opus-4-8',
    reasoning_effort: 'high',
    tools: [{ type: 'function', function: { name: 'Read', parameters: { type: 'object' } } }],
    messages: [
      { role: 'user', content: 'Read a.txt' },
      {
        role: 'assistant',
        content: null,
        ...reasoning,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Read', arguments: '{}' } }],
      } as OpenAI.ChatCompletionAssistantMessageParam,
      { role: 'tool', tool_call_id: 'toolu_1', content: 'hello' },
    ],
  });

/** The `Read` loop's assistant turn went to Anthropic signed thinking, redacted block and tool call, with thinking on. */
function expectSignedAndRedactedSent(): void {
  expect((sentTo(anthropic).messages as Array<{ content: unknown[] }>)[1]?.content).toEqual([
    { type: 'thinking', thinking: 'Read it.', signature: ANTHROPIC_SIGNATURE },
    { type: 'redacted_thinking', data: REDACTED },
    { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} },
  ]);
  expect(thinkingFields(sentTo(anthropic))).toEqual({ thinking: { type: 'adaptive', display: 'summarized' }, effort: 'high' });
}

/** Waits for the record of the last request to be written. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

describe('reasoning text out to a chat client (translated from Anthropic)', () => {
  test.each([false, true])('stream %s: reasoning_content before the text, and reasoning_details as OpenRouter shapes them', async (stream) => {
    anthropic.handler = anthropicReasoningAnswer;
    const expectedDetails = [
      { type: 'reasoning.text', text: ANTHROPIC_THOUGHT.join(''), signature: ANTHROPIC_SIGNATURE, format: 'anthropic-claude-v1' },
      { type: 'reasoning.encrypted', data: REDACTED, format: 'anthropic-claude-v1' },
    ];
    if (!stream) {
      const completion = await chatClient().chat.completions.create({
        model: 'anthropic/claude-opus-4-8',
        messages: QUESTION,
        reasoning_effort: 'high',
      });
      const message = completion.choices[0]!.message as unknown as Record<string, unknown>;
      expect(message).toMatchObject({ content: '9.9 is larger.', reasoning_content: ANTHROPIC_THOUGHT.join('') });
      expect(message.reasoning_details).toEqual(expectedDetails.map((detail) => expect.objectContaining(detail)));
      expect(ends.at(-1)?.firstReasoningMs).toBeNull();
    } else {
      const response = await fetch(`${host.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'anthropic/claude-opus-4-8', messages: QUESTION, reasoning_effort: 'high', stream: true }),
      });
      const deltas = chatStreamPayloads(await response.text())
        .filter((payload): payload is Record<string, unknown> => payload !== '[DONE]')
        .map((payload) => ((payload.choices as Array<{ delta: Record<string, unknown> }>)[0]?.delta ?? {}) as Record<string, unknown>);
      const firstReasoning = deltas.findIndex((delta) => typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '');
      const firstText = deltas.findIndex((delta) => typeof delta.content === 'string' && delta.content !== '');
      expect(firstReasoning).toBeGreaterThan(-1);
      expect(firstReasoning).toBeLessThan(firstText);
      expect(deltas.map((delta) => delta.reasoning_content ?? '').join('')).toBe(ANTHROPIC_THOUGHT.join(''));
      // Streamed entries carry index: text pieces with one index concatenate, the signature on one of them.
      const entries = deltas.flatMap((delta) =>
        Array.isArray(delta.reasoning_details) ? (delta.reasoning_details as Record<string, unknown>[]) : [],
      );
      expect(entries.every((entry) => typeof entry.index === 'number')).toBe(true);
      const byIndex = new Map<number, Record<string, unknown>>();
      for (const entry of entries) {
        const joined = byIndex.get(entry.index as number) ?? {};
        byIndex.set(entry.index as number, {
          ...joined,
          ...entry,
          ...(typeof entry.text === 'string' ? { text: String(joined.text ?? '') + entry.text } : {}),
        });
      }
      expect([...byIndex.values()].map((entry) => Object.fromEntries(Object.entries(entry).filter(([key]) => key !== 'index')))).toEqual(
        expectedDetails.map((detail) => expect.objectContaining(detail)),
      );
      expect(ends.at(-1)?.firstReasoningMs).not.toBeNull();
    }
    await settle();
    expect(records.at(-1)?.response).toMatchObject({ text: '9.9 is larger.', reasoning: ANTHROPIC_THOUGHT.join('') });
  });
});

describe('reasoning text out to a Messages client (translated from an OpenAI-compatible provider)', () => {
  const shapes: [label: string, model: string, fake: () => FakeUpstream, answer: FakeHandler, thought: string, text: string, signature: RegExp][] = [
    [
      'reasoning_content (llama-server, DeepSeek)',
      'groq/qwen3-32b',
      () => groq,
      chatReasoningAnswer('reasoning_content'),
      THOUGHT.join(''),
      ANSWER.join(''),
      /^epr1\./,
    ],
    ['reasoning (vLLM, Ollama)', 'groq/qwen3-32b', () => groq, chatReasoningAnswer('reasoning'), THOUGHT.join(''), ANSWER.join(''), /^epr1\./],
    ['reasoning on OpenAI', 'openai/o3', () => openai, chatReasoningAnswer('reasoning_content'), THOUGHT.join(''), ANSWER.join(''), /^epr1\./],
    [
      "OpenRouter's reasoning_details with Anthropic's signature",
      'openrouter/anthropic/claude-sonnet-5-5',
      () => openrouter,
      openrouterReasoningAnswer,
      OPENROUTER_THOUGHT,
      '',
      new RegExp(`^${OPENROUTER_SIGNATURE.slice(0, 20)}`),
    ],
  ];
  const rows = shapes.flatMap((shape) => [false, true].map((stream) => [...shape, stream] as const));
  test.each(rows)('%s, streamed %s: a thinking block before the text', async (_label, model, fake, answer, thought, text, signature, stream) => {
    fake().handler = answer;
    const params = { model, max_tokens: 2000, thinking: { type: 'adaptive' as const }, messages: QUESTION };
    const message = stream ? await messagesClient().messages.stream(params).finalMessage() : await messagesClient().messages.create(params);
    expect(message.content[0]).toEqual({ type: 'thinking', thinking: thought, signature: expect.stringMatching(signature) });
    expect(message.content[1]).toMatchObject({ type: 'text' });
    if (text) expect(message.content[1]).toMatchObject({ text });
    expect(ends.at(-1)?.usage?.reasoningTokens).toBeGreaterThan(0);
    expect(ends.at(-1)?.firstReasoningMs === null).toBe(!stream);
    await settle();
    expect(records.at(-1)?.response.reasoning).toBe(thought);
  });
});

describe('reasoning text out to a Responses client', () => {
  const shapes: [
    label: string,
    model: string,
    fake: () => FakeUpstream,
    answer: FakeHandler,
    thought: string,
    reasoningTokens: number | undefined,
  ][] = [
    ['reasoning_content, bridged', 'groq/qwen3-32b', () => groq, chatReasoningAnswer('reasoning_content'), THOUGHT.join(''), 12],
    ['reasoning, bridged', 'local/qwen3', () => local, chatReasoningAnswer('reasoning'), THOUGHT.join(''), 12],
    [
      "Anthropic's signed thinking, translated",
      'anthropic/claude-opus-4-8',
      () => anthropic,
      anthropicReasoningAnswer,
      ANTHROPIC_THOUGHT.join(''),
      undefined,
    ],
  ];
  const rows = shapes.flatMap((shape) => [false, true].flatMap((stream) => [false, true].map((include) => [...shape, stream, include] as const)));
  test.each(rows)('%s, streamed %s, include encrypted_content %s', async (_label, model, fake, answer, thought, reasoningTokens, stream, include) => {
    fake().handler = answer;
    const params = {
      model,
      input: 'What is 17 times 3?',
      reasoning: { effort: 'high' as const },
      ...(include ? { include: ['reasoning.encrypted_content' as const] } : {}),
    };
    const response = stream ? await chatClient().responses.stream(params).finalResponse() : await chatClient().responses.create(params);
    const output: OpenAI.Responses.ResponseOutputItem[] = response.output;
    const reasoning = output.filter((item): item is OpenAI.Responses.ResponseReasoningItem => item.type === 'reasoning');
    expect(response.output[0]?.type).toBe('reasoning');
    expect(
      reasoning
        .flatMap((item) => item.content ?? [])
        .map((part) => part.text)
        .join(''),
    ).toBe(thought);
    expect(reasoning[0]?.content?.[0]?.type).toBe('reasoning_text');
    for (const item of reasoning) {
      if (include) expect(item.encrypted_content).toMatch(/^epr1\./);
      else expect(item.encrypted_content ?? undefined).toBeUndefined();
    }
    // Anthropic reports no reasoning tokens of its own; the others' counts reach usage and telemetry.
    if (reasoningTokens !== undefined) {
      expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(reasoningTokens);
      expect(ends.at(-1)?.usage?.reasoningTokens).toBe(reasoningTokens);
    }
    expect(ends.at(-1)?.firstReasoningMs === null).toBe(!stream);
    await settle();
    expect(records.at(-1)?.response.reasoning).toBe(thought);
  });
});

describe('telemetry without reasoning', () => {
  test.each([false, true])('streamed %s: firstReasoningMs null, no reasoningTokens, no reasoning in the record', async (stream) => {
    await chatClient().chat.completions.create({
      model: 'groq/llama-3.3-70b',
      messages: QUESTION,
      stream,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    await settle();
    expect(ends.at(-1)?.firstReasoningMs).toBeNull();
    expect(ends.at(-1)?.usage).not.toHaveProperty('reasoningTokens');
    expect(records.at(-1)?.response.reasoning ?? undefined).toBeUndefined();
  });
});

describe('reasoning back in: thinking blocks Anthropic cannot have signed are left out, passthrough included', () => {
  const unsigned: [label: string, block: Record<string, unknown>][] = [
    ["the router's prefix", { type: 'thinking', thinking: 'Thought elsewhere.', signature: 'epr1.abc' }],
    ['an empty signature (llama-server)', { type: 'thinking', thinking: 'Thought locally.', signature: '' }],
    ['no signature', { type: 'thinking', thinking: 'Thought locally.' }],
  ];
  const use = { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} };
  const tools = [{ name: 'Read', input_schema: { type: 'object' as const } }];

  test.each(unsigned)('Messages passthrough, %s, in a turn without tool calls: the block is left out, thinking stays on', async (_label, block) => {
    await messagesClient().messages.create({
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [block, { type: 'text', text: 'Hello.' }] },
        { role: 'user', content: 'Again' },
      ],
    } as Anthropic.MessageCreateParamsNonStreaming);
    const sent = sentTo(anthropic);
    expect((sent.messages as Array<{ content: unknown }>)[1]?.content).toEqual([{ type: 'text', text: 'Hello.' }]);
    expect(thinkingFields(sent)).toEqual({ thinking: { type: 'adaptive' }, effort: 'high' });
  });

  test('Messages passthrough, an unsigned block in a final assistant turn (a prefill): thinking left off, since the answer goes on from that turn', async () => {
    await messagesClient().messages.create({
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      thinking: { type: 'adaptive' },
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Greet.', signature: 'epr1.abc' },
            { type: 'text', text: 'Hel' },
          ],
        },
      ],
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect(thinkingFields(sentTo(anthropic))).toEqual({});
  });

  test.each(unsigned)('count_tokens passed through to Anthropic, %s: the block is left out there too', async (_label, block) => {
    await messagesClient().messages.countTokens({
      model: 'anthropic/claude-sonnet-5-5',
      thinking: { type: 'adaptive' },
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [block, { type: 'text', text: 'Hello.' }] },
        { role: 'user', content: 'Again' },
      ],
    } as Anthropic.MessageCountTokensParams);
    expect((sentTo(anthropic).messages as Array<{ content: unknown }>)[1]?.content).toEqual([{ type: 'text', text: 'Hello.' }]);
  });

  test.each(unsigned)(
    'Messages passthrough, %s, in the last tool-calling turn: thinking and output_config.effort left off for that request only',
    async (_label, block) => {
      const toolLoop = (thinkingBlock: Record<string, unknown>): Anthropic.MessageCreateParamsNonStreaming =>
        ({
          model: 'anthropic/claude-sonnet-5-5',
          max_tokens: 2000,
          thinking: { type: 'adaptive' },
          output_config: { effort: 'high', format: { type: 'json_schema', schema: { type: 'object' } } },
          tools,
          messages: [
            { role: 'user', content: 'Read a.txt' },
            { role: 'assistant', content: [thinkingBlock, use] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }] },
          ],
        }) as Anthropic.MessageCreateParamsNonStreaming;
      await messagesClient().messages.create(toolLoop(block));
      const sent = sentTo(anthropic);
      expect((sent.messages as Array<{ content: unknown }>)[1]?.content).toEqual([use]);
      expect(thinkingFields(sent)).toEqual({});
      expect(sent.output_config).toEqual({ format: { type: 'json_schema', schema: { type: 'object' } } });

      // The next request, whose turn kept Anthropic's own signed thinking, thinks again.
      await messagesClient().messages.create(toolLoop({ type: 'thinking', thinking: 'Read it.', signature: 'EqQBCkgIBxAB' }));
      expect(thinkingFields(sentTo(anthropic))).toEqual({ thinking: { type: 'adaptive' }, effort: 'high' });
    },
  );

  test.each([
    ["the router's prefix", 'epr1.abc'],
    ['an empty signature', ''],
  ])(
    'chat in to Anthropic, reasoning_details signed with %s: no thinking block goes, and thinking is left off for the tool loop',
    async (_label, signature) => {
      await chatReadLoop({
        reasoning_content: 'Read it.',
        reasoning_details: [{ type: 'reasoning.text', text: 'Read it.', signature, format: 'anthropic-claude-v1' }],
      });
      const sent = sentTo(anthropic);
      expect(JSON.stringify(sent.messages)).not.toContain('"thinking"');
      expect(thinkingFields(sent)).toEqual({});
    },
  );

  test('chat in to Anthropic, reasoning_content from another provider in a turn without tool calls: no thinking block goes, thinking stays on', async () => {
    await chatClient().chat.completions.create({
      model: 'anthropic/claude-opus-4-8',
      reasoning_effort: 'high',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.', reasoning_content: 'Say hello.' } as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'user', content: 'Again' },
      ],
    });
    const sent = sentTo(anthropic);
    expect(JSON.stringify(sent.messages)).not.toContain('Say hello.');
    expect(thinkingFields(sent)).toEqual({ thinking: { type: 'adaptive', display: 'summarized' }, effort: 'high' });
  });

  test('Responses in to Anthropic: a tool call without restorable thinking leaves thinking off; with its own envelope, thinking stays on', async () => {
    anthropic.handler = readLoopAnswer([{ type: 'thinking', thinking: 'Read it.', signature: ANTHROPIC_SIGNATURE }]);
    const first = await firstReadTurn();
    const reasoning = first.output.find((item) => item.type === 'reasoning')!;
    const call = first.output.find((item) => item.type === 'function_call')!;
    const output = { type: 'function_call_output' as const, call_id: call.call_id, output: 'hello' };

    await chatClient().responses.create({
      model: 'anthropic/claude-opus-4-8',
      reasoning: { effort: 'high' },
      tools: READ_TOOLS,
      input: ['Read a.txt', call, output].map(asItem),
    });
    expect(thinkingFields(sentTo(anthropic))).toEqual({});

    await chatClient().responses.create({
      model: 'anthropic/claude-opus-4-8',
      reasoning: { effort: 'high' },
      tools: READ_TOOLS,
      input: ['Read a.txt', reasoning, call, output].map(asItem),
    });
    const sent = sentTo(anthropic);
    expect((sent.messages as Array<{ content: unknown[] }>)[1]?.content[0]).toEqual({
      type: 'thinking',
      thinking: 'Read it.',
      signature: ANTHROPIC_SIGNATURE,
    });
    expect(thinkingFields(sent)).toEqual({ thinking: { type: 'adaptive', display: 'summarized' }, effort: 'high' });

    // The same envelope to another Anthropic model is not restored: the loop goes without thinking.
    await chatClient().responses.create({
      model: 'anthropic/claude-sonnet-5-5',
      reasoning: { effort: 'high' },
      tools: READ_TOOLS,
      input: ['Read a.txt', reasoning, call, output].map(asItem),
    });
    expect(JSON.stringify(sentTo(anthropic).messages)).not.toContain(ANTHROPIC_SIGNATURE);
    expect(thinkingFields(sentTo(anthropic))).toEqual({});
  });
});

describe('a reasoning item without an envelope (a Codex session that moved to Anthropic)', () => {
  const thought = { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Thought locally.' }] };
  const call = { type: 'function_call', call_id: 'call_1', name: 'Read', arguments: '{}' };
  test.each([
    [
      'in a tool loop: its text does not go, and thinking is left off',
      [thought, call, { type: 'function_call_output', call_id: 'call_1', output: 'hi' }],
      {},
    ],
    [
      'before a text answer: its text does not go, thinking stays on',
      [thought, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] }, 'Again'],
      { thinking: { type: 'adaptive', display: 'summarized' }, effort: 'high' },
    ],
  ] as const)('%s', async (_label, turn, expected) => {
    for (const [on, expectedHere] of [
      [host, expected],
      [budgetHost, Object.keys(expected).length === 0 ? {} : { thinking: { type: 'enabled', budget_tokens: 4095 } }],
    ] as const) {
      await chatClient(on).responses.create({
        model: 'anthropic/claude-sonnet-5-5',
        reasoning: { effort: 'high' },
        tools: READ_TOOLS,
        input: ['Read a.txt', ...turn].map(asItem),
      });
      const sent = sentTo(anthropic);
      expect(JSON.stringify(sent.messages)).not.toContain('Thought locally.');
      expect(thinkingFields(sent)).toEqual(expectedHere);
    }
  });
});

/** A Responses input item: a string as a user message. */
function asItem(item: unknown): OpenAI.Responses.ResponseInputItem {
  return (typeof item === 'string' ? { role: 'user', content: item } : item) as OpenAI.Responses.ResponseInputItem;
}

describe('reasoning back in to OpenAI-compatible providers', () => {
  const turn = (content: unknown[]): Anthropic.MessageParam[] =>
    [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content },
      { role: 'user', content: 'Again' },
    ] as Anthropic.MessageParam[];

  // OpenRouter gets a redacted block as reasoning.encrypted (reasoning.test.ts): it relays it to Anthropic.
  test.each([
    ['groq/qwen3-32b', () => groq, false],
    ['openai/o3', () => openai, false],
    ['openrouter/deepseek/deepseek-r1', () => openrouter, true],
  ] as const)(
    'Messages in to %s: a thinking block becomes reasoning_content; a redacted block goes only to OpenRouter',
    async (model, fake, keepsRedacted) => {
      await messagesClient().messages.create({
        model,
        max_tokens: 2000,
        messages: turn([
          { type: 'thinking', thinking: 'Say hello.', signature: 'epr1.abc' },
          { type: 'redacted_thinking', data: REDACTED },
          { type: 'text', text: 'Hello.' },
        ]),
      });
      const assistant = (sentTo(fake()).messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant');
      expect(assistant).toMatchObject({ role: 'assistant', content: 'Hello.', reasoning_content: 'Say hello.' });
      expect(JSON.stringify(sentTo(fake())).includes(REDACTED)).toBe(keepsRedacted);
    },
  );

  const reasoningItems: [label: string, item: Record<string, unknown>, expected: string | undefined][] = [
    [
      'reasoning_text content, no envelope',
      { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Think.' }] },
      'Think.',
    ],
    ['summary text only', { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Thought briefly.' }] }, 'Thought briefly.'],
    [
      "OpenAI's own encrypted_content, with summary text: the text only",
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Thought briefly.' }], encrypted_content: 'gAAAAABopenai-own' },
      'Thought briefly.',
    ],
  ];
  test.each(reasoningItems)('Responses bridged to local, %s', async (_label, item, expected) => {
    await chatClient().responses.create({
      model: 'local/qwen3',
      input: ['Hi', item, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] }, 'Again'].map(asItem),
    });
    const sent = sentTo(local);
    const assistant = (sent.messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant');
    expect(assistant?.reasoning_content).toBe(expected);
    expect(JSON.stringify(sent)).not.toContain('gAAAAABopenai-own');
  });

  test("OpenAI's own encrypted_content goes back only to OpenAI: not to Anthropic, not to OpenRouter's native passthrough", async () => {
    const openaiItem = { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'gAAAAABopenai-own' };
    const input = [{ role: 'user', content: 'hi' }, openaiItem, { role: 'user', content: 'again' }] as OpenAI.Responses.ResponseInputItem[];
    await chatClient().responses.create({ model: 'openai/gpt-5.5', input });
    expect(sentTo(openai).input).toEqual(input);
    await chatClient().responses.create({ model: 'anthropic/claude-opus-4-8', input });
    expect(JSON.stringify(sentTo(anthropic))).not.toContain('gAAAAABopenai-own');
    await chatClient().responses.create({ model: 'openrouter/openai/gpt-5.5', input });
    expect(JSON.stringify(sentTo(openrouter))).not.toContain('gAAAAABopenai-own');
  });

  test.each([
    ['openai/gpt-5.5', () => openai],
    ['openrouter/openai/gpt-5.5', () => openrouter],
  ] as const)("native passthrough to %s leaves out reasoning items carrying the router's envelope", async (model, fake) => {
    const routerItem = {
      type: 'reasoning',
      id: 'rs_1',
      summary: [{ type: 'summary_text', text: 'Thought elsewhere.' }],
      content: [{ type: 'reasoning_text', text: 'Thought elsewhere.' }],
      encrypted_content: 'epr1.eyJ4IjoxfQ',
    };
    await chatClient().responses.create({
      model,
      input: [{ role: 'user', content: 'hi' }, routerItem, { role: 'user', content: 'again' }] as OpenAI.Responses.ResponseInputItem[],
    });
    expect(sentTo(fake()).input).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'again' },
    ]);
  });

  test('an envelope from another provider is left out: its text still goes as reasoning_content, its entries do not', async () => {
    openrouter.handler = openrouterReasoningAnswer;
    const first = await chatClient().responses.create({
      model: 'groq/qwen3-32b',
      include: ['reasoning.encrypted_content'],
      input: 'Hi',
    });
    groq.handler = chatReasoningAnswer('reasoning_content');
    const withReasoning = await chatClient().responses.create({ model: 'groq/qwen3-32b', include: ['reasoning.encrypted_content'], input: 'Hi' });
    void first;
    const reasoning = withReasoning.output.find((item) => item.type === 'reasoning')!;
    expect(reasoning.encrypted_content).toMatch(/^epr1\./);
    await chatClient().responses.create({
      model: 'local/qwen3',
      input: ['Hi', reasoning, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] }, 'Again'].map(asItem),
    });
    const assistant = (sentTo(local).messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant');
    expect(assistant?.reasoning_content).toBe(THOUGHT.join(''));
    expect(assistant).not.toHaveProperty('reasoning_details');
  });
});

describe('telemetry of passed-through reasoning', () => {
  const rows: [
    route: string,
    path: string,
    model: string,
    fake: () => FakeUpstream,
    answer: FakeHandler,
    reasoning: string,
    reasoningTokens: number | undefined,
  ][] = [
    [
      'chat, llama-server reasoning_content',
      '/chat/completions',
      'local/qwen3',
      () => local,
      (_request, res) => sendFrames(res, sseFrames('llama-server-chat-stream-reasoning.sse')),
      'The user asks for 17 times 3. 17*3 = 51.',
      undefined,
    ],
    ['chat, reasoning field', '/chat/completions', 'groq/qwen3-32b', () => groq, chatReasoningAnswer('reasoning'), THOUGHT.join(''), 12],
    [
      'chat, OpenRouter reasoning_details',
      '/chat/completions',
      'openrouter/anthropic/claude-sonnet-5-5',
      () => openrouter,
      openrouterReasoningAnswer,
      OPENROUTER_THOUGHT,
      38,
    ],
    [
      'Messages, Anthropic thinking',
      '/messages',
      'anthropic/claude-opus-4-8',
      () => anthropic,
      anthropicReasoningAnswer,
      ANTHROPIC_THOUGHT.join(''),
      undefined,
    ],
    [
      "Messages, llama-server's own endpoint",
      '/messages',
      'local/qwen3',
      () => local,
      (_request, res) => sendFrames(res, sseFrames('anthropic-messages-stream-thinking.sse')),
      'Compare 9.11 and 9.9: 9.9 = 9.90 > 9.11.',
      undefined,
    ],
    [
      'Responses, OpenAI native',
      '/responses',
      'openai/gpt-5.5',
      () => openai,
      (_request, res) => sendFrames(res, sseFrames('openai-responses-stream-text.sse')),
      'List files, then answer.',
      22,
    ],
  ];
  test.each(rows)(
    '%s, streamed: firstReasoningMs, reasoningTokens and the record',
    async (_route, path, model, fake, answer, reasoning, reasoningTokens) => {
      fake().handler = answer;
      const body =
        path === '/responses'
          ? { model, input: 'hi', stream: true }
          : {
              model,
              max_tokens: 2000,
              messages: QUESTION,
              stream: true,
              ...(path === '/chat/completions' ? { stream_options: { include_usage: true } } : {}),
            };
      const response = await fetch(`${host.url}/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      await response.text();
      await settle();
      const end = ends.at(-1)!;
      expect(end.firstReasoningMs).not.toBeNull();
      expect(end.usage?.reasoningTokens).toBe(reasoningTokens);
      expect(records.at(-1)?.response.reasoning).toBe(reasoning);
    },
  );
});

describe('reasoning edge rows', () => {
  test.each([false, true])(
    'an answer with both reasoning_content and reasoning (streamed %s): reasoning_content is read, once; output_tokens holds the reasoning tokens',
    async (stream) => {
      groq.handler = (request, res) => {
        const both = { reasoning_content: 'From reasoning_content.', reasoning: 'From reasoning.' };
        if (request.body?.stream !== true) {
          sendJson(res, 200, qwenAnswer({ content: 'Done.', ...both }));
          return;
        }
        const identity = { id: 'chatcmpl-r', created: 1, model: 'qwen3' };
        sendFrames(res, [
          chatChunkFrame(identity, { role: 'assistant', content: null, ...both }),
          chatChunkFrame(identity, { content: 'Done.' }),
          chatChunkFrame(identity, {}, 'stop'),
          chatUsageFrame(identity, CHAT_USAGE),
          DONE_FRAME,
        ]);
      };
      const params = { model: 'groq/qwen3-32b', max_tokens: 2000, messages: QUESTION };
      const message = stream ? await messagesClient().messages.stream(params).finalMessage() : await messagesClient().messages.create(params);
      expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: 'From reasoning_content.' });
      expect(message.usage.output_tokens).toBe(CHAT_USAGE.completion_tokens);
      const response = stream
        ? await chatClient().responses.stream({ model: 'groq/qwen3-32b', input: 'hi' }).finalResponse()
        : await chatClient().responses.create({ model: 'groq/qwen3-32b', input: 'hi' });
      expect(response.output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: 'From reasoning_content.' }] });
    },
  );

  test("Anthropic's redacted block makes a Responses round trip inside the envelope, in its place", async () => {
    anthropic.handler = readLoopAnswer([
      { type: 'thinking', thinking: 'Read it.', signature: ANTHROPIC_SIGNATURE },
      { type: 'redacted_thinking', data: REDACTED },
    ]);
    const first = await firstReadTurn();
    const call = first.output.find((item) => item.type === 'function_call')!;
    const reasoning = first.output.filter((item) => item.type === 'reasoning');
    await chatClient().responses.create({
      model: 'anthropic/claude-opus-4-8',
      reasoning: { effort: 'high' },
      tools: READ_TOOLS,
      input: ['Read a.txt', ...reasoning, call, { type: 'function_call_output', call_id: call.call_id, output: 'hello' }].map(asItem),
    });
    expectSignedAndRedactedSent();
  });

  test('chat in to Anthropic: a reasoning.encrypted entry goes back as a redacted_thinking block', async () => {
    await chatReadLoop({
      reasoning_details: [
        { type: 'reasoning.text', text: 'Read it.', signature: ANTHROPIC_SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
        { type: 'reasoning.encrypted', data: REDACTED, format: 'anthropic-claude-v1', index: 1 },
      ],
    });
    expectSignedAndRedactedSent();
  });
});

describe('firstTokenMs is the first answer text, firstReasoningMs the first reasoning, on every client dialect', () => {
  /** Reasoning first, then the answer 150 ms later. */
  const slowReasoning: FakeHandler = (_request, res) => {
    const identity = { id: 'chatcmpl-r', created: 1, model: 'qwen3' };
    void writeSlowly(
      res,
      [
        chatChunkFrame(identity, { role: 'assistant', content: null, reasoning_content: 'Think first.' }),
        chatChunkFrame(identity, { content: 'Then answer.' }),
        chatChunkFrame(identity, {}, 'stop') + chatUsageFrame(identity, CHAT_USAGE) + DONE_FRAME,
      ],
      150,
    );
  };
  test.each([
    ['chat', '/chat/completions', { messages: QUESTION, stream: true }],
    ['messages', '/messages', { max_tokens: 100, messages: QUESTION, stream: true }],
    ['responses', '/responses', { input: 'hi', stream: true }],
  ])('%s', async (_dialect, path, request) => {
    groq.handler = slowReasoning;
    const response = await fetch(`${host.url}/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'groq/qwen3-32b', ...request }),
    });
    await response.text();
    const end = ends.at(-1)!;
    expect(end.firstReasoningMs).not.toBeNull();
    expect(end.firstTokenMs! - end.firstReasoningMs!).toBeGreaterThanOrEqual(100);
  });
});
