/**
 * Reasoning across dialects (DESIGN section 10): effort in, in the form each provider accepts;
 * reasoning text out, in each client dialect's place and before the answer; Anthropic's signed
 * thinking round-tripped exactly; router-signed thinking never sent to Anthropic; telemetry.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { sseEvents } from '../support/sse';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicEvent, chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [openai, openrouter, local, anthropic] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic');
  host = await startHost({ env: envFor({ openai, openrouter, local, anthropic }) });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [openai, openrouter, local, anthropic].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, openrouter, local, anthropic].map((fake) => fake.close()));
});

function body(fake: FakeUpstream): Record<string, unknown> {
  const sent = fake.requests.at(-1)?.body;
  if (!sent) throw new Error(`${fake.kind} received nothing`);
  return sent;
}

async function post(path: string, payload: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${host.url}/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return { status: response.status, text: await response.text() };
}

/** OpenAI as it answers: reasoning_effort refused on models that do not reason, max_tokens refused on those that do. */
function strictOpenAI(request: RecordedRequest, res: ServerResponse): boolean | void {
  const sent = request.body ?? {};
  const model = String(sent.model);
  // A fine-tuned model (ft:<base>:<org>::<id>) reasons as its base model does.
  const reasons = /^(ft:)?(o\d|gpt-([5-9]|\d\d))/.test(model) && !model.includes('-chat');
  if (!reasons && sent.reasoning_effort !== undefined) {
    sendJson(res, 400, {
      error: {
        message: `Unrecognized request argument supplied: reasoning_effort (${model})`,
        type: 'invalid_request_error',
        param: 'reasoning_effort',
        code: 'unsupported_parameter',
      },
    });
    return;
  }
  if (reasons && sent.max_tokens !== undefined) {
    sendJson(res, 400, {
      error: {
        message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        type: 'invalid_request_error',
        param: 'max_tokens',
        code: 'unsupported_parameter',
      },
    });
    return;
  }
  return false;
}

const HI = [{ role: 'user' as const, content: 'Which is larger, 9.11 or 9.9?' }];

describe('chat clients', () => {
  test('on Anthropic: effort becomes adaptive thinking; thinking comes back as reasoning_content before the text, streamed and not', async () => {
    anthropic.handler = (request, res) => {
      if (request.body?.stream === true) return sendFrames(res, sseFrames('anthropic-messages-stream-thinking.sse'));
      sendJson(res, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-4-8',
        content: [
          { type: 'thinking', thinking: '9.9 = 9.90 > 9.11.', signature: 'sig-anthropic' },
          { type: 'text', text: '9.9 is larger.' },
        ],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 42, output_tokens: 57 },
      });
    };
    const streamed = await post('/chat/completions', { model: 'anthropic/claude-opus-4-8', reasoning_effort: 'high', stream: true, messages: HI });
    expect(body(anthropic)).toMatchObject({ thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'high' } });
    const deltas = sseEvents(streamed.text)
      .filter((event) => event.data !== '[DONE]')
      .map((event) => (JSON.parse(event.data) as { choices: { delta: Record<string, unknown> }[] }).choices[0]?.delta ?? {});
    const firstReasoning = deltas.findIndex((delta) => typeof delta.reasoning_content === 'string');
    const firstText = deltas.findIndex((delta) => typeof delta.content === 'string' && delta.content !== '');
    expect(firstReasoning).toBeGreaterThan(-1);
    expect(firstReasoning).toBeLessThan(firstText);
    expect(deltas.map((delta) => delta.reasoning_content ?? '').join('')).toBe('Compare 9.11 and 9.9: 9.9 = 9.90 > 9.11.');

    const whole = JSON.parse(
      (await post('/chat/completions', { model: 'anthropic/claude-opus-4-8', reasoning_effort: 'low', messages: HI })).text,
    ) as {
      choices: { message: Record<string, unknown> }[];
    };
    expect(whole.choices[0]?.message).toMatchObject({
      content: '9.9 is larger.',
      reasoning_content: '9.9 = 9.90 > 9.11.',
      reasoning_details: [{ type: 'reasoning.text', text: '9.9 = 9.90 > 9.11.', signature: 'sig-anthropic', format: 'anthropic-claude-v1' }],
    });
    expect(ends.map((event) => event.firstReasoningMs !== null)).toEqual([true, false]);
  });

  test("a two-turn tool loop with thinking sends Anthropic's signed block back exactly", async () => {
    const firstTurn = {
      role: 'assistant',
      content: null,
      reasoning_details: [
        { type: 'reasoning.text', text: 'I should ', format: 'anthropic-claude-v1', index: 0 },
        { type: 'reasoning.text', text: 'look it up.', format: 'anthropic-claude-v1', index: 0 },
        { type: 'reasoning.text', signature: 'sig-exact', format: 'anthropic-claude-v1', index: 0 },
      ],
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
    };
    await post('/chat/completions', {
      model: 'anthropic/claude-opus-4-8',
      reasoning_effort: 'medium',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      messages: [...HI, firstTurn, { role: 'tool', tool_call_id: 'toolu_1', content: 'found' }],
    });
    const messages = body(anthropic).messages as { role: string; content: unknown[] }[];
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should look it up.', signature: 'sig-exact' },
        { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } },
      ],
    });
    expect(body(anthropic).thinking).toEqual({ type: 'adaptive', display: 'summarized' });
  });

  test('a tool loop whose thinking was not sent back asks Anthropic for no thinking', async () => {
    await post('/chat/completions', {
      model: 'anthropic/claude-opus-4-8',
      reasoning_effort: 'high',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      messages: [
        ...HI,
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'found' },
      ],
    });
    expect(body(anthropic)).not.toHaveProperty('thinking');
    expect(body(anthropic)).not.toHaveProperty('output_config');
  });

  test('on OpenAI: reasoning_effort only for its reasoning models (fine-tuned ones too), max_tokens as max_completion_tokens, so nothing is refused', async () => {
    openai.handler = strictOpenAI;
    const fineTuned = ['ft:o4-mini-2025-04-16:acme::abc123', 'ft:gpt-4o-mini-2024-07-18:acme::xyz789'];
    for (const model of ['gpt-4o', 'gpt-4.1', 'gpt-5', 'o3-mini', 'gpt-6.2-sol', 'gpt-5-chat-latest', ...fineTuned]) {
      const answer = await post('/chat/completions', { model: `openai/${model}`, reasoning_effort: 'high', max_tokens: 100, messages: HI });
      expect([model, answer.status]).toEqual([model, 200]);
      const sent = body(openai);
      expect([model, sent.reasoning_effort]).toEqual([model, /^(ft:)?(o\d|gpt-5$|gpt-6)/.test(model) ? 'high' : undefined]);
      expect(sent.max_completion_tokens).toBe(100);
    }
  });

  test("on OpenAI, Anthropic's top effort translated (max, or a budget of 16384 and more) is OpenAI's top, xhigh; a chat client's own max goes as sent", async () => {
    await post('/messages', {
      model: 'openai/gpt-5.5',
      max_tokens: 100,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'max' },
      messages: HI,
    });
    expect(body(openai).reasoning_effort).toBe('xhigh');
    await post('/messages', { model: 'openai/gpt-5.5', max_tokens: 40000, thinking: { type: 'enabled', budget_tokens: 31999 }, messages: HI });
    expect(body(openai).reasoning_effort).toBe('xhigh');
    await post('/chat/completions', { model: 'openai/gpt-5.5', reasoning_effort: 'max', messages: HI });
    expect(body(openai).reasoning_effort).toBe('max');
  });

  test('on OpenAI models whose scale goes up to max (gpt-5.6 and later), a translated max goes as max', async () => {
    for (const model of ['gpt-6.2-sol', 'gpt-5.6-luna', 'gpt-7']) {
      await post('/messages', { model: `openai/${model}`, max_tokens: 40000, thinking: { type: 'enabled', budget_tokens: 16384 }, messages: HI });
      expect([model, body(openai).reasoning_effort]).toEqual([model, 'max']);
    }
  });

  test('on OpenRouter: effort goes as reasoning.effort; on llama-server as reasoning_effort, none included', async () => {
    await post('/chat/completions', { model: 'openrouter/anthropic/claude-sonnet-5-5', reasoning_effort: 'medium', messages: HI });
    expect(body(openrouter)).toMatchObject({ reasoning: { effort: 'medium' } });
    expect(body(openrouter)).not.toHaveProperty('reasoning_effort');
    await post('/chat/completions', { model: 'local/qwen3', reasoning_effort: 'none', messages: HI });
    expect(body(local).reasoning_effort).toBe('none');
  });

  test('ANTHROPIC_THINKING=budget gives older models a thinking budget below max_tokens', async () => {
    const budgetHost = await startHost({ env: { ...envFor({ anthropic }), ANTHROPIC_THINKING: 'budget' } });
    try {
      await fetch(`${budgetHost.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'anthropic/claude-3-7-sonnet', reasoning_effort: 'high', max_tokens: 8000, temperature: 0.3, messages: HI }),
      });
      expect(body(anthropic)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 4096 }, max_tokens: 8000 });
      expect(body(anthropic)).not.toHaveProperty('temperature');
      await fetch(`${budgetHost.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'anthropic/claude-3-7-sonnet', reasoning_effort: 'max', max_tokens: 1500, messages: HI }),
      });
      expect(body(anthropic)).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1499 } });
      await fetch(`${budgetHost.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'anthropic/claude-3-7-sonnet', reasoning_effort: 'max', max_tokens: 900, messages: HI }),
      });
      expect(body(anthropic)).not.toHaveProperty('thinking');
    } finally {
      await budgetHost.close();
    }
  });
});

describe('Messages clients (Claude Code, the Anthropic SDK)', () => {
  const client = (): Anthropic => new Anthropic({ apiKey: 'x', baseURL: host.url, maxRetries: 0 });

  test('on llama-server translated: reasoning_content arrives as a thinking block before the text, signed by the router; effort goes as reasoning_effort', async () => {
    const groqHost = await startHost({ env: { OPENAI_COMPATIBLE_PROVIDERS: 'qwen', QWEN_BASE_URL: local.baseUrl } });
    try {
      local.handler = (_request, res) => sendFrames(res, sseFrames('llama-server-chat-stream-reasoning.sse'));
      const message = await new Anthropic({ apiKey: 'x', baseURL: groqHost.url, maxRetries: 0 }).messages
        .stream({ model: 'qwen/qwen3', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 4096 }, messages: HI })
        .finalMessage();
      expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
      expect(message.content[0]).toMatchObject({
        type: 'thinking',
        thinking: 'The user asks for 17 times 3. 17*3 = 51.',
        signature: expect.stringMatching(/^epr1\./),
      });
      expect(body(local).reasoning_effort).toBe('high');
    } finally {
      await groqHost.close();
    }
  });

  test("on OpenRouter: the thinking block carries the signature OpenRouter relayed; Claude Code's effort goes as reasoning.effort", async () => {
    openrouter.handler = (_request, res) => sendFrames(res, sseFrames('openrouter-chat-stream-reasoning.sse'));
    const message = await client()
      .messages.stream({
        model: 'openrouter/anthropic/claude-sonnet-5-5',
        max_tokens: 2000,
        thinking: { type: 'adaptive' },
        messages: HI,
      } as Anthropic.MessageCreateParamsStreaming)
      .finalMessage();
    const thinking = message.content[0] as { type: string; signature: string };
    expect(thinking.type).toBe('thinking');
    expect(thinking.signature).toMatch(/^EuYB/);
    expect(body(openrouter)).toMatchObject({ reasoning: { effort: 'medium' } });
    expect(ends.at(-1)?.usage?.reasoningTokens).toBe(38);
  });

  describe("thinking sent back in a tool loop: Anthropic's signature goes back to OpenRouter as reasoning_details", () => {
    const loop = (signature: string, thought = 'I should read it.'): Record<string, unknown> => ({
      max_tokens: 2000,
      thinking: { type: 'adaptive' },
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: thought, signature },
            { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.txt' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }] },
      ],
    });
    const callerOf = (fake: FakeUpstream): Record<string, unknown> =>
      (body(fake).messages as Record<string, unknown>[]).find((message) => message.role === 'assistant')!;

    test('to OpenRouter: the signed block as reasoning_details, beside reasoning_content', async () => {
      await post('/messages', { model: 'openrouter/anthropic/claude-sonnet-5-5', ...loop('EuYBCkgIBxAB') });
      expect(callerOf(openrouter)).toMatchObject({
        reasoning_content: 'I should read it.',
        reasoning_details: [
          { type: 'reasoning.text', text: 'I should read it.', signature: 'EuYBCkgIBxAB', format: 'anthropic-claude-v1', index: 0 },
        ],
      });
    });

    test("to OpenRouter, the router's own signature is not Anthropic's: reasoning_content only", async () => {
      await post('/messages', { model: 'openrouter/deepseek/deepseek-r1', ...loop('epr1.abcdef') });
      expect(callerOf(openrouter).reasoning_content).toBe('I should read it.');
      expect(callerOf(openrouter)).not.toHaveProperty('reasoning_details');
    });

    test('a signed block whose text was omitted (display: "omitted") still goes back to OpenRouter, signature and all', async () => {
      await post('/messages', { model: 'openrouter/anthropic/claude-sonnet-5-5', ...loop('EuYBCkgIBxAB', '') });
      expect(callerOf(openrouter).reasoning_details).toEqual([
        { type: 'reasoning.text', text: '', signature: 'EuYBCkgIBxAB', format: 'anthropic-claude-v1', index: 0 },
      ]);
    });

    test('to OpenRouter, an anthropic/ model gets no effort when the tool loop lost its signed thinking: Anthropic, behind it, would refuse the loop', async () => {
      const noThinking = loop('EuYBCkgIBxAB');
      const turn = (noThinking.messages as Array<{ role: string; content: unknown }>)[1]!;
      // Another model's turn (Claude Code's fallback model, a session moved here): a tool call, no thinking.
      turn.content = (turn.content as Array<{ type: string }>).filter((block) => block.type !== 'thinking');
      await post('/messages', { model: 'openrouter/anthropic/claude-sonnet-5-5', ...noThinking });
      expect(body(openrouter)).not.toHaveProperty('reasoning');
      expect(body(openrouter)).not.toHaveProperty('reasoning_effort');
      // The router's own signature is no thinking Anthropic can check either.
      await post('/messages', { model: 'openrouter/anthropic/claude-sonnet-5-5', ...loop('epr1.abcdef') });
      expect(body(openrouter)).not.toHaveProperty('reasoning');
      // Anthropic's signed thinking came back: effort goes on.
      await post('/messages', { model: 'openrouter/anthropic/claude-sonnet-5-5', ...loop('EuYBCkgIBxAB') });
      expect(body(openrouter)).toMatchObject({ reasoning: { effort: 'medium' } });
      // Other models behind OpenRouter have no such rule.
      await post('/messages', { model: 'openrouter/deepseek/deepseek-r1', ...noThinking });
      expect(body(openrouter)).toMatchObject({ reasoning: { effort: 'medium' } });
      // A chat client's own tool loop, the same.
      await post('/chat/completions', {
        model: 'openrouter/anthropic/claude-sonnet-5-5',
        reasoning_effort: 'high',
        messages: [
          { role: 'user', content: 'Read a.txt' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'Read', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'hello' },
        ],
      });
      expect(body(openrouter)).not.toHaveProperty('reasoning');
    });

    test('to OpenAI, which has no such field: reasoning_content only', async () => {
      await post('/messages', { model: 'openai/gpt-5.5', ...loop('EuYBCkgIBxAB') });
      expect(callerOf(openai)).not.toHaveProperty('reasoning_details');
    });

    test('a redacted block goes back to OpenRouter as reasoning.encrypted, in its place; to no one else', async () => {
      const withRedacted = loop('EuYBCkgIBxAB');
      const turn = (withRedacted.messages as Array<{ role: string; content: unknown }>)[1]!;
      turn.content = [{ type: 'redacted_thinking', data: 'opaque-redacted' }, ...(turn.content as unknown[])];
      await post('/messages', { model: 'openrouter/anthropic/claude-sonnet-5-5', ...withRedacted });
      expect(callerOf(openrouter).reasoning_details).toEqual([
        { type: 'reasoning.encrypted', data: 'opaque-redacted', format: 'anthropic-claude-v1', index: 0 },
        { type: 'reasoning.text', text: 'I should read it.', signature: 'EuYBCkgIBxAB', format: 'anthropic-claude-v1', index: 1 },
      ]);
      await post('/messages', { model: 'openai/gpt-5.5', ...withRedacted });
      expect(JSON.stringify(body(openai))).not.toContain('opaque-redacted');
    });
  });

  test('a Claude Code session moving from local to anthropic: router-signed thinking is left out, and so is thinking for that request', async () => {
    const transcript = {
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      // As Claude Code sends it: Anthropic refuses clear_thinking without thinking on.
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }, { type: 'clear_tool_uses_20250919' }] },
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Reading it.', signature: 'epr1.abcdef' },
            { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.txt' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }] },
      ],
    };
    const answer = await post('/messages', transcript);
    expect(answer.status).toBe(200);
    const sent = body(anthropic);
    expect((sent.messages as { content: { type: string }[] }[])[1]?.content.map((block) => block.type)).toEqual(['tool_use']);
    expect(sent).not.toHaveProperty('thinking');
    expect(sent).not.toHaveProperty('output_config');
    expect(sent.context_management).toEqual({ edits: [{ type: 'clear_tool_uses_20250919' }] });
    // The client's own body was not changed on the way.
    expect(transcript.messages[1]?.content).toHaveLength(2);
  });

  test('a turn that only thought (cut off while reasoning on another provider) is left out whole: Anthropic refuses an empty turn', async () => {
    const answer = await post('/messages', {
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      messages: [
        { role: 'user', content: 'Think hard' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm, let me', signature: 'epr1.abcdef' }] },
        { role: 'user', content: 'Go on' },
      ],
    });
    expect(answer.status).toBe(200);
    expect(body(anthropic).messages).toEqual([
      { role: 'user', content: 'Think hard' },
      { role: 'user', content: 'Go on' },
    ]);
  });

  test('a tool loop whose thinking the client dropped itself (Claude Code does, for turns another model answered): thinking is left off for that request', async () => {
    await post('/messages', {
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 32000,
      thinking: { type: 'enabled', budget_tokens: 31999 },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Run echo hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo hi' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'hi' },
            { type: 'text', text: 'Say hello.' },
          ],
        },
      ],
    });
    const sent = body(anthropic);
    expect(sent).not.toHaveProperty('thinking');
    expect(sent).not.toHaveProperty('context_management');
    expect((sent.messages as unknown[])[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo hi' } }],
    });
  });

  describe("Gemini behind OpenRouter: its own reasoning_details (thought signatures) make the tool loop's round trip", () => {
    const GEMINI = 'google/gemini-3-pro-preview';
    const identity = { id: 'gen-1', created: 1, model: GEMINI };
    const geminiText = (text: string): Record<string, unknown> => ({ type: 'reasoning.text', text, format: 'google-gemini-v1', index: 0 });
    // Gemini signs its function call: OpenRouter sends the signature with the call, after the reasoning text.
    const signatureEntry = { type: 'reasoning.encrypted', data: 'CiQBthought-signature', id: 'tool_Read_1', format: 'google-gemini-v1', index: 1 };
    const call = { id: 'tool_Read_1', type: 'function', function: { name: 'Read', arguments: '{"path":"a.txt"}' } };
    const question = {
      max_tokens: 2000,
      thinking: { type: 'adaptive' as const },
      tools: [{ name: 'Read', input_schema: { type: 'object' as const } }],
      messages: [{ role: 'user' as const, content: 'Read a.txt' }],
    };
    /** The second turn: the first answer as the client got it, and the tool's result. */
    const followUp = (model: string, answer: Anthropic.ContentBlock[]): Anthropic.MessageCreateParamsNonStreaming => ({
      ...question,
      model,
      messages: [
        ...question.messages,
        { role: 'assistant', content: answer as Anthropic.ContentBlockParam[] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tool_Read_1', content: 'hello' }] },
      ],
    });
    const sentBack = (): Record<string, unknown> =>
      (body(openrouter).messages as Record<string, unknown>[]).find((message) => message.role === 'assistant')!;

    test('streamed: a signature that comes after the call, in an empty thinking block of its own, goes back with the joined reasoning text, to that model only', async () => {
      openrouter.handler = (_request, res) =>
        sendFrames(res, [
          chatChunkFrame(identity, { role: 'assistant', content: '', reasoning: 'Let me ', reasoning_details: [geminiText('Let me ')] }),
          chatChunkFrame(identity, { reasoning: 'check.', reasoning_details: [geminiText('check.')] }),
          chatChunkFrame(identity, { tool_calls: [{ index: 0, ...call }] }),
          chatChunkFrame(identity, { reasoning_details: [signatureEntry] }, 'tool_calls'),
          DONE_FRAME,
        ]);
      const answer = await client()
        .messages.stream({ ...question, model: `openrouter/${GEMINI}` })
        .finalMessage();
      expect(answer.content.map((block) => block.type)).toEqual(['thinking', 'tool_use', 'thinking']);
      expect(answer.content[0]).toMatchObject({ thinking: 'Let me check.', signature: expect.stringMatching(/^epr1\./) });

      openrouter.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'It says hello.' }, 'stop'));
      await client().messages.create(followUp(`openrouter/${GEMINI}`, answer.content));
      expect(sentBack()).toMatchObject({
        reasoning_content: 'Let me check.',
        reasoning_details: [geminiText('Let me check.'), signatureEntry],
      });

      // Another model cannot use Gemini's signatures: only the text goes.
      await client().messages.create(followUp('openrouter/google/gemini-3-flash-preview', answer.content));
      expect(sentBack().reasoning_content).toBe('Let me check.');
      expect(sentBack()).not.toHaveProperty('reasoning_details');
    });

    test('streamed: an answer without calls ends with its text, the signature that came after the text left out (Claude Code takes the last block for the answer)', async () => {
      const textSignature = { type: 'reasoning.encrypted', data: 'CiQBtext-signature', format: 'google-gemini-v1', index: 1 };
      openrouter.handler = (_request, res) =>
        sendFrames(res, [
          chatChunkFrame(identity, { role: 'assistant', content: '', reasoning: 'Let me ', reasoning_details: [geminiText('Let me ')] }),
          chatChunkFrame(identity, { reasoning: 'answer.', reasoning_details: [geminiText('answer.')] }),
          chatChunkFrame(identity, { content: 'It says ' }),
          chatChunkFrame(identity, { content: 'hello.', reasoning_details: [textSignature] }, 'stop'),
          DONE_FRAME,
        ]);
      const answer = await client()
        .messages.stream({ ...question, model: `openrouter/${GEMINI}` })
        .finalMessage();
      expect(answer.content.map((block) => block.type)).toEqual(['thinking', 'text']);
      expect(answer.content[1]).toMatchObject({ text: 'It says hello.' });
    });

    test('not streamed: the entries go in the signature of the thinking block', async () => {
      openrouter.handler = (_request, res) =>
        sendJson(res, 200, {
          ...chatCompletion(
            {
              role: 'assistant',
              content: null,
              reasoning: 'Let me check.',
              reasoning_details: [geminiText('Let me check.'), signatureEntry],
              tool_calls: [call],
            },
            'tool_calls',
          ),
          model: GEMINI,
        });
      const answer = await client().messages.create({ ...question, model: `openrouter/${GEMINI}` });
      expect(answer.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);

      openrouter.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'It says hello.' }, 'stop'));
      await client().messages.create(followUp(`openrouter/${GEMINI}`, answer.content));
      expect(sentBack().reasoning_details).toEqual([geminiText('Let me check.'), signatureEntry]);
    });

    test("streamed: a signature numbered with its reasoning text's index goes back as an entry of its own, not merged into the text", async () => {
      const sameIndex = { ...signatureEntry, index: 0 };
      openrouter.handler = (_request, res) =>
        sendFrames(res, [
          chatChunkFrame(identity, { role: 'assistant', content: '', reasoning: 'Let me ', reasoning_details: [geminiText('Let me ')] }),
          chatChunkFrame(identity, { reasoning: 'check.', reasoning_details: [geminiText('check.'), sameIndex] }),
          chatChunkFrame(identity, { tool_calls: [{ index: 0, ...call }] }, 'tool_calls'),
          DONE_FRAME,
        ]);
      const answer = await client()
        .messages.stream({ ...question, model: `openrouter/${GEMINI}` })
        .finalMessage();

      openrouter.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'It says hello.' }, 'stop'));
      await client().messages.create(followUp(`openrouter/${GEMINI}`, answer.content));
      expect(sentBack().reasoning_details).toEqual([geminiText('Let me check.'), sameIndex]);
    });
  });

  describe('thinking stays on', () => {
    const callTurn = (content: unknown[]): unknown[] => [
      { role: 'user', content: 'Run echo hi' },
      { role: 'assistant', content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hi' }] },
    ];
    const use = { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo hi' } };
    const tools = [{ name: 'Bash', input_schema: { type: 'object' } }];

    test.each([
      [
        'enabled, the last assistant turn called no tool',
        { type: 'enabled', budget_tokens: 4096 },
        [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
          { role: 'user', content: 'Again' },
        ],
      ],
      [
        'enabled, the call turn kept its signed thinking',
        { type: 'enabled', budget_tokens: 4096 },
        callTurn([{ type: 'thinking', thinking: 'Run it.', signature: 'EqQBCkgIBxAB' }, use]),
      ],
      // Adaptive thinking may skip a turn's thinking: such a turn is Anthropic's own, and Anthropic takes it back.
      ['adaptive, the call turn had no thinking', { type: 'adaptive' }, callTurn([use])],
    ])('%s', async (_case, thinking, messages) => {
      await post('/messages', { model: 'anthropic/claude-sonnet-5-5', max_tokens: 8000, thinking, tools, messages });
      expect(body(anthropic).thinking).toEqual(thinking);
    });
  });

  test("Anthropic's own signed thinking passes through untouched", async () => {
    const turn = { type: 'thinking', thinking: 'Reading it.', signature: 'EqQBCkgIBxAB' };
    await post('/messages', {
      model: 'anthropic/claude-sonnet-5-5',
      max_tokens: 2000,
      thinking: { type: 'adaptive' },
      tools: [{ name: 'Read', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Read a.txt' },
        { role: 'assistant', content: [turn, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'hello' }] },
      ],
    });
    expect((body(anthropic).messages as { content: unknown[] }[])[1]?.content[0]).toEqual(turn);
    expect(body(anthropic).thinking).toEqual({ type: 'adaptive' });
  });
});

describe('Responses clients', () => {
  test('reasoning.effort reaches llama-server as reasoning_effort and Anthropic as adaptive thinking', async () => {
    await post('/responses', { model: 'local/qwen3', input: 'hi', reasoning: { effort: 'low' } });
    expect(body(local).reasoning_effort).toBe('low');
    await post('/responses', { model: 'anthropic/claude-opus-4-8', input: 'hi', reasoning: { effort: 'minimal' } });
    expect(body(anthropic)).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
  });
});

describe('reasoning reaches every client dialect in its place, before the answer', () => {
  const chatJsonWithReasoning = (_request: RecordedRequest, res: ServerResponse): void =>
    sendJson(res, 200, {
      id: 'chatcmpl-r',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: '51.', reasoning_content: '17*3 = 51.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14, completion_tokens_details: { reasoning_tokens: 6 } },
    });

  test('chat client, llama-server and OpenRouter passed through: their own reasoning fields go on as they are', async () => {
    local.handler = (_request, res) => sendFrames(res, sseFrames('llama-server-chat-stream-reasoning.sse'));
    expect((await post('/chat/completions', { model: 'local/qwen3', stream: true, messages: HI })).text).toContain(
      '"reasoning_content":"The user asks for 17 times 3."',
    );
    openrouter.handler = (_request, res) => sendFrames(res, sseFrames('openrouter-chat-stream-reasoning.sse'));
    expect((await post('/chat/completions', { model: 'openrouter/anthropic/claude-sonnet-5-5', stream: true, messages: HI })).text).toContain(
      '"reasoning":"The user wants a haiku about routers."',
    );
  });

  test('Messages client, OpenAI-compatible provider, not streamed: a thinking block first, signed by the router', async () => {
    openai.handler = chatJsonWithReasoning;
    const message = JSON.parse((await post('/messages', { model: 'openai/o3', max_tokens: 100, messages: HI })).text) as {
      content: Array<Record<string, unknown>>;
    };
    expect(message.content).toEqual([
      { type: 'thinking', thinking: '17*3 = 51.', signature: expect.stringMatching(/^epr1\./) },
      { type: 'text', text: '51.' },
    ]);
  });

  test("Messages client, Anthropic passed through: Anthropic's thinking and signature go on untouched", async () => {
    anthropic.handler = (_request, res) => sendFrames(res, sseFrames('anthropic-messages-stream-thinking.sse'));
    const message = await new Anthropic({ apiKey: 'x', baseURL: host.url, maxRetries: 0 }).messages
      .stream({ model: 'anthropic/claude-opus-4-8', max_tokens: 2000, messages: HI })
      .finalMessage();
    expect(message.content[0]).toMatchObject({
      type: 'thinking',
      thinking: 'Compare 9.11 and 9.9: 9.9 = 9.90 > 9.11.',
      signature: expect.stringMatching(/^EqQB/),
    });
  });

  test('Responses client, llama-server, not streamed: a reasoning item first, and reasoning tokens in usage', async () => {
    local.handler = chatJsonWithReasoning;
    const response = JSON.parse((await post('/responses', { model: 'local/qwen3', input: 'hi' })).text) as {
      output: Array<Record<string, unknown>>;
      usage: { output_tokens_details: { reasoning_tokens: number } };
    };
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.output[0]).toMatchObject({ content: [{ type: 'reasoning_text', text: '17*3 = 51.' }] });
    expect(response.usage.output_tokens_details.reasoning_tokens).toBe(6);
    expect(ends.at(-1)?.usage?.reasoningTokens).toBe(6);
  });

  test('Responses client, Anthropic, streamed: thinking arrives as reasoning_text deltas in a reasoning item before the message', async () => {
    anthropic.handler = (_request, res) => sendFrames(res, sseFrames('anthropic-messages-stream-thinking.sse'));
    const events = (await post('/responses', { model: 'anthropic/claude-opus-4-8', input: 'hi', stream: true })).text
      .split('\n\n')
      .filter((frame) => frame !== '')
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice(6)) as { type: string; delta?: string; item?: { type: string } });
    const firstReasoning = events.findIndex((event) => event.type === 'response.reasoning_text.delta');
    const firstText = events.findIndex((event) => event.type === 'response.output_text.delta');
    expect(firstReasoning).toBeGreaterThan(-1);
    expect(firstReasoning).toBeLessThan(firstText);
    expect(
      events
        .filter((event) => event.type === 'response.reasoning_text.delta')
        .map((event) => event.delta)
        .join(''),
    ).toBe('Compare 9.11 and 9.9: 9.9 = 9.90 > 9.11.');
    expect(events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item?.type)).toEqual(['reasoning', 'message']);
  });
});

describe('Responses reasoning envelopes (include: reasoning.encrypted_content)', () => {
  const thinkingAnswer = (request: RecordedRequest, res: ServerResponse): void => {
    const toolTurn = JSON.stringify(request.body?.messages ?? []).includes('tool_result');
    sendJson(res, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-4-8',
      content: toolTurn
        ? [{ type: 'text', text: 'Done.' }]
        : [
            { type: 'thinking', thinking: 'I will look it up.', signature: 'sig-from-anthropic' },
            { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { q: 'x' } },
          ],
      stop_reason: toolTurn ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5 },
    });
  };
  const tools = [{ type: 'function', name: 'lookup', parameters: { type: 'object' } }];
  const lookupCall = { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { q: 'x' } };
  const answerOf = (content: unknown[]) => ({
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-opus-4-8',
    content,
    stop_reason: content.some((block) => (block as { type: string }).type === 'tool_use') ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  });

  test("a Codex-style tool loop on Anthropic sends Anthropic's signed thinking back exactly, and keeps thinking on", async () => {
    anthropic.handler = thinkingAnswer;
    const request = {
      model: 'anthropic/claude-opus-4-8',
      reasoning: { effort: 'high' },
      include: ['reasoning.encrypted_content'],
      tools,
      store: false,
    };
    const first = JSON.parse((await post('/responses', { ...request, input: [{ role: 'user', content: 'Look it up.' }] })).text) as {
      output: Array<Record<string, unknown>>;
    };
    const reasoning = first.output.find((item) => item.type === 'reasoning')!;
    expect(reasoning.encrypted_content).toMatch(/^epr1\./);
    expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: 'I will look it up.' }]);
    const call = first.output.find((item) => item.type === 'function_call')!;

    await post('/responses', {
      ...request,
      input: [{ role: 'user', content: 'Look it up.' }, reasoning, call, { type: 'function_call_output', call_id: call.call_id, output: 'found' }],
    });
    const messages = body(anthropic).messages as { role: string; content: unknown[] }[];
    expect(messages[1]?.content[0]).toEqual({ type: 'thinking', thinking: 'I will look it up.', signature: 'sig-from-anthropic' });
    expect(body(anthropic).thinking).toEqual({ type: 'adaptive', display: 'summarized' });
  });

  test.each([false, true])(
    "Anthropic's redacted thinking reaches a Responses client (streamed: %s) in a reasoning item's envelope, and goes back exactly",
    async (stream) => {
      const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy-opaque' };
      anthropic.handler = (request, res) => {
        if (JSON.stringify(request.body?.messages ?? []).includes('tool_result'))
          return sendJson(res, 200, answerOf([{ type: 'text', text: 'Done.' }]));
        if (request.body?.stream !== true) return sendJson(res, 200, answerOf([redacted, lookupCall]));
        sendFrames(res, [
          anthropicEvent('message_start', { message: { ...answerOf([]), stop_reason: null } }),
          anthropicEvent('content_block_start', { index: 0, content_block: redacted }),
          anthropicEvent('content_block_stop', { index: 0 }),
          anthropicEvent('content_block_start', { index: 1, content_block: { ...lookupCall, input: {} } }),
          anthropicEvent('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"q":"x"}' } }),
          anthropicEvent('content_block_stop', { index: 1 }),
          anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } }),
          anthropicEvent('message_stop'),
        ]);
      };
      const request = { model: 'anthropic/claude-opus-4-8', reasoning: { effort: 'high' }, include: ['reasoning.encrypted_content'], tools, stream };
      const answer = await post('/responses', { ...request, input: [{ role: 'user', content: 'Look it up.' }] });
      const output = stream
        ? sseEvents(answer.text)
            .map((event) => JSON.parse(event.data) as { type: string; response?: { output: Array<Record<string, unknown>> } })
            .find((event) => event.type === 'response.completed')!.response!.output
        : (JSON.parse(answer.text) as { output: Array<Record<string, unknown>> }).output;
      expect(output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
      const [reasoning, call] = output as [Record<string, unknown>, Record<string, unknown>];
      expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: '' }]);
      expect(reasoning.encrypted_content).toMatch(/^epr1\./);

      await post('/responses', {
        ...request,
        stream: false,
        input: [{ role: 'user', content: 'Look it up.' }, reasoning, call, { type: 'function_call_output', call_id: call.call_id, output: 'found' }],
      });
      const messages = body(anthropic).messages as { role: string; content: unknown[] }[];
      expect(messages[1]?.content).toEqual([redacted, lookupCall]);
      expect(body(anthropic).thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    },
  );

  test('an envelope made for another model is not restored; its text still goes as reasoning_content', async () => {
    anthropic.handler = thinkingAnswer;
    const first = JSON.parse(
      (
        await post('/responses', {
          model: 'anthropic/claude-opus-4-8',
          include: ['reasoning.encrypted_content'],
          tools,
          input: [{ role: 'user', content: 'Look it up.' }],
        })
      ).text,
    ) as { output: Array<Record<string, unknown>> };
    const reasoning = first.output.find((item) => item.type === 'reasoning')!;
    const call = first.output.find((item) => item.type === 'function_call')!;
    await post('/responses', {
      model: 'local/qwen3',
      tools,
      input: [{ role: 'user', content: 'Look it up.' }, reasoning, call, { type: 'function_call_output', call_id: call.call_id, output: 'found' }],
    });
    const assistant = (body(local).messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant');
    expect(assistant?.reasoning_content).toBe('I will look it up.');
    expect(assistant).not.toHaveProperty('reasoning_details');
  });

  test("native passthrough to OpenAI leaves out the router's envelopes and keeps OpenAI's own", async () => {
    const routerItem = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'epr1.eyJ4IjoxfQ' };
    const openaiItem = { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: 'gAAAAABopenai' };
    await post('/responses', {
      model: 'openai/gpt-5.5',
      input: [{ role: 'user', content: 'hi' }, routerItem, openaiItem, { role: 'user', content: 'again' }],
    });
    expect(body(openai).input).toEqual([{ role: 'user', content: 'hi' }, openaiItem, { role: 'user', content: 'again' }]);
  });

  test("native passthrough to OpenAI leaves out references to the router's reasoning items, and keeps references to OpenAI's", async () => {
    // The Vercel AI SDK refers to earlier items by id when it stores (its default): OpenAI never issued the router's.
    const routerReference = { type: 'item_reference', id: 'rs_epr10123456789abcdef0123456789abcdef' };
    const openaiReference = { type: 'item_reference', id: 'rs_0123456789abcdef' };
    await post('/responses', {
      model: 'openai/gpt-5.5',
      input: [{ role: 'user', content: 'hi' }, routerReference, openaiReference, { role: 'user', content: 'again' }],
    });
    expect(body(openai).input).toEqual([{ role: 'user', content: 'hi' }, openaiReference, { role: 'user', content: 'again' }]);
  });
});

describe('telemetry and the conversation log', () => {
  test('reasoning tokens and the first reasoning delta are reported; the record keeps reasoning apart', async () => {
    const records: Array<{ response: { text: string; reasoning?: string } }> = [];
    const logged = await startHost({
      env: envFor({ local }),
      conversationLogger: { info: (_message: string, record: unknown) => records.push(record as (typeof records)[number]) } as never,
    });
    try {
      local.handler = (_request, res) => sendFrames(res, sseFrames('llama-server-chat-stream-reasoning.sse'));
      const ended = new Promise<RequestEndEvent>((resolve) => logged.router.telemetry.once('request.end', resolve));
      await fetch(`${logged.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'qwen3', stream: true, messages: HI }),
      }).then((r) => r.text());
      const end = await ended;
      expect(end.firstReasoningMs).not.toBeNull();
      expect(end.firstTokenMs).not.toBeNull();
      expect(end.firstReasoningMs!).toBeLessThanOrEqual(end.firstTokenMs!);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(records[0]?.response).toMatchObject({ text: '17 × 3 = 51.', reasoning: 'The user asks for 17 times 3. 17*3 = 51.' });
    } finally {
      await logged.close();
    }
  });
});
