/**
 * An upstream that ignores `stream: true` and answers 200 with one whole JSON answer
 * (`content-type: application/json`), as some OpenAI-compatible servers and gateways do: the
 * client that asked for a stream gets the stream of its own dialect built from that answer, as if
 * the upstream had streamed it. For each client dialect (the official SDKs' stream helpers) and
 * each kind of upstream (llama-server's chat completions, Anthropic's Messages API, OpenAI's
 * Responses API passed through, OpenAI's chat completions passed through), the streamed call gets
 * the same text, reasoning, tool calls and usage as the non-streamed call, and telemetry and the
 * conversation log read it as a stream that went well. JSON that is no answer keeps its 502.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { createLocalProvider, type RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { observe } from '../support/observe';
import { waitUntil } from '../support/wait';
import { eventSequence, parseAnthropicSse } from '../support/messages-stream';
import { parseResponsesSse, responsesStreamResult } from '../support/responses-stream';
import { sendJson } from '../support/upstream-answers';
import { ADD_TOOL, chatAnswer, messagesAnswer, responsesAnswer, WHOLE_ARGUMENTS, WHOLE_REASONING, WHOLE_TEXT } from '../support/whole-answers';

let openai: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream;
let host: Host;
const seen = observe();

/** Each fake answers every request whole, in its own wire format, whatever `stream` asked. */
function answerWhole(text?: string): void {
  local.handler = (_request, res) => sendJson(res, 200, chatAnswer('qwen3-8b', text));
  anthropic.handler = (_request, res) => sendJson(res, 200, messagesAnswer('claude-sonnet-5-5-20260101', text));
  openai.handler = (request, res) =>
    sendJson(res, 200, request.url?.endsWith('/responses') ? responsesAnswer('gpt-4o-2024-08-06', text) : chatAnswer('gpt-4o-2024-08-06', text));
}

beforeAll(async () => {
  [openai, local, anthropic] = await startFakeUpstreams('openai', 'local', 'anthropic');
  host = await startHost({
    env: envFor({ openai, local, anthropic }),
    // llama-server without its own Messages endpoint: Messages clients are translated to its chat completions.
    providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
    conversationLogger: seen.conversationLogger,
  });
  seen.listen(host.router);
});
beforeEach(() => answerWhole());
afterEach(() => {
  [openai, local, anthropic].forEach((fake) => fake.reset());
  seen.clear();
});
afterAll(async () => {
  await host.close();
  await Promise.all([openai, local, anthropic].map((fake) => fake.close()));
});

const openaiClient = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
const claude = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });

/** What a client got of an answer, in terms every dialect has. */
interface Got {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; arguments: unknown }[];
  usage: { input: number; output: number } | undefined;
  finish: string | null;
}

const HI = 'what is 2+2?';

/** Chat completions: `stream_options.include_usage` asked or not. */
async function chatGot(model: string, stream: boolean, includeUsage = true): Promise<Got> {
  const client = openaiClient();
  const params = { model, messages: [{ role: 'user' as const, content: HI }], tools: [ADD_TOOL.chat] };
  if (!stream) {
    const completion = await client.chat.completions.create(params);
    const choice = completion.choices[0];
    const message = choice?.message as (OpenAI.Chat.ChatCompletionMessage & { reasoning_content?: string }) | undefined;
    return {
      text: message?.content ?? '',
      reasoning: message?.reasoning_content ?? '',
      toolCalls: (message?.tool_calls ?? []).map((call) =>
        call.type === 'function'
          ? { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown }
          : { id: call.id, name: '', arguments: null },
      ),
      usage: completion.usage ? { input: completion.usage.prompt_tokens, output: completion.usage.completion_tokens } : undefined,
      finish: choice?.finish_reason ?? null,
    };
  }
  const got: Got = { text: '', reasoning: '', toolCalls: [], usage: undefined, finish: null };
  const calls: { id: string; name: string; arguments: string }[] = [];
  const chunks = await client.chat.completions.create({
    ...params,
    stream: true,
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  for await (const chunk of chunks) {
    if (chunk.usage) got.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as typeof choice.delta & { reasoning_content?: string };
    got.text += delta.content ?? '';
    got.reasoning += delta.reasoning_content ?? '';
    for (const call of delta.tool_calls ?? []) {
      const entry = (calls[call.index] ??= { id: '', name: '', arguments: '' });
      entry.id ||= call.id ?? '';
      entry.name += call.function?.name ?? '';
      entry.arguments += call.function?.arguments ?? '';
    }
    if (choice.finish_reason) got.finish = choice.finish_reason;
  }
  got.toolCalls = calls.map((call) => ({ ...call, arguments: JSON.parse(call.arguments) as unknown }));
  return got;
}

/** Messages: `messages.create`, or `messages.stream().finalMessage()`. */
async function messagesGot(model: string, stream: boolean): Promise<Got> {
  const params = { model, max_tokens: 200, messages: [{ role: 'user' as const, content: HI }], tools: [ADD_TOOL.messages] };
  const message = stream ? await claude().messages.stream(params).finalMessage() : await claude().messages.create(params);
  const texts = (type: string, field: 'text' | 'thinking'): string =>
    message.content
      .filter((block) => block.type === type)
      .map((block) => (block as unknown as Record<string, string>)[field])
      .join('');
  return {
    text: texts('text', 'text'),
    reasoning: texts('thinking', 'thinking'),
    toolCalls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ id: block.id, name: block.name, arguments: block.input }] : [])),
    usage: { input: message.usage.input_tokens, output: message.usage.output_tokens },
    finish: message.stop_reason,
  };
}

/** Responses: `responses.create`, or `responses.stream().finalResponse()`. */
async function responsesGot(model: string, stream: boolean): Promise<Got> {
  const client = openaiClient();
  const params = { model, input: HI, tools: [ADD_TOOL.responses] };
  const response = stream ? await client.responses.stream(params).finalResponse() : await client.responses.create(params);
  const reasoning = response.output
    .flatMap((item) => (item.type === 'reasoning' ? [...item.summary, ...(item.content ?? [])] : []))
    .map((part) => part.text)
    .join('');
  return {
    text: response.output_text,
    reasoning,
    toolCalls: response.output.flatMap((item) =>
      item.type === 'function_call' ? [{ id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) as unknown }] : [],
    ),
    usage: response.usage ? { input: response.usage.input_tokens, output: response.usage.output_tokens } : undefined,
    finish: response.status ?? null,
  };
}

type Client = 'chat' | 'messages' | 'responses';
const GOT: Record<Client, (model: string, stream: boolean) => Promise<Got>> = { chat: chatGot, messages: messagesGot, responses: responsesGot };

/** Client, the upstream kind it reaches, and the model that routes there. */
const CELLS: [Client, string, string][] = [
  ['chat', 'llama-server chat completions (passthrough)', 'local/qwen'],
  ['chat', 'Anthropic Messages (translated)', 'anthropic/claude-sonnet-5-5'],
  ['chat', 'OpenAI chat completions (passthrough)', 'openai/gpt-4o'],
  ['messages', 'llama-server chat completions (translated)', 'local/qwen'],
  ['messages', 'Anthropic Messages (passthrough)', 'anthropic/claude-sonnet-5-5'],
  ['messages', 'OpenAI chat completions (translated)', 'openai/gpt-4o'],
  ['responses', 'llama-server chat completions (bridged)', 'local/qwen'],
  ['responses', 'Anthropic Messages (translated)', 'anthropic/claude-sonnet-5-5'],
  ['responses', 'OpenAI Responses (passthrough)', 'openai/gpt-4o'],
];

/** The `request.end` and the conversation record of the last call. */
async function lastEnd(): Promise<RequestEndEvent & { record: Record<string, unknown> }> {
  const [end] = await seen.waitForEnds(1);
  await waitUntil(() => seen.records.length > 0, 2000, 'the conversation record');
  const record = seen.records[0] ?? {};
  seen.clear();
  return { ...(end as RequestEndEvent), record };
}

describe('a whole JSON answer to a streamed request reaches the client as its stream', () => {
  test.each(CELLS)('%s client, %s upstream: the same answer as unstreamed, and telemetry says ok', async (client, _upstream, model) => {
    const plain = await GOT[client](model, false);
    const plainEnd = await lastEnd();
    const streamed = await GOT[client](model, true);
    const streamedEnd = await lastEnd();

    expect(plain).toMatchObject({ text: WHOLE_TEXT, toolCalls: [{ name: 'add', arguments: WHOLE_ARGUMENTS }], usage: { input: 31, output: 17 } });
    expect(plain.reasoning).toContain(WHOLE_REASONING);
    expect(streamed).toEqual(plain);

    expect(streamedEnd).toMatchObject({
      stream: true,
      status: 200,
      outcome: 'ok',
      usage: { promptTokens: 31, completionTokens: 17, totalTokens: 48 },
    });
    expect(streamedEnd.finishReason).toBe(plainEnd.finishReason);
    expect(streamedEnd.firstTokenMs).not.toBeNull();
    expect(streamedEnd.record).toMatchObject({ stream: true, outcome: 'ok', response: { text: WHOLE_TEXT, toolCalls: [{ name: 'add' }] } });
  });

  test('a chat client that asked no usage gets no usage chunk, and telemetry has the usage the router asked for', async () => {
    const streamed = await chatGot('openai/gpt-4o', true, false);
    expect(streamed).toMatchObject({ text: WHOLE_TEXT, usage: undefined, finish: 'tool_calls' });
    expect(await lastEnd()).toMatchObject({ outcome: 'ok', usage: { promptTokens: 31, completionTokens: 17 } });
  });

  test('with requestStreamUsage off, no usage chunk: llama-server’s timings, on the finish chunk, count the tokens', async () => {
    const own = await startHost({ env: envFor({ local }), requestStreamUsage: false });
    const ownSeen = observe();
    ownSeen.listen(own.router);
    try {
      const response = await fetch(`${own.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local/qwen', messages: [{ role: 'user', content: HI }], stream: true }),
      });
      const chunks = (await response.text())
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: {'))
        .map(
          (frame) => JSON.parse(frame.slice('data: '.length)) as { choices: { finish_reason: string | null }[]; usage?: unknown; timings?: unknown },
        );
      expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
      expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }], timings: { prompt_n: 31, predicted_n: 17 } });
      const [end] = await ownSeen.waitForEnds(1);
      expect(end).toMatchObject({ outcome: 'ok', usage: { promptTokens: 31, completionTokens: 17 } });
    } finally {
      await own.close();
    }
  });

  test('with requestStreamUsage off, a stream translated from chat completions without timings still reports the whole answer’s usage', async () => {
    const own = await startHost({
      env: envFor({ openai, local, anthropic }),
      providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
      requestStreamUsage: false,
    });
    // An answer without llama-server's `timings` (a server that sends only `usage`): only `usage` counts its tokens.
    const answer = chatAnswer('qwen3-8b');
    delete answer.timings;
    local.handler = (_request, res) => sendJson(res, 200, answer);
    const shared = host;
    host = own;
    try {
      for (const got of [messagesGot, responsesGot]) {
        const plain = await got('local/qwen', false);
        expect(plain.usage).toEqual({ input: 31, output: 17 });
        expect((await got('local/qwen', true)).usage).toEqual(plain.usage);
      }
    } finally {
      host = shared;
      await own.close();
    }
  });

  test('a legacy completion (`/completions`) is streamed as its own chunks, its text whole', async () => {
    local.handler = (_request, res) =>
      sendJson(res, 200, {
        id: 'cmpl-whole',
        object: 'text_completion',
        created: 1,
        model: 'qwen3-8b',
        choices: [{ text: WHOLE_TEXT, index: 0, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 31, completion_tokens: 17, total_tokens: 48 },
      });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of await openaiClient().completions.create({ model: 'local/qwen', prompt: HI, stream: true })) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ text, finish }).toEqual({ text: WHOLE_TEXT, finish: 'stop' });
    // No usage chunk: the router asks none of a legacy completion's stream, and the client asked none.
    expect(await lastEnd()).toMatchObject({ outcome: 'ok', stream: true, finishReason: 'stop' });
  });

  // Ended with a blank line, the body is framed as a frame of no event, not left pending.
  test.each([
    ['', 'as it is'],
    ['\n\n', 'ended with a blank line'],
  ])('a whole answer labelled text/event-stream is streamed too, on each client dialect: %j, %s', async (ending) => {
    const asStream = (body: unknown) => (_request: unknown, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(JSON.stringify(body) + ending);
    };
    local.handler = asStream(chatAnswer('qwen3-8b'));
    anthropic.handler = asStream(messagesAnswer('claude-sonnet-5-5'));
    openai.handler = asStream(responsesAnswer('gpt-4o'));
    expect(await chatGot('local/qwen', true)).toMatchObject({ text: WHOLE_TEXT, reasoning: WHOLE_REASONING, usage: { input: 31, output: 17 } });
    expect((await lastEnd()).outcome).toBe('ok');
    expect(await messagesGot('anthropic/claude-sonnet-5-5', true)).toMatchObject({ text: WHOLE_TEXT, toolCalls: [{ arguments: WHOLE_ARGUMENTS }] });
    expect((await lastEnd()).outcome).toBe('ok');
    expect(await responsesGot('openai/gpt-4o', true)).toMatchObject({ text: WHOLE_TEXT, reasoning: WHOLE_REASONING, finish: 'completed' });
    expect((await lastEnd()).outcome).toBe('ok');
  });

  test('a provider key in the answer is redacted in the stream, as in a streamed answer', async () => {
    answerWhole(`The key is ${KEYS.openai}.`);
    const streamed = await chatGot('openai/gpt-4o', true);
    expect(streamed.text).not.toContain(KEYS.openai);
    expect(streamed.text).toContain('[REDACTED]');
    const messages = await messagesGot('openai/gpt-4o', true);
    expect(messages.text).not.toContain(KEYS.openai);
  });

  test('the stream has the stream headers', async () => {
    const response = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local/qwen', messages: [{ role: 'user', content: HI }], stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const text = await response.text();
    expect(text).toMatch(/"object":"chat.completion.chunk"/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});

/** The raw text of a streamed request to `path`. */
async function streamText(path: string, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${host.url}/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe('the events, on the wire', () => {
  test('Responses passthrough: the full numbered sequence, every item added then done whole, one terminal event', async () => {
    const events = parseResponsesSse(await streamText('/responses', { model: 'openai/gpt-4o', input: HI }));
    expect(events.map((event) => event.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[0]?.data.response).toMatchObject({ status: 'in_progress', output: [] });
    expect(responsesStreamResult(events).response).toEqual(responsesAnswer('gpt-4o-2024-08-06'));
  });

  test('Responses passthrough: an incomplete response ends with response.incomplete', async () => {
    openai.handler = (_request, res) =>
      sendJson(res, 200, { ...responsesAnswer('gpt-4o'), status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    const events = parseResponsesSse(await streamText('/responses', { model: 'openai/gpt-4o', input: HI }));
    expect(events.at(-1)).toMatchObject({
      event: 'response.incomplete',
      data: { response: { incomplete_details: { reason: 'max_output_tokens' } } },
    });
    expect(await lastEnd()).toMatchObject({ outcome: 'ok', finishReason: 'max_output_tokens' });
  });

  test('Messages passthrough: message_start, each block started, streamed and stopped, message_delta, message_stop', async () => {
    const frames = parseAnthropicSse(
      await streamText('/messages', { model: 'anthropic/claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: HI }] }),
    );
    expect(eventSequence(frames)).toEqual([
      'message_start',
      'content_block_start@0',
      'content_block_delta@0',
      'content_block_delta@0',
      'content_block_stop@0',
      'content_block_start@1',
      'content_block_delta@1',
      'content_block_stop@1',
      'content_block_start@2',
      'content_block_delta@2',
      'content_block_stop@2',
      'message_delta',
      'message_stop',
    ]);
    expect(frames[0]?.data.message).toMatchObject({ content: [], stop_reason: null, model: 'anthropic/claude-sonnet-5-5' });
    expect(frames.at(-2)?.data).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 17 } });
  });
});

describe('JSON that is no answer keeps its 502', () => {
  test.each<[string, unknown]>([
    ['an object of another kind', { object: 'list', data: [] }],
    ['a chat completion without choices', { id: 'c', object: 'chat.completion', choices: [] }],
  ])('%s, to a streamed chat request', async (_name, body) => {
    openai.handler = (_request, res) => sendJson(res, 200, body);
    const error = await chatGot('openai/gpt-4o', true).then(
      () => undefined,
      (failure: unknown) => failure as Error & { status?: number },
    );
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('neither a stream nor an answer') as unknown });
    expect(await lastEnd()).toMatchObject({ outcome: 'error', stream: true });
  });
});
