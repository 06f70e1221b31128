/**
 * Probes of the `response` object and events the router writes itself on the Responses route
 * (DESIGN.md section 11, with sections 9 and 10): bridged through chat completions (`local`) and
 * translated to Messages (`anthropic`), held against what OpenAI's own Responses API writes (the
 * recorded `openai-responses-stream-text.sse` and the `openai` SDK's types). Each probe reads the
 * answer through the `openai` SDK (`create`, `stream().finalResponse()`) and raw.
 */
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureText } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { rejectionOf } from '../support/rejection';
import { parseResponsesSse, type ResponsesEvent } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import {
  anthropicEvent,
  anthropicMessage,
  anthropicStreamFrames,
  chatChunkFrame,
  chatCompletion,
  chatUsageFrame,
  DONE_FRAME,
} from '../support/wire-frames';

type Json = Record<string, unknown>;

let local: FakeUpstream, anthropic: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [local, anthropic] = await startFakeUpstreams('local', 'anthropic');
  host = await startHost({ env: envFor({ local, anthropic }) });
});
afterEach(() => [local, anthropic].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([local, anthropic].map((fake) => fake.close()));
});

interface Route {
  name: string;
  model: string;
  fake: () => FakeUpstream;
  wire: 'chat' | 'messages';
}

const ROUTES: readonly Route[] = [
  { name: 'local (bridged)', model: 'local/qwen3', fake: () => local, wire: 'chat' },
  { name: 'anthropic (translated)', model: 'anthropic/claude-sonnet-5-5', fake: () => anthropic, wire: 'messages' },
];

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });

/** The events of a streamed answer, read raw and held to OpenAI's framing ({@link parseResponsesSse}). */
async function rawEvents(body: Json): Promise<ResponsesEvent[]> {
  const response = await fetch(`${host.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  const events = parseResponsesSse(await response.text());
  expect(events[0]!.data.sequence_number).toBe(0);
  return events;
}

const FN_TOOL = {
  type: 'function' as const,
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: false,
};
const CUSTOM_TOOL = { type: 'custom' as const, name: 'apply_patch', description: 'Edits files.' };
const TOOLS: OpenAI.Responses.Tool[] = [FN_TOOL, CUSTOM_TOOL];

/** What the upstream answers: its parts in order, and whether the token limit cut it. */
interface Answer {
  reasoning?: string;
  text?: string;
  calls?: { id: string; name: string; args: string }[];
  cut?: boolean;
  /** A content filter stopped it (chat `content_filter`, Anthropic `refusal`). */
  filtered?: boolean;
}

const CHAT_USAGE = {
  prompt_tokens: 12,
  completion_tokens: 8,
  total_tokens: 20,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 3 },
};
/** Anthropic's usage for the same counts: cache reads count in the input (section 5). */
const ANTHROPIC_USAGE = { input_tokens: 8, cache_read_input_tokens: 4, cache_creation_input_tokens: 0, output_tokens: 8 };

/** llama-server's answer, streamed (each part in two pieces, then finish, usage, [DONE]) or whole. */
function chatAnswer(answer: Answer) {
  const finish = answer.filtered ? 'content_filter' : answer.cut ? 'length' : answer.calls ? 'tool_calls' : 'stop';
  const identity = { id: 'chatcmpl-probe', created: Math.floor(Date.now() / 1000), model: 'qwen3' };
  return (request: { body?: Json }, res: ServerResponse): void => {
    if (request.body?.stream !== true) {
      const message: Json = { role: 'assistant', content: answer.text ?? null };
      if (answer.reasoning) message.reasoning_content = answer.reasoning;
      if (answer.calls)
        message.tool_calls = answer.calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
      sendJson(res, 200, { ...chatCompletion(message, finish), created: identity.created, usage: CHAT_USAGE });
      return;
    }
    const halves = (text: string): string[] => [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))];
    const frames = [chatChunkFrame(identity, { role: 'assistant', content: null })];
    if (answer.reasoning) frames.push(...halves(answer.reasoning).map((piece) => chatChunkFrame(identity, { reasoning_content: piece })));
    if (answer.text) frames.push(...halves(answer.text).map((piece) => chatChunkFrame(identity, { content: piece })));
    answer.calls?.forEach((call, index) => {
      const [head, tail] = halves(call.args);
      frames.push(
        chatChunkFrame(identity, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: head } }] }),
        chatChunkFrame(identity, { tool_calls: [{ index, function: { arguments: tail } }] }),
      );
    });
    frames.push(chatChunkFrame(identity, {}, finish), chatUsageFrame(identity, CHAT_USAGE), DONE_FRAME);
    sendFrames(res, frames);
  };
}

/** Anthropic's answer, streamed (thinking, text and tool_use blocks, each in two deltas) or whole. */
function anthropicAnswer(answer: Answer) {
  const stop = answer.filtered ? 'refusal' : answer.cut ? 'max_tokens' : answer.calls ? 'tool_use' : 'end_turn';
  // A thinking block the limit cut has no signature yet.
  const signature = answer.cut && !answer.text && !answer.calls ? '' : 'EqQBCkYIBxgCKkD-signature';
  return (request: { body?: Json }, res: ServerResponse): void => {
    if (request.body?.stream !== true) {
      const content: Json[] = [];
      if (answer.reasoning) content.push({ type: 'thinking', thinking: answer.reasoning, signature });
      if (answer.text) content.push({ type: 'text', text: answer.text });
      for (const call of answer.calls ?? []) {
        let input: unknown = {};
        try {
          input = JSON.parse(call.args);
        } catch {
          // A call the limit cut: Anthropic's whole answer has what it could parse.
        }
        content.push({ type: 'tool_use', id: call.id, name: call.name, input });
      }
      sendJson(res, 200, anthropicMessage('claude-sonnet-5-5', content, stop, ANTHROPIC_USAGE));
      return;
    }
    const halves = (text: string): string[] => [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))];
    const frames = anthropicStreamFrames(
      {
        model: 'claude-sonnet-5-5',
        reasoning: answer.reasoning,
        signature,
        text: answer.text,
        calls: answer.calls,
        stopReason: stop,
        startUsage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
        endUsage: { output_tokens: 8 },
      },
      halves,
    );
    sendFrames(res, frames);
  };
}

function script(route: Route, answer: Answer): void {
  route.fake().handler = route.wire === 'chat' ? chatAnswer(answer) : anthropicAnswer(answer);
}

/** The usage both routes answer for the scripted counts (Anthropic reports no reasoning tokens). */
const usageOf = (route: Route): Json => ({
  input_tokens: 12,
  input_tokens_details: { cached_tokens: 4 },
  output_tokens: 8,
  output_tokens_details: { reasoning_tokens: route.wire === 'chat' ? 3 : 0 },
  total_tokens: 20,
});

const statuses = (output: readonly unknown[]): unknown[] => output.map((item) => (item as Json).status);

describe.each(ROUTES)('$name: an answer cut by the token limit marks the item it cut incomplete, as OpenAI does', (route) => {
  const CUTS: ReadonlyArray<[string, Answer, unknown[]]> = [
    ['a message', { text: 'Once upon a ti', cut: true }, ['incomplete']],
    [
      'a function call after text',
      { text: 'Checking.', calls: [{ id: 'call_1', name: 'get_weather', args: '{"city":"Os' }], cut: true },
      ['completed', 'incomplete'],
    ],
    ['a custom tool call', { calls: [{ id: 'call_1', name: 'apply_patch', args: '{"input":"*** Begin' }], cut: true }, ['incomplete']],
    ['reasoning', { reasoning: 'Let me think about', cut: true }, ['incomplete']],
  ];

  test.each(CUTS)('%s: create(), the raw stream and stream().finalResponse() agree; the usage is whole', async (_name, answer, expected) => {
    script(route, answer);
    const params = { model: route.model, input: 'Go on', max_output_tokens: 16, tools: TOOLS };

    const plain = await client().responses.create(params);
    expect(plain).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: usageOf(route) });
    expect(statuses(plain.output)).toEqual(expected);

    const events = await rawEvents(params);
    const done = events.filter((event) => event.event === 'response.output_item.done').map((event) => event.data.item as Json);
    expect(statuses(done)).toEqual(expected);
    const terminal = events.at(-1)!;
    expect(terminal.event).toBe('response.incomplete');
    const response = terminal.data.response as Json;
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: usageOf(route) });
    // The terminal event's output is the items as their done events gave them.
    expect(response.output).toEqual(done);

    const streamed = await client().responses.stream(params).finalResponse();
    expect(streamed.status).toBe('incomplete');
    expect(statuses(streamed.output)).toEqual(expected);
  });

  test('a content filter stop cuts the answer too: its last item is incomplete, streamed or not', async () => {
    script(route, { reasoning: 'Hmm.', text: 'I will not go o', filtered: true });
    const params = { model: route.model, input: 'Go on' };
    const plain = await client().responses.create(params);
    const streamed = await client().responses.stream(params).finalResponse();
    for (const response of [plain, streamed]) {
      expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
      expect(statuses(response.output)).toEqual([undefined, 'incomplete']);
    }
  });

  test('a finished answer keeps every item completed', async () => {
    script(route, { text: 'Checking.', calls: [{ id: 'call_1', name: 'get_weather', args: '{"city":"Oslo"}' }] });
    const params = { model: route.model, input: 'Go on', tools: TOOLS };
    const plain = await client().responses.create(params);
    const streamed = await client().responses.stream(params).finalResponse();
    for (const response of [plain, streamed]) {
      expect(response.status).toBe('completed');
      expect(statuses(response.output)).toEqual(['completed', 'completed']);
    }
  });
});

describe.each(ROUTES)('$name: the response object repeats the request as OpenAI does', (route) => {
  const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
  const settings = {
    instructions: 'Be brief.',
    max_output_tokens: 300,
    parallel_tool_calls: false,
    temperature: 0.3,
    // Anthropic takes temperature or top_p, not both (section 5): the echo is the request's either way.
    ...(route.wire === 'chat' ? { top_p: 0.9 } : {}),
    tool_choice: 'auto' as const,
    tools: [FN_TOOL],
    text: { format: { type: 'json_schema' as const, name: 'answer', schema, strict: true } },
    reasoning: { effort: 'low' as const, summary: 'auto' as const },
    truncation: 'auto' as const,
    metadata: { session: 's-1' },
    store: false,
    user: 'user-42',
  };
  const echoed = {
    ...settings,
    top_p: route.wire === 'chat' ? 0.9 : null,
    model: route.model,
    object: 'response',
    error: null,
    previous_response_id: null,
    safety_identifier: null,
  };

  test('on response.created, response.in_progress and response.completed, in the plain object and in finalResponse()', async () => {
    script(route, { text: '{"ok":true}' });
    const before = Math.floor(Date.now() / 1000);
    const params = { model: route.model, input: 'JSON please', ...settings };
    const events = await rawEvents(params);
    const plain = await client().responses.create(params);
    const streamed = await client().responses.stream(params).finalResponse();
    const after = Math.floor(Date.now() / 1000);

    const lifecycle = events.filter((event) => event.data.response !== undefined);
    expect(lifecycle.map((event) => event.event)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
    const responses = [...lifecycle.map((event) => event.data.response as Json), plain as unknown as Json, streamed as unknown as Json];
    for (const response of responses) {
      expect(response).toMatchObject(echoed);
      expect(Number.isInteger(response.created_at)).toBe(true);
      expect(response.created_at).toBeGreaterThanOrEqual(before);
      expect(response.created_at).toBeLessThanOrEqual(after);
    }
    for (const event of lifecycle.slice(0, 2))
      expect(event.data.response).toMatchObject({ status: 'in_progress', incomplete_details: null, usage: null, output: [] });
    expect(plain).toMatchObject({ status: 'completed', incomplete_details: null, usage: usageOf(route), output_text: '{"ok":true}' });
    expect(streamed.output_parsed).toEqual({ ok: true });
    // The format reached the provider in its own terms: chat's response_format, Anthropic's output_config.format.
    for (const request of route.fake().requests) {
      if (route.wire === 'chat') {
        expect(request.body).toMatchObject({
          response_format: { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } },
          user: 'user-42',
        });
      } else {
        expect(request.body).toMatchObject({ output_config: { format: { type: 'json_schema', schema } }, max_tokens: 300 });
      }
    }
  });

  test('the defaults OpenAI answers for a request that sets nothing', async () => {
    script(route, { text: 'Hi.' });
    const plain = await client().responses.create({ model: route.model, input: 'Hi' });
    expect(plain).toMatchObject({
      instructions: null,
      max_output_tokens: null,
      parallel_tool_calls: true,
      temperature: null,
      top_p: null,
      tool_choice: 'auto',
      tools: [],
      text: { format: { type: 'text' } },
      reasoning: { effort: null, summary: null },
      truncation: 'disabled',
      metadata: {},
      store: false,
      user: null,
      safety_identifier: null,
      error: null,
      incomplete_details: null,
    });
  });
});

/** The keys of each part-bearing event of OpenAI's recorded text stream, to hold the router's against. */
function shapesOf(events: ResponsesEvent[]): Record<string, string[]> {
  const shapes: Record<string, string[]> = {};
  const keys = (value: unknown): string[] => Object.keys(value as Json).sort();
  for (const { event, data } of events) {
    const item = data.item as Json | undefined;
    if (item?.type === 'message') {
      shapes[`${event} item`] = keys(item);
      for (const part of item.content as Json[]) shapes[`${event} item part`] = keys(part);
    }
    const part = data.part as Json | undefined;
    if (part?.type === 'output_text') shapes[`${event} part`] = keys(part);
    if (event.startsWith('response.output_text.')) shapes[event] = keys(data);
    const response = data.response as Json | undefined;
    for (const outputItem of (response?.output as Json[] | undefined) ?? []) {
      if (outputItem.type === 'message') for (const outputPart of outputItem.content as Json[]) shapes[`${event} output part`] = keys(outputPart);
    }
  }
  return shapes;
}

describe.each(ROUTES)('$name: message items and output_text parts in the shape OpenAI writes them', (route) => {
  test("the events and parts of a text answer have the keys of OpenAI's recorded stream (annotations and logprobs both)", async () => {
    const openai = shapesOf(parseResponsesSse(fixtureText('openai-responses-stream-text.sse')));
    expect(openai['response.content_part.added part']).toEqual(['annotations', 'logprobs', 'text', 'type']);
    script(route, { text: 'Hello there.' });
    const events = await rawEvents({ model: route.model, input: 'Hi' });
    expect(shapesOf(events)).toEqual(openai);
    const plain = await client().responses.create({ model: route.model, input: 'Hi' });
    expect(plain.output[0]).toEqual({
      type: 'message',
      id: expect.stringMatching(/^msg_/),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'Hello there.', annotations: [], logprobs: [] }],
    });
  });
});

describe.each(ROUTES)('$name: every event in its place', (route) => {
  test('reasoning, text, a function call and a custom tool call: ids, indexes, whole texts and arguments, the output as done', async () => {
    const patch = '*** Begin Patch\n*** End Patch';
    script(route, {
      reasoning: 'Weather, then patch.',
      text: 'On it.',
      calls: [
        { id: 'call_w', name: 'get_weather', args: '{"city":"Oslo"}' },
        { id: 'call_p', name: 'apply_patch', args: JSON.stringify({ input: patch }) },
      ],
    });
    const events = await rawEvents({ model: route.model, input: 'Go', tools: TOOLS });
    expect(events.map((event) => event.data.sequence_number)).toEqual(events.map((_event, index) => index));

    const added = new Map<number, Json>();
    const doneItems: Json[] = [];
    const deltas = new Map<string, string>();
    for (const { event, data } of events) {
      const at = data.output_index as number | undefined;
      if (event === 'response.output_item.added') {
        expect(at).toBe(added.size);
        added.set(at!, data.item as Json);
        continue;
      }
      if (event === 'response.output_item.done') {
        expect((data.item as Json).id).toBe(added.get(at!)!.id);
        doneItems.push(data.item as Json);
        continue;
      }
      if (at === undefined) continue;
      // Every part and delta event belongs to the item open at its index, by id, before it is done.
      expect(data.item_id).toBe(added.get(at)!.id);
      expect(doneItems).toHaveLength(at);
      if (event.endsWith('.delta')) deltas.set(`${event}:${at}`, (deltas.get(`${event}:${at}`) ?? '') + (data.delta as string));
    }
    const types = doneItems.map((item) => item.type);
    expect(types).toEqual(['reasoning', 'message', 'function_call', 'custom_tool_call']);
    const [reasoning, message, call, custom] = doneItems as [Json, Json, Json, Json];

    expect(added.get(0)).toEqual({ type: 'reasoning', id: reasoning.id, summary: [] });
    expect(reasoning).toMatchObject({ summary: [], content: [{ type: 'reasoning_text', text: 'Weather, then patch.' }] });
    const of = (type: string): Json => events.find((event) => event.event === type)!.data;
    expect(of('response.reasoning_text.done')).toMatchObject({ output_index: 0, content_index: 0, text: 'Weather, then patch.' });
    expect(deltas.get('response.reasoning_text.delta:0')).toBe('Weather, then patch.');

    expect(of('response.content_part.added')).toMatchObject({ output_index: 0, content_index: 0 });
    expect(of('response.output_text.done')).toEqual(expect.objectContaining({ output_index: 1, content_index: 0, text: 'On it.', logprobs: [] }));
    expect(deltas.get('response.output_text.delta:1')).toBe('On it.');
    for (const delta of events.filter((event) => event.event === 'response.output_text.delta')) expect(delta.data.logprobs).toEqual([]);
    expect(message.content).toEqual([{ type: 'output_text', text: 'On it.', annotations: [], logprobs: [] }]);

    expect(added.get(2)).toMatchObject({ type: 'function_call', status: 'in_progress', name: 'get_weather', arguments: '' });
    expect(of('response.function_call_arguments.done')).toMatchObject({
      output_index: 2,
      item_id: call.id,
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
    });
    expect(deltas.get('response.function_call_arguments.delta:2')).toBe('{"city":"Oslo"}');
    expect(call).toMatchObject({ status: 'completed', call_id: expect.any(String), name: 'get_weather', arguments: '{"city":"Oslo"}' });

    expect(added.get(3)).toMatchObject({ type: 'custom_tool_call', status: 'in_progress', name: 'apply_patch', input: '' });
    expect(deltas.get('response.custom_tool_call_input.delta:3')).toBe(patch);
    expect(of('response.custom_tool_call_input.done')).toMatchObject({ output_index: 3, item_id: custom.id, input: patch });
    expect(custom).toMatchObject({ status: 'completed', name: 'apply_patch', input: patch });

    const terminal = events.at(-1)!;
    expect(terminal.event).toBe('response.completed');
    expect((terminal.data.response as Json).output).toEqual(doneItems);
    expect(terminal.data.response).toMatchObject({ output_text: 'On it.', usage: usageOf(route) });
  });
});

describe.each(ROUTES)('$name: a carried setting of the wrong type is a 400 naming it, as OpenAI answers; nothing reaches the provider', (route) => {
  test.each<[string, Json]>([
    ['temperature', { temperature: 'hot' }],
    ['top_p', { top_p: '0.9' }],
    ['parallel_tool_calls', { parallel_tool_calls: 'no' }],
    ['stream', { stream: 'yes' }],
    ['user', { user: 42 }],
    ['safety_identifier', { safety_identifier: ['a'] }],
    ['tools', { tools: { type: 'function', name: 'f' } }],
    ['reasoning', { reasoning: 'high' }],
    ['reasoning.effort', { reasoning: { effort: 3 } }],
    // Below what any provider accepts: refused as OpenAI refuses it, not sent on to fail there.
    ['max_output_tokens', { max_output_tokens: 0 }],
    ['max_output_tokens', { max_output_tokens: -1 }],
    ['max_output_tokens', { max_output_tokens: 1.5 }],
    // A field OpenAI's API does not know at all.
    ['max_tokens', { max_tokens: 10 }],
  ])('%s: %j', async (param, fields) => {
    const error = await rejectionOf(
      client().responses.create({ model: route.model, input: 'hi', ...fields } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming),
      OpenAI.BadRequestError,
    );
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain(param);
    expect(route.fake().requests).toHaveLength(0);
  });

  test('null stands for not set, and is served', async () => {
    script(route, { text: 'Hi.' });
    const response = await client().responses.create({
      model: route.model,
      input: 'hi',
      temperature: null,
      top_p: null,
      parallel_tool_calls: null,
      user: null,
      reasoning: null,
      tools: null,
    } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(response.status).toBe('completed');
  });
});

describe.each(ROUTES)('$name: a response that fails mid-stream', (route) => {
  test("response.failed carries the request's settings, the error, usage null and no half-written item, as OpenAI's recorded failure", async () => {
    route.fake().handler = (_request, res) =>
      sendFrames(
        res,
        route.wire === 'chat'
          ? [
              chatChunkFrame({ id: 'c', created: 1, model: 'm' }, { role: 'assistant', content: 'Partial ' }),
              `data: ${JSON.stringify({ error: { message: 'The model crashed', code: 500 } })}\n\n`,
            ]
          : [
              anthropicEvent('message_start', {
                message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: ANTHROPIC_USAGE },
              }),
              anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
              anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Partial ' } }),
              anthropicEvent('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
            ],
      );
    const events = await rawEvents({ model: route.model, input: 'hi', user: 'user-42', temperature: 0.5 });
    const openai = parseResponsesSse(fixtureText('openai-responses-stream-failed.sse')).at(-1)!.data.response as Json;
    const failed = events.at(-1)!;
    expect(failed.event).toBe('response.failed');
    const response = failed.data.response as Json;
    expect(Object.keys(response)).toEqual(expect.arrayContaining(Object.keys(openai)));
    expect(response).toMatchObject({
      status: 'failed',
      model: route.model,
      user: 'user-42',
      temperature: 0.5,
      output: [],
      usage: null,
      incomplete_details: null,
      error: { code: 'server_error', message: route.wire === 'chat' ? 'The model crashed' : 'Overloaded' },
    });
    expect(response.id).toBe((events[0]!.data.response as Json).id);
  });
});
