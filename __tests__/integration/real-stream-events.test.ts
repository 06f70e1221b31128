/**
 * Events that real upstream streams carry today and the recorded fixtures do not, read through the
 * router by the clients' own SDKs: OpenAI's Responses `keepalive` heartbeats (openai/openai-node#1964),
 * `response.queued`, reasoning summary parts, `response.output_text.annotation.added` and refusal
 * parts on native passthrough; and an OpenAI reasoning model behind OpenRouter, whose streamed
 * `reasoning_details` split one summary into many pieces beside an encrypted entry
 * (OpenRouterTeam/ai-sdk-provider#519: sent back in pieces, the next turn is refused).
 */
import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { parseResponsesSse } from '../support/responses-stream';
import { sendFrames } from '../support/upstream-answers';
import { chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [openai, openrouter, local] = await startFakeUpstreams('openai', 'openrouter', 'local');
  host = await startHost({ env: envFor({ openai, openrouter, local }) });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [openai, openrouter, local].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([openai, openrouter, local].map((fake) => fake.close()));
});

const openaiClient = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });
const anthropicClient = (): Anthropic => new Anthropic({ apiKey: 'host-token', baseURL: host.url, maxRetries: 0 });

describe('an OpenAI Responses stream with heartbeats, summaries, annotations and a refusal, passed through', () => {
  const CITATION = { type: 'url_citation', start_index: 4, end_index: 11, url: 'https://example.com', title: 'Example' };
  const REASONING = { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking it over.' }], encrypted_content: 'gAAAA' };
  const ANSWER = {
    id: 'msg_1',
    type: 'message',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: 'See example.', annotations: [CITATION], logprobs: [] }],
  };
  const REFUSAL = { id: 'msg_2', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: 'Not that.' }] };
  const USAGE = {
    input_tokens: 11,
    input_tokens_details: { cached_tokens: 3 },
    output_tokens: 22,
    output_tokens_details: { reasoning_tokens: 9 },
    total_tokens: 33,
  };

  /** The stream as OpenAI sends it; `keepaliveLine: false` writes the heartbeats without their `event:` line. */
  function framesOf(options: { incomplete?: boolean; keepaliveLine?: boolean } = {}): string[] {
    let sequence = 0;
    const event = (type: string, fields: Record<string, unknown>, eventLine = true): string =>
      `${eventLine ? `event: ${type}\n` : ''}data: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
    const response = {
      id: 'resp_1',
      object: 'response',
      created_at: 1795781041,
      model: 'gpt-5.5',
      output: [],
      usage: null,
      error: null,
      incomplete_details: null,
    };
    const item = (index: number, itemId: string): Record<string, unknown> => ({ item_id: itemId, output_index: index });
    const summary = { ...item(0, 'rs_1'), summary_index: 0 };
    const keepalive = (): string => event('keepalive', {}, options.keepaliveLine ?? true);
    const answer = options.incomplete ? { ...ANSWER, status: 'incomplete' } : ANSWER;
    return [
      event('response.created', { response: { ...response, status: 'queued' } }),
      event('response.queued', { response: { ...response, status: 'queued' } }),
      event('response.in_progress', { response: { ...response, status: 'in_progress' } }),
      keepalive(),
      event('response.output_item.added', { output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } }),
      event('response.reasoning_summary_part.added', { ...summary, part: { type: 'summary_text', text: '' } }),
      event('response.reasoning_summary_text.delta', { ...summary, delta: 'Thinking it over.', obfuscation: 'aB3' }),
      event('response.reasoning_summary_text.done', { ...summary, text: 'Thinking it over.' }),
      event('response.reasoning_summary_part.done', { ...summary, part: REASONING.summary[0] }),
      event('response.output_item.done', { output_index: 0, item: REASONING }),
      keepalive(),
      event('response.output_item.added', { output_index: 1, item: { ...ANSWER, status: 'in_progress', content: [] } }),
      event('response.content_part.added', {
        ...item(1, 'msg_1'),
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      }),
      event('response.output_text.delta', { ...item(1, 'msg_1'), content_index: 0, delta: 'See example.', logprobs: [], obfuscation: 'xY' }),
      event('response.output_text.annotation.added', { ...item(1, 'msg_1'), content_index: 0, annotation_index: 0, annotation: CITATION }),
      event('response.output_text.done', { ...item(1, 'msg_1'), content_index: 0, text: 'See example.', logprobs: [] }),
      event('response.content_part.done', { ...item(1, 'msg_1'), content_index: 0, part: ANSWER.content[0] }),
      event('response.output_item.done', { output_index: 1, item: answer }),
      event('response.output_item.added', { output_index: 2, item: { ...REFUSAL, status: 'in_progress', content: [] } }),
      event('response.content_part.added', { ...item(2, 'msg_2'), content_index: 0, part: { type: 'refusal', refusal: '' } }),
      event('response.refusal.delta', { ...item(2, 'msg_2'), content_index: 0, delta: 'Not that.' }),
      event('response.refusal.done', { ...item(2, 'msg_2'), content_index: 0, refusal: 'Not that.' }),
      event('response.content_part.done', { ...item(2, 'msg_2'), content_index: 0, part: REFUSAL.content[0] }),
      event('response.output_item.done', { output_index: 2, item: REFUSAL }),
      options.incomplete
        ? event('response.incomplete', {
            response: {
              ...response,
              status: 'incomplete',
              incomplete_details: { reason: 'max_output_tokens' },
              output: [REASONING, answer, REFUSAL],
              usage: USAGE,
            },
          })
        : event('response.completed', { response: { ...response, status: 'completed', output: [REASONING, ANSWER, REFUSAL], usage: USAGE } }),
    ];
  }

  test.each([
    ['with their event: line', true],
    ['without their event: line', false],
  ])('heartbeats %s reach the client named and numbered, and the SDK reads the whole response', async (_name, keepaliveLine) => {
    openai.handler = (_request, res: ServerResponse) => sendFrames(res, framesOf({ keepaliveLine }));
    const res = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-5.5', input: 'hi', stream: true }),
    });
    const events = parseResponsesSse(await res.text());
    expect(events.filter((event) => event.event === 'keepalive').map((event) => event.data)).toEqual([
      { type: 'keepalive', sequence_number: 3 },
      { type: 'keepalive', sequence_number: 10 },
    ]);

    const response = await openaiClient().responses.stream({ model: 'openai/gpt-5.5', input: 'hi' }).finalResponse();
    expect(response.status).toBe('completed');
    expect(response.output).toEqual([
      REASONING,
      expect.objectContaining({ content: [expect.objectContaining(ANSWER.content[0])] }),
      expect.anything(),
    ]);
    expect(response.output[2]).toMatchObject({ content: [{ type: 'refusal', refusal: 'Not that.' }] });
    expect(response.output_text).toBe('See example.');
    expect(ends.at(-1)).toMatchObject({
      outcome: 'ok',
      finishReason: 'completed',
      usage: { promptTokens: 11, completionTokens: 22, totalTokens: 33, reasoningTokens: 9 },
    });
  });

  test('an incomplete response reaches the SDK as incomplete, its text kept, and telemetry says why', async () => {
    openai.handler = (_request, res: ServerResponse) => sendFrames(res, framesOf({ incomplete: true }));
    const response = await openaiClient().responses.stream({ model: 'openai/gpt-5.5', input: 'hi' }).finalResponse();
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: 'See example.' });
    expect(ends).toEqual([expect.objectContaining({ outcome: 'ok', finishReason: 'max_output_tokens' })]);
  });
});

describe('an OpenAI reasoning model behind OpenRouter: its summary streamed in pieces, beside an encrypted entry', () => {
  const IDENTITY = { id: 'gen-1', created: 1795781041, model: 'openai/gpt-5.5' };
  const SUMMARY = { type: 'reasoning.summary', format: 'openai-responses-v1', index: 0 };
  const ENCRYPTED = { type: 'reasoning.encrypted', data: 'gAAAAB-encrypted', id: 'rs_9', format: 'openai-responses-v1', index: 0 };
  const detail = (entry: Record<string, unknown>, reasoning: string | null): string =>
    chatChunkFrame(IDENTITY, { role: 'assistant', content: '', reasoning, reasoning_details: [entry] });
  // As OpenRouter streams one (its keep-alive comment included): every entry has index 0.
  const CALLING = [
    ': OPENROUTER PROCESSING\n\n',
    detail({ ...SUMMARY, summary: '**Plan**' }, '**Plan**'),
    detail({ ...SUMMARY, summary: ' then act' }, ' then act'),
    detail(ENCRYPTED, null),
    chatChunkFrame(IDENTITY, {
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '' } }],
    }),
    chatChunkFrame(IDENTITY, { role: 'assistant', content: null, tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }),
    chatChunkFrame(IDENTITY, { role: 'assistant', content: '' }, 'tool_calls', { choice: { native_finish_reason: 'completed' } }),
    chatUsageFrame(IDENTITY, {
      prompt_tokens: 5,
      completion_tokens: 7,
      total_tokens: 12,
      cost: 0.01,
      completion_tokens_details: { reasoning_tokens: 4 },
    }),
    DONE_FRAME,
  ];
  const DONE_ANSWER = [chatChunkFrame(IDENTITY, { role: 'assistant', content: 'Done.' }, 'stop'), DONE_FRAME];
  // What the provider must get back: one summary entry, the encrypted one as it came.
  const SENT_BACK = [{ ...SUMMARY, summary: '**Plan** then act' }, ENCRYPTED];

  test('a Messages client gets one thinking block, and its next turn sends the entries back whole', async () => {
    openrouter.handler = (_request, res: ServerResponse) => sendFrames(res, CALLING);
    const tools = [{ name: 'get', input_schema: { type: 'object' as const, properties: {} } }];
    const request = { model: 'openrouter/openai/gpt-5.5', max_tokens: 100, tools, thinking: { type: 'enabled' as const, budget_tokens: 2048 } };
    const first = await anthropicClient()
      .messages.stream({ ...request, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(first.content).toEqual([
      { type: 'thinking', thinking: '**Plan** then act', signature: expect.any(String) as unknown },
      { type: 'tool_use', id: 'call_1', name: 'get', input: { a: 1 } },
    ]);
    expect(ends.at(-1)).toMatchObject({ outcome: 'ok', costUsd: 0.01, usage: { reasoningTokens: 4 } });

    openrouter.handler = (_request, res: ServerResponse) => sendFrames(res, DONE_ANSWER);
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'ok' }] },
    ];
    await anthropicClient()
      .messages.stream({ ...request, messages })
      .finalMessage();
    expect(openrouter.requests.at(-1)?.body?.messages).toContainEqual(expect.objectContaining({ role: 'assistant', reasoning_details: SENT_BACK }));
  });

  test('a bridged Responses client gets one reasoning item, and its next turn sends the entries back whole', async () => {
    local.handler = (_request, res: ServerResponse) => sendFrames(res, CALLING);
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get', parameters: { type: 'object', properties: {} }, strict: false }];
    const first = await openaiClient()
      .responses.stream({ model: 'local/gpt-5.5', input: 'hi', tools, include: ['reasoning.encrypted_content'] })
      .finalResponse();
    expect(first.output.map((item) => item.type)).toEqual(['reasoning', 'function_call']);
    expect(first.output[0]).toMatchObject({ content: [{ type: 'reasoning_text', text: '**Plan** then act' }] });

    local.handler = (_request, res: ServerResponse) => sendFrames(res, DONE_ANSWER);
    const input = [
      { role: 'user' as const, content: 'hi' },
      ...first.output,
      { type: 'function_call_output' as const, call_id: 'call_1', output: 'ok' },
    ];
    await openaiClient()
      .responses.stream({ model: 'local/gpt-5.5', input: input as OpenAI.Responses.ResponseInputItem[], tools })
      .finalResponse();
    const assistant = (local.requests.at(-1)?.body?.messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant');
    expect(assistant?.reasoning_details).toEqual(SENT_BACK.map((entry) => expect.objectContaining(entry) as unknown));
  });
});
