/**
 * OpenAI's Responses API in (DESIGN section 11), with the `openai` SDK's `responses.create()` and
 * `responses.stream()`: bridged through chat completions to llama-server (and OpenAI set to
 * `chat`), translated to Messages for Anthropic, refused with a 400 where it needs state the router
 * does not keep. Codex's recorded requests go through too.
 */
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import type { RequestEndEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureJson, fixtureText } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { openStream } from '../support/http-client';
import { KEYS, keyPiecesIn } from '../support/keys';
import { sendFrames, sendJson } from '../support/upstream-answers';

let local: FakeUpstream, anthropic: FakeUpstream, openai: FakeUpstream;
let host: Host;
let ends: RequestEndEvent[];

beforeAll(async () => {
  [local, anthropic, openai] = await startFakeUpstreams('local', 'anthropic', 'openai');
  host = await startHost({ env: { ...envFor({ local, anthropic, openai }), OPENAI_RESPONSES: 'chat' } });
  host.router.telemetry.on('request.end', (event) => ends.push(event));
});
beforeEach(() => (ends = []));
afterEach(() => [local, anthropic, openai].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([local, anthropic, openai].map((fake) => fake.close()));
});

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });

function lastBody(fake: FakeUpstream): Record<string, unknown> & { messages: Array<Record<string, unknown>> } {
  const body = fake.requests.at(-1)?.body;
  if (!body) throw new Error(`${fake.kind} received nothing`);
  return body as Record<string, unknown> & { messages: Array<Record<string, unknown>> };
}

/** A chat completions answer, streamed or not by what the request asked: text, tool calls, reasoning. */
function chatAnswer(answer: { text?: string; reasoning?: string; calls?: { id: string; name: string; arguments: string }[]; finish?: string }) {
  return (request: { body?: Record<string, unknown> }, res: ServerResponse): void => {
    const finish = answer.finish ?? (answer.calls ? 'tool_calls' : 'stop');
    const usage = {
      prompt_tokens: 12,
      completion_tokens: 8,
      total_tokens: 20,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 3 },
    };
    if (request.body?.stream !== true) {
      const message: Record<string, unknown> = { role: 'assistant', content: answer.text ?? null };
      if (answer.reasoning) message.reasoning_content = answer.reasoning;
      if (answer.calls)
        message.tool_calls = answer.calls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      sendJson(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'm',
        choices: [{ index: 0, message, finish_reason: finish }],
        usage,
      });
      return;
    }
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`;
    const frames = [chunk({ role: 'assistant', content: '' })];
    if (answer.reasoning)
      frames.push(chunk({ reasoning_content: answer.reasoning.slice(0, 5) }), chunk({ reasoning_content: answer.reasoning.slice(5) }));
    if (answer.text) frames.push(chunk({ content: answer.text.slice(0, 3) }), chunk({ content: answer.text.slice(3) }));
    answer.calls?.forEach((call, index) => {
      const cut = Math.floor(call.arguments.length / 2);
      frames.push(
        chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments.slice(0, cut) } }] }),
      );
      frames.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(cut) } }] }));
    });
    frames.push(
      chunk({}, finish),
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage })}\n\n`,
      'data: [DONE]\n\n',
    );
    sendFrames(res, frames);
  };
}

/** A raw Responses event as the router streamed it. */
interface RawEvent {
  type: string;
  sequence_number: number;
  response?: { id: string; status: string; error: { code?: string; message: string } | null };
}

/** POSTs a streamed `/responses` request to `hostUrl` and returns its events, read raw (not through the SDK's helper). */
async function streamedEvents(hostUrl: string, body: Record<string, unknown>): Promise<RawEvent[]> {
  const response = await fetch(`${hostUrl}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  return (await response.text())
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)) as RawEvent);
}

/** Both calls, and the stream's final response must equal what the non-streamed call returned (ids aside). */
async function createAndStream(
  params: OpenAI.Responses.ResponseCreateParamsNonStreaming & { stream?: undefined },
  { sameAnswer = true } = {},
): Promise<OpenAI.Responses.Response> {
  const created = await client().responses.create(params);
  const streamed = await client().responses.stream(params).finalResponse();
  // The SDK's stream helper adds its parsed views (`parsed`, `parsed_arguments`); ids are fresh per response.
  const comparable = (response: OpenAI.Responses.Response): unknown =>
    JSON.parse(
      JSON.stringify(response.output, (key, value: unknown) => (key.startsWith('parsed') ? undefined : value)).replace(
        /"(id|call_id)":"(msg|fc|ctc|rs|call)_[0-9a-f]+"/g,
        '"$1":"$2_x"',
      ),
    );
  expect(streamed.status).toBe(created.status);
  // The Anthropic fake answers from two different recordings, streamed and not.
  if (sameAnswer) {
    expect(comparable(streamed)).toEqual(comparable(created));
    expect(streamed.output_text).toBe(created.output_text);
    expect(streamed.usage).toEqual(created.usage);
  }
  return created;
}

describe('bridged through chat completions (llama-server)', () => {
  const model = 'local/qwen';

  test('text, usage with cached and reasoning tokens, and telemetry with endpoint "responses"', async () => {
    local.handler = chatAnswer({ text: 'Hello there!' });
    const response = await createAndStream({ model, instructions: 'Be brief.', input: 'Say hello.' });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model, output_text: 'Hello there!' });
    expect(response.usage).toEqual({
      input_tokens: 12,
      input_tokens_details: { cached_tokens: 4 },
      output_tokens: 8,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 20,
    });
    expect(lastBody(local).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello.' },
    ]);
    expect(ends.map((event) => [event.provider, event.endpoint, event.outcome, event.usage?.totalTokens])).toEqual([
      ['local', 'responses', 'ok', 20],
      ['local', 'responses', 'ok', 20],
    ]);
  });

  test('a function tool call, then its output sent back by call_id', async () => {
    local.handler = chatAnswer({ calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
        strict: false,
      },
    ];
    const first = await createAndStream({ model, input: 'Weather in Paris?', tools });
    expect(first.output).toEqual([
      expect.objectContaining({ type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }),
    ]);
    expect(lastBody(local).tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: false,
        },
      },
    ]);

    local.handler = chatAnswer({ text: 'Sunny.' });
    const second = await client().responses.create({
      model,
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_1', output: '18C, sunny' },
      ],
    });
    expect(second.output_text).toBe('Sunny.');
    expect(lastBody(local).messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18C, sunny' },
    ]);
  });

  test('bridged to OpenAI, a call_id over 40 characters (which its chat API refuses) goes as a short id, the call with its output', async () => {
    // A call another provider made, replaced by the router with an id that carries it (64 at most).
    const callId = `call_eprAbCdEfgHiJkLmN${Buffer.from('functions.shell:0').toString('base64url')}`;
    expect(callId.length).toBeGreaterThan(40);
    const answer = await client().responses.create({
      model: 'openai/gpt-4o',
      input: [
        { role: 'user', content: 'List the files.' },
        { type: 'function_call', call_id: callId, name: 'shell', arguments: '{"command":"ls"}' },
        { type: 'function_call_output', call_id: callId, output: 'a.txt' },
      ],
    });
    expect(answer.status).toBe('completed');
    const [, call, output] = lastBody(openai).messages as [unknown, { tool_calls: Array<{ id: string }> }, { tool_call_id: string }];
    expect(call.tool_calls[0]!.id.length).toBeLessThanOrEqual(40);
    expect(output.tool_call_id).toBe(call.tool_calls[0]!.id);
  });

  test("a custom tool (Codex's apply_patch) goes as a one-string function and comes back as custom_tool_call", async () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hello\n*** End Patch';
    local.handler = chatAnswer({ calls: [{ id: 'call_p', name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }] });
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'custom',
        name: 'apply_patch',
        description: 'Edit files.',
        format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' },
      },
    ];
    const response = await createAndStream({ model, input: 'Add a.txt', tools });
    expect(response.output).toEqual([expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: patch })]);
    const sent = (lastBody(local).tools as Array<{ function: { name: string; description: string; parameters: unknown } }>)[0]!;
    expect(sent.function.name).toBe('apply_patch');
    expect(sent.function.description).toContain('start: "*** Begin Patch"');
    expect(sent.function.parameters).toMatchObject({ properties: { input: { type: 'string' } }, required: ['input'] });
  });

  test('a tool_choice naming a namespace tool by its plain name forces the flattened function', async () => {
    local.handler = chatAnswer({ text: 'ok' });
    const body = {
      model,
      input: 'Go.',
      tool_choice: { type: 'function', name: 'spawn_agent' },
      tools: [
        {
          type: 'namespace',
          name: 'multi_agent_v1',
          description: 'Agents',
          tools: [{ type: 'function', name: 'spawn_agent', parameters: { type: 'object' } }],
        },
      ],
    };
    await client().responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(lastBody(local).tool_choice).toEqual({ type: 'function', function: { name: 'multi_agent_v1__spawn_agent' } });
  });

  test('namespace tools are flattened for the provider and come back with their namespace', async () => {
    local.handler = chatAnswer({ calls: [{ id: 'call_n', name: 'multi_agent_v1__spawn_agent', arguments: '{"task":"x"}' }] });
    const body = {
      model,
      input: 'Go.',
      tools: [
        {
          type: 'namespace',
          name: 'multi_agent_v1',
          description: 'Agents',
          tools: [{ type: 'function', name: 'spawn_agent', parameters: { type: 'object' } }],
        },
      ],
    };
    const response = await client().responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', call_id: 'call_n' }),
    ]);
    expect((lastBody(local).tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name)).toEqual([
      'multi_agent_v1__spawn_agent',
    ]);
  });

  test('a namespace tool whose flattened name passes 64 characters gets a shortened one: the tool, its call sent back, its tool_choice and its call answered', async () => {
    const namespace = 'mcp__github_enterprise_server';
    const name = 'list_pull_request_review_comments_for_repository';
    const tools = [{ type: 'namespace', name: namespace, description: 'MCP', tools: [{ type: 'function', name, parameters: { type: 'object' } }] }];
    local.handler = chatAnswer({ text: 'ok' });
    const input = [
      { type: 'message', role: 'user', content: 'Go.' },
      { type: 'function_call', call_id: 'call_1', namespace, name, arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'none' },
    ];
    const body = { model, input, tools, tool_choice: { type: 'function', namespace, name } };
    await client().responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    const sent = lastBody(local) as {
      tools: Array<{ function: { name: string } }>;
      tool_choice: unknown;
      messages: Array<{ tool_calls?: Array<{ function: { name: string } }> }>;
    };
    const [shortened] = sent.tools.map((tool) => tool.function.name);
    expect(shortened).toMatch(/^mcp__github_enterprise_server__list_pull_request_review_[0-9a-f]{8}$/);
    expect(shortened).toHaveLength(64);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: shortened } });
    expect(sent.messages.find((message) => message.tool_calls)?.tool_calls?.[0]?.function.name).toBe(shortened);

    local.handler = chatAnswer({ calls: [{ id: 'call_2', name: shortened!, arguments: '{}' }] });
    const response = await client().responses.create({ model, input: 'Go.', tools } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(response.output).toEqual([expect.objectContaining({ type: 'function_call', name, namespace, call_id: 'call_2' })]);
  });

  test('reasoning comes first as a reasoning item, streamed as reasoning_text deltas; effort goes as reasoning_effort', async () => {
    local.handler = chatAnswer({ reasoning: 'Thinking it over.', text: 'Done.' });
    const events: string[] = [];
    const stream = client().responses.stream({ model, input: 'Think.', reasoning: { effort: 'high' } });
    stream.on('event', (event) => events.push(event.type));
    const response = await stream.finalResponse();
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(response.output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: 'Thinking it over.' }] });
    expect(events.indexOf('response.reasoning_text.delta')).toBeLessThan(events.indexOf('response.output_text.delta'));
    expect(lastBody(local).reasoning_effort).toBe('high');
  });

  test('every event is numbered in order, items end with output_item.done, and exactly one terminal event ends the stream', async () => {
    local.handler = chatAnswer({ text: 'Hi.', calls: [{ id: 'call_1', name: 'f', arguments: '{}' }] });
    const response = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, input: 'x', stream: true, tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }] }),
    });
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    const events = frames.map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const data = JSON.parse((dataLine ?? '').slice('data: '.length)) as { type: string; sequence_number: number; item?: { type: string } };
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    expect(events.filter((event) => /^response\.(completed|incomplete|failed)$/.test(event.type)).map((event) => event.type)).toEqual([
      'response.completed',
    ]);
    expect(events.at(-1)?.type).toBe('response.completed');
    expect(events.filter((event) => event.type === 'response.output_item.done').map((event) => event.item?.type)).toEqual([
      'message',
      'function_call',
    ]);
    expect(frames.join('')).not.toContain('[DONE]');
  });

  test('a JSON schema answer format goes as response_format', async () => {
    local.handler = chatAnswer({ text: '{"ok":true}' });
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    const response = await createAndStream({
      model,
      input: 'JSON please',
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ ok: true });
    expect(lastBody(local).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } });
  });

  test("the response repeats the request's settings as OpenAI's does, streamed and not; defaults where the client set none", async () => {
    local.handler = chatAnswer({ text: 'Hi.' });
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'lookup', parameters: { type: 'object' }, strict: false }];
    const settings = {
      instructions: 'Be brief.',
      metadata: { session: 's1' },
      tools,
      tool_choice: 'required' as const,
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 100,
    };
    for (const response of [
      await client().responses.create({ model, input: 'Hi', ...settings }),
      await client()
        .responses.stream({ model, input: 'Hi', ...settings })
        .finalResponse(),
    ]) {
      expect(response).toMatchObject({ ...settings, reasoning: { effort: null, summary: null }, text: { format: { type: 'text' } } });
    }
    const plain = await client().responses.create({ model, input: 'Hi' });
    expect(plain).toMatchObject({
      instructions: null,
      metadata: {},
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      temperature: null,
      top_p: null,
      truncation: 'disabled',
    });
  });

  test('a length finish is status incomplete with reason max_output_tokens; max_output_tokens goes as max_tokens', async () => {
    local.handler = chatAnswer({ text: 'Cut', finish: 'length' });
    const response = await createAndStream({ model, input: 'Long story', max_output_tokens: 16 });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(lastBody(local).max_tokens).toBe(16);
  });

  test("a provider's error mid-stream reaches the SDK as a failed response with the provider's message", async () => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], error: { code: 502, message: 'Provider disconnected unexpectedly' } })}\n\n`,
      ]);
    // The SDK reads response.failed as OpenAI sends it: the final response, failed, with the error.
    const response = await client().responses.stream({ model, input: 'hi' }).finalResponse();
    expect(response.status).toBe('failed');
    expect(response.error).toEqual({ code: 'server_error', message: 'Provider disconnected unexpectedly' });
    expect(ends.at(-1)).toMatchObject({ outcome: 'error', endpoint: 'responses' });
  });

  test.each([
    [
      400,
      { error: { code: 400, message: 'the request exceeds the available context size, try increasing it', type: 'exceed_context_size_error' } },
      'context_length_exceeded',
    ],
    [429, { error: { message: 'Too many requests', type: 'rate_limit_error' } }, 'rate_limit_exceeded'],
    [400, { error: { message: 'Bad temperature', type: 'invalid_request_error', code: 'invalid_value' } }, 'invalid_value'],
  ])('an upstream %i before the stream carries the code Codex acts on (%j)', async (status, body, code) => {
    local.handler = (_request, res) => sendJson(res, status, body);
    const error = (await client()
      .responses.create({ model, input: 'hi' })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toContain(body.error.message);
  });

  // Codex acts on these codes: it says the context is full, stops on quota, waits and retries on the others.
  test.each([
    [{ code: 429, message: 'Rate limit exceeded: free-models-per-min' }, 'rate_limit_exceeded'],
    [{ code: '402', message: 'Insufficient credits' }, 'insufficient_quota'],
    [{ code: 503, message: 'No instances available' }, 'server_error'],
    [{ code: 400, message: 'This model maximum context length is 8192 tokens' }, 'context_length_exceeded'],
    [{ message: 'the request exceeds the available context size, try increasing it' }, 'context_length_exceeded'],
    [{ code: 'weird_failure', message: 'Something else' }, 'weird_failure'],
    // The status wins over words: these are a rate limit and an overload, not a full context.
    [{ code: 429, message: 'Tokens per minute limit exceeded - too many tokens processed.' }, 'rate_limit_exceeded'],
    [{ code: 503, message: 'Server busy: context size cache full' }, 'server_error'],
  ])('a provider error mid-stream %j fails the response with code %s, which Codex understands', async (error, code) => {
    local.handler = (_request, res) =>
      sendFrames(res, [
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`,
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], error })}\n\n`,
      ]);
    const response = await client().responses.stream({ model, input: 'hi' }).finalResponse();
    expect(response.error).toEqual({ code, message: error.message });
  });

  test('a stream cut before its end gives one response.failed, numbered after the last event', async () => {
    local.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`,
      );
    };
    const events = await streamedEvents(host.url, { model, input: 'x' });
    const last = events.at(-1)!;
    expect(last.type).toBe('response.failed');
    expect(last.sequence_number).toBe(events.at(-2)!.sequence_number + 1);
    expect(last.response?.error?.message).toMatch(/before its terminator/);
    expect(events.filter((event) => event.type === 'response.failed')).toHaveLength(1);
  });
});

describe('passed through to providers that serve the Responses API (OpenAI, OpenRouter)', () => {
  let native: Host;
  let openrouter: FakeUpstream;
  beforeAll(async () => {
    [openrouter] = await startFakeUpstreams('openrouter');
    native = await startHost({ env: envFor({ openai, openrouter }) });
    native.router.telemetry.on('request.end', (event) => ends.push(event));
  });
  afterAll(async () => {
    await native.close();
    await openrouter.close();
  });
  afterEach(() => openrouter.reset());

  test.each([
    ['openai/gpt-5.5', 'gpt-5.5', () => openai],
    ['openrouter/openai/gpt-5.5', 'openai/gpt-5.5', () => openrouter],
  ])('%s: the body goes on untouched apart from model; create and stream agree; usage reaches telemetry', async (model, upstreamModel, fake) => {
    const nativeClient = new OpenAI({ apiKey: 'host-token', baseURL: `${native.url}/v1`, maxRetries: 0 });
    const params = {
      model,
      input: 'Say hello.',
      reasoning: { effort: 'low' as const },
      store: false,
      include: ['reasoning.encrypted_content' as const],
      prompt_cache_key: 'k1',
    };
    const created = await nativeClient.responses.create(params);
    expect(created.output_text).not.toBe('');
    const sent = fake().requests.at(-1)!;
    expect(sent.url).toMatch(/\/responses$/);
    expect(sent.body).toEqual({ ...params, model: upstreamModel });
    // The recorded stream sends reasoning deltas without a content part, which the SDK's stream
    // helper refuses; the passthrough must leave it as it is, so it is read raw.
    const raw = await fetch(`${native.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...params, stream: true }),
    });
    const completed = (await raw.text())
      .split('\n\n')
      .filter((frame) => frame.startsWith('event: response.completed'))
      .map((frame) => JSON.parse(frame.split('\n')[1]!.slice(6)) as { response: OpenAI.Responses.Response });
    expect(completed).toHaveLength(1);
    expect(completed[0]!.response.output.map((item) => item.type)).toEqual(created.output.map((item) => item.type));
    expect(ends.at(-1)).toMatchObject({ endpoint: 'responses', outcome: 'ok', stream: true });
    expect(ends.at(-1)?.usage?.totalTokens).toBeGreaterThan(0);
  });

  test('a native stream cut before its terminal event ends with one response.failed numbered after the last event', async () => {
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(fixtureText('openai-responses-stream-text.sse').split('\n\n').slice(0, 4).join('\n\n') + '\n\n');
    };
    const events = await streamedEvents(native.url, { model: 'openai/gpt-5.5', input: 'x' });
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', sequence_number: events.at(-2)!.sequence_number + 1 });
    expect(events.at(-1)?.response?.id).toBe(events[0]?.response?.id);
    expect(ends.at(-1)).toMatchObject({ outcome: 'error' });
  });

  test("a native stream that fails at once (response.failed its first event) reaches the SDK as a failed response with the provider's message", async () => {
    const failed = fixtureText('openai-responses-stream-failed.sse').split('\n\n').at(-2)!;
    // Numbered 0, with a field of the upstream's own that the router does not write.
    openrouter.handler = (_request, res) =>
      sendFrames(res, [`${failed.replace('"sequence_number":4', '"sequence_number":0,"x_upstream":"kept"')}\n\n`]);
    const nativeClient = new OpenAI({ apiKey: 'host-token', baseURL: `${native.url}/v1`, maxRetries: 0 });
    // The SDK reads nothing before response.created: it would throw an error of its own, without the provider's message.
    const response = await nativeClient.responses.stream({ model: 'openrouter/openai/gpt-5.5', input: 'x' }).finalResponse();
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'The model produced invalid content.' } });
    const events = await streamedEvents(native.url, { model: 'openrouter/openai/gpt-5.5', input: 'x' });
    expect(events.map((event) => event.type)).toEqual(['response.created', 'response.failed']);
    // Numbered in order, as every Responses stream is: the failure after the opening put before it.
    expect(events.map((event) => event.sequence_number)).toEqual([0, 1]);
    // The upstream's own failure, as it came apart from its number.
    expect(events[1]).toMatchObject({ x_upstream: 'kept' });
    expect(events[0]?.response?.id).toBe(events[1]?.response?.id);
    expect(ends.at(-1)).toMatchObject({ outcome: 'error', error: { message: 'The model produced invalid content.' } });
  });

  test("OpenAI's error event mid-stream (its fields nested in error) passes through, then response.failed with its code and message", async () => {
    const errorEvent = {
      type: 'error',
      sequence_number: 4,
      error: { type: 'tokens', code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-5.5' },
    };
    openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const opening = fixtureText('openai-responses-stream-text.sse').split('\n\n').slice(0, 4).join('\n\n');
      res.end(`${opening}\n\nevent: error\ndata: ${JSON.stringify(errorEvent)}\n\n`);
    };
    const events = await streamedEvents(native.url, { model: 'openai/gpt-5.5', input: 'x' });
    // Numbered one on: the recording's reasoning part, never announced, was announced before its delta.
    expect(events.at(-2)).toEqual({ ...errorEvent, sequence_number: 5 });
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-5.5' } },
    });
    expect(ends.at(-1)).toMatchObject({ outcome: 'error', error: { message: 'Rate limit reached for gpt-5.5' } });
  });
});

describe('translated to Messages (Anthropic)', () => {
  const model = 'anthropic/claude-sonnet-5-5';

  test('text and a tool call: the tool_use comes back as a function_call, the output goes back as a tool_result', async () => {
    const created = await createAndStream({ model, input: 'Say hello.' }, { sameAnswer: false });
    expect(created.output_text).not.toBe('');
    expect(created.usage?.total_tokens).toBeGreaterThan(0);
    expect(lastBody(anthropic)).toMatchObject({ model: 'claude-sonnet-5-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Say hello.' }] });

    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false },
    ];
    const withTool = await createAndStream({ model, input: 'Weather?', tools }, { sameAnswer: false });
    const call = withTool.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    expect(JSON.parse((call as { arguments: string }).arguments)).toEqual(expect.any(Object));

    await client().responses.create({
      model,
      tools,
      input: [
        { role: 'user', content: 'Weather?' },
        call as OpenAI.Responses.ResponseInputItem,
        { type: 'function_call_output', call_id: (call as { call_id: string }).call_id, output: 'sunny' },
      ],
    });
    const messages = lastBody(anthropic).messages;
    expect(messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: (call as { call_id: string }).call_id, content: 'sunny' }],
    });
  });

  test("Anthropic's overloaded_error mid-stream fails the response with server_error and Anthropic's message, which Codex retries and shows", async () => {
    anthropic.handler = (_request, res) => sendFrames(res, fixtureText('anthropic-messages-stream-error.sse').split(/(?<=\n\n)/));
    const response = await client().responses.stream({ model, input: 'hi' }).finalResponse();
    expect(response.status).toBe('failed');
    expect(response.error).toEqual({ code: 'server_error', message: 'Overloaded' });
  });
});

describe('Codex', () => {
  test.each(['codex-request.json', 'codex-request-tool-turn.json', 'codex-request-unlisted-model.json'])(
    'the recorded %s reaches llama-server and Anthropic, with hosted tools left out and custom tools as functions',
    async (name) => {
      const recorded = fixtureJson<Record<string, unknown>>(name);
      for (const [model, fake] of [
        ['local/qwen', local],
        ['anthropic/claude-sonnet-5-5', anthropic],
      ] as const) {
        if (fake === local) local.handler = chatAnswer({ text: 'ok' });
        const response = await fetch(`${host.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer codex-host-token' },
          body: JSON.stringify({ ...recorded, model }),
        });
        expect(response.status).toBe(200);
        const text = await response.text();
        expect(text).toContain('event: response.completed');
        const sent = fake.requests.at(-1)!;
        expect(sent.headers.authorization).not.toBe('Bearer codex-host-token');
        expect(sent.rawBody).not.toMatch(/web_search|tool_search|client_metadata|prompt_cache_key|encrypted_content/);
      }
    },
  );

  test('the tool turn carries the exec_command call and its output to llama-server', async () => {
    local.handler = chatAnswer({ text: 'It printed tool-ran-ok.' });
    const recorded = fixtureJson<Record<string, unknown>>('codex-request-tool-turn.json');
    await client().responses.create({
      ...(recorded as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming),
      model: 'local/qwen',
      stream: false,
    });
    const messages = lastBody(local).messages;
    expect(messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_capture_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"echo tool-ran-ok"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_capture_1', content: expect.stringContaining('tool-ran-ok') },
    ]);
    expect(messages.filter((message) => message.role === 'system')).toHaveLength(2);
  });
});

describe('refused with a 400 naming the field, and nothing is sent', () => {
  test.each([
    ['previous_response_id', { previous_response_id: 'resp_123' }],
    ['conversation', { conversation: 'conv_1' }],
    ['background', { background: true }],
    ['input', { input: [{ type: 'item_reference', id: 'msg_1' }] }],
    ['input', { input: [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }] }],
    ['tool_choice', { tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }],
  ])('%s', async (param, fields) => {
    const response = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local/qwen', input: 'hi', ...fields }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { param: string; message: string; code: string } };
    expect(body.error).toMatchObject({ param, code: 'unsupported_parameter' });
    expect(body.error.message).toContain(param === 'input' ? 'input[0]' : param);
    expect(local.requests).toHaveLength(0);
  });

  test('GET /responses/{id} and POST /responses/compact answer 404 in OpenAI shape', async () => {
    for (const [method, path] of [
      ['GET', '/v1/responses/resp_1'],
      ['DELETE', '/v1/responses/resp_1'],
      ['POST', '/v1/responses/compact'],
      ['GET', '/v1/responses/compact'],
    ] as const) {
      const response = await fetch(host.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { type: 'not_found_error', message: expect.stringContaining('not served') } });
    }
  });
});

describe('a client that hangs up', () => {
  test.each([
    ['local/qwen', () => local],
    ['anthropic/claude-sonnet-5-5', () => anthropic],
  ])('%s: the upstream request is aborted at once, and telemetry says aborted', async (model, fake) => {
    fake().handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        fake() === local
          ? `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`
          : `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'c', content: [], usage: { input_tokens: 1, output_tokens: 0 } } })}\n\n`,
      );
    };
    const upstreamClosed = fake().waitForClientClose();
    const stream = await openStream(`${host.url}/v1/responses`, { model, input: 'hi', stream: true });
    await stream.waitFor((text) => text.includes('response.created'));
    stream.abort();
    await upstreamClosed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ends.at(-1)).toMatchObject({ endpoint: 'responses', outcome: 'aborted' });
  });
});

describe('keys echoed by every kind of upstream never reach a Responses client', () => {
  let keyed: Host;
  let openrouter: FakeUpstream;
  let events: RequestEndEvent[];
  beforeAll(async () => {
    [openrouter] = await startFakeUpstreams('openrouter');
    // OpenAI and OpenRouter native, llama-server bridged (with a key), Anthropic translated.
    keyed = await startHost({ env: { ...envFor({ openai, openrouter, local, anthropic }), LOCAL_API_KEY: 'local-key-0123456789abcdef' } });
    keyed.router.telemetry.on('request.end', (event) => events.push(event));
  });
  beforeEach(() => (events = []));
  afterAll(async () => {
    await keyed.close();
    await openrouter.close();
  });
  afterEach(() => openrouter.reset());

  const cases = [
    ['openai/gpt-5.5', () => openai, KEYS.openai, 'responses'],
    ['openrouter/openai/gpt-5.5', () => openrouter, KEYS.openrouter, 'responses'],
    ['local/qwen', () => local, 'local-key-0123456789abcdef', 'chat'],
    ['anthropic/claude-sonnet-5-5', () => anthropic, KEYS.anthropic, 'messages'],
  ] as const;

  test.each(cases)('%s: an error body echoing the key, and a mid-stream error echoing it', async (model, fake, key, wire) => {
    fake().handler = (_request, res) =>
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error', code: key } });
    const refused = await fetch(`${keyed.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, input: 'hi' }),
    });
    expect(refused.status).toBe(401);
    const refusedText = (await refused.text()) + JSON.stringify([...refused.headers]);

    const midStream: Record<typeof wire, string[]> = {
      responses: [
        `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: `upstream failed for ${key}`, sequence_number: 0 })}\n\n`,
      ],
      chat: [
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], error: { message: `upstream failed for ${key}` } })}\n\n`,
      ],
      messages: [`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `upstream failed for ${key}` } })}\n\n`],
    };
    fake().handler = (_request, res) => sendFrames(res, midStream[wire]);
    const streamed = await fetch(`${keyed.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, input: 'hi', stream: true }),
    });
    const streamedText = await streamed.text();
    expect(streamedText).toContain('response.failed');
    expect(streamedText).toContain('upstream failed for');

    expect(keyPiecesIn(refusedText + streamedText + JSON.stringify(events), key)).toEqual([]);
    expect(events.map((event) => event.outcome)).toEqual(['error', 'error']);
  });
});

describe('keys and credentials', () => {
  test("the client's token never reaches the provider, and a key the provider echoes never reaches the client", async () => {
    anthropic.handler = (_request, res) =>
      sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${KEYS.anthropic}` } });
    const response = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer codex-host-token', cookie: 'session=1' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-5-5', input: 'hi' }),
    });
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(text).not.toContain(KEYS.anthropic.slice(0, 12));
    expect(JSON.parse(text)).toMatchObject({ error: { message: expect.stringContaining('invalid x-api-key') } });
    const sent = anthropic.requests[0]!;
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers.cookie).toBeUndefined();
    expect(sent.headers['x-api-key']).toBe(KEYS.anthropic);
    expect(fixtureText('codex-request.json')).toContain('"model"');
  });
});

describe("reasoning items on native passthrough (DESIGN section 10: OpenAI's own encrypted_content goes back only to OpenAI)", () => {
  let nativeOpenai: FakeUpstream, nativeOpenrouter: FakeUpstream;
  let nativeHost: Host;
  beforeAll(async () => {
    [nativeOpenai, nativeOpenrouter] = await startFakeUpstreams('openai', 'openrouter');
    nativeHost = await startHost({ env: envFor({ openai: nativeOpenai, openrouter: nativeOpenrouter }) });
  });
  afterAll(async () => {
    await nativeHost.close();
    await Promise.all([nativeOpenai.close(), nativeOpenrouter.close()]);
  });

  const routerItem = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'epr1.eyJ4IjoxfQ' };
  const openaiWithText = {
    type: 'reasoning',
    id: 'rs_2',
    summary: [{ type: 'summary_text', text: 'Thought about it.' }],
    encrypted_content: 'gAAAAABone',
  };
  const openaiWithoutText = { type: 'reasoning', id: 'rs_3', summary: [], encrypted_content: 'gAAAAABtwo' };
  const input = [{ role: 'user', content: 'hi' }, routerItem, openaiWithText, openaiWithoutText, { role: 'user', content: 'again' }];
  const send = (model: string): Promise<Response> =>
    fetch(`${nativeHost.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, input }),
    });

  test('OpenAI gets its own encrypted_content back, never the router envelope', async () => {
    expect((await send('openai/gpt-5.5')).status).toBe(200);
    expect(nativeOpenai.requests.at(-1)!.body!.input).toEqual([input[0], openaiWithText, openaiWithoutText, input[4]]);
  });

  test('OpenRouter gets neither: an item keeps its text without the encrypted_content, an item without text is left out', async () => {
    expect((await send('openrouter/openai/gpt-5.5')).status).toBe(200);
    const withTextOnly = { type: 'reasoning', id: 'rs_2', summary: openaiWithText.summary };
    expect(nativeOpenrouter.requests.at(-1)!.body!.input).toEqual([input[0], withTextOnly, input[4]]);
    expect(nativeOpenrouter.requests.at(-1)!.rawBody).not.toContain('gAAAA');
  });

  describe("a reasoning item without encrypted_content (another provider's, after a session moved)", () => {
    const textOnly = { type: 'reasoning', id: 'rs_4', summary: [{ type: 'summary_text', text: 'Reasoned elsewhere.' }], encrypted_content: null };
    const bare = { type: 'reasoning', id: 'rs_5', summary: [] };
    const moved = [{ role: 'user', content: 'hi' }, textOnly, bare, openaiWithText, { role: 'user', content: 'again' }];
    const sendMoved = (model: string, store?: boolean): Promise<Response> =>
      fetch(`${nativeHost.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, input: moved, ...(store === undefined ? {} : { store }) }),
      });

    test('is left out for OpenAI under store: false, which would look its id up, find nothing stored and answer 404', async () => {
      expect((await sendMoved('openai/gpt-5.5', false)).status).toBe(200);
      expect(nativeOpenai.requests.at(-1)!.body!.input).toEqual([moved[0], openaiWithText, moved[4]]);
    });

    test('goes on to OpenAI when the request may refer to stored items (store not false), and to OpenRouter with its text', async () => {
      expect((await sendMoved('openai/gpt-5.5')).status).toBe(200);
      expect(nativeOpenai.requests.at(-1)!.body!.input).toEqual(moved);
      expect((await sendMoved('openrouter/openai/gpt-5.5', false)).status).toBe(200);
      const withTextOnly = { type: 'reasoning', id: 'rs_2', summary: openaiWithText.summary };
      expect(nativeOpenrouter.requests.at(-1)!.body!.input).toEqual([moved[0], textOnly, bare, withTextOnly, moved[4]]);
    });
  });
});
