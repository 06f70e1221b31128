/**
 * Probes of the request fields on the routes where the router writes the upstream request from a
 * client's of another dialect (DESIGN sections 5, 8, 9, 10 and 11): chat completions in to
 * Anthropic's Messages API, Messages in to OpenAI-compatible providers, and Responses in, bridged
 * to a chat provider or translated to Anthropic. Each field the client's API defines is either
 * carried, refused with a 400 in the client's error shape that names it, or left out where DESIGN
 * says so: a setting of the wrong type, or out of the client API's range, is never dropped and
 * served as if the client had not asked (section 9), and a left-out field the client's provider
 * would refuse as sent is refused too. What the client's provider refuses in a conversation (a tool
 * result of no call, two tools of one name) is refused before anything is sent, in the client's
 * terms, since the upstream sees only the translation. `null` means not set. Clients are the
 * official SDKs, which send what they are given; what the fakes received is read back.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createLocalProvider } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { asArray, asJson } from '../support/json-shape';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';

type Json = Record<string, unknown>;

let anthropic: FakeUpstream, local: FakeUpstream, openrouter: FakeUpstream, groq: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [anthropic, local, openrouter, groq] = await startFakeUpstreams('anthropic', 'local', 'openrouter', 'openai');
  host = await startHost({
    env: { ...envFor({ anthropic, local, openrouter }), OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: groq.baseUrl, GROQ_API_KEY: 'gsk-probe' },
    // A llama-server without its own Messages endpoint: Messages requests are translated for it.
    providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
  });
});
const fakes = (): FakeUpstream[] => [anthropic, local, openrouter, groq];
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(fakes().map((fake) => fake.close()));
});

const openai = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
const claude = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });

const sentNothing = (): void => expect(fakes().flatMap((fake) => fake.requests)).toHaveLength(0);

describe('chat completions in, Anthropic upstream', () => {
  const MODEL = 'anthropic/claude-sonnet-5-5';
  const TOOL = { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } };
  type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
  const create = (fields: Json): Promise<unknown> =>
    openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...fields } as unknown as Params);

  describe('a setting of the wrong type, or outside OpenAI’s range, is a 400 in OpenAI’s shape naming it; nothing is sent', () => {
    test.each<[string, Json]>([
      ['temperature', { temperature: 'hot' }],
      // OpenAI's range is 0..2: above it, clamping to Anthropic's 1 would serve what OpenAI refuses.
      ['temperature', { temperature: 3 }],
      ['temperature', { temperature: -0.5 }],
      ['top_p', { top_p: '0.9' }],
      ['top_p', { top_p: 1.5 }],
      ['top_k', { top_k: '5' }],
      ['stop', { stop: 42 }],
      ['stop', { stop: ['END', 7] }],
      ['parallel_tool_calls', { tools: [TOOL], parallel_tool_calls: 'no' }],
      ['stream', { stream: 'yes' }],
      ['stream_options', { stream_options: 'usage' }],
      ['stream_options.include_usage', { stream: true, stream_options: { include_usage: 'yes' } }],
      ['user', { user: 42 }],
      ['safety_identifier', { safety_identifier: ['a'] }],
      ['tools', { tools: TOOL }],
      ['tools[0]', { tools: [{ type: 'custom', custom: { name: 'apply_patch' } }] }],
      ['tool_choice', { tools: [TOOL], tool_choice: 'any' }],
      ['tool_choice', { tools: [TOOL], tool_choice: { type: 'bogus' } }],
      // No tools: a choice OpenAI does not define is still no choice to leave out.
      ['tool_choice', { tool_choice: 'whatever' }],
      ['response_format', { response_format: 'json_object' }],
      ['modalities', { modalities: 'audio' }],
      ['functions', { functions: { name: 'f' } }],
      ['messages', { messages: 'hi' }],
      ['messages[0].role', { messages: [{ role: 'function', name: 'f', content: 'x' }] }],
      ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA==', format: 'wav' } }] }] }],
      ['messages[0].content', { messages: [{ role: 'user', content: 42 }] }],
      ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }],
      [
        'messages[0].content',
        {
          messages: [
            { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
            { role: 'user', content: 'hi' },
          ],
        },
      ],
      // Left out (DESIGN section 5), but OpenAI refuses them as sent: not served as if absent.
      ['n', { n: '2' }],
      ['n', { n: 0 }],
      ['logprobs', { logprobs: 'yes' }],
      ['top_logprobs', { top_logprobs: 21 }],
      ['seed', { seed: 1.5 }],
      ['presence_penalty', { presence_penalty: 3 }],
      ['frequency_penalty', { frequency_penalty: 'low' }],
      ['logit_bias', { logit_bias: [1] }],
      ['store', { store: 'yes' }],
      ['metadata', { metadata: 'run-1' }],
      ['metadata', { metadata: { run: 1 } }],
      ['metadata', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
      ['metadata', { metadata: { ['k'.repeat(65)]: 'v' } }],
      ['metadata', { metadata: { run: 'v'.repeat(513) } }],
      ['service_tier', { service_tier: 5 }],
      ['prompt_cache_key', { prompt_cache_key: 5 }],
      // What OpenAI refuses in the conversation: Anthropic would refuse the translation in its own terms.
      ['tools[1]', { tools: [TOOL, TOOL] }],
      ['tool_choice', { tools: [TOOL], tool_choice: { type: 'function', function: { name: 'forecast' } } }],
      [
        'messages[1].tool_call_id',
        {
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'tool', tool_call_id: 'call_x', content: '12°C' },
          ],
        },
      ],
      [
        'messages[3].tool_call_id',
        {
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
            { role: 'tool', tool_call_id: 'call_a', content: '12°C' },
            { role: 'tool', tool_call_id: 'call_b', content: '13°C' },
          ],
        },
      ],
    ])('%s: %j', async (param, fields) => {
      const error = await rejectionOf(create(fields), OpenAI.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
      expect(error.message).toContain(param.replace(/\[.*$/, ''));
      sentNothing();
    });
  });

  test('null stands for not set: served, and none of them is sent', async () => {
    await create({
      temperature: null,
      top_p: null,
      top_k: null,
      stop: null,
      parallel_tool_calls: null,
      stream: null,
      stream_options: null,
      user: null,
      safety_identifier: null,
      tools: null,
      tool_choice: null,
      response_format: null,
      reasoning_effort: null,
      max_tokens: null,
      max_completion_tokens: null,
      n: null,
      logprobs: null,
      logit_bias: null,
      seed: null,
      presence_penalty: null,
      frequency_penalty: null,
      modalities: null,
      audio: null,
      prediction: null,
      web_search_options: null,
      functions: null,
      function_call: null,
      store: null,
      metadata: null,
    });
    const sent = upstreamBody(anthropic);
    expect(Object.keys(sent).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  test('the edges of the ranges, and stop as a string or more than four, are carried', async () => {
    await create({ temperature: 2, top_p: 0, stop: 'END' });
    expect(upstreamBody(anthropic)).toMatchObject({ temperature: 1, stop_sequences: ['END'] });
    anthropic.reset();
    await create({ temperature: 0, stop: ['a', 'b', 'c', 'd', 'e'] });
    expect(upstreamBody(anthropic)).toMatchObject({ temperature: 0, stop_sequences: ['a', 'b', 'c', 'd', 'e'] });
    anthropic.reset();
    await create({ top_p: 1, top_k: 0 });
    expect(upstreamBody(anthropic)).toMatchObject({ top_p: 1, top_k: 0 });
  });

  test('left-out settings at the edges of OpenAI’s ranges are served, and not sent', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`${i}`.padEnd(64, 'k'), 'v'.repeat(512)]));
    await create({ n: 1, top_logprobs: 20, logprobs: false, seed: -3, presence_penalty: -2, frequency_penalty: 2, store: false, metadata });
    expect(Object.keys(upstreamBody(anthropic)).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  test('every carried setting at once reaches Anthropic as section 5 maps it, streamed', async () => {
    const stream = await openai().chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Oslo?' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 300,
      max_completion_tokens: 200,
      temperature: 0.4,
      top_p: 0.9,
      stop: ['END'],
      tools: [TOOL as OpenAI.Chat.Completions.ChatCompletionFunctionTool],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
      user: 'u-1',
      safety_identifier: 's-1',
      n: 1,
      seed: 7,
    });
    for await (const chunk of stream) void chunk;
    expect(upstreamBody(anthropic)).toEqual({
      model: 'claude-sonnet-5-5',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      max_tokens: 200,
      temperature: 0.4,
      stop_sequences: ['END'],
      tools: [{ name: 'weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      metadata: { user_id: 's-1' },
      stream: true,
    });
  });

  test('what only tunes, meters or stores the answer at OpenAI is not sent (DESIGN section 5)', async () => {
    await create({
      prediction: { type: 'content', content: 'hi' },
      store: true,
      metadata: { run: '1' },
      service_tier: 'auto',
      prompt_cache_key: 'k-1',
      prompt_cache_retention: '24h',
      verbosity: 'low',
      top_logprobs: 2,
      logprobs: true,
    });
    expect(Object.keys(upstreamBody(anthropic)).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });
});

describe.each([
  { name: 'local (llama-server, translated)', model: 'local/qwen3', fake: () => local, effort: { reasoning_effort: 'high' } },
  { name: 'openrouter', model: 'openrouter/deepseek/deepseek-r1', fake: () => openrouter, effort: { reasoning: { effort: 'high' } } },
  { name: 'groq (OPENAI_COMPATIBLE_PROVIDERS)', model: 'groq/llama-3.3-70b', fake: () => groq, effort: { reasoning_effort: 'high' } },
])('Messages in, $name upstream', (route) => {
  const TOOL = { name: 'weather', input_schema: { type: 'object', properties: {} } };
  const create = (fields: Json): Promise<unknown> =>
    claude().messages.create({
      model: route.model,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      ...fields,
    } as unknown as Anthropic.MessageCreateParamsNonStreaming);

  /** What the host answered `fields` with, read as the SDK reads a 400, or raw where the SDK cannot send them (`tools` not an array). */
  async function refusal(fields: Json, raw: boolean): Promise<{ status: number; body: Json }> {
    if (!raw) {
      const error = await rejectionOf(create(fields), Anthropic.BadRequestError);
      return { status: error.status, body: error.error as Json };
    }
    const response = await fetch(`${host.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_TOKEN, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: route.model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...fields }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  test.each<[string, Json, boolean?]>([
    ['temperature', { temperature: '1' }],
    ['top_p', { top_p: '0.9' }],
    ['top_k', { top_k: '5' }],
    ['stream', { stream: 'yes' }],
    ['metadata', { metadata: 'device-1' }],
    ['metadata.user_id', { metadata: { user_id: 42 } }],
    ['thinking', { thinking: 'enabled' }],
    ['thinking.budget_tokens', { thinking: { type: 'enabled', budget_tokens: '2048' } }],
    ['output_config', { output_config: 'high' }],
    ['output_config.effort', { thinking: { type: 'adaptive' }, output_config: { effort: 3 } }],
    ['tool_choice', { tool_choice: { type: 'bogus' } }],
    ['tool_choice', { tool_choice: 'auto' }],
    ['tool_choice.disable_parallel_tool_use', { tools: [TOOL], tool_choice: { type: 'auto', disable_parallel_tool_use: 'yes' } }],
    ['tools[0].description', { tools: [{ ...TOOL, description: ['The weather'] }] }],
    // Refused before this probe: held here so that they stay so.
    ['max_tokens', { max_tokens: '100' }],
    ['stop_sequences', { stop_sequences: 'x' }],
    ['system', { system: 5 }],
    ['messages[0].content', { messages: [{ role: 'user', content: 5 }] }],
    ['tools', { tools: TOOL }, true],
    ['tool_choice.type', { tools: [TOOL], tool_choice: { type: 'bogus' } }],
    ['mcp_servers', { mcp_servers: [{ type: 'url', url: 'https://mcp.example/sse', name: 'x' }] }],
    // Anthropic's ranges: a chat provider would serve what Anthropic refuses.
    ['temperature', { temperature: 1.5 }],
    ['temperature', { temperature: -0.1 }],
    ['top_p', { top_p: 1.2 }],
    ['top_k', { top_k: -1 }],
    ['top_k', { top_k: 2.5 }],
    // What Anthropic refuses in the conversation: the chat provider sees only the translation.
    ['messages', { messages: [] }],
    ['tools[1]', { tools: [TOOL, { ...TOOL, description: 'Another' }] }],
    ['tool_choice', { tools: [TOOL], tool_choice: { type: 'tool', name: 'forecast' } }],
    ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: '12°C' }] }] }],
    [
      'messages[2].content[1]',
      {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'weather', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_a', content: '12°C' },
              { type: 'tool_result', tool_use_id: 'toolu_b', content: '13°C' },
            ],
          },
        ],
      },
    ],
  ])('%s: %j is a 400 invalid_request_error naming it; nothing is sent', async (field, fields, raw = false) => {
    const { status, body } = await refusal(fields, raw);
    expect(status).toBe(400);
    expect(body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(field.replace(/\[.*$/, '')) } });
    sentNothing();
  });

  test('null stands for not set: served, and none of them is sent', async () => {
    await create({
      temperature: null,
      top_p: null,
      top_k: null,
      stream: null,
      metadata: null,
      thinking: null,
      output_config: null,
      tool_choice: null,
      tools: null,
      stop_sequences: null,
      system: null,
      service_tier: null,
      container: null,
      mcp_servers: null,
      context_management: null,
    });
    const sent = upstreamBody(route.fake());
    expect(Object.keys(sent).sort()).toEqual(expect.arrayContaining(['messages', 'model']));
    for (const field of ['temperature', 'top_p', 'top_k', 'stream', 'user', 'reasoning_effort', 'reasoning', 'tools', 'tool_choice', 'stop']) {
      expect(sent).not.toHaveProperty(field);
    }
  });

  test('every carried setting at once reaches the provider as section 8 maps it, streamed', async () => {
    const stream = claude().messages.stream({
      model: route.model,
      max_tokens: 500,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      temperature: 0.4,
      top_p: 0.9,
      top_k: 20,
      stop_sequences: ['END'],
      tools: [TOOL as Anthropic.Tool],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 4096 },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      metadata: { user_id: 'device-1' },
      service_tier: 'auto',
    });
    await stream.done();
    const sent = upstreamBody(route.fake());
    expect(sent).toEqual({
      model: route.model.slice(route.model.indexOf('/') + 1),
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Oslo?' },
      ],
      max_tokens: 500,
      temperature: 0.4,
      top_p: 0.9,
      top_k: 20,
      stop: ['END'],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      ...route.effort,
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object' } } },
      user: expect.stringMatching(/^[0-9a-f]{64}$/),
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test('the edges of Anthropic’s ranges are carried', async () => {
    await create({ temperature: 1, top_p: 0, top_k: 0 });
    expect(upstreamBody(route.fake())).toMatchObject({ temperature: 1, top_p: 0 });
    route.fake().reset();
    await create({ temperature: 0, top_p: 1 });
    expect(upstreamBody(route.fake())).toMatchObject({ temperature: 0, top_p: 1 });
  });

  test('metadata.user_id null, service_tier and container are served, and not sent', async () => {
    await create({ metadata: { user_id: null }, service_tier: 'standard_only', container: 'container_1' });
    const sent = upstreamBody(route.fake());
    for (const field of ['user', 'metadata', 'service_tier', 'container']) expect(sent).not.toHaveProperty(field);
  });
});

describe.each([
  { name: 'bridged to a chat provider (local)', model: 'local/qwen3', fake: () => local },
  { name: 'translated to Anthropic', model: 'anthropic/claude-sonnet-5-5', fake: () => anthropic },
])('Responses in, $name', (route) => {
  const TOOL = { type: 'function', name: 'weather', parameters: { type: 'object', properties: {} }, strict: false };
  type Params = OpenAI.Responses.ResponseCreateParamsNonStreaming;
  const create = (fields: Json): Promise<OpenAI.Responses.Response> =>
    openai().responses.create({ model: route.model, input: 'hi', ...fields } as unknown as Params);

  describe('a setting of the wrong type, or outside OpenAI’s range, is a 400 in OpenAI’s shape naming it; nothing is sent', () => {
    test.each<[string, Json]>([
      ['max_output_tokens', { max_output_tokens: 0 }],
      ['max_output_tokens', { max_output_tokens: -5 }],
      ['max_output_tokens', { max_output_tokens: 100.5 }],
      ['temperature', { temperature: 2.5 }],
      ['temperature', { temperature: -1 }],
      ['top_p', { top_p: 1.5 }],
      // Left out (DESIGN section 11), but OpenAI refuses them as sent: not served as if absent.
      ['metadata', { metadata: 'run-1' }],
      ['metadata', { metadata: { run: 1 } }],
      ['metadata', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
      ['metadata', { metadata: { ['k'.repeat(65)]: 'v' } }],
      ['metadata', { metadata: { run: 'v'.repeat(513) } }],
      ['store', { store: 'false' }],
      // A string would drop the reasoning envelope the client asked for.
      ['include', { include: 'reasoning.encrypted_content' }],
      ['include', { include: [42] }],
      ['truncation', { truncation: 'middle' }],
      ['truncation', { truncation: true }],
      ['service_tier', { service_tier: 1 }],
      ['prompt_cache_key', { prompt_cache_key: 42 }],
      ['prompt_cache_retention', { prompt_cache_retention: 24 }],
      ['stream_options', { stream_options: 'obfuscate' }],
      // What OpenAI refuses in the conversation: the provider sees only the translation.
      ['input', { input: [] }],
      ['tools', { tools: [TOOL, { ...TOOL, description: 'Another' }] }],
      ['tools', { tools: [TOOL, { type: 'custom', name: 'weather' }] }],
      // Left out, the entry or the schema would never reach the model.
      ['tools', { tools: [TOOL, 'forecast'] }],
      ['tools', { tools: [{ ...TOOL, parameters: 'city: string' }] }],
      ['tools', { tools: [{ type: 'namespace', name: 'crm', description: 'CRM', tools: [null] }] }],
      [
        'input',
        {
          input: [
            { role: 'user', content: 'hi' },
            { type: 'function_call_output', call_id: 'call_x', output: '12°C' },
          ],
        },
      ],
      [
        'input',
        {
          tools: [TOOL],
          input: [
            { role: 'user', content: 'hi' },
            { type: 'function_call_output', call_id: 'call_a', output: '12°C' },
            { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{}' },
          ],
        },
      ],
    ])('%s: %j', async (param, fields) => {
      const error = await rejectionOf(create(fields), OpenAI.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
      expect(error.message).toContain(param);
      sentNothing();
    });
  });

  test('the edges of OpenAI’s ranges are served: max_output_tokens 16 sent, left-out settings not sent', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`${i}`.padEnd(64, 'k'), 'v'.repeat(512)]));
    const response = await create({
      max_output_tokens: 16,
      temperature: 2,
      top_p: 0,
      metadata,
      store: true,
      // A value OpenAI may add later is accepted too.
      include: ['reasoning.encrypted_content', 'message.output_text.logprobs', 'reasoning.summary.detail'],
      truncation: 'auto',
      service_tier: 'auto',
      prompt_cache_key: 'k-1',
      prompt_cache_retention: '24h',
      stream_options: null,
    });
    expect(response.status).toBe('completed');
    expect(response.metadata).toEqual(metadata);
    const sent = upstreamBody(route.fake());
    expect(sent.max_tokens).toBe(16);
    for (const field of ['metadata', 'store', 'include', 'truncation', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention']) {
      expect(sent).not.toHaveProperty(field);
    }
  });

  test.each([1, 5, 15])('max_output_tokens %i, below OpenAI’s minimum of 16, reaches the model behind the route as it is', async (limit) => {
    const response = await create({ max_output_tokens: limit });
    expect(response.status).toBe('completed');
    expect(upstreamBody(route.fake()).max_tokens).toBe(limit);
  });

  test('the same tool declared again (an additional_tools item repeating one of tools) is one tool, sent once', async () => {
    await create({
      tools: [TOOL],
      input: [
        { role: 'user', content: 'hi' },
        { type: 'additional_tools', tools: [TOOL] },
      ],
    });
    const sent = upstreamBody(route.fake());
    const names = asArray(sent.tools).map((tool) => {
      const entry = asJson(tool);
      return entry.name ?? asJson(entry.function).name;
    });
    expect(names).toEqual(['weather']);
  });

  test('a tool output after its call, in a later turn, is carried', async () => {
    await create({
      tools: [TOOL],
      input: [
        { role: 'user', content: 'hi' },
        { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_a', output: '12°C' },
      ],
    });
    expect(JSON.stringify(upstreamBody(route.fake()))).toContain('12°C');
  });
});

test('Responses in, translated to Anthropic: input with no text names input, not the chat messages the client never sent', async () => {
  const error = await rejectionOf(openai().responses.create({ model: 'anthropic/claude-sonnet-5-5', input: '' }), OpenAI.BadRequestError);
  expect(error).toMatchObject({ status: 400, param: 'input' });
  expect(error.message).toContain('input must hold at least one user or assistant message');
  sentNothing();
});
