/**
 * DESIGN section 10 ("Reasoning across dialects"), the rows the suites held for one route only:
 * checked on the others, through the real SDKs against fakes in their providers' wire formats.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendFrames, sendJson, writeSlowly } from '../support/upstream-answers';
import { anthropicEvent, chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream;
let budgetHost: Host;
let ends: RequestEndEvent[];
const fakes = (): FakeUpstream[] => [openai, openrouter, local, anthropic];

beforeAll(async () => {
  [openai, openrouter, local, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic');
  budgetHost = await startHost({ env: { ...envFor({ openai, openrouter, local, anthropic }), ANTHROPIC_THINKING: 'budget' } });
  budgetHost.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(async () => {
  await budgetHost.close();
  await Promise.all(fakes().map((fake) => fake.close()));
});

const chatClient = (on: Host = budgetHost): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${on.url}/v1`, maxRetries: 0 });
const messagesClient = (on: Host = budgetHost): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: on.url, maxRetries: 0 });

function sentTo(fake: FakeUpstream): Record<string, unknown> {
  const body = fake.requests.at(-1)?.body;
  if (!body) throw new Error(`${fake.kind} received nothing`);
  return body;
}

/** The thinking fields of a body sent to Anthropic. */
function thinkingFields(body: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (body.thinking !== undefined) fields.thinking = body.thinking;
  const config = body.output_config as Record<string, unknown> | undefined;
  if (config?.effort !== undefined) fields.effort = config.effort;
  return fields;
}

const budgetOf = (budget: number | undefined): Record<string, unknown> =>
  budget === undefined ? {} : { thinking: { type: 'enabled', budget_tokens: budget } };

describe('ANTHROPIC_THINKING=budget: the budget kept below max_tokens, whatever field the client capped the answer with', () => {
  test.each([
    [1500, 'high', 1499],
    [3000, 'medium', 2048],
    [1024, 'low', undefined],
    [900, 'minimal', undefined],
  ] as const)('chat max_completion_tokens %i, effort %s: budget %s', async (cap, effort, budget) => {
    await chatClient().chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_completion_tokens: cap,
      messages: [{ role: 'user', content: 'hi' }],
      reasoning_effort: effort,
    });
    const sent = sentTo(anthropic);
    expect(thinkingFields(sent)).toEqual(budgetOf(budget));
    expect(sent.max_tokens).toBe(cap);
  });

  test.each([
    [1500, 'high', 1499, false],
    [1500, 'high', 1499, true],
    [20000, 'xhigh', 8192, false],
    [1000, 'medium', undefined, true],
  ] as const)('Responses max_output_tokens %i, effort %s: budget %s (streamed %s)', async (cap, effort, budget, stream) => {
    const params = { model: 'anthropic/claude-sonnet-4-5', input: 'hi', max_output_tokens: cap, reasoning: { effort } };
    if (stream) await chatClient().responses.stream(params).finalResponse();
    else await chatClient().responses.create(params);
    const sent = sentTo(anthropic);
    expect(thinkingFields(sent)).toEqual(budgetOf(budget));
    expect(sent.max_tokens).toBe(cap);
  });
});

describe('ANTHROPIC_THINKING=budget: a tool loop whose thinking cannot be restored goes without thinking', () => {
  test('chat in: the last assistant turn called a tool with no thinking', async () => {
    await chatClient().chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 8000,
      reasoning_effort: 'high',
      tools: [{ type: 'function', function: { name: 'Read', parameters: { type: 'object' } } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Read', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'hello' },
      ],
    });
    expect(thinkingFields(sentTo(anthropic))).toEqual({});
  });

  test('Responses in: the last call came back without a reasoning item', async () => {
    await chatClient().responses.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_output_tokens: 8000,
      reasoning: { effort: 'high' },
      tools: [{ type: 'function', name: 'Read', parameters: { type: 'object' }, strict: false }],
      input: [
        { role: 'user', content: 'Read a.txt' },
        { type: 'function_call', call_id: 'call_1', name: 'Read', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'hello' },
      ],
    });
    expect(thinkingFields(sentTo(anthropic))).toEqual({});
  });

  test('chat in: an earlier turn called a tool without thinking, the last answered in text: thinking stays on', async () => {
    await chatClient().chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 8000,
      reasoning_effort: 'high',
      tools: [{ type: 'function', function: { name: 'Read', parameters: { type: 'object' } } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Read', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'hello' },
        { role: 'assistant', content: 'It says hello.' },
        { role: 'user', content: 'Thanks. And b.txt?' },
      ],
    });
    expect(thinkingFields(sentTo(anthropic))).toEqual(budgetOf(4096));
  });
});

describe('Messages passthrough after the router left out its own signed blocks from the tool turn, streamed', () => {
  test('thinking and output_config.effort are left off for that request only', async () => {
    const use = { type: 'tool_use' as const, id: 'toolu_1', name: 'Read', input: {} };
    const stream = messagesClient().messages.stream({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 8000,
      thinking: { type: 'enabled', budget_tokens: 4096 },
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Read it.', signature: 'epr1.eyJ0IjoiUmVhZCBpdC4ifQ' }, use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }] },
      ],
    });
    await stream.finalMessage();
    const sent = sentTo(anthropic);
    expect(thinkingFields(sent)).toEqual({});
    expect((sent.messages as Array<{ content: unknown }>)[1]?.content).toEqual([use]);
  });
});

describe('openai gets an effort field only for its reasoning models, from every client dialect (Messages in)', () => {
  test.each([
    ['gpt-6.2-sol', { type: 'adaptive' }, { reasoning_effort: 'medium' }],
    ['gpt-6.2-sol', { type: 'disabled' }, { reasoning_effort: 'none' }],
    ['o3', { type: 'enabled', budget_tokens: 8192 }, { reasoning_effort: 'xhigh' }],
    ['gpt-4.1', { type: 'adaptive' }, {}],
    ['gpt-4.1', { type: 'disabled' }, {}],
    ['gpt-4o-mini', { type: 'enabled', budget_tokens: 2048 }, {}],
    ['gpt-5.1-chat-latest', { type: 'enabled', budget_tokens: 2048 }, {}],
    ['gpt-6.2-chat', { type: 'disabled' }, {}],
  ] as const)('%s, thinking %j: %j', async (model, thinking, expected) => {
    await messagesClient().messages.create({ model: `openai/${model}`, max_tokens: 20000, thinking, messages: [{ role: 'user', content: 'hi' }] });
    const sent = sentTo(openai);
    const effort = Object.fromEntries(Object.entries(sent).filter(([key]) => key === 'reasoning_effort' || key === 'reasoning'));
    expect(effort).toEqual(expected);
    expect(sent.max_completion_tokens).toBe(20000);
    expect(sent).not.toHaveProperty('max_tokens');
  });
});

describe("OpenRouter's streamed reasoning_details, several indices, to a Messages client and back", () => {
  // reasoning.test.ts holds one signed entry; here three, each piece numbered, the signatures in pieces of their own.
  const identity = { id: 'gen-1', created: 1, model: 'anthropic/claude-sonnet-5-5' };
  const format = 'anthropic-claude-v1';
  const detail = (fields: Record<string, unknown>): Record<string, unknown> => ({ content: '', reasoning_details: [{ format, ...fields }] });
  const frames = [
    chatChunkFrame(identity, { role: 'assistant', reasoning: 'First ', ...detail({ type: 'reasoning.text', text: 'First ', index: 0 }) }),
    chatChunkFrame(identity, { reasoning: 'thought.', ...detail({ type: 'reasoning.text', text: 'thought.', index: 0 }) }),
    chatChunkFrame(identity, { reasoning: null, ...detail({ type: 'reasoning.text', signature: 'SIG-ONE', index: 0 }) }),
    chatChunkFrame(identity, detail({ type: 'reasoning.encrypted', data: 'REDACTED-DATA', index: 1 })),
    chatChunkFrame(identity, { content: 'Reading.' }),
    chatChunkFrame(identity, { reasoning: 'Second.', ...detail({ type: 'reasoning.text', text: 'Second.', index: 2 }) }),
    chatChunkFrame(identity, detail({ type: 'reasoning.text', signature: 'SIG-TWO', index: 2 })),
    chatChunkFrame(identity, { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'Ls', arguments: '{}' } }] }),
    chatChunkFrame(identity, {}, 'tool_calls'),
    DONE_FRAME,
  ];

  test('each index is one block with its signature, in its place; sent back, each entry goes to OpenRouter as it came', async () => {
    openrouter.handler = (_request, res) => sendFrames(res, frames);
    const request = {
      model: 'openrouter/anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      thinking: { type: 'adaptive' as const },
      tools: [{ name: 'Ls', input_schema: { type: 'object' as const } }],
    };
    const message = await messagesClient()
      .messages.stream({ ...request, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'First thought.', signature: 'SIG-ONE' },
      { type: 'redacted_thinking', data: 'REDACTED-DATA' },
      expect.objectContaining({ type: 'text', text: 'Reading.' }),
      { type: 'thinking', thinking: 'Second.', signature: 'SIG-TWO' },
      { type: 'tool_use', id: 'toolu_1', name: 'Ls', input: {} },
    ]);

    openrouter.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'Done.' }, 'stop'));
    await messagesClient().messages.create({
      ...request,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: message.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
      ],
    });
    const assistant = (sentTo(openrouter).messages as Array<Record<string, unknown>>)[1];
    expect(assistant?.reasoning_details).toEqual([
      expect.objectContaining({ type: 'reasoning.text', text: 'First thought.', signature: 'SIG-ONE', format }),
      expect.objectContaining({ type: 'reasoning.encrypted', data: 'REDACTED-DATA', format }),
      expect.objectContaining({ type: 'reasoning.text', text: 'Second.', signature: 'SIG-TWO', format }),
    ]);
    expect(assistant?.tool_calls).toEqual([{ id: 'toolu_1', type: 'function', function: { name: 'Ls', arguments: '{}' } }]);
  });
});

describe('firstTokenMs is the first tool call when no text comes, firstReasoningMs the reasoning before it', () => {
  // reasoning-matrix.test.ts holds reasoning then text, from a chat provider; here reasoning then a call, 200 ms apart.
  const started = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'c',
    content: [],
    stop_reason: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  };
  const anthropicPieces = [
    anthropicEvent('message_start', { message: started }) +
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) +
      anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'List it.' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'EqQBCkgIBxAB' } }) +
      anthropicEvent('content_block_stop', { index: 0 }) +
      anthropicEvent('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'Ls', input: {} } }),
    anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{}' } }) +
      anthropicEvent('content_block_stop', { index: 1 }) +
      anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } }) +
      anthropicEvent('message_stop'),
  ];
  const identity = { id: 'c1', created: 1, model: 'qwen3' };
  const chatPieces = [
    chatChunkFrame(identity, { role: 'assistant', content: null, reasoning_content: 'List it.' }),
    chatChunkFrame(identity, { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'Ls', arguments: '' } }] }),
    chatChunkFrame(identity, { tool_calls: [{ index: 0, function: { arguments: '{}' } }] }) + chatChunkFrame(identity, {}, 'tool_calls') + DONE_FRAME,
  ];
  const chatTools = [{ type: 'function', function: { name: 'Ls', parameters: { type: 'object' } } }];
  const responsesTools = [{ type: 'function', name: 'Ls', parameters: { type: 'object' } }];
  test.each([
    [
      'chat translated from Anthropic',
      '/chat/completions',
      { model: 'anthropic/c', messages: [{ role: 'user', content: 'go' }], tools: chatTools, reasoning_effort: 'high' },
    ],
    [
      'Messages passed through to Anthropic',
      '/messages',
      {
        model: 'anthropic/c',
        max_tokens: 2000,
        messages: [{ role: 'user', content: 'go' }],
        tools: [{ name: 'Ls', input_schema: { type: 'object' } }],
      },
    ],
    ['Responses translated to Anthropic', '/responses', { model: 'anthropic/c', input: 'go', tools: responsesTools }],
    [
      'chat passed through to llama-server',
      '/chat/completions',
      { model: 'local/qwen3', messages: [{ role: 'user', content: 'go' }], tools: chatTools },
    ],
    ['Responses bridged to llama-server', '/responses', { model: 'local/qwen3', input: 'go', tools: responsesTools }],
  ])('%s', async (_route, path, body) => {
    const fake = body.model.startsWith('anthropic/') ? anthropic : local;
    fake.handler = (_request, res) => void writeSlowly(res, fake === anthropic ? anthropicPieces : chatPieces, 200);
    const response = await fetch(`${budgetHost.url}/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(await response.text()).toContain('Ls');
    const end = ends.at(-1)!;
    expect(end.outcome).toBe('ok');
    expect(end.firstReasoningMs).not.toBeNull();
    expect(end.firstTokenMs).not.toBeNull();
    expect(end.firstTokenMs! - end.firstReasoningMs!).toBeGreaterThanOrEqual(150);
  });
});
