/**
 * DESIGN section 11, "Request, bridged or translated" and "Answer, bridged or translated", item by
 * item, on every route that is not passthrough: bridged through chat completions to `local` and
 * to a provider declared in env (`OPENAI_COMPATIBLE_PROVIDERS=groq`), and translated to Anthropic
 * Messages (with section 5's and 9's rules where Anthropic differs). The `openai` SDK is the
 * client; the fake upstreams record what they receive and answer in their own wire formats.
 */
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { startFakeUpstreams, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { parseResponsesSse, responsesStreamResult } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicEvent, chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

type Json = Record<string, unknown>;

let local: FakeUpstream, groq: FakeUpstream, anthropic: FakeUpstream, openrouter: FakeUpstream;
let host: Host;

const ANTHROPIC_MAX_TOKENS = 1234;

beforeAll(async () => {
  [local, groq, anthropic, openrouter] = await startFakeUpstreams('local', 'local', 'anthropic', 'openrouter');
  host = await startHost({
    env: {
      ...envFor({ local, anthropic, openrouter }),
      OPENROUTER_RESPONSES: 'chat',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: 'gsk-matrix-key',
      ANTHROPIC_MAX_TOKENS: String(ANTHROPIC_MAX_TOKENS),
    },
  });
});
afterEach(() => [local, groq, anthropic, openrouter].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([local, groq, anthropic, openrouter].map((fake) => fake.close()));
});

/** A route that is not passthrough: the model that takes it, and the fake that serves it. */
interface Route {
  name: string;
  model: string;
  fake: () => FakeUpstream;
  wire: 'chat' | 'messages';
}

const ROUTES: readonly Route[] = [
  { name: 'local (bridged)', model: 'local/qwen', fake: () => local, wire: 'chat' },
  { name: 'groq from env (bridged)', model: 'groq/llama-4', fake: () => groq, wire: 'chat' },
  { name: 'anthropic (translated)', model: 'anthropic/claude-sonnet-5-5', fake: () => anthropic, wire: 'messages' },
];

const BRIDGED = ROUTES.filter((route) => route.wire === 'chat');

const client = (): OpenAI => new OpenAI({ apiKey: 'host-token', baseURL: `${host.url}/v1`, maxRetries: 0 });

type CreateParams = OpenAI.Responses.ResponseCreateParamsNonStreaming;

/** The body the route's fake received for the only request sent. */
function received(route: Route): Json {
  const requests = route.fake().requests;
  expect(requests).toHaveLength(1);
  return requests[0]!.body!;
}

/** Every row of `cases` on every route of `routes`, named `<case> — <route>`. */
function matrix<C extends { name: string }>(cases: readonly C[], routes: readonly Route[] = ROUTES): [string, string, C, Route][] {
  return cases.flatMap((entry) => routes.map((route): [string, string, C, Route] => [entry.name, route.name, entry, route]));
}

/** POSTs `body` to the router's /responses as it is (for what the SDK's types do not allow). */
async function post(body: Json): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${host.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const PDF_DATA = Buffer.from('%PDF-1.4 a tiny document').toString('base64');
const PDF = `data:application/pdf;base64,${PDF_DATA}`;
const SCHEMA = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const FN = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
  strict: false,
};
const GRAMMAR = 'start: "*** Begin Patch" /(.|\\n)*/ "*** End Patch"';
const CUSTOM = { type: 'custom', name: 'apply_patch', description: 'Edits files.', format: { type: 'grammar', syntax: 'lark', definition: GRAMMAR } };
const NAMESPACE = {
  type: 'namespace',
  name: 'multi_agent',
  description: 'Agents.',
  tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object', properties: {} } }],
};
const CUSTOM_PARAMETERS = { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] };

/** A request row: what the client sends, and what the chat and the Messages upstream must receive. */
interface RequestCase {
  name: string;
  params: Json;
  chat(body: Json): void;
  messages(body: Json): void;
}

const messagesOf = (body: Json): Json[] => body.messages as Json[];
const toolNames = (body: Json): string[] =>
  ((body.tools ?? []) as Json[]).map((tool) => String((tool.function as Json | undefined)?.name ?? tool.name));

const REQUESTS: readonly RequestCase[] = [
  {
    name: 'a string input is one user message',
    params: { input: 'Hello there' },
    chat: (body) => expect(body.messages).toEqual([{ role: 'user', content: 'Hello there' }]),
    messages: (body) => {
      expect(body.messages).toEqual([{ role: 'user', content: 'Hello there' }]);
      expect(body).not.toHaveProperty('system');
    },
  },
  {
    name: 'instructions, developer and system items become system messages in place',
    params: {
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'You are Codex.' },
        { role: 'user', content: 'one' },
        { role: 'system', content: [{ type: 'input_text', text: 'Mind the tests.' }] },
        { role: 'user', content: 'two' },
      ],
    },
    chat: (body) =>
      expect(body.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'system', content: 'You are Codex.' },
        { role: 'user', content: 'one' },
        { role: 'system', content: 'Mind the tests.' },
        { role: 'user', content: 'two' },
      ]),
    // Anthropic has one top-level system: the system texts join it in their order (section 5).
    messages: (body) => {
      expect(body.system).toBe('Be brief.\n\nYou are Codex.\n\nMind the tests.');
      expect(JSON.stringify(body.messages)).not.toContain('system');
      expect(JSON.stringify(body.messages)).toMatch(/one.*two/);
    },
  },
  {
    name: 'input_text and input_image parts (URL and data URL, with detail)',
    params: {
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Compare:' },
            { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
            { type: 'input_image', image_url: PNG, detail: 'high' },
          ],
        },
      ],
    },
    chat: (body) =>
      expect(body.messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare:' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: PNG, detail: 'high' } },
          ],
        },
      ]),
    messages: (body) =>
      expect(body.messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare:' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ]),
  },
  {
    name: 'output_text and refusal parts of an earlier assistant message are its text',
    params: {
      input: [
        { role: 'user', content: 'Help?' },
        {
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Partly. ' },
            { type: 'refusal', refusal: 'Not that part.' },
          ],
        },
        { role: 'user', content: [{ type: 'input_text', text: 'OK' }] },
      ],
    },
    chat: (body) => expect(messagesOf(body)[1]).toEqual({ role: 'assistant', content: 'Partly. Not that part.' }),
    messages: (body) => expect(messagesOf(body)[1]).toEqual({ role: 'assistant', content: 'Partly. Not that part.' }),
  },
  {
    name: 'a base64 PDF input_file is a file part (a document for Anthropic)',
    params: {
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Read:' },
            { type: 'input_file', filename: 'a.pdf', file_data: PDF },
          ],
        },
      ],
    },
    chat: (body) =>
      expect(messagesOf(body)[0]!.content).toEqual([
        { type: 'text', text: 'Read:' },
        { type: 'file', file: { filename: 'a.pdf', file_data: PDF } },
      ]),
    messages: (body) =>
      expect(messagesOf(body)[0]!.content).toEqual([
        { type: 'text', text: 'Read:' },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA }, title: 'a.pdf' },
      ]),
  },
  {
    name: 'function_call items merge into one assistant turn and pair with their outputs by call_id, out of order',
    params: {
      tools: [FN],
      input: [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call', call_id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        {
          type: 'function_call_output',
          call_id: 'call_b',
          output: [
            { type: 'input_text', text: 'Rome: 25C' },
            { type: 'input_text', text: 'sunny' },
          ],
        },
        { type: 'function_call_output', call_id: 'call_a', output: 'Oslo: 5C' },
      ],
    },
    chat: (body) =>
      expect(messagesOf(body).slice(1)).toEqual([
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: 'Rome: 25C\n\nsunny' },
        { role: 'tool', tool_call_id: 'call_a', content: 'Oslo: 5C' },
      ]),
    messages: (body) =>
      expect(messagesOf(body).slice(1)).toEqual([
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Oslo' } },
            { type: 'tool_use', id: 'call_b', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_b', content: 'Rome: 25C\n\nsunny' },
            { type: 'tool_result', tool_use_id: 'call_a', content: 'Oslo: 5C' },
          ],
        },
      ]),
  },
  {
    name: 'an output sent after a later message still follows its call',
    params: {
      tools: [FN],
      input: [
        { role: 'user', content: 'Weather in Oslo and Rome?' },
        { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call', call_id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'Oslo: 5C' },
        { role: 'user', content: 'And hurry.' },
        { type: 'function_call_output', call_id: 'call_b', output: 'Rome: 25C' },
      ],
    },
    chat: (body) =>
      expect(messagesOf(body).slice(2)).toEqual([
        { role: 'tool', tool_call_id: 'call_a', content: 'Oslo: 5C' },
        { role: 'tool', tool_call_id: 'call_b', content: 'Rome: 25C' },
        { role: 'user', content: 'And hurry.' },
      ]),
    messages: (body) =>
      expect(messagesOf(body)[2]).toEqual({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_a', content: 'Oslo: 5C' },
          { type: 'tool_result', tool_use_id: 'call_b', content: 'Rome: 25C' },
          { type: 'text', text: 'And hurry.' },
        ],
      }),
  },
  {
    name: "an output sent after a later call's turn goes back to its own call's turn",
    params: {
      tools: [FN],
      input: [
        { role: 'user', content: 'Weather in Oslo, Rome and Bern?' },
        { type: 'function_call', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call', call_id: 'call_b', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'Oslo: 5C' },
        { type: 'function_call', call_id: 'call_c', name: 'get_weather', arguments: '{"city":"Bern"}' },
        { type: 'function_call_output', call_id: 'call_c', output: 'Bern: 9C' },
        { type: 'function_call_output', call_id: 'call_b', output: 'Rome: 25C' },
      ],
    },
    chat: (body) =>
      expect(
        messagesOf(body)
          .slice(1)
          .map((message) => message.tool_call_id ?? (message.tool_calls as Json[]).map((call) => call.id).join()),
      ).toEqual(['call_a,call_b', 'call_a', 'call_b', 'call_c', 'call_c']),
    messages: (body) =>
      expect(messagesOf(body).slice(1)).toEqual([
        { role: 'assistant', content: [expect.objectContaining({ id: 'call_a' }), expect.objectContaining({ id: 'call_b' })] },
        { role: 'user', content: [expect.objectContaining({ tool_use_id: 'call_a' }), expect.objectContaining({ tool_use_id: 'call_b' })] },
        { role: 'assistant', content: [expect.objectContaining({ id: 'call_c' })] },
        { role: 'user', content: [expect.objectContaining({ tool_use_id: 'call_c' })] },
      ]),
  },
  {
    name: 'a custom tool is a function of one string input, its grammar in the description; its call goes back with that input',
    params: {
      tools: [CUSTOM],
      input: [
        { role: 'user', content: 'Patch it.' },
        { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
        { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done!' },
      ],
    },
    chat: (body) => {
      const fn = (body.tools as Json[])[0]!.function as Json;
      expect(fn).toMatchObject({ name: 'apply_patch', parameters: CUSTOM_PARAMETERS });
      expect(fn.description).toContain('Edits files.');
      expect(fn.description).toContain(GRAMMAR);
      expect(messagesOf(body).slice(1)).toEqual([
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_p',
              type: 'function',
              function: { name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }) },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_p', content: 'Done!' },
      ]);
    },
    messages: (body) => {
      const tool = (body.tools as Json[])[0]!;
      expect(tool).toMatchObject({ name: 'apply_patch', input_schema: CUSTOM_PARAMETERS });
      expect(tool.description).toContain(GRAMMAR);
      expect(messagesOf(body)[1]).toEqual({
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'call_p', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } }],
      });
    },
  },
  {
    name: 'namespace tools, in tools and in an additional_tools item, are flattened to <namespace>__<name>; hosted tools are left out',
    params: {
      tools: [NAMESPACE, { type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'image_generation' }],
      input: [
        {
          type: 'additional_tools',
          tools: [
            { type: 'namespace', name: 'mcp__fs', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
          ],
        },
        { role: 'user', content: 'Go.' },
        { type: 'function_call', call_id: 'call_s', namespace: 'multi_agent', name: 'spawn', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_s', output: 'spawned' },
      ],
    },
    chat: (body) => {
      expect(toolNames(body)).toEqual(['multi_agent__spawn', 'mcp__fs__read']);
      expect((messagesOf(body)[1]!.tool_calls as Json[])[0]).toMatchObject({ function: { name: 'multi_agent__spawn' } });
    },
    messages: (body) => {
      expect(toolNames(body)).toEqual(['multi_agent__spawn', 'mcp__fs__read']);
      expect(messagesOf(body)[1]!.content).toEqual([{ type: 'tool_use', id: 'call_s', name: 'multi_agent__spawn', input: {} }]);
    },
  },
  ...(
    [
      ['auto', 'auto', { type: 'auto' }],
      ['none', 'none', { type: 'none' }],
      ['required', 'required', { type: 'any' }],
      ['a named function', { type: 'function', name: 'get_weather' }, { type: 'tool', name: 'get_weather' }],
      ['a named custom tool', { type: 'custom', name: 'apply_patch' }, { type: 'tool', name: 'apply_patch' }],
    ] as const
  ).map(([what, chatChoice, anthropicChoice]): RequestCase => ({
    name: `tool_choice ${what}`,
    params: {
      tools: [FN, CUSTOM],
      tool_choice: typeof chatChoice === 'string' ? chatChoice : { type: chatChoice.type, name: chatChoice.name },
      input: 'hi',
    },
    chat: (body) => {
      expect(toolNames(body)).toEqual(['get_weather', 'apply_patch']);
      expect(body.tool_choice).toEqual(typeof chatChoice === 'string' ? chatChoice : { type: 'function', function: { name: chatChoice.name } });
    },
    messages: (body) => {
      expect(toolNames(body)).toEqual(['get_weather', 'apply_patch']);
      expect(body.tool_choice).toEqual(anthropicChoice);
    },
  })),
  {
    name: 'tool_choice allowed_tools offers only the tools it allows, with its mode',
    params: {
      tools: [FN, CUSTOM],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'custom', name: 'apply_patch' }] },
      input: 'hi',
    },
    chat: (body) => {
      expect(toolNames(body)).toEqual(['apply_patch']);
      expect(body.tool_choice).toBe('required');
    },
    messages: (body) => {
      expect(toolNames(body)).toEqual(['apply_patch']);
      expect(body.tool_choice).toEqual({ type: 'any' });
    },
  },
  {
    name: 'parallel_tool_calls false',
    params: { tools: [FN], parallel_tool_calls: false, input: 'hi' },
    chat: (body) => expect(body.parallel_tool_calls).toBe(false),
    messages: (body) => expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true }),
  },
  {
    name: 'parallel_tool_calls true',
    params: { tools: [FN], parallel_tool_calls: true, input: 'hi' },
    chat: (body) => expect(body.parallel_tool_calls).toBe(true),
    messages: (body) => expect(body).not.toHaveProperty('tool_choice'),
  },
  {
    name: 'text.format json_schema',
    params: { text: { format: { type: 'json_schema', name: 'weather', schema: SCHEMA, strict: true } }, input: 'hi' },
    chat: (body) => expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'weather', schema: SCHEMA, strict: true } }),
    messages: (body) => expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: SCHEMA } }),
  },
  {
    name: 'max_output_tokens, temperature and top_p (section 5: Anthropic gets the temperature alone, clamped to 1)',
    params: { max_output_tokens: 300, temperature: 1.6, top_p: 0.9, input: 'hi' },
    chat: (body) => expect(body).toMatchObject({ max_tokens: 300, temperature: 1.6, top_p: 0.9 }),
    messages: (body) => {
      expect(body).toMatchObject({ max_tokens: 300, temperature: 1 });
      expect(body).not.toHaveProperty('top_p');
    },
  },
  {
    name: 'top_p alone, and no max_output_tokens (Anthropic: ANTHROPIC_MAX_TOKENS)',
    params: { top_p: 0.5, input: 'hi' },
    chat: (body) => {
      expect(body.top_p).toBe(0.5);
      expect(body).not.toHaveProperty('max_tokens');
      expect(body).not.toHaveProperty('temperature');
    },
    messages: (body) => {
      expect(body).toMatchObject({ top_p: 0.5, max_tokens: ANTHROPIC_MAX_TOKENS });
      expect(body).not.toHaveProperty('temperature');
    },
  },
  {
    name: 'user as the chat user (metadata.user_id for Anthropic)',
    params: { user: 'user-1', input: 'hi' },
    chat: (body) => expect(body.user).toBe('user-1'),
    messages: (body) => expect(body.metadata).toEqual({ user_id: 'user-1' }),
  },
  {
    name: 'safety_identifier as the chat user, before user',
    params: { user: 'user-1', safety_identifier: 'safe-1', input: 'hi' },
    chat: (body) => expect(body.user).toBe('safe-1'),
    messages: (body) => expect(body.metadata).toEqual({ user_id: 'safe-1' }),
  },
  {
    name: 'the "Left out" fields are left out',
    params: {
      input: 'hi',
      store: true,
      include: ['message.output_text.logprobs', 'file_search_call.results'],
      prompt_cache_key: 'pck',
      prompt_cache_retention: '24h',
      text: { verbosity: 'low' },
      reasoning: { summary: 'auto' },
      service_tier: 'flex',
      truncation: 'auto',
      client_metadata: { session: 's' },
      metadata: { trace: 't' },
      stream_options: { include_obfuscation: false },
    },
    chat: (body) => expect(Object.keys(body).sort()).toEqual(['messages', 'model']),
    messages: (body) => expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model']),
  },
];

describe('request, bridged or translated: what the provider receives', () => {
  test.each(matrix(REQUESTS))('%s — %s', async (_name, _route, entry, route) => {
    const answer = await client().responses.create({ model: route.model, ...entry.params } as unknown as CreateParams);
    expect(answer.status).toBe('completed');
    const body = received(route);
    if (route.wire === 'chat') entry.chat(body);
    else entry.messages(body);
  });

  test.each(matrix([{ name: 'reasoning.effort' }]))('%s — %s (section 10)', async (_name, _route, _entry, route) => {
    await client().responses.create({ model: route.model, input: 'hi', reasoning: { effort: 'high' } });
    const body = received(route);
    if (route.wire === 'chat') expect(body.reasoning_effort).toBe('high');
    else expect(body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'high' } });
  });
});

describe('input_file by URL: as section 9 allows, per provider', () => {
  const pdfUrl = 'https://example.com/docs/report.pdf';
  const params = { input: [{ role: 'user', content: [{ type: 'input_file', file_url: pdfUrl }] }] };

  test.each(BRIDGED.map((route) => [route.name, route] as const))('%s: refused with a 400 naming input, nothing sent', async (_name, route) => {
    const { status, body } = await post({ model: route.model, ...params });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'unsupported_parameter', param: 'input', message: expect.stringContaining('input[0].content[0]') });
    expect(route.fake().requests).toHaveLength(0);
  });

  test('openrouter (bridged): goes as file_data, which OpenRouter fetches', async () => {
    await client().responses.create({ model: 'openrouter/some/model', ...params } as unknown as CreateParams);
    expect((openrouter.requests.at(-1)!.body!.messages as Json[])[0]!.content).toEqual([
      { type: 'file', file: { filename: 'report.pdf', file_data: pdfUrl } },
    ]);
  });

  // Not a loss: Anthropic fetches a document's URL itself, as OpenRouter does.
  test('anthropic (translated): goes as a document with a url source, which Anthropic fetches', async () => {
    await client().responses.create({ model: 'anthropic/claude-sonnet-5-5', ...params } as unknown as CreateParams);
    expect((anthropic.requests.at(-1)!.body!.messages as Json[])[0]!.content).toEqual([
      { type: 'document', source: { type: 'url', url: pdfUrl }, title: 'report.pdf' },
    ]);
  });
});

describe('refused with a 400 unsupported_parameter naming the field, nothing sent upstream', () => {
  const REFUSALS: readonly { name: string; param: string; named: string; fields: Json }[] = [
    { name: 'previous_response_id', param: 'previous_response_id', named: 'previous_response_id', fields: { previous_response_id: 'resp_1' } },
    { name: 'conversation (id)', param: 'conversation', named: 'conversation', fields: { conversation: 'conv_1' } },
    { name: 'conversation (object)', param: 'conversation', named: 'conversation', fields: { conversation: { id: 'conv_1' } } },
    { name: 'background: true', param: 'background', named: 'background', fields: { background: true } },
    { name: 'an item_reference item', param: 'input', named: 'item_reference', fields: { input: [{ type: 'item_reference', id: 'msg_1' }] } },
    ...[
      'web_search_call',
      'file_search_call',
      'computer_call',
      'computer_call_output',
      'local_shell_call',
      'image_generation_call',
      'code_interpreter_call',
      'mcp_call',
      'mcp_list_tools',
      'mcp_approval_request',
      'tool_search_call',
    ].map((type) => ({
      name: `a ${type} item`,
      param: 'input',
      named: type,
      fields: {
        input: [
          { role: 'user', content: 'hi' },
          { type, id: 'x_1', call_id: 'c_1' },
        ],
      },
    })),
    {
      name: 'a tool_choice forcing a hosted tool',
      param: 'tool_choice',
      named: 'tool_choice',
      fields: { tools: [{ type: 'web_search' }, FN], tool_choice: { type: 'web_search' } },
    },
    {
      name: 'a tool_choice forcing a hosted MCP tool',
      param: 'tool_choice',
      named: 'tool_choice',
      fields: { tools: [{ type: 'mcp', server_label: 's' }, FN], tool_choice: { type: 'mcp', server_label: 's' } },
    },
  ];

  test.each(matrix(REFUSALS))('%s — %s', async (_name, _route, entry, route) => {
    const { status, body } = await post({ model: route.model, input: 'hi', ...entry.fields });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'unsupported_parameter', param: entry.param });
    const message = (body.error as Json).message as string;
    expect(message).toContain(entry.named);
    if (entry.param === 'input') expect(message).toMatch(/input\[\d\]/);
    expect([local, groq, anthropic, openrouter].flatMap((fake) => fake.requests)).toHaveLength(0);
  });

  test.each(matrix([{ name: 'background false, and null stateful fields' }]))('%s are served — %s', async (_name, _route, _entry, route) => {
    const { status } = await post({ model: route.model, input: 'hi', background: false, previous_response_id: null, conversation: null });
    expect(status).toBe(200);
  });

  test('json_object refused for Anthropic, naming text.format, nothing sent; served as response_format on bridged routes', async () => {
    const { status, body } = await post({ model: 'anthropic/claude-sonnet-5-5', input: 'hi', text: { format: { type: 'json_object' } } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ param: 'text.format', message: expect.stringContaining('json_object') });
    expect(anthropic.requests).toHaveLength(0);
    for (const route of BRIDGED) {
      await client().responses.create({ model: route.model, input: 'hi', text: { format: { type: 'json_object' } } });
      expect(route.fake().requests.at(-1)!.body!.response_format).toEqual({ type: 'json_object' });
    }
  });
});

describe('ANTHROPIC_VERSION=2026-10-21 (section 4): translated requests leave temperature and top_p out', () => {
  test('streamed and not, with the version sent', async () => {
    const versioned = await startHost({ env: { ...envFor({ anthropic }), ANTHROPIC_VERSION: '2026-10-21' } });
    try {
      const params = { model: 'anthropic/claude-sonnet-5-5', input: 'hi', temperature: 0.3, top_p: 0.9 };
      const viaSdk = new OpenAI({ apiKey: 'host-token', baseURL: `${versioned.url}/v1`, maxRetries: 0 });
      await viaSdk.responses.create(params);
      await viaSdk.responses.stream(params).finalResponse();
      expect(anthropic.requests).toHaveLength(2);
      for (const request of anthropic.requests) {
        expect(request.headers['anthropic-version']).toBe('2026-10-21');
        expect(request.body).not.toHaveProperty('temperature');
        expect(request.body).not.toHaveProperty('top_p');
        expect(request.body).not.toHaveProperty('top_k');
      }
    } finally {
      await versioned.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

/** What the model says, written by each fake in its own wire format, streamed or not. */
interface Script {
  text?: string;
  calls?: { id: string; name: string; args: string }[];
  /** The chat finish reason, and the Anthropic stop reason. */
  finish: string;
  stop: string;
  /** Chat streams: send the calls' pieces interleaved by index. */
  interleave?: boolean;
}

const CHAT_USAGE = {
  prompt_tokens: 12,
  completion_tokens: 8,
  total_tokens: 20,
  prompt_tokens_details: { cached_tokens: 4 },
  completion_tokens_details: { reasoning_tokens: 3 },
};
const ANTHROPIC_USAGE = { input_tokens: 8, cache_read_input_tokens: 4, cache_creation_input_tokens: 0, output_tokens: 8 };
const CHUNK = { id: 'chatcmpl-1', created: 1, model: 'upstream-model' };

/** A whole chat answer of the assistant `message`'s fields, ended by `finish_reason`. */
const wholeChat = (message: Json, finish_reason: string): Json => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason }],
  usage: CHAT_USAGE,
});

/** A completed `function_call` item as the router writes it (an `fc_` id), with the call's id, name and arguments. */
const functionCallItem = (call_id: string, name: string, args: string, more: Json = {}): Json => ({
  type: 'function_call',
  id: expect.stringMatching(/^fc_/),
  status: 'completed',
  call_id,
  name,
  ...more,
  arguments: args,
});

function answerChat(script: Script, request: RecordedRequest, res: ServerResponse): void {
  const calls = script.calls ?? [];
  if (request.body?.stream !== true) {
    const message: Json = { role: 'assistant', content: script.text ?? null };
    if (calls.length > 0)
      message.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }));
    sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'upstream-model',
      choices: [{ index: 0, message, finish_reason: script.finish }],
      usage: CHAT_USAGE,
    });
    return;
  }
  const frames = [chatChunkFrame(CHUNK, { role: 'assistant', content: '' })];
  if (script.text) frames.push(chatChunkFrame(CHUNK, { content: script.text.slice(0, 3) }), chatChunkFrame(CHUNK, { content: script.text.slice(3) }));
  const opening = (index: number) => {
    const call = calls[index]!;
    const cut = Math.floor(call.args.length / 2);
    return chatChunkFrame(CHUNK, {
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: call.args.slice(0, cut) } }],
    });
  };
  const rest = (index: number) => {
    const call = calls[index]!;
    return chatChunkFrame(CHUNK, { tool_calls: [{ index, function: { arguments: call.args.slice(Math.floor(call.args.length / 2)) } }] });
  };
  if (script.interleave) {
    calls.forEach((_, index) => frames.push(opening(index)));
    calls.forEach((_, index) => frames.push(rest(index)));
  } else {
    calls.forEach((_, index) => frames.push(opening(index), rest(index)));
  }
  frames.push(chatChunkFrame(CHUNK, {}, script.finish), chatUsageFrame(CHUNK, CHAT_USAGE), DONE_FRAME);
  sendFrames(res, frames);
}

function answerMessages(script: Script, request: RecordedRequest, res: ServerResponse): void {
  const calls = script.calls ?? [];
  if (request.body?.stream !== true) {
    const content: Json[] = [];
    if (script.text) content.push({ type: 'text', text: script.text });
    for (const call of calls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.args) as unknown });
    sendJson(res, 200, {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'upstream-model',
      content,
      stop_reason: script.stop,
      stop_sequence: null,
      usage: ANTHROPIC_USAGE,
    });
    return;
  }
  const frames = [
    anthropicEvent('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'upstream-model',
        content: [],
        stop_reason: null,
        usage: { ...ANTHROPIC_USAGE, output_tokens: 1 },
      },
    }),
  ];
  let index = 0;
  if (script.text) {
    frames.push(
      anthropicEvent('content_block_start', { index, content_block: { type: 'text', text: '' } }),
      anthropicEvent('content_block_delta', { index, delta: { type: 'text_delta', text: script.text.slice(0, 3) } }),
      anthropicEvent('content_block_delta', { index, delta: { type: 'text_delta', text: script.text.slice(3) } }),
      anthropicEvent('content_block_stop', { index }),
    );
    index++;
  }
  for (const call of calls) {
    frames.push(
      anthropicEvent('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }),
      anthropicEvent('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.args } }),
      anthropicEvent('content_block_stop', { index }),
    );
    index++;
  }
  frames.push(
    anthropicEvent('message_delta', {
      delta: { stop_reason: script.stop, stop_sequence: null },
      usage: { output_tokens: ANTHROPIC_USAGE.output_tokens },
    }),
    anthropicEvent('message_stop'),
  );
  sendFrames(res, frames);
}

function script(route: Route, answer: Script): void {
  route.fake().handler = (request, res) => (route.wire === 'chat' ? answerChat(answer, request, res) : answerMessages(answer, request, res));
}

/** What the non-streamed and the streamed response have in common when the upstream said the same: all but fresh ids and times. */
function comparable(response: OpenAI.Responses.Response): unknown {
  const text = JSON.stringify(response, (key, value: unknown) =>
    key.startsWith('parsed') || key === 'output_parsed' || key === 'created_at' ? undefined : value,
  );
  return JSON.parse(text.replace(/"(id|call_id)":"(resp|msg|fc|ctc|rs|call)_[0-9A-Za-z]+"/g, '"$1":"$2_x"')) as unknown;
}

/** Both calls for `params`, checking that the stream's final response is the non-streamed answer. */
async function createAndStream(params: Json): Promise<OpenAI.Responses.Response> {
  const created = await client().responses.create(params as unknown as CreateParams);
  const streamed = await client()
    .responses.stream(params as unknown as OpenAI.Responses.ResponseCreateParamsStreaming)
    .finalResponse();
  expect(comparable(streamed)).toEqual(comparable(created));
  return created;
}

/** The raw events of a streamed request, checked for OpenAI's framing by `parseResponsesSse`. */
async function rawEvents(params: Json): Promise<ReturnType<typeof parseResponsesSse>> {
  const response = await fetch(`${host.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...params, stream: true }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).not.toContain('[DONE]');
  return parseResponsesSse(text);
}

describe('answer, bridged or translated: the response object', () => {
  test.each(matrix([{ name: 'text' }]))('%s: every field, streamed and not alike — %s', async (_name, _route, _entry, route) => {
    script(route, { text: 'Hello world', finish: 'stop', stop: 'end_turn' });
    const before = Math.floor(Date.now() / 1000);
    const response = await createAndStream({ model: route.model, input: 'hi' });
    expect(response).toMatchObject({
      id: expect.stringMatching(/^resp_/),
      object: 'response',
      status: 'completed',
      model: route.model,
      output_text: 'Hello world',
      incomplete_details: null,
      error: null,
      store: false,
      usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 8, total_tokens: 20 },
    });
    expect(response.usage!.output_tokens_details.reasoning_tokens).toBe(route.wire === 'chat' ? 3 : 0);
    expect(response.created_at).toBeGreaterThan(1_000_000_000);
    if (route.wire === 'messages') expect(response.created_at).toBeGreaterThanOrEqual(before);
    expect(response.output).toEqual([
      {
        type: 'message',
        id: expect.stringMatching(/^msg_/),
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hello world', annotations: [], logprobs: [] }],
      },
    ]);
  });

  test.each(matrix([{ name: 'text and two tool calls' }]))(
    '%s: output items in order, call_id and arguments — %s',
    async (_name, _route, _entry, route) => {
      script(route, {
        text: 'Checking.',
        calls: [
          { id: 'call_1', name: 'get_weather', args: '{"city":"Oslo"}' },
          { id: 'call_2', name: 'get_weather', args: '{"city":"Rome"}' },
        ],
        finish: 'tool_calls',
        stop: 'tool_use',
      });
      const response = await createAndStream({ model: route.model, input: 'hi', tools: [FN] });
      expect(response.status).toBe('completed');
      expect(response.output.map((item) => item.type)).toEqual(['message', 'function_call', 'function_call']);
      expect(response.output.slice(1)).toEqual([
        functionCallItem('call_1', 'get_weather', '{"city":"Oslo"}'),
        functionCallItem('call_2', 'get_weather', '{"city":"Rome"}'),
      ]);
      expect(response.output_text).toBe('Checking.');
    },
  );

  test.each(matrix([{ name: 'a custom tool call and a namespace tool call' }]))(
    '%s come back as custom_tool_call with input, and function_call with namespace and plain name — %s',
    async (_name, _route, _entry, route) => {
      script(route, {
        calls: [
          { id: 'call_p', name: 'apply_patch', args: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }) },
          { id: 'call_s', name: 'multi_agent__spawn', args: '{"n":1}' },
        ],
        finish: 'tool_calls',
        stop: 'tool_use',
      });
      const response = await createAndStream({ model: route.model, input: 'hi', tools: [CUSTOM, NAMESPACE] });
      expect(response.output).toEqual([
        {
          type: 'custom_tool_call',
          id: expect.stringMatching(/^ctc_/),
          status: 'completed',
          call_id: 'call_p',
          name: 'apply_patch',
          input: '*** Begin Patch\n*** End Patch',
        },
        functionCallItem('call_s', 'spawn', '{"n":1}', { namespace: 'multi_agent' }),
      ]);
    },
  );

  // A chat answer's `refusal`; Anthropic's refusal is a stop reason, in the status rows below.
  test.each(matrix([{ name: 'a refusal' }], BRIDGED))(
    '%s comes back as a message with a refusal part, streamed and not alike — %s',
    async (_name, _route, _entry, route) => {
      route.fake().handler = (request, res) => {
        if (request.body?.stream !== true) {
          sendJson(res, 200, wholeChat({ content: null, refusal: 'I cannot help.' }, 'stop'));
          return;
        }
        sendFrames(res, [
          chatChunkFrame(CHUNK, { role: 'assistant', refusal: 'I cannot' }),
          chatChunkFrame(CHUNK, { refusal: ' help.' }),
          chatChunkFrame(CHUNK, {}, 'stop'),
          chatUsageFrame(CHUNK, CHAT_USAGE),
          DONE_FRAME,
        ]);
      };
      const response = await createAndStream({ model: route.model, input: 'hi' });
      expect(response.output).toEqual([
        {
          type: 'message',
          id: expect.stringMatching(/^msg_/),
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'refusal', refusal: 'I cannot help.' }],
        },
      ]);
      expect(response.output_text).toBe('');
    },
  );

  const STATUSES: readonly { name: string; finish: string; stop: string; status: string; reason: string | null }[] = [
    { name: 'stop / end_turn', finish: 'stop', stop: 'end_turn', status: 'completed', reason: null },
    { name: 'stop / stop_sequence', finish: 'stop', stop: 'stop_sequence', status: 'completed', reason: null },
    { name: 'function_call / pause_turn', finish: 'function_call', stop: 'pause_turn', status: 'completed', reason: null },
    { name: 'tool_calls / tool_use', finish: 'tool_calls', stop: 'tool_use', status: 'completed', reason: null },
    { name: 'length / max_tokens', finish: 'length', stop: 'max_tokens', status: 'incomplete', reason: 'max_output_tokens' },
    {
      name: 'length / model_context_window_exceeded',
      finish: 'length',
      stop: 'model_context_window_exceeded',
      status: 'incomplete',
      reason: 'max_output_tokens',
    },
    { name: 'content_filter / refusal', finish: 'content_filter', stop: 'refusal', status: 'incomplete', reason: 'content_filter' },
  ];

  test.each(matrix(STATUSES))('status for %s — %s, streamed (terminal event) and not', async (_name, _route, entry, route) => {
    script(route, { text: 'Partial answer', finish: entry.finish, stop: entry.stop });
    const created = await client().responses.create({ model: route.model, input: 'hi' });
    expect(created.status).toBe(entry.status);
    expect(created.incomplete_details).toEqual(entry.reason === null ? null : { reason: entry.reason });
    const events = await rawEvents({ model: route.model, input: 'hi' });
    const terminal = events.at(-1)!;
    expect(terminal.event).toBe(entry.status === 'completed' ? 'response.completed' : 'response.incomplete');
    expect(terminal.data.response).toMatchObject({ status: entry.status, incomplete_details: created.incomplete_details, error: null });
  });
});

describe('answer, bridged or translated: the stream', () => {
  const TEXT_EVENTS = [
    'response.output_item.added',
    'response.content_part.added',
    'response.output_text.delta',
    'response.output_text.delta',
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
  ];
  const callEvents = (deltas: string[]): string[] => [
    'response.output_item.added',
    ...deltas,
    deltas[0]!.replace('.delta', '.done'),
    'response.output_item.done',
  ];

  test.each(matrix([{ name: 'text' }]))('%s: the full event sequence — %s', async (_name, _route, _entry, route) => {
    script(route, { text: 'Hello world', finish: 'stop', stop: 'end_turn' });
    const events = await rawEvents({ model: route.model, input: 'hi' });
    expect(events.map((e) => e.event)).toEqual(['response.created', 'response.in_progress', ...TEXT_EVENTS, 'response.completed']);
    const created = events[0]!.data.response as Json;
    expect(created).toMatchObject({ id: expect.stringMatching(/^resp_/), status: 'in_progress', model: route.model, output: [] });
    const done = events.find((e) => e.event === 'response.output_item.done')!.data;
    expect(done).toMatchObject({
      output_index: 0,
      item: { type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hello world' }] },
    });
    expect(events.at(-1)!.data.response).toMatchObject({ id: created.id, status: 'completed', output_text: 'Hello world' });
  });

  test.each(matrix([{ name: 'text then parallel tool calls' }]))(
    '%s: each call whole in output_item.done, in index order — %s',
    async (_name, _route, _entry, route) => {
      script(route, {
        text: 'Checking.',
        calls: [
          { id: 'call_1', name: 'get_weather', args: '{"city":"Oslo"}' },
          { id: 'call_2', name: 'apply_patch', args: JSON.stringify({ input: 'patch body' }) },
        ],
        finish: 'tool_calls',
        stop: 'tool_use',
        interleave: true,
      });
      const events = await rawEvents({ model: route.model, input: 'hi', tools: [FN, CUSTOM] });
      const names = events.map((e) => e.event).filter((name) => !name.endsWith('.delta'));
      expect(names).toEqual([
        'response.created',
        'response.in_progress',
        ...TEXT_EVENTS.filter((name) => !name.endsWith('.delta')),
        ...callEvents(['response.function_call_arguments.delta']).filter((name) => !name.endsWith('.delta')),
        ...callEvents(['response.custom_tool_call_input.delta']).filter((name) => !name.endsWith('.delta')),
        'response.completed',
      ]);
      const result = responsesStreamResult(events);
      expect(result.items).toEqual([
        expect.objectContaining({ type: 'message', status: 'completed' }),
        functionCallItem('call_1', 'get_weather', '{"city":"Oslo"}'),
        {
          type: 'custom_tool_call',
          id: expect.stringMatching(/^ctc_/),
          status: 'completed',
          call_id: 'call_2',
          name: 'apply_patch',
          input: 'patch body',
        },
      ]);
      const argumentsDone = events.find((e) => e.event === 'response.function_call_arguments.done')!.data;
      expect(argumentsDone).toMatchObject({ output_index: 1, arguments: '{"city":"Oslo"}' });
      const deltas = events.filter((e) => e.event === 'response.function_call_arguments.delta').map((e) => e.data.delta as string);
      expect(deltas.join('')).toBe('{"city":"Oslo"}');
      const inputDone = events.find((e) => e.event === 'response.custom_tool_call_input.done')!.data;
      expect(inputDone).toMatchObject({ output_index: 2, input: 'patch body' });
      expect(result.response).toMatchObject({ status: 'completed', output: result.items });
    },
  );
});

describe('paths with no model to route by', () => {
  test.each([
    ['POST', '/v1/responses/compact'],
    ['GET', '/v1/responses/resp_123'],
    ['DELETE', '/v1/responses/resp_123'],
  ] as const)('%s %s: 404 in OpenAI shape naming what is not served', async (method, path) => {
    const response = await fetch(host.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: '{"model":"local/qwen","input":"hi"}' } : {}),
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: Json };
    expect(body.error).toMatchObject({ type: 'not_found_error', message: expect.stringContaining(`${method} ${path.slice(3)}`) });
    expect(body.error).toHaveProperty('code');
    expect([local, groq, anthropic, openrouter].flatMap((fake) => fake.requests)).toHaveLength(0);
  });
});

describe('errors, bridged or translated', () => {
  test.each(matrix([{ name: "the provider's 429" }]))(
    "%s before the stream: its status, retry-after and message in OpenAI's shape, streamed and not — %s",
    async (_name, _route, _entry, route) => {
      route.fake().handler = (_request, res) =>
        route.wire === 'chat'
          ? sendJson(res, 429, { error: { message: 'Slow down.', type: 'rate_limit_error', code: 'rate_limit_exceeded' } }, { 'retry-after': '7' })
          : sendJson(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down.' } }, { 'retry-after': '7' });
      for (const stream of [false, true]) {
        const response = await fetch(`${host.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: route.model, input: 'hi', stream }),
        });
        expect(response.status).toBe(429);
        expect(response.headers.get('retry-after')).toBe('7');
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(((await response.json()) as { error: Json }).error).toMatchObject({
          message: 'Slow down.',
          type: expect.any(String),
          code: expect.anything(),
        });
      }
    },
  );

  test.each(matrix([{ name: 'a stream cut before its end' }]))(
    '%s: one response.failed with code and message, numbered after the last event — %s',
    async (_name, _route, _entry, route) => {
      route.fake().handler = (_request, res) =>
        sendFrames(
          res,
          route.wire === 'chat'
            ? [chatChunkFrame(CHUNK, { role: 'assistant', content: 'Hel' })]
            : [
                anthropicEvent('message_start', {
                  message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: ANTHROPIC_USAGE },
                }),
                anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
                anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
              ],
        );
      const events = await rawEvents({ model: route.model, input: 'hi' });
      const failed = events.at(-1)!;
      expect(failed.event).toBe('response.failed');
      expect(failed.data.response).toMatchObject({ status: 'failed', error: { code: expect.any(String), message: expect.any(String) } });
      expect(events.some((e) => e.event === 'response.output_text.delta')).toBe(true);
    },
  );
});

describe('tool calls in the shapes providers stream them', () => {
  const THREE_CALLS = [
    { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    { id: 'call_3', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"p"}' } },
  ];

  test.each(matrix([{ name: 'several calls announced in one chunk, their pieces out of index order' }], BRIDGED))(
    '%s: each whole, in index order, as the non-streamed answer — %s',
    async (_name, _route, _entry, route) => {
      route.fake().handler = (request, res) => {
        if (request.body?.stream !== true) {
          sendJson(res, 200, wholeChat({ content: null, tool_calls: THREE_CALLS }, 'tool_calls'));
          return;
        }
        sendFrames(res, [
          chatChunkFrame(CHUNK, {
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } },
              { index: 1, id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
            ],
          }),
          chatChunkFrame(CHUNK, {
            tool_calls: [
              { index: 1, function: { arguments: '{"city":"Rome"}' } },
              { index: 2, id: 'call_3', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"p"}' } },
            ],
          }),
          chatChunkFrame(CHUNK, { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }),
          chatChunkFrame(CHUNK, {}, 'tool_calls'),
          chatUsageFrame(CHUNK, CHAT_USAGE),
          DONE_FRAME,
        ]);
      };
      const response = await createAndStream({ model: route.model, input: 'hi', tools: [FN, CUSTOM] });
      expect(response.output).toEqual([
        expect.objectContaining({ type: 'function_call', call_id: 'call_1', arguments: '{"city":"Oslo"}' }),
        expect.objectContaining({ type: 'function_call', call_id: 'call_2', arguments: '{"city":"Rome"}' }),
        expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_3', input: 'p' }),
      ]);
    },
  );

  test('anthropic (translated): a tool_use whose input comes whole in content_block_start keeps it, as the non-streamed answer', async () => {
    anthropic.handler = (request, res) => {
      const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } };
      if (request.body?.stream !== true) {
        sendJson(res, 200, {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [toolUse],
          stop_reason: 'tool_use',
          stop_sequence: null,
          usage: ANTHROPIC_USAGE,
        });
        return;
      }
      sendFrames(res, [
        anthropicEvent('message_start', {
          message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: ANTHROPIC_USAGE },
        }),
        anthropicEvent('content_block_start', { index: 0, content_block: toolUse }),
        anthropicEvent('content_block_stop', { index: 0 }),
        anthropicEvent('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 8 } }),
        anthropicEvent('message_stop'),
      ]);
    };
    const response = await createAndStream({ model: 'anthropic/claude-sonnet-5-5', input: 'hi', tools: [FN] });
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'function_call', call_id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }),
    ]);
  });
});
