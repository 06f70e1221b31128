/**
 * The guides' claims that no other suite shows, one row per claim, each titled by its doc and
 * section: `docs/translation.md` and `docs/troubleshooting.md`, checked through the real `openai`
 * and `@anthropic-ai/sdk` clients (raw HTTP where the wire itself is the claim) against the fake
 * upstreams of `__tests__/support/`.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import zlib from 'node:zlib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { observe } from '../support/observe';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { RESPONSES_DEFAULTS } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicMessage, chatChunkFrame, chatCompletion, DONE_FRAME } from '../support/wire-frames';
import { clientFor, postChat } from './anthropic-adapter.helpers';

const GROQ_KEY = 'gsk-docs-claims-groq-key-0123456789';
const HELLO = [{ role: 'user' as const, content: 'Say hello' }];

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let groq: FakeUpstream;
let openrouter: FakeUpstream;
let local: FakeUpstream;
let host: Host;
let budgetHost: Host;
let chat: OpenAI;
let messages: Anthropic;

beforeAll(async () => {
  [openai, anthropic, groq, openrouter, local] = await startFakeUpstreams('openai', 'anthropic', 'local', 'openrouter', 'local');
  const env = {
    ...envFor({ openai, anthropic, openrouter, local }),
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: groq.baseUrl,
    GROQ_API_KEY: GROQ_KEY,
  };
  host = await startHost({ env });
  budgetHost = await startHost({ env: { ...envFor({ anthropic }), ANTHROPIC_THINKING: 'budget' } });
  chat = clientFor(host);
  messages = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
});
afterEach(() => {
  for (const fake of [openai, anthropic, groq, openrouter, local]) fake.reset();
});
afterAll(async () => {
  await host?.close();
  await budgetHost?.close();
  for (const fake of [openai, anthropic, groq, openrouter, local]) await fake?.close();
});

const nothingSent = (): void => expect([openai, anthropic, groq, openrouter, local].flatMap((fake) => fake.requests)).toEqual([]);

describe('docs/translation.md', () => {
  test.each<[title: string, params: Record<string, unknown>, expected: Record<string, unknown>, absent: string[]]>([
    [
      'Chat completions to Anthropic: a message’s `name` is not sent',
      { messages: [{ role: 'user', content: 'Hi', name: 'alice' }] },
      { messages: [{ role: 'user', content: 'Hi' }] },
      [],
    ],
    [
      'Chat completions to Anthropic: `n`, penalties, `seed`, `logprobs`, `store`, `metadata`, `prediction` are not sent',
      {
        n: 1,
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        seed: 7,
        logprobs: true,
        top_logprobs: 2,
        store: true,
        metadata: { a: 'b' },
        prediction: { type: 'content', content: 'Hello' },
      },
      {},
      ['n', 'presence_penalty', 'frequency_penalty', 'seed', 'logprobs', 'top_logprobs', 'store', 'metadata', 'prediction'],
    ],
    [
      'Chat completions to Anthropic: `safety_identifier`, else `user`, is `metadata.user_id`',
      { safety_identifier: 'safe-1', user: 'user-1' },
      { metadata: { user_id: 'safe-1' } },
      ['user', 'safety_identifier'],
    ],
    [
      'Chat completions to Anthropic: `response_format` `text` sends nothing',
      { response_format: { type: 'text' } },
      {},
      ['response_format', 'output_config'],
    ],
    [
      'Chat completions to Anthropic: consecutive turns of one role are merged',
      {
        messages: [
          { role: 'user', content: 'One' },
          { role: 'user', content: 'Two' },
        ],
      },
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'One' },
              { type: 'text', text: 'Two' },
            ],
          },
        ],
      },
      [],
    ],
    [
      'Chat completions to Anthropic: `refusal` parts of an assistant turn, or its `refusal` field when it has no text, are text',
      {
        messages: [
          { role: 'user', content: 'A' },
          { role: 'assistant', content: [{ type: 'refusal', refusal: 'No (part).' }] },
          { role: 'user', content: 'B' },
          { role: 'assistant', content: null, refusal: 'No (field).' },
          { role: 'user', content: 'C' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'A' },
          { role: 'assistant', content: 'No (part).' },
          { role: 'user', content: 'B' },
          { role: 'assistant', content: 'No (field).' },
          { role: 'user', content: 'C' },
        ],
      },
      [],
    ],
    [
      'Chat completions to Anthropic: a user message between tool messages follows the results in that turn',
      {
        messages: [
          { role: 'user', content: 'Go' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'a', arguments: '{}' } },
              { id: 'call_2', type: 'function', function: { name: 'b', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'one' },
          { role: 'user', content: 'Also this' },
          { role: 'tool', tool_call_id: 'call_2', content: 'two' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Go' },
          { role: 'assistant', content: expect.any(Array) },
          {
            role: 'user',
            content: [
              expect.objectContaining({ type: 'tool_result', tool_use_id: 'call_1' }),
              expect.objectContaining({ type: 'tool_result', tool_use_id: 'call_2' }),
              { type: 'text', text: 'Also this' },
            ],
          },
        ],
      },
      [],
    ],
    ['Chat completions to Anthropic: `top_k` is `top_k`', { top_k: 40 }, { top_k: 40 }, []],
    [
      'Chat completions to Anthropic: a tool without `parameters` gets an empty object schema, and `{}` gets `type: "object"`; `strict` is not sent',
      {
        tools: [
          { type: 'function', function: { name: 'now' } },
          { type: 'function', function: { name: 'any', parameters: {}, strict: true } },
        ],
      },
      {
        tools: [
          { name: 'now', input_schema: { type: 'object', properties: {} } },
          { name: 'any', input_schema: { type: 'object' } },
        ],
      },
      [],
    ],
    [
      'Chat completions to Anthropic: `allowed_tools` sends only the tools it names, with `any` for mode `required`',
      {
        tools: [
          { type: 'function', function: { name: 'a', parameters: { type: 'object' } } },
          { type: 'function', function: { name: 'b', parameters: { type: 'object' } } },
        ],
        tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'b' } }] } },
      },
      { tools: [{ name: 'b', input_schema: { type: 'object' } }], tool_choice: { type: 'any' } },
      [],
    ],
    [
      'Chat completions to Anthropic: a `tool_choice` of `auto` or `none` with no tools is left out with them',
      { tool_choice: 'none' },
      {},
      ['tool_choice', 'tools'],
    ],
    ['Chat completions to Anthropic: empty `stop` strings are left out', { stop: ['', 'END'] }, { stop_sequences: ['END'] }, []],
    [
      'Chat completions to Anthropic: `reasoning_effort` is adaptive thinking, summarized, with `output_config.effort`; `minimal` as `low`',
      { reasoning_effort: 'minimal' },
      { thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'low' } },
      [],
    ],
    [
      'Chat completions to Anthropic: no thinking when `tool_choice` forces a call',
      { reasoning_effort: 'high', tools: [{ type: 'function', function: { name: 'a', parameters: { type: 'object' } } }], tool_choice: 'required' },
      { tool_choice: { type: 'any' } },
      ['thinking'],
    ],
    [
      'Chat completions to Anthropic: assistant `reasoning_content` is not sent',
      {
        messages: [
          { role: 'user', content: 'A' },
          { role: 'assistant', content: 'B', reasoning_content: 'I thought' },
          { role: 'user', content: 'C' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'A' },
          { role: 'assistant', content: 'B' },
          { role: 'user', content: 'C' },
        ],
      },
      [],
    ],
  ])('%s', async (_title, params, expected, absent) => {
    await chat.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: HELLO, ...params } as never);
    const body = upstreamBody(anthropic);
    expect(body).toMatchObject(expected);
    if (expected.messages) expect(body.messages).toEqual(expected.messages);
    if (expected.tools) expect(body.tools).toEqual(expected.tools);
    for (const field of absent) expect(body).not.toHaveProperty(field);
  });

  test.each<[title: string, params: Record<string, unknown>, expected: Record<string, unknown>, absent: string[]]>([
    [
      'Messages to OpenAI-compatible providers: `inference_geo` `global` (the default) is served, and not sent',
      { inference_geo: 'global' },
      { messages: [{ role: 'user', content: 'Say hello' }] },
      ['inference_geo'],
    ],
    ['Messages to OpenAI-compatible providers: `mcp_servers: []` is served, and not sent', { mcp_servers: [] }, {}, ['mcp_servers']],
    [
      'Messages to OpenAI-compatible providers: `output_format` (the structured-outputs beta) is `response_format` json_schema named `output`, not strict',
      { output_format: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } } },
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'output', schema: { type: 'object', properties: { a: { type: 'string' } } } },
        },
      },
      ['output_format'],
    ],
    ['Messages to OpenAI-compatible providers: `tools: []` sends no `tools`', { tools: [] }, {}, ['tools']],
    [
      'Messages to OpenAI-compatible providers: `is_error: true` puts `Error: ` before the tool result text',
      {
        messages: [
          ...HELLO,
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: [{ type: 'text', text: 'boom' }] }] },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Say hello' },
          expect.objectContaining({ role: 'assistant' }),
          { role: 'tool', tool_call_id: 'toolu_1', content: 'Error: boom' },
        ],
      },
      [],
    ],
    [
      'Messages to OpenAI-compatible providers: a last assistant turn (a prefill) is the last assistant message, as it is',
      { messages: [...HELLO, { role: 'assistant', content: 'Hello, ' }] },
      {
        messages: [
          { role: 'user', content: 'Say hello' },
          { role: 'assistant', content: 'Hello, ' },
        ],
      },
      [],
    ],
    [
      'Messages to OpenAI-compatible providers: a turn of thinking alone is an assistant message with `content: ""` and its `reasoning_content`',
      {
        messages: [
          ...HELLO,
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm', signature: 'epr1.x' }] },
          { role: 'user', content: 'Go on' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Say hello' },
          { role: 'assistant', content: '', reasoning_content: 'Hmm' },
          { role: 'user', content: 'Go on' },
        ],
      },
      [],
    ],
    [
      'Messages to OpenAI-compatible providers: `input_examples` go after the description, one JSON object a line, under `Examples of input:`',
      { tools: [{ name: 'ls', description: 'list', input_schema: { type: 'object' }, input_examples: [{ path: '.' }, { path: '/tmp' }] }] },
      {
        tools: [
          {
            type: 'function',
            function: { name: 'ls', description: 'list\n\nExamples of input:\n{"path":"."}\n{"path":"/tmp"}', parameters: { type: 'object' } },
          },
        ],
      },
      [],
    ],
  ])('%s', async (_title, params, expected, absent) => {
    await messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO, ...params } as never);
    const body = upstreamBody(groq);
    expect(body).toMatchObject(expected);
    if (expected.messages) expect(body.messages).toEqual(expected.messages);
    expect((body.response_format as { json_schema?: object } | undefined)?.json_schema ?? {}).not.toHaveProperty('strict');
    for (const field of absent) expect(body).not.toHaveProperty(field);
  });

  test('Messages to OpenAI-compatible providers: what says how Anthropic would serve or bill the request, `context_management`, the top-level `cache_control` and `output_config` apart from `effort` and `format` are not sent', async () => {
    await messages.messages.create({
      model: 'groq/llama-3.3-70b-versatile',
      max_tokens: 100,
      messages: HELLO,
      service_tier: 'auto',
      speed: 'fast',
      diagnostics: { previous_message_id: 'msg_1' },
      fallbacks: [{ model: 'claude-haiku-4-5' }],
      fallback_credit_token: 'fct_1',
      billing_policy: 'standard',
      container: 'container_1',
      context_management: { edits: [] },
      cache_control: { type: 'ephemeral' },
      output_config: { task_budget: { type: 'tokens', total: 1000 } },
    } as never);
    const body = upstreamBody(groq);
    for (const field of [
      'service_tier',
      'speed',
      'diagnostics',
      'fallbacks',
      'fallback_credit_token',
      'billing_policy',
      'container',
      'context_management',
      'cache_control',
      'output_config',
    ]) {
      expect(body).not.toHaveProperty(field);
    }
  });

  test('Responses to other providers, Requests bridged or translated: the fields listed as left out are not sent, and the answer says `store: false`', async () => {
    const response = await chat.responses.create({
      model: 'groq/llama-3.3-70b-versatile',
      input: 'Hi',
      store: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k',
      prompt_cache_retention: '24h',
      prompt_cache_options: { ttl: '1h' },
      text: { verbosity: 'low' },
      reasoning: { effort: 'low', summary: 'auto' },
      service_tier: 'flex',
      truncation: 'auto',
      client_metadata: { a: 'b' },
      metadata: { a: 'b' },
      stream_options: { include_obfuscation: false },
      context_management: [{ type: 'compaction', compact_threshold: 1000 }],
    } as never);
    expect((response as unknown as { store: unknown }).store).toBe(false);
    const body = upstreamBody(groq);
    expect(body.reasoning_effort).toBe('low');
    for (const field of [
      'store',
      'include',
      'prompt_cache_key',
      'prompt_cache_retention',
      'prompt_cache_options',
      'text',
      'verbosity',
      'reasoning',
      'service_tier',
      'truncation',
      'client_metadata',
      'metadata',
      'stream_options',
      'context_management',
    ]) {
      expect(body).not.toHaveProperty(field);
    }
  });

  test.each<[title: string, params: Record<string, unknown>, effort: string | undefined]>([
    [
      'Reasoning, Effort in: Messages without `thinking` asks for none (an `output_config.effort` alone is not read)',
      { output_config: { effort: 'high' } },
      undefined,
    ],
    [
      'Reasoning, Effort in: adaptive thinking with an effort not in the list is `medium`',
      { thinking: { type: 'adaptive' }, output_config: { effort: 'ludicrous' } },
      'medium',
    ],
    ['Reasoning, Effort in: adaptive thinking without an effort is `medium`', { thinking: { type: 'adaptive' } }, 'medium'],
    ['Reasoning, Effort in: a budget below 1024 is `minimal`', { max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 1000 } }, 'minimal'],
    ['Reasoning, Effort in: `disabled` is `none`', { thinking: { type: 'disabled' } }, 'none'],
  ])('%s', async (_title, params, effort) => {
    await messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO, ...params } as never);
    const body = upstreamBody(groq);
    if (effort === undefined) expect(body).not.toHaveProperty('reasoning_effort');
    else expect(body.reasoning_effort).toBe(effort);
  });

  test('Reasoning, Effort out: to Anthropic, a `reasoning_effort` not in the list is refused with 400', async () => {
    const error = await rejectionOf(
      chat.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: HELLO, reasoning_effort: 'ludicrous' } as never),
      OpenAI.BadRequestError,
    );
    expect(error.param).toBe('reasoning_effort');
    expect(anthropic.requests).toHaveLength(0);
  });

  const CALL = { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } };
  test.each<[title: string, message: Record<string, unknown>, finish: string, expected: Record<string, unknown>]>([
    [
      'Messages to OpenAI-compatible providers, answers: a turn that produced tool calls but finished with `stop` ends in `tool_use`',
      { role: 'assistant', content: null, tool_calls: [CALL] },
      'stop',
      { stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } }] },
    ],
    [
      'Messages to OpenAI-compatible providers, answers: a turn reported as `tool_calls` that produced none ends in `end_turn`',
      { role: 'assistant', content: 'No call after all' },
      'tool_calls',
      { stop_reason: 'end_turn', content: [{ type: 'text', text: 'No call after all' }] },
    ],
    [
      'Messages to OpenAI-compatible providers, answers: any other finish reason is `end_turn`',
      { role: 'assistant', content: 'Hi' },
      'eos',
      { stop_reason: 'end_turn' },
    ],
    [
      'Messages to OpenAI-compatible providers, answers: a `refusal` with no `content` becomes the text, and the turn ends in `refusal`',
      { role: 'assistant', content: null, refusal: 'I cannot help with that.' },
      'stop',
      { stop_reason: 'refusal', content: [{ type: 'text', text: 'I cannot help with that.' }] },
    ],
  ])('%s', async (_title, message, finish, expected) => {
    groq.handler = (_request, res) => sendJson(res, 200, chatCompletion(message, finish));
    const answer = await messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO });
    expect(answer).toMatchObject(expected);
  });

  test('Messages to OpenAI-compatible providers, answers: cache reads and writes are `cache_read_input_tokens` and `cache_creation_input_tokens`, both left out of `input_tokens`', async () => {
    groq.handler = (_request, res) =>
      sendJson(res, 200, {
        ...chatCompletion({ role: 'assistant', content: 'Hi' }, 'stop'),
        usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 } },
      });
    const answer = await messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO });
    expect(answer.usage).toMatchObject({ input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 60, cache_creation_input_tokens: 30 });
  });

  test.each<[title: string, model: string, fake: () => FakeUpstream, sent: boolean]>([
    ['is served without the field when translated (groq)', 'groq/llama-3.3-70b-versatile', () => groq, false],
    ['goes on as the client sent it, passed through to llama-server', 'local/qwen', () => local, true],
  ])('Messages to OpenAI-compatible providers: `thread: {type: "create"}` %s', async (_title, model, fake, sent) => {
    // The fake's field check is Anthropic's list, which lacks `thread`: answer here to see what arrives.
    local.handler = (_request, res) =>
      sendJson(res, 200, anthropicMessage('qwen', [{ type: 'text', text: 'Hi' }], 'end_turn', { input_tokens: 3, output_tokens: 1 }));
    await messages.messages.create({ model, max_tokens: 100, messages: HELLO, thread: { type: 'create' } } as never);
    const request = fake().requests.find((r) => r.method === 'POST');
    expect(request?.body).toBeDefined();
    expect('thread' in request!.body!).toBe(sent);
  });

  test('Messages to OpenAI-compatible providers: `thread: {type: "continue"}` passed through to llama-server is a 404 `thread_not_found`; nothing is sent', async () => {
    const error = await rejectionOf(
      messages.messages.create({
        model: 'local/qwen',
        max_tokens: 100,
        messages: HELLO,
        thread: { type: 'continue', previous_message_id: 'msg_1' },
      } as never),
      Anthropic.NotFoundError,
    );
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'not_found_error', details: { error_code: 'thread_not_found' } } });
    nothingSent();
  });

  test.each<[title: string, params: Record<string, unknown>, named: string]>([
    ['What is left out, and what is refused: `inference_geo` other than `global` is a 400 naming it', { inference_geo: 'us' }, 'inference_geo'],
    ['What is left out, and what is refused: `compaction` is a 400 naming it', { compaction: { type: 'auto' } }, 'compaction'],
    ['What is left out, and what is refused: a field the router does not know is a 400 naming it', { frobnicate: 1 }, 'frobnicate'],
  ])('%s; nothing is sent', async (_title, params, named) => {
    const error = await rejectionOf(
      messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO, ...params } as never),
      Anthropic.BadRequestError,
    );
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(named) } });
    nothingSent();
  });

  test.each<[title: string, params: Record<string, unknown>]>([
    ['a role other than system, developer, user, assistant or tool', { messages: [{ role: 'function', name: 'f', content: 'x' }, ...HELLO] }],
    [
      'a non-text part in a system message',
      { messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }, ...HELLO] },
    ],
    ['a `file` part given by `file_id`', { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }],
    [
      'a `file` part that is neither a PDF nor plain text',
      { messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.png', file_data: 'data:image/png;base64,iVBORw0KGgo=' } }] }] },
    ],
    [
      'an image URL that is neither a base64 data URL nor http(s)',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] }] },
    ],
    [
      'a tool call without an id',
      {
        messages: [
          ...HELLO,
          { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
        ],
      },
    ],
    ['a tool that is not a named function', { tools: [{ type: 'function', function: { parameters: { type: 'object' } } }] }],
    ['a `tool_choice` that forces a call when the request offers no tools', { tool_choice: 'required' }],
    [
      '`response_format` `json_schema` without a `json_schema.schema` object',
      { response_format: { type: 'json_schema', json_schema: { name: 'out' } } },
    ],
  ])('What is left out, and what is refused (chat completions to Anthropic): %s is a 400; nothing is sent', async (_title, params) => {
    const error = await rejectionOf(
      chat.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: HELLO, ...params } as never),
      OpenAI.BadRequestError,
    );
    expect(error.status).toBe(400);
    expect(['invalid_request', 'unsupported_parameter']).toContain(error.code);
    nothingSent();
  });

  test('What is left out, and what is refused (chat completions to Anthropic): a plain-text `file` part becomes a `document` block, its filename the title', async () => {
    const text = Buffer.from('Plain notes').toString('base64');
    await chat.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'notes.txt', file_data: `data:text/plain;base64,${text}` } }] }],
    });
    expect(upstreamBody(anthropic).messages).toEqual([
      {
        role: 'user',
        content: [
          expect.objectContaining({ type: 'document', title: 'notes.txt', source: expect.objectContaining({ type: 'text', data: 'Plain notes' }) }),
        ],
      },
    ]);
  });

  test.each<[title: string, params: Record<string, unknown>, named: RegExp]>([
    ['a non-positive `max_tokens`', { max_tokens: 0 }, /max_tokens/],
    ['a role other than user, assistant or system', { messages: [{ role: 'tool', content: 'x' }] }, /role/],
    ['content that is neither a string nor an array of blocks', { messages: [{ role: 'user', content: 42 }] }, /content/],
    [
      'an image without a `base64` or `url` source',
      { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] },
      /image/,
    ],
    ['a `tool_result` without `tool_use_id`', { messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'ok' }] }] }, /tool_use_id/],
    [
      'a `tool_use` block without `id` and `name`',
      { messages: [...HELLO, { role: 'assistant', content: [{ type: 'tool_use', input: {} }] }, { role: 'user', content: 'go on' }] },
      /tool_use/,
    ],
    [
      '`system` that is neither a string nor text blocks: the 400 names the block and its type',
      { system: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] },
      /system\[0\].*image|image.*system/,
    ],
    ['`stop_sequences` that is not an array of strings', { stop_sequences: 'END' }, /stop_sequences/],
    ['a tool without a name', { tools: [{ input_schema: { type: 'object' } }] }, /name|tool/],
    [
      'an unknown `tool_choice` type',
      { tools: [{ name: 't', input_schema: { type: 'object' } }], tool_choice: { type: 'sometimes' } },
      /tool_choice/,
    ],
    ['a `tool_choice` of type any with no tools', { tool_choice: { type: 'any' } }, /tool_choice|tools/],
    ['a server tool in `tools`, named', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, /web_search/],
    [
      'a block in an assistant turn other than text, tool_use, thinking and server-tool blocks, named',
      { messages: [...HELLO, { role: 'assistant', content: [{ type: 'container_upload', file_id: 'file_1' }] }, { role: 'user', content: 'Go on' }] },
      /container_upload/,
    ],
  ])('What is left out, and what is refused (Messages to chat completions): %s is a 400; nothing is sent', async (_title, params, named) => {
    const error = await rejectionOf(
      messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO, ...params } as never),
      Anthropic.BadRequestError,
    );
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(error.message).toMatch(named);
    nothingSent();
  });

  test.each<[title: string, params: Record<string, unknown>, param: string | undefined]>([
    ['`input` that is neither a string nor an array', { input: 42 }, undefined],
    ['a message role other than user, assistant, system or developer', { input: [{ type: 'message', role: 'tool', content: 'x' }] }, undefined],
    ['a text part without `text`', { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text' }] }] }, undefined],
    ['a call item without `call_id` and `name`', { input: [{ type: 'function_call', arguments: '{}' }] }, undefined],
    ['a call whose `arguments` is not a string', { input: [{ type: 'function_call', call_id: 'c1', name: 'f', arguments: {} }] }, undefined],
    ['a tool output without `call_id`', { input: [{ type: 'function_call_output', output: 'ok' }] }, undefined],
    ['`instructions` that is not a string, with `param`', { instructions: ['Be brief'] }, 'instructions'],
    ['`max_output_tokens` that is not a positive integer, with `param`', { max_output_tokens: 0 }, 'max_output_tokens'],
    ['`input` that is an empty array, with `param`', { input: [] }, 'input'],
    [
      'a tool output whose `call_id` no call item before it has, `param` naming `input`',
      { input: [{ type: 'function_call_output', call_id: 'call_x', output: 'ok' }] },
      'input',
    ],
    ['`store` that is not a boolean (left out, refused as OpenAI refuses it), with `param`', { store: 'yes' }, 'store'],
    ['a `text` whose `format` type is unknown, with `param`', { text: { format: { type: 'xml' } } }, 'text'],
    ['a JSON schema `text.format` without `schema`, with `param`', { text: { format: { type: 'json_schema', name: 'out' } } }, 'text'],
    [
      'a tool of a type that is neither function, custom, namespace nor a known hosted tool, `param` naming `tools`',
      { tools: [{ type: 'teleport' }] },
      'tools',
    ],
  ])('What is left out, and what is refused (Responses bridged): %s is a 400; nothing is sent', async (_title, params, param) => {
    const error = await rejectionOf(
      chat.responses.create({ model: 'groq/llama-3.3-70b-versatile', input: 'Hi', ...params } as never),
      OpenAI.BadRequestError,
    );
    expect(error.status).toBe(400);
    if (param) expect(error.param).toBe(param);
    if (param === 'tools') expect(error.code).toBe('unsupported_parameter');
    nothingSent();
  });

  const COMPLETION = Buffer.from(JSON.stringify(chatCompletion({ role: 'assistant', content: 'Decoded' }, 'stop')));
  test.each<[title: string, encoding: string, body: Buffer]>([
    ['`x-gzip`', 'x-gzip', zlib.gzipSync(COMPLETION)],
    ['several in a row (`gzip, br`)', 'gzip, br', zlib.brotliCompressSync(zlib.gzipSync(COMPLETION))],
    ['`deflate` as raw deflate', 'deflate', zlib.deflateRawSync(COMPLETION)],
    ['`deflate` in the zlib format', 'deflate', zlib.deflateSync(COMPLETION)],
    ['`zstd`', 'zstd', zlib.zstdCompressSync(COMPLETION)],
    ['a gzip body that ends without its trailer (what it holds)', 'gzip', zlib.gzipSync(COMPLETION).subarray(0, -8)],
  ])(
    'Upstream answers, every route: an answer compressed as %s is decoded; the router asked for `accept-encoding: identity`',
    async (_title, encoding, body) => {
      openai.handler = (_request, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
        res.end(body);
      };
      const answer = await chat.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: HELLO });
      expect(answer.choices[0]?.message.content).toBe('Decoded');
      expect(openai.requests[0]?.headers['accept-encoding']).toBe('identity');
    },
  );

  test.each<[title: string, answer: Record<string, unknown>, status: number, code: string]>([
    [
      'choice 0 ended with `finish_reason: "error"`: 502',
      chatCompletion({ role: 'assistant', content: 'Cut' }, 'error'),
      502,
      'upstream_invalid_response',
    ],
    [
      'choice 0 carries an `error` whose `code` is a 4xx: its status',
      chatCompletion({ role: 'assistant', content: 'Cut' }, 'stop', { error: { code: 429, message: 'failed part-way' } }),
      429,
      'rate_limit_exceeded',
    ],
    [
      'there is no choice at all: 502',
      { ...chatCompletion({ role: 'assistant', content: '' }, 'stop'), choices: [] },
      502,
      'upstream_invalid_response',
    ],
  ])(
    'Upstream answers, every route: a translated answer the provider reports as failed is an error in the route’s shape; %s',
    async (_title, answer, status, code) => {
      groq.handler = (_request, res) => sendJson(res, 200, answer);
      const onMessages = await rejectionOf(
        messages.messages.create({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO }),
        Anthropic.APIError,
      );
      expect(onMessages.status).toBe(status);
      expect(onMessages.error).toMatchObject({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error' } });
      const onResponses = await rejectionOf(chat.responses.create({ model: 'groq/llama-3.3-70b-versatile', input: 'Hi' }), OpenAI.APIError);
      expect([onResponses.status, onResponses.code]).toEqual([status, code]);
    },
  );

  test('Upstream answers, every route: a translated stream that ends with `data: [DONE]` without any chunk of choice 0 ends with the mid-stream error', async () => {
    groq.handler = (_request, res) => sendFrames(res, [DONE_FRAME]);
    const stream = messages.messages.stream({ model: 'groq/llama-3.3-70b-versatile', max_tokens: 100, messages: HELLO });
    await rejectionOf(stream.finalMessage(), Anthropic.APIError);
  });

  test.each<[title: string, code: unknown, status: number]>([
    ['a 4xx number', 429, 429],
    ['a string of a 5xx', '503', 503],
    ['anything else: 502', 'generation_failed', 502],
  ])('Upstream answers, every route: a 200 that is only an error gets the status of its `code` when that is %s', async (_title, code, status) => {
    openai.handler = (_request, res) => sendJson(res, 200, { error: { code, message: 'Generation failed' } });
    const error = await rejectionOf(chat.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: HELLO }), OpenAI.APIError);
    expect(error.status).toBe(status);
    expect(error.message).toContain('Generation failed');
  });

  test.each<[title: string, params: Record<string, unknown>, check: (body: Record<string, unknown>) => void]>([
    [
      '`parallel_tool_calls` is sent only when tools are sent',
      { parallel_tool_calls: false },
      (body) => expect(body).not.toHaveProperty('parallel_tool_calls'),
    ],
    [
      'with only hosted tools, `auto` and `none` are not sent',
      { tools: [{ type: 'web_search' }], tool_choice: 'none' },
      (body) => {
        expect(body).not.toHaveProperty('tool_choice');
        expect(body).not.toHaveProperty('tools');
      },
    ],
    [
      '`input_file` by `file_url` to OpenRouter takes its filename from the URL’s last path segment',
      { input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_url: 'https://example.com/docs/report.pdf?x=1' }] }] },
      (body) => expect(JSON.stringify(body.messages)).toContain('"filename":"report.pdf"'),
    ],
    ['`safety_identifier`, else `user`, is `user`', { safety_identifier: 'safe-1', user: 'user-1' }, (body) => expect(body.user).toBe('safe-1')],
  ])('Responses to other providers, Requests bridged or translated: %s', async (_title, params, check) => {
    const openrouterBridged = JSON.stringify(params).includes('file_url');
    const bridged = openrouterBridged ? await startHost({ env: { ...envFor({ openrouter }), OPENROUTER_RESPONSES: 'chat' } }) : undefined;
    try {
      const model = openrouterBridged ? 'openrouter/meta-llama/llama-3.1-8b-instruct' : 'groq/llama-3.3-70b-versatile';
      await (bridged ? clientFor(bridged) : chat).responses.create({ model, input: 'Hi', ...params } as never);
      check(upstreamBody(openrouterBridged ? openrouter : groq));
    } finally {
      await bridged?.close();
    }
  });

  test('Responses to other providers, Answers: the request’s settings are repeated, with OpenAI’s defaults where the client set none; `usage` is `null` when the provider reported none', async () => {
    groq.handler = (_request, res) => sendJson(res, 200, chatCompletion({ role: 'assistant', content: 'Hi' }, 'stop'));
    const response = await chat.responses.create({ model: 'groq/llama-3.3-70b-versatile', input: 'Hi' });
    expect(response).toMatchObject({
      object: 'response',
      model: 'groq/llama-3.3-70b-versatile',
      status: 'completed',
      error: null,
      ...RESPONSES_DEFAULTS,
      usage: null,
      output_text: 'Hi',
    });
    expect(response.id).toMatch(/^resp_/);
  });

  test('Responses to other providers, Answers: a custom tool call’s arguments that are not `{"input": ...}` JSON are taken as the input text itself', async () => {
    groq.handler = (_request, res) =>
      sendJson(
        res,
        200,
        chatCompletion(
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_p', type: 'function', function: { name: 'apply_patch', arguments: '*** Begin Patch' } }],
          },
          'tool_calls',
        ),
      );
    const response = await chat.responses.create({
      model: 'groq/llama-3.3-70b-versatile',
      input: 'Patch it',
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Edits files.' }],
    });
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch' }),
    ]);
  });

  test('Responses to other providers, The event stream: every frame has its `event:` line and a `sequence_number` from 0; there is no `data: [DONE]`', async () => {
    const identity = { id: 'chatcmpl-1', created: 1, model: 'llama' };
    groq.handler = (_request, res) =>
      sendFrames(res, [chatChunkFrame(identity, { role: 'assistant', content: 'Hi' }), chatChunkFrame(identity, {}, 'stop'), DONE_FRAME]);
    const res = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` },
      body: JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', input: 'Hi', stream: true }),
    });
    const frames = (await res.text()).split('\n\n').filter((frame) => frame.trim() !== '');
    expect(frames.every((frame) => /^event: \S+\ndata: /.test(frame))).toBe(true);
    const numbers = frames.map((frame) => (JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { sequence_number: number }).sequence_number);
    expect(numbers).toEqual(numbers.map((_n, i) => i));
    expect(frames.some((frame) => frame.includes('[DONE]'))).toBe(false);
    expect(frames.at(-1)).toMatch(/^event: response\.completed/);
  });

  test.each<[title: string, body: Buffer, encoding: string, status: number]>([
    [
      'Upstream answers, every route: a client body sent with `Content-Encoding: x-gzip` is decoded',
      zlib.gzipSync(Buffer.from(JSON.stringify({ model: 'openai/gpt-4o-mini', messages: HELLO }))),
      'x-gzip',
      200,
    ],
    [
      'Upstream answers, every route: a client body that does not decode is a 400',
      Buffer.from('not gzip at all, though the header says so'),
      'gzip',
      400,
    ],
  ])('%s', async (_title, body, encoding, status) => {
    const res = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${CLIENT_TOKEN}` },
      body,
    });
    expect(res.status).toBe(status);
    if (status === 200) expect(upstreamBody(openai)).toMatchObject({ model: 'gpt-4o-mini', messages: HELLO });
    else nothingSent();
  });
});

describe('docs/translation.md, Errors in the client’s dialect: OpenRouter’s in-stream `{"code": 529}`', () => {
  const identity = { id: 'gen-1', created: 1, model: 'meta-llama/llama-3.1-8b-instruct' };
  const failingStream = (): void => {
    openrouter.handler = (_request, res) =>
      sendFrames(res, [
        chatChunkFrame(identity, { role: 'assistant', content: 'Hel' }),
        `data: ${JSON.stringify({ error: { code: 529, message: 'Overloaded' } })}\n\n`,
      ]);
  };

  test('is `overloaded_error` on `/messages`', async () => {
    failingStream();
    const stream = messages.messages.stream({ model: 'openrouter/meta-llama/llama-3.1-8b-instruct', max_tokens: 100, messages: HELLO });
    const error = await rejectionOf(stream.finalMessage(), Anthropic.APIError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringContaining('Overloaded') } });
  });

  test('is `server_error` with `code: "529"` on chat completions, in the router’s own frame after OpenRouter’s, passed on as it is', async () => {
    failingStream();
    const res = await postChat(host, { model: 'openrouter/meta-llama/llama-3.1-8b-instruct', messages: HELLO, stream: true });
    const frames = (await res.text()).split('\n\n').filter((frame) => frame.startsWith('data: {'));
    const errors = frames.map((frame) => JSON.parse(frame.slice(6)) as { error?: unknown }).filter((payload) => payload.error);
    expect(errors).toEqual([
      { error: { code: 529, message: 'Overloaded' } },
      { error: expect.objectContaining({ type: 'server_error', code: '529', message: expect.stringContaining('Overloaded') }) },
    ]);
  });
});

describe('docs/translation.md, answers', () => {
  test('Chat completions to Anthropic, Answers: `prompt_tokens` counts input plus cache reads and writes; `prompt_tokens_details` has them as `cached_tokens` and `cache_write_tokens`', async () => {
    anthropic.handler = (_request, res) =>
      sendJson(
        res,
        200,
        anthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: 'Hi' }], 'end_turn', {
          input_tokens: 10,
          output_tokens: 3,
          cache_read_input_tokens: 60,
          cache_creation_input_tokens: 30,
        }),
      );
    const answer = await chat.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: HELLO });
    expect(answer.usage).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 3,
      prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 30 },
    });
  });

  test('Upstream answers, every route: a passthrough frame with an `event:` line but no data is left out; the rest goes on byte for byte', async () => {
    const identity = { id: 'chatcmpl-1', created: 1, model: 'gpt-4o-mini' };
    const frames = [
      ': keep-alive\n\n',
      'event: ping\n\n',
      chatChunkFrame(identity, { role: 'assistant', content: 'Hi' }),
      chatChunkFrame(identity, {}, 'stop'),
      DONE_FRAME,
    ];
    openai.handler = (_request, res) => sendFrames(res, frames);
    const res = await postChat(host, { model: 'openai/gpt-4o-mini', messages: HELLO, stream: true });
    expect(await res.text()).toBe([frames[0], ...frames.slice(2)].join(''));
  });

  test('Upstream answers, every route: at the end of a body, a frame with an `event:` line and no data is the stream cut off, ended with the mid-stream error', async () => {
    const identity = { id: 'chatcmpl-1', created: 1, model: 'gpt-4o-mini' };
    openai.handler = (_request, res) => sendFrames(res, [chatChunkFrame(identity, { role: 'assistant', content: 'Hi' }), 'event: message\n\n']);
    const stream = await chat.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: HELLO, stream: true });
    await rejectionOf(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
      OpenAI.APIError,
    );
  });
});

describe('docs/troubleshooting.md', () => {
  test.each<[title: string, effort: string, maxTokens: number, thinking: unknown]>([
    ['A chat client gets no thinking from an Anthropic model: with `max_tokens` at 1024, no thinking is asked for', 'high', 1024, undefined],
    [
      'A chat client gets no thinking from an Anthropic model: the budget stays below `max_tokens`',
      'high',
      1025,
      { type: 'enabled', budget_tokens: 1024 },
    ],
    [
      'A chat client gets no thinking from an Anthropic model: the budget is 1024 at least (`minimal` counts as `low`)',
      'minimal',
      40000,
      { type: 'enabled', budget_tokens: 1024 },
    ],
    [
      'A chat client gets no thinking from an Anthropic model: the budget is 16384 at most (`max`)',
      'max',
      40000,
      { type: 'enabled', budget_tokens: 16384 },
    ],
  ])('%s', async (_title, effort, maxTokens, thinking) => {
    await clientFor(budgetHost).chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      messages: HELLO,
      max_tokens: maxTokens,
      reasoning_effort: effort,
    } as never);
    const body = upstreamBody(anthropic);
    expect(body.thinking).toEqual(thinking);
    expect(body.max_tokens).toBe(maxTokens);
  });

  test.each<[title: string, send: (openaiBridged: OpenAI) => Promise<unknown>, effort: string]>([
    [
      'OpenAI answers 400 about `reasoning_effort`: a chat client’s own `max` is passed on as it is',
      (client) => client.chat.completions.create({ model: 'openai/gpt-5.5', messages: HELLO, reasoning_effort: 'max' as never }),
      'max',
    ],
    [
      'OpenAI answers 400 about `reasoning_effort`: a `max` from a bridged `/responses` goes as `xhigh` to a model before gpt-5.6',
      (client) => client.responses.create({ model: 'openai/gpt-5.5', input: 'Hi', reasoning: { effort: 'max' as never } }),
      'xhigh',
    ],
  ])('%s', async (_title, send, effort) => {
    const bridged = await startHost({ env: { ...envFor({ openai }), OPENAI_RESPONSES: 'chat' } });
    try {
      await send(clientFor(bridged));
      expect(upstreamBody(openai).reasoning_effort).toBe(effort);
    } finally {
      await bridged.close();
    }
  });

  test.each<[title: string, alias: string, upstream: string, sent: boolean]>([
    ['a deployment named `prod-chat` gets no effort', 'prod-chat', 'prod-chat', false],
    ['an alias of a reasoning model’s name gets it', 'fast', 'gpt-5.5', true],
  ])('OpenAI answers 400 about `reasoning_effort`: the rule reads the upstream model name: %s', async (_title, alias, upstream, sent) => {
    const mapped = await startHost({ env: { ...envFor({ openai }), PROVIDER_MODEL_MAP: `${alias}=openai:${upstream}` } });
    try {
      await clientFor(mapped).chat.completions.create({ model: alias, messages: HELLO, reasoning_effort: 'high' });
      const body = upstreamBody(openai);
      expect(body.model).toBe(upstream);
      expect('reasoning_effort' in body).toBe(sent);
    } finally {
      await mapped.close();
    }
  });

  test('A page on another origin cannot read `x-request-id`: answers carry `x-request-id` and `x-provider`', async () => {
    const res = await postChat(host, { model: 'openai/gpt-4o-mini', messages: HELLO });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(res.headers.get('x-provider')).toBe('openai');
  });

  test('`400 provider_not_configured`: the message names the variable', async () => {
    const keyless = await startHost({ env: envFor({ anthropic }) });
    try {
      const error = await rejectionOf(
        clientFor(keyless).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: HELLO }),
        OpenAI.BadRequestError,
      );
      expect([error.status, error.code]).toEqual([400, 'provider_not_configured']);
      expect(error.message).toContain('OPENAI_API_KEY');
      nothingSent();
    } finally {
      await keyless.close();
    }
  });

  test('`502 upstream_invalid_response`: "it redirected": the message names the provider, the status and the Location; its model list fails with `answered 301`, logged as `model list of "groq" failed`', async () => {
    const location = 'https://api.example.com/v1/chat/completions';
    groq.handler = (_request, res) => {
      res.writeHead(301, { location });
      res.end();
    };
    const warnings: string[] = [];
    const redirected = await startHost({
      env: { OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: groq.baseUrl, GROQ_API_KEY: GROQ_KEY, PROVIDER_TIMEOUT_MS: '2000' },
      logger: { warn: (message: string) => warnings.push(message), error: () => undefined },
    });
    const observed = observe();
    observed.listen(redirected.router);
    try {
      const error = await rejectionOf(
        clientFor(redirected).chat.completions.create({ model: 'groq/llama-3.3-70b-versatile', messages: HELLO }),
        OpenAI.InternalServerError,
      );
      expect([error.status, error.code]).toEqual([502, 'upstream_invalid_response']);
      expect(error.message).toContain(`Provider "groq" answered badly: it redirected (301 to ${location})`);

      await clientFor(redirected).models.list();
      const failures = observed.events.filter((event) => event.type === 'models.error' && event.provider === 'groq');
      expect(failures).toEqual([expect.objectContaining({ provider: 'groq', error: expect.stringContaining('answered 301') })]);
      expect(warnings).toContain('express-provider-router: model list of "groq" failed');
    } finally {
      await redirected.close();
    }
  });

  test('Codex calls a tool it cannot run: a model that calls a tool with no name ends the turn with `response.failed` ("sent a tool call without a name")', async () => {
    const identity = { id: 'chatcmpl-1', created: 1, model: 'llama-3.3-70b-versatile' };
    groq.handler = (_request, res) =>
      sendFrames(res, [
        chatChunkFrame(identity, { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { arguments: '{}' } }] }),
        chatChunkFrame(identity, {}, 'tool_calls'),
        DONE_FRAME,
      ]);
    const stream = await chat.responses.create({ model: 'groq/llama-3.3-70b-versatile', input: 'Run it', stream: true });
    const types: string[] = [];
    let failure: string | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.failed') failure = event.response.error?.message;
    }
    expect(types.at(-1)).toBe('response.failed');
    expect(failure).toContain('sent a tool call without a name');
  });

  test('Codex calls a tool it cannot run: a `tool_choice` that forces a hosted tool is a 400 with `param: "tool_choice"`', async () => {
    const error = await rejectionOf(
      chat.responses.create({
        model: 'groq/llama-3.3-70b-versatile',
        input: 'Search',
        tools: [{ type: 'web_search' }],
        tool_choice: { type: 'web_search' } as never,
      }),
      OpenAI.BadRequestError,
    );
    expect([error.status, error.param]).toEqual([400, 'tool_choice']);
    nothingSent();
  });

  test('Codex reports an incomplete response with an Anthropic model: no `max_output_tokens` sends 4096; Anthropic’s max_tokens stop is `response.incomplete` (`max_output_tokens`)', async () => {
    anthropic.handler = (_request, res) =>
      sendJson(
        res,
        200,
        anthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: 'A long edit' }], 'max_tokens', { input_tokens: 5, output_tokens: 4096 }),
      );
    const response = await chat.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Edit it' });
    expect(upstreamBody(anthropic).max_tokens).toBe(4096);
    expect([response.status, response.incomplete_details]).toEqual(['incomplete', { reason: 'max_output_tokens' }]);
  });

  test('`404` on `/responses/{id}` (translation.md, Routes the router does not serve): `responses.retrieve()` and `.delete()` and `/responses/compact` are 404 `not_found_error` / `unsupported_endpoint` naming the route, with no telemetry event; nothing is sent', async () => {
    const observed = observe();
    observed.listen(host.router);
    const calls: Array<[route: string, call: () => Promise<unknown>]> = [
      ['/responses/resp_1', () => chat.responses.retrieve('resp_1')],
      ['/responses/resp_1', () => chat.responses.delete('resp_1')],
      ['/responses/compact', () => chat.post('/responses/compact', { body: { model: 'openai/gpt-5.5', input: 'Hi' } })],
    ];
    for (const [route, call] of calls) {
      const error = await rejectionOf(call(), OpenAI.NotFoundError);
      expect([error.status, error.type, error.code]).toEqual([404, 'not_found_error', 'unsupported_endpoint']);
      expect(error.message).toContain(route);
    }
    expect(observed.events).toEqual([]);
    nothingSent();
  });

  test('Routes the router does not serve (translation.md): any other path under `/responses/` goes to the host’s next handler', async () => {
    const res = await fetch(`${host.url}/v1/responses/resp_1/input_items`, { headers: { authorization: `Bearer ${CLIENT_TOKEN}` } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Cannot GET /v1/responses/resp_1/input_items');
    nothingSent();
  });

  test('OpenRouter (translation.md, Effort out): a `reasoning` object the client sent itself is kept as it is, and `reasoning_effort` left out', async () => {
    await chat.chat.completions.create({
      model: 'openrouter/meta-llama/llama-3.1-8b-instruct',
      messages: HELLO,
      reasoning_effort: 'high',
      reasoning: { max_tokens: 2000 },
    } as never);
    const body = upstreamBody(openrouter);
    expect(body.reasoning).toEqual({ max_tokens: 2000 });
    expect(body).not.toHaveProperty('reasoning_effort');
  });
});
