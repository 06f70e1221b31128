/**
 * Acceptance probes of the Responses dialect (DESIGN.md section 11, with sections 2, 3, 9 and 10)
 * through the official `openai` SDK, on the routes that are not passthrough: `local/...` and a
 * provider declared in env (bridged through chat completions) and `anthropic/...` (translated).
 * The fakes answer as the real servers do, misbehaviours included: llama-server's
 * `reasoning_content` deltas, tool-call fragments whose id and name come only in the first piece,
 * calls interleaved by index, the usage chunk with empty `choices`, Anthropic's error event and 529.
 * Each probe reads the answer the way SDK users do (`create`, `stream().finalResponse()`, iterating
 * a `stream: true` call) and checks the wire events alongside.
 */
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rejectionOf } from '../support/rejection';
import { parseResponsesSse, type ResponsesEvent } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicEvent, anthropicMessage, chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

type Json = Record<string, unknown>;

const IDLE_MS = 400;
let local: FakeUpstream, groq: FakeUpstream, anthropic: FakeUpstream;
let host: Host;
const ends: RequestEndEvent[] = [];

beforeAll(async () => {
  [local, groq, anthropic] = await startFakeUpstreams('local', 'local', 'anthropic');
  host = await startHost({
    env: {
      ...envFor({ local, anthropic }),
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: 'gsk-probe-key',
      PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS),
    },
  });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
afterEach(() => {
  [local, groq, anthropic].forEach((fake) => fake.reset());
  ends.length = 0;
});
afterAll(async () => {
  await host.close();
  await Promise.all([local, groq, anthropic].map((fake) => fake.close()));
});

/** A route that is not passthrough. */
interface Route {
  name: string;
  model: string;
  provider: string;
  fake: () => FakeUpstream;
  wire: 'chat' | 'messages';
}

const ROUTES: readonly Route[] = [
  { name: 'local (llama-server, bridged)', model: 'local/qwen3', provider: 'local', fake: () => local, wire: 'chat' },
  { name: 'groq from OPENAI_COMPATIBLE_PROVIDERS (bridged)', model: 'groq/llama-4', provider: 'groq', fake: () => groq, wire: 'chat' },
  { name: 'anthropic (translated)', model: 'anthropic/claude-sonnet-5-5', provider: 'anthropic', fake: () => anthropic, wire: 'messages' },
];
const BRIDGED = ROUTES.filter((route) => route.wire === 'chat');

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });

/** POSTs `body` to /v1/responses as it is, and reads the answer's text. */
async function post(body: Json): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${host.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The strict reading of a streamed answer: numbered from 0, one terminal event, the last. */
async function streamedEvents(body: Json): Promise<ResponsesEvent[]> {
  const { status, text } = await post({ ...body, stream: true });
  expect(status).toBe(200);
  const events = parseResponsesSse(text);
  expect(events[0]!.data.sequence_number).toBe(0);
  return events;
}

const CHUNK = { id: 'chatcmpl-probe', created: 1, model: 'qwen3' };
const chunk = (delta: Json, finish: string | null = null): string => chatChunkFrame(CHUNK, delta, finish);
const CHAT_USAGE = {
  prompt_tokens: 20,
  completion_tokens: 15,
  total_tokens: 35,
  prompt_tokens_details: { cached_tokens: 8 },
  completion_tokens_details: { reasoning_tokens: 5 },
};
const toolPiece = (index: number, args: string, head?: { id: string; name: string }): Json => ({
  tool_calls: [
    head ? { index, id: head.id, type: 'function', function: { name: head.name, arguments: args } } : { index, function: { arguments: args } },
  ],
});

const FN_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: false,
};
const CUSTOM_TOOL = {
  type: 'custom' as const,
  name: 'apply_patch',
  description: 'Edits files.',
  format: { type: 'grammar' as const, syntax: 'lark' as const, definition: 'start: /(.|\\n)*/' },
};
const NAMESPACE_TOOL = {
  type: 'namespace',
  name: 'agents',
  description: 'Agents.',
  tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object', properties: { task: { type: 'string' } } }, strict: false }],
};
const TOOLS = [FN_TOOL, CUSTOM_TOOL, NAMESPACE_TOOL] as unknown as OpenAI.Responses.Tool[];

const REASONING = 'Think first.';
const TEXT = 'Calling tools.';
const PATCH = '*** Begin Patch\n*** End Patch';

/**
 * llama-server's stream of reasoning, text and three calls: the calls' pieces interleaved by index,
 * each call's id and name only in its first piece, then the finish chunk, the usage chunk with
 * empty choices, and [DONE].
 */
const CHAT_TOOL_STREAM = [
  chunk({ role: 'assistant', content: null, reasoning_content: 'Think ' }),
  chunk({ reasoning_content: 'first.' }),
  chunk({ content: 'Calling ' }),
  chunk({ content: 'tools.' }),
  chunk(toolPiece(0, '', { id: 'call_a', name: 'get_weather' })),
  chunk(toolPiece(1, '{"inp', { id: 'call_b', name: 'apply_patch' })),
  chunk(toolPiece(0, '{"city":')),
  chunk(toolPiece(2, '', { id: 'call_c', name: 'agents__spawn' })),
  chunk(toolPiece(1, `ut":${JSON.stringify(PATCH)}}`)),
  chunk(toolPiece(2, '{"task":"x"}')),
  chunk(toolPiece(0, '"Paris"}')),
  chunk({}, 'tool_calls'),
  chatUsageFrame(CHUNK, CHAT_USAGE),
  DONE_FRAME,
];
const CHAT_TOOL_WHOLE = {
  ...chatCompletion(
    {
      role: 'assistant',
      content: TEXT,
      reasoning_content: REASONING,
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) } },
        { id: 'call_c', type: 'function', function: { name: 'agents__spawn', arguments: '{"task":"x"}' } },
      ],
    },
    'tool_calls',
  ),
  usage: CHAT_USAGE,
};

const ANTHROPIC_USAGE_START = { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 8, cache_creation_input_tokens: 0 };
const THINKING_SIGNATURE = 'EqQBCkYIBxgCKkD-signature';
const ANTHROPIC_TOOL_STREAM = [
  anthropicEvent('message_start', {
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content: [],
      stop_reason: null,
      usage: ANTHROPIC_USAGE_START,
    },
  }),
  anthropicEvent('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Think ' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'first.' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: THINKING_SIGNATURE } }),
  anthropicEvent('content_block_stop', { index: 0 }),
  anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
  anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Calling ' } }),
  anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'tools.' } }),
  anthropicEvent('content_block_stop', { index: 1 }),
  anthropicEvent('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} } }),
  anthropicEvent('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
  anthropicEvent('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }),
  anthropicEvent('content_block_stop', { index: 2 }),
  anthropicEvent('content_block_start', { index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'apply_patch', input: {} } }),
  anthropicEvent('content_block_delta', { index: 3, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ input: PATCH }) } }),
  anthropicEvent('content_block_stop', { index: 3 }),
  anthropicEvent('content_block_start', { index: 4, content_block: { type: 'tool_use', id: 'toolu_c', name: 'agents__spawn', input: {} } }),
  anthropicEvent('content_block_delta', { index: 4, delta: { type: 'input_json_delta', partial_json: '{"task":"x"}' } }),
  anthropicEvent('content_block_stop', { index: 4 }),
  anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 15 } }),
  anthropicEvent('message_stop'),
];
const ANTHROPIC_TOOL_WHOLE = anthropicMessage(
  'claude-sonnet-5-5',
  [
    { type: 'thinking', thinking: REASONING, signature: THINKING_SIGNATURE },
    { type: 'text', text: TEXT },
    { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris' } },
    { type: 'tool_use', id: 'toolu_b', name: 'apply_patch', input: { input: PATCH } },
    { type: 'tool_use', id: 'toolu_c', name: 'agents__spawn', input: { task: 'x' } },
  ],
  'tool_use',
  { ...ANTHROPIC_USAGE_START, output_tokens: 15 },
);

/** Answers streamed requests with `frames` and the others with `whole`. */
const streamedOrWhole =
  (frames: string[], whole: Json) =>
  (request: { body?: Json }, res: ServerResponse): void =>
    request.body?.stream === true ? sendFrames(res, frames) : sendJson(res, 200, whole);

const toolAnswer = (route: Route) =>
  route.wire === 'chat' ? streamedOrWhole(CHAT_TOOL_STREAM, CHAT_TOOL_WHOLE) : streamedOrWhole(ANTHROPIC_TOOL_STREAM, ANTHROPIC_TOOL_WHOLE);

/**
 * The response without what differs per answer by design (the ids the router makes, created_at)
 * and the fields the SDK's stream helper adds of its own (`output_parsed`, `parsed`, `parsed_arguments`).
 */
function comparable(response: OpenAI.Responses.Response): Json {
  const copy = JSON.parse(JSON.stringify(response)) as Json;
  delete copy.id;
  delete copy.created_at;
  delete copy.output_parsed;
  for (const item of copy.output as Json[]) {
    delete item.id;
    delete item.parsed_arguments;
    for (const part of (item.content as Json[] | undefined) ?? []) delete part.parsed;
  }
  return copy;
}

describe.each(ROUTES)('$name', (route) => {
  const ask = {
    model: route.model,
    input: 'Weather in Paris, a patch and an agent.',
    tools: TOOLS,
    reasoning: { effort: 'high' as const },
    include: ['reasoning.encrypted_content' as const],
  };

  test('create(), stream().finalResponse() and iterating stream: true give the same response for the same upstream answer', async () => {
    route.fake().handler = toolAnswer(route);
    const whole = await client().responses.create(ask);
    const final = await client().responses.stream(ask).finalResponse();
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of await client().responses.create({ ...ask, stream: true })) {
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(comparable(final)).toEqual(comparable(whole));
    expect(comparable(completed!)).toEqual(comparable(whole));

    expect(whole).toMatchObject({ object: 'response', status: 'completed', model: route.model, error: null, incomplete_details: null });
    expect(whole.id).toMatch(/^resp_/);
    expect(whole.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'custom_tool_call', 'function_call']);
    const [reasoning, message, fn, custom, namespaced] = whole.output as unknown as Json[];
    expect(reasoning!.content).toEqual([{ type: 'reasoning_text', text: REASONING }]);
    expect(message!.content).toEqual([expect.objectContaining({ type: 'output_text', text: TEXT })]);
    expect(fn).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}', call_id: route.wire === 'chat' ? 'call_a' : 'toolu_a' });
    expect(custom).toMatchObject({ name: 'apply_patch', input: PATCH });
    expect(namespaced).toMatchObject({ name: 'spawn', namespace: 'agents', arguments: '{"task":"x"}' });
    expect(whole.output_text).toBe(TEXT);
    expect(whole.usage).toMatchObject({
      input_tokens: 20,
      input_tokens_details: { cached_tokens: 8 },
      output_tokens: 15,
      total_tokens: 35,
    });
    if (route.wire === 'chat') expect(whole.usage!.output_tokens_details.reasoning_tokens).toBe(5);

    expect(ends).toHaveLength(3);
    for (const end of ends) {
      expect(end).toMatchObject({ endpoint: 'responses', provider: route.provider, outcome: 'ok', status: 200 });
      expect(end.usage).toMatchObject({ promptTokens: 20, completionTokens: 15, totalTokens: 35 });
      if (route.wire === 'chat') expect(end.usage!.reasoningTokens).toBe(5);
    }
    // Streamed, the first reasoning delta is timed apart from the first answer text.
    for (const end of ends.slice(1)) expect(end.firstReasoningMs).toEqual(expect.any(Number));
  });

  test('the stream: numbered from 0, every item whole in output_item.done, reasoning_text deltas, one response.completed', async () => {
    route.fake().handler = toolAnswer(route);
    const events = await streamedEvents(ask);
    const types = events.map((event) => event.event);
    expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
    expect(types.at(-1)).toBe('response.completed');
    const final = events.at(-1)!.data.response as { output: Json[] };
    const done = events.filter((event) => event.event === 'response.output_item.done').map((event) => event.data.item);
    expect(done).toEqual(final.output);
    const reasoningDeltas = events.filter((event) => event.event === 'response.reasoning_text.delta').map((event) => event.data.delta);
    expect(reasoningDeltas.join('')).toBe(REASONING);
    expect(types.indexOf('response.reasoning_text.delta')).toBeLessThan(types.indexOf('response.output_text.delta'));
    const argumentsDone = events.filter((event) => event.event === 'response.function_call_arguments.done').map((event) => event.data.arguments);
    expect(argumentsDone).toEqual(['{"city":"Paris"}', '{"task":"x"}']);
    const inputDone = events.filter((event) => event.event === 'response.custom_tool_call_input.done').map((event) => event.data.input);
    expect(inputDone).toEqual([PATCH]);
    // Each item is added, gets its deltas, and is done before the next is added.
    const itemEvents = events.filter((event) => /^response\.output_item\.(added|done)$/.test(event.event)).map((event) => event.event);
    expect(itemEvents).toEqual(final.output.flatMap(() => ['response.output_item.added', 'response.output_item.done']));
  });

  test('a length finish: incomplete with max_output_tokens, the text kept, max_output_tokens sent', async () => {
    route.fake().handler =
      route.wire === 'chat'
        ? streamedOrWhole([chunk({ role: 'assistant', content: 'Cut sh' }), chunk({}, 'length'), chatUsageFrame(CHUNK, CHAT_USAGE), DONE_FRAME], {
            ...chatCompletion({ role: 'assistant', content: 'Cut sh' }, 'length'),
            usage: CHAT_USAGE,
          })
        : streamedOrWhole(
            [
              ANTHROPIC_TOOL_STREAM[0]!,
              anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
              anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Cut sh' } }),
              anthropicEvent('content_block_stop', { index: 0 }),
              anthropicEvent('message_delta', { delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 15 } }),
              anthropicEvent('message_stop'),
            ],
            anthropicMessage('claude-sonnet-5-5', [{ type: 'text', text: 'Cut sh' }], 'max_tokens', { ...ANTHROPIC_USAGE_START, output_tokens: 15 }),
          );
    const body = { model: route.model, input: 'Long story', max_output_tokens: 17 };
    const whole = await client().responses.create(body);
    const final = await client().responses.stream(body).finalResponse();
    for (const response of [whole, final]) {
      expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output_text: 'Cut sh' });
    }
    const events = await streamedEvents(body);
    expect(events.at(-1)!.event).toBe('response.incomplete');
    for (const request of route.fake().requests) {
      expect(request.body![route.wire === 'chat' ? 'max_tokens' : 'max_tokens']).toBe(17);
    }
  });

  test('a content filter finish: incomplete with content_filter', async () => {
    route.fake().handler =
      route.wire === 'chat'
        ? streamedOrWhole(
            [chunk({ role: 'assistant', content: 'I ' }), chunk({}, 'content_filter'), DONE_FRAME],
            chatCompletion({ role: 'assistant', content: 'I ' }, 'content_filter'),
          )
        : streamedOrWhole(
            [
              ANTHROPIC_TOOL_STREAM[0]!,
              anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
              anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'I ' } }),
              anthropicEvent('content_block_stop', { index: 0 }),
              anthropicEvent('message_delta', { delta: { stop_reason: 'refusal', stop_sequence: null }, usage: { output_tokens: 2 } }),
              anthropicEvent('message_stop'),
            ],
            anthropicMessage('claude-sonnet-5-5', [{ type: 'text', text: 'I ' }], 'refusal', { ...ANTHROPIC_USAGE_START, output_tokens: 2 }),
          );
    const whole = await client().responses.create({ model: route.model, input: 'x' });
    const final = await client().responses.stream({ model: route.model, input: 'x' }).finalResponse();
    for (const response of [whole, final]) expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
  });

  test('a stream cut in the middle of an event: one response.failed with code and message, after the text; telemetry error', async () => {
    route.fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const opening =
        route.wire === 'chat'
          ? [chunk({ role: 'assistant', content: 'Hel' })]
          : ANTHROPIC_TOOL_STREAM.slice(0, 1).concat(
              anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
              anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
            );
      const next =
        route.wire === 'chat'
          ? chunk({ content: 'lo' })
          : anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'lo' } });
      res.end(opening.join('') + next.slice(0, Math.floor(next.length / 2)));
    };
    const events = await streamedEvents({ model: route.model, input: 'hi' });
    expect(events.at(-1)!.event).toBe('response.failed');
    expect(events.at(-1)!.data.response).toMatchObject({ status: 'failed', error: { code: expect.any(String), message: expect.any(String) } });
    expect(events.filter((event) => event.event === 'response.output_text.delta').map((event) => event.data.delta)).toEqual(['Hel']);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ endpoint: 'responses', provider: route.provider, outcome: 'error' });
  });

  test('silence past PROVIDER_IDLE_TIMEOUT_MS mid-stream: finalResponse() is failed with a timeout code', async () => {
    route.fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(route.wire === 'chat' ? chunk({ role: 'assistant', content: 'Hel' }) : ANTHROPIC_TOOL_STREAM[0]!);
    };
    const response = await client().responses.stream({ model: route.model, input: 'hi' }).finalResponse();
    expect(response.status).toBe('failed');
    expect(response.error).toMatchObject({ code: expect.stringMatching(/timeout/), message: expect.stringMatching(/\d/) });
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ endpoint: 'responses', outcome: 'error' });
  });

  test("a 429 with retry-after: the SDK's RateLimitError with the provider's message and the header", async () => {
    route.fake().handler = (_request, res) =>
      route.wire === 'chat'
        ? sendJson(
            res,
            429,
            { error: { message: 'Rate limit reached for requests', type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
            { 'retry-after': '3' },
          )
        : sendJson(
            res,
            429,
            { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached for requests' } },
            { 'retry-after': '3' },
          );
    for (const stream of [false, true]) {
      const error = await rejectionOf(
        stream
          ? client().responses.stream({ model: route.model, input: 'hi' }).finalResponse()
          : client().responses.create({ model: route.model, input: 'hi' }),
        OpenAI.RateLimitError,
      );
      expect(error.message).toContain('Rate limit reached for requests');
      expect(error.headers.get('retry-after')).toBe('3');
    }
    expect(ends.map((end) => [end.endpoint, end.status, end.outcome])).toEqual([
      ['responses', 429, 'error'],
      ['responses', 429, 'error'],
    ]);
  });

  test('a 200 whose body is not JSON: a 502 the SDK raises as InternalServerError, naming the provider', async () => {
    route.fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    };
    for (const stream of [false, true]) {
      const error = await rejectionOf(
        stream
          ? client().responses.stream({ model: route.model, input: 'hi' }).finalResponse()
          : client().responses.create({ model: route.model, input: 'hi' }),
        OpenAI.InternalServerError,
      );
      expect(error.status).toBe(502);
      expect(error.message).toContain(route.provider);
    }
    expect(ends.map((end) => end.outcome)).toEqual(['error', 'error']);
  });
});

describe.each(BRIDGED)('$name: what OpenAI-compatible servers do mid-stream', (route) => {
  test('an error object sent as an SSE data line mid-stream: finalResponse() is failed with its message', async () => {
    route.fake().handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: 'Hel' }),
        `data: ${JSON.stringify({ error: { code: 500, message: 'slot crashed', type: 'server_error' } })}\n\n`,
      ]);
    const response = await client().responses.stream({ model: route.model, input: 'hi' }).finalResponse();
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'slot crashed' } });
    const events = await streamedEvents({ model: route.model, input: 'hi' });
    expect(events.at(-1)!.event).toBe('response.failed');
  });

  test('a stream that ends after its finish and usage without [DONE]: failed, as section 2 says', async () => {
    route.fake().handler = (_request, res) =>
      sendFrames(res, [chunk({ role: 'assistant', content: 'Hello' }), chunk({}, 'stop'), chatUsageFrame(CHUNK, CHAT_USAGE)]);
    const events = await streamedEvents({ model: route.model, input: 'hi' });
    expect(events.at(-1)!.event).toBe('response.failed');
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
  });
});

describe('anthropic (translated): what Anthropic does', () => {
  const model = 'anthropic/claude-sonnet-5-5';

  test("an error event mid-stream: finalResponse() is failed with Anthropic's message", async () => {
    anthropic.handler = (_request, res) =>
      sendFrames(res, [
        ...ANTHROPIC_TOOL_STREAM.slice(0, 1),
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
        anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ]);
    const response = await client().responses.stream({ model, input: 'hi' }).finalResponse();
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'Overloaded' } });
    expect(ends[0]).toMatchObject({ endpoint: 'responses', provider: 'anthropic', outcome: 'error' });
  });

  test("a 529 overloaded with retry-after: the SDK's InternalServerError with status 529 and Anthropic's message", async () => {
    anthropic.handler = (_request, res) =>
      sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'retry-after': '5' });
    for (const stream of [false, true]) {
      const error = await rejectionOf(
        stream ? client().responses.stream({ model, input: 'hi' }).finalResponse() : client().responses.create({ model, input: 'hi' }),
        OpenAI.InternalServerError,
      );
      expect(error.status).toBe(529);
      expect(error.message).toContain('Overloaded');
      expect(error.headers.get('retry-after')).toBe('5');
    }
  });
});

describe('anthropic (translated): the answer as Anthropic shapes it', () => {
  const model = 'anthropic/claude-sonnet-5-5';

  test('redacted thinking, asked with include: the same reasoning item streamed and not, its envelope restoring the block', async () => {
    const frames = [
      ANTHROPIC_TOOL_STREAM[0]!,
      anthropicEvent('ping'),
      anthropicEvent('content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'EmwKAhgB' } }),
      anthropicEvent('content_block_stop', { index: 0 }),
      anthropicEvent('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
      anthropicEvent('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Hi' } }),
      anthropicEvent('content_block_stop', { index: 1 }),
      anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
      anthropicEvent('message_stop'),
    ];
    const whole = anthropicMessage(
      'claude-sonnet-5-5',
      [
        { type: 'redacted_thinking', data: 'EmwKAhgB' },
        { type: 'text', text: 'Hi' },
      ],
      'end_turn',
      {
        ...ANTHROPIC_USAGE_START,
        output_tokens: 15,
      },
    );
    anthropic.handler = streamedOrWhole(frames, whole);
    const body = { model, input: 'x', include: ['reasoning.encrypted_content' as const], reasoning: { effort: 'high' as const } };
    const created = await client().responses.create(body);
    const final = await client().responses.stream(body).finalResponse();
    expect(comparable(final)).toEqual(comparable(created));
    expect(created.output[0]).toMatchObject({ type: 'reasoning', encrypted_content: expect.stringMatching(/^epr1\./) });

    const [reasoning] = created.output as unknown as Json[];
    await client().responses.create({
      ...body,
      input: [
        { role: 'user', content: 'x' },
        { type: 'reasoning', summary: [], encrypted_content: reasoning!.encrypted_content },
        { role: 'assistant', content: 'Hi' },
        { role: 'user', content: 'More.' },
      ] as never,
    });
    const sent = anthropic.requests.at(-1)!.body!.messages as Json[];
    expect(sent[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'redacted_thinking', data: 'EmwKAhgB' },
        { type: 'text', text: 'Hi' },
      ],
    });
  });

  test('cache reads and writes count in input_tokens, reads as cached_tokens, writes as cache_write_tokens', async () => {
    anthropic.handler = (_request, res) =>
      sendJson(
        res,
        200,
        anthropicMessage('c', [{ type: 'text', text: 'hi' }], 'end_turn', {
          input_tokens: 12,
          output_tokens: 3,
          cache_read_input_tokens: 8,
          cache_creation_input_tokens: 4,
        }),
      );
    const response = await client().responses.create({ model, input: 'x' });
    expect(response.usage).toEqual({
      input_tokens: 24,
      input_tokens_details: { cached_tokens: 8, cache_write_tokens: 4 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 27,
    });
    expect(ends[0]!.usage).toMatchObject({ promptTokens: 24, completionTokens: 3, totalTokens: 27 });
  });

  test("a 400 'prompt is too long' is a BadRequestError with context_length_exceeded; in-stream, rate limit and full context keep codes Codex acts on", async () => {
    const tooLong = 'prompt is too long: 250000 tokens > 200000 maximum';
    anthropic.handler = (_request, res) => sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: tooLong } });
    const error = await rejectionOf(client().responses.create({ model, input: 'x' }), OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'context_length_exceeded' });
    expect(error.message).toContain(tooLong);
    for (const [type, message, code] of [
      ['rate_limit_error', 'Too fast', 'rate_limit_exceeded'],
      ['invalid_request_error', tooLong, 'context_length_exceeded'],
    ]) {
      anthropic.handler = (_request, res) => sendFrames(res, [ANTHROPIC_TOOL_STREAM[0]!, anthropicEvent('error', { error: { type, message } })]);
      const response = await client().responses.stream({ model, input: 'x' }).finalResponse();
      expect(response).toMatchObject({ status: 'failed', error: { code, message } });
    }
  });
});

describe('bridged: streams as OpenAI-compatible servers shape them', () => {
  test('a call whose name comes in the chunk after its id: announced with the name, done whole', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { name: 'get_weather' } }] }),
        chunk(toolPiece(0, '{"city":"Paris"}')),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ]);
    const events = await streamedEvents({ model: 'local/qwen3', input: 'x', tools: TOOLS });
    const items = events.filter((event) => event.event.startsWith('response.output_item.')).map((event) => event.data.item as Json);
    expect(items).toEqual([
      expect.objectContaining({ type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '' }),
      expect.objectContaining({ type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }),
    ]);
  });

  test('an error line after the finish chunk, before [DONE]: exactly one terminal event, response.failed', async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: 'B' }),
        chunk({}, 'stop'),
        `data: ${JSON.stringify({ error: { message: 'late failure', code: 500 } })}\n\n`,
        DONE_FRAME,
      ]);
    const events = await streamedEvents({ model: 'local/qwen3', input: 'x' });
    expect(events.at(-1)!.data.response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'late failure' } });
  });

  test("an error sent as an `event: error` frame (vLLM-like servers): failed with the server's message", async () => {
    groq.handler = (_request, res) =>
      sendFrames(res, [
        chunk({ role: 'assistant', content: 'B' }),
        `event: error\ndata: ${JSON.stringify({ error: { message: 'engine died', type: 'InternalServerError', code: 500 } })}\n\n`,
      ]);
    const response = await client().responses.stream({ model: 'groq/llama-4', input: 'x' }).finalResponse();
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'engine died' } });
  });

  test('a streamed request answered with a whole JSON answer: the answer, streamed as if the server had', async () => {
    local.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'Whole' }, 'stop'));
    const response = await client().responses.stream({ model: 'local/qwen3', input: 'x' }).finalResponse();
    expect(response).toMatchObject({ status: 'completed', output_text: 'Whole' });
  });

  test.each([
    ['not JSON', '*** Begin Patch', '*** Begin Patch'],
    ['JSON under another key', '{"patch":"P"}', '{"patch":"P"}'],
    ['its input beside other keys', '{"input":"P","extra":1}', 'P'],
  ])("a custom tool's arguments %s: the same custom_tool_call input streamed and not", async (_shape, args, input) => {
    local.handler = streamedOrWhole(
      [
        chunk({ role: 'assistant', content: null, ...toolPiece(0, args.slice(0, 5), { id: 'c', name: 'apply_patch' }) }),
        chunk(toolPiece(0, args.slice(5))),
        chunk({}, 'tool_calls'),
        DONE_FRAME,
      ],
      chatCompletion(
        { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'apply_patch', arguments: args } }] },
        'tool_calls',
      ),
    );
    const created = await client().responses.create({ model: 'local/qwen3', input: 'x', tools: TOOLS });
    const final = await client().responses.stream({ model: 'local/qwen3', input: 'x', tools: TOOLS }).finalResponse();
    for (const response of [created, final])
      expect(response.output).toEqual([expect.objectContaining({ type: 'custom_tool_call', name: 'apply_patch', input })]);
  });
});

describe('tool choice and tools as the provider gets them', () => {
  test('allowed_tools (auto) naming only hosted tools: no tools at all reach the provider', async () => {
    await client().responses.create({
      model: 'local/qwen3',
      input: 'x',
      tools: [FN_TOOL, { type: 'web_search' }],
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'web_search' }] },
    });
    expect(local.requests[0]!.body!.tools).toBeUndefined();
    expect(local.requests[0]!.body!.tool_choice).toBeUndefined();
  });

  test('allowed_tools (auto) naming one function, parallel_tool_calls false: Anthropic gets that tool alone, parallel use off', async () => {
    await client().responses.create({
      model: 'anthropic/claude-sonnet-5-5',
      input: 'x',
      tools: [FN_TOOL, CUSTOM_TOOL, { type: 'web_search' }],
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] },
      parallel_tool_calls: false,
    });
    const sent = anthropic.requests[0]!.body!;
    expect((sent.tools as Json[]).map((tool) => tool.name)).toEqual(['get_weather']);
    expect(sent.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  test('a tool_choice forcing the custom tool: Anthropic gets it forced by name', async () => {
    await client().responses.create({
      model: 'anthropic/claude-sonnet-5-5',
      input: 'x',
      tools: [FN_TOOL, CUSTOM_TOOL],
      tool_choice: { type: 'custom', name: 'apply_patch' },
    });
    expect(anthropic.requests[0]!.body!.tool_choice).toEqual({ type: 'tool', name: 'apply_patch' });
  });
});

describe('request, bridged or translated: a Codex-like history as each provider gets it', () => {
  const history = [
    { role: 'developer', content: 'Dev rules.' },
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'Look:' },
        { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' },
      ],
    },
    { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'I think.' }] },
    { role: 'assistant', content: [{ type: 'output_text', text: 'Sure.' }] },
    { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call', call_id: 'c2', name: 'spawn', namespace: 'agents', arguments: '{"task":"y"}' },
    { type: 'custom_tool_call', call_id: 'c3', name: 'apply_patch', input: PATCH },
    { type: 'function_call_output', call_id: 'c2', output: 'spawned' },
    { type: 'function_call_output', call_id: 'c1', output: 'sunny' },
    { type: 'custom_tool_call_output', call_id: 'c3', output: 'patched' },
    { role: 'system', content: 'Sys mid.' },
    { role: 'user', content: 'Go on.' },
  ];
  const request = (model: string): OpenAI.Responses.ResponseCreateParamsNonStreaming => ({
    model,
    instructions: 'Be brief.',
    input: history as never,
    tools: [...TOOLS, { type: 'web_search' }] as never,
    tool_choice: 'auto',
    text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true } },
    max_output_tokens: 500,
    reasoning: { effort: 'low' },
    include: ['reasoning.encrypted_content'],
    store: false,
    user: 'u1',
  });

  test.each(BRIDGED)(
    '$name: system messages in place, calls merged into one turn with their reasoning, outputs by call_id, tools flattened',
    async (route) => {
      await client().responses.create(request(route.model));
      const sent = route.fake().requests[0]!.body!;
      const call = (id: string, name: string, args: string): Json => ({ id, type: 'function', function: { name, arguments: args } });
      expect(sent.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'Dev rules.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'auto' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Sure.',
          reasoning_content: 'I think.',
          tool_calls: [
            call('c1', 'get_weather', '{"city":"Paris"}'),
            call('c2', 'agents__spawn', '{"task":"y"}'),
            call('c3', 'apply_patch', JSON.stringify({ input: PATCH })),
          ],
        },
        { role: 'tool', tool_call_id: 'c2', content: 'spawned' },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'c3', content: 'patched' },
        { role: 'system', content: 'Sys mid.' },
        { role: 'user', content: 'Go on.' },
      ]);
      expect((sent.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)).toEqual([
        'get_weather',
        'apply_patch',
        'agents__spawn',
      ]);
      expect(sent).toMatchObject({
        tool_choice: 'auto',
        max_tokens: 500,
        reasoning_effort: 'low',
        user: 'u1',
        response_format: { type: 'json_schema', json_schema: { name: 'out', strict: true } },
      });
      for (const field of ['store', 'include', 'instructions', 'input', 'text', 'reasoning', 'max_output_tokens'])
        expect(sent).not.toHaveProperty(field);
    },
  );

  test('anthropic (translated): system text joined, the tool turn with its results, thinking off for a tool loop it cannot restore', async () => {
    await client().responses.create(request('anthropic/claude-sonnet-5-5'));
    const sent = anthropic.requests[0]!.body!;
    expect(sent.system).toBe('Be brief.\n\nDev rules.\n\nSys mid.');
    expect(sent.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Sure.' },
          { type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'c2', name: 'agents__spawn', input: { task: 'y' } },
          { type: 'tool_use', id: 'c3', name: 'apply_patch', input: { input: PATCH } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c2', content: 'spawned' },
          { type: 'tool_result', tool_use_id: 'c1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'c3', content: 'patched' },
          { type: 'text', text: 'Go on.' },
        ],
      },
    ]);
    expect((sent.tools as Json[]).map((tool) => tool.name)).toEqual(['get_weather', 'apply_patch', 'agents__spawn']);
    expect(sent).toMatchObject({
      max_tokens: 500,
      tool_choice: { type: 'auto' },
      metadata: { user_id: 'u1' },
      output_config: { format: { type: 'json_schema' } },
    });
    expect(sent).not.toHaveProperty('thinking');
  });
});

describe('refused before any upstream: the SDK raises BadRequestError naming the field', () => {
  const REFUSALS: Array<[string, Json, string, string]> = [
    ['previous_response_id', { previous_response_id: 'resp_1' }, 'previous_response_id', 'previous_response_id'],
    ['conversation', { conversation: 'conv_1' }, 'conversation', 'conversation'],
    ['background: true', { background: true }, 'background', 'background'],
    ['an item_reference item', { input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input', 'item_reference'],
    [
      'a web_search_call item',
      {
        input: [
          { role: 'user', content: 'hi' },
          { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } },
        ],
      },
      'input',
      'web_search_call',
    ],
    [
      'a tool_choice forcing a hosted tool',
      { tools: [FN_TOOL, { type: 'web_search' }], tool_choice: { type: 'web_search' } },
      'tool_choice',
      'tool_choice',
    ],
  ];

  test.each(ROUTES.flatMap((route) => REFUSALS.map((refusal) => [route.name, ...refusal, route] as const)))(
    '%s: %s, created and streamed',
    async (_route, _name, fields, param, named, route) => {
      for (const stream of [false, true]) {
        const body = { model: route.model, input: 'hi', ...fields } as OpenAI.Responses.ResponseCreateParamsNonStreaming;
        const error = await rejectionOf(
          stream
            ? client()
                .responses.stream(body as never)
                .finalResponse()
            : client().responses.create(body),
          OpenAI.BadRequestError,
        );
        expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter', param });
        expect(error.message).toContain(named);
      }
      expect([local, groq, anthropic].flatMap((fake) => fake.requests)).toHaveLength(0);
      expect(ends.map((end) => [end.endpoint, end.status])).toEqual([
        ['responses', 400],
        ['responses', 400],
      ]);
    },
  );
});

test('anthropic (translated): an empty input is a 400 naming input, not the chat messages the client never sent', async () => {
  const error = await rejectionOf(client().responses.create({ model: 'anthropic/claude-sonnet-5-5', input: [] }), OpenAI.BadRequestError);
  expect(error).toMatchObject({ status: 400, param: 'input' });
  expect(error.message).toMatch(/`?input`? must hold at least one item/);
  expect(error.message).not.toContain('messages');
  expect(anthropic.requests).toHaveLength(0);
});

describe('what real servers add to an answer', () => {
  test("a call's later pieces with `id` and `name` null or empty (some compatible servers): one call, its name and arguments whole", async () => {
    for (const later of [
      { id: null, type: 'function', function: { name: null, arguments: '"Paris"}' } },
      { id: '', type: 'function', function: { name: '', arguments: '"Paris"}' } },
    ]) {
      local.handler = (_request, res) =>
        sendFrames(res, [
          chunk({ role: 'assistant', content: null, ...toolPiece(0, '{"city":', { id: 'call_a', name: 'get_weather' }) }),
          chunk({ tool_calls: [{ index: 0, ...later }] }),
          chunk({}, 'tool_calls'),
          DONE_FRAME,
        ]);
      const response = await client().responses.stream({ model: 'local/qwen3', input: 'x', tools: TOOLS }).finalResponse();
      expect(response.output).toEqual([
        expect.objectContaining({ type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }),
      ]);
    }
  });

  test("Anthropic's message_delta repeating the input usage (cumulative, as the API now sends it) is not counted twice", async () => {
    anthropic.handler = (_request, res) =>
      sendFrames(res, [
        ANTHROPIC_TOOL_STREAM[0]!,
        anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
        anthropicEvent('content_block_stop', { index: 0 }),
        anthropicEvent('message_delta', {
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { input_tokens: 12, cache_read_input_tokens: 8, cache_creation_input_tokens: 0, output_tokens: 15 },
        }),
        anthropicEvent('message_stop'),
      ]);
    const response = await client().responses.stream({ model: 'anthropic/claude-sonnet-5-5', input: 'x' }).finalResponse();
    expect(response.usage).toMatchObject({ input_tokens: 20, input_tokens_details: { cached_tokens: 8 }, output_tokens: 15, total_tokens: 35 });
    expect(ends[0]!.usage).toMatchObject({ promptTokens: 20, completionTokens: 15, totalTokens: 35 });
  });

  test("llama-server's 503 while it loads the model: InternalServerError with its status and message", async () => {
    local.handler = (_request, res) => sendJson(res, 503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    const error = await rejectionOf(client().responses.stream({ model: 'local/qwen3', input: 'x' }).finalResponse(), OpenAI.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.message).toContain('Loading model');
  });
});
