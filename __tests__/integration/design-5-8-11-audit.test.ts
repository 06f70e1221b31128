/**
 * DESIGN sections 5, 8 and 11, checked where the suites held a promise on some routes only or with
 * a check that could not fail. Section 11: Codex's recorded requests replayed to every provider kind
 * and read field by field, its namespace and custom tool calls coming back, a native stream that
 * numbers no event, and the stateless routes' refusals on anthropic and an env provider. Section 8:
 * a translated provider's error typed by status, streamed as Claude Code asks and not;
 * `ANTHROPIC_VERSION` on passthrough; `count_tokens?beta=true` and the tool-search recording passed
 * through. Real Express host and router, fakes in each provider's wire format, the real SDKs where a
 * client library reads the answer.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { fixtureJson, sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { rejectionOf } from '../support/rejection';
import { parseResponsesSse, responsesStreamResult } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { anthropicStreamFrames, chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

let openai: FakeUpstream, openrouter: FakeUpstream, local: FakeUpstream, anthropic: FakeUpstream, groq: FakeUpstream;
let host: Host;
const fakes = (): FakeUpstream[] => [openai, openrouter, local, anthropic, groq];

beforeAll(async () => {
  // groq: an OpenAI-compatible provider declared in env (bridged for Responses, translated for Messages).
  [openai, openrouter, local, anthropic, groq] = await startFakeUpstreams('openai', 'openrouter', 'local', 'anthropic', 'openai');
  host = await startHost({
    env: {
      ...envFor({ openai, openrouter, local, anthropic }),
      // Not the default, so that a router sending the default could not pass for one sending this.
      ANTHROPIC_VERSION: '2024-10-22',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: KEYS.openai,
    },
  });
});
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(fakes().map((fake) => fake.close()));
});

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Section 11: Codex's recorded requests, to every provider kind

interface CodexTool {
  type: string;
  name?: string;
  description?: string;
  parameters?: Json;
  format?: { definition: string };
  tools?: CodexTool[];
}
interface CodexRequest extends Json {
  input: Array<{ type: string; role?: string; content?: Array<{ text: string }>; call_id?: string; name?: string; arguments?: string }>;
  tools: CodexTool[];
}

/** How a route reaches its provider: natively, bridged through chat completions, or translated to Messages. */
type Way = 'native' | 'bridged' | 'translated';
const CODEX_ROUTES: Array<{
  name: string;
  model: string;
  upstreamModel: string;
  way: Way;
  fake: () => FakeUpstream;
  auth: () => string | undefined;
}> = [
  {
    name: 'openai (native)',
    model: 'openai/gpt-5.5',
    upstreamModel: 'gpt-5.5',
    way: 'native',
    fake: () => openai,
    auth: () => `Bearer ${KEYS.openai}`,
  },
  {
    name: 'openrouter (native)',
    model: 'openrouter/openai/gpt-5.5',
    upstreamModel: 'openai/gpt-5.5',
    way: 'native',
    fake: () => openrouter,
    auth: () => `Bearer ${KEYS.openrouter}`,
  },
  { name: 'local (bridged)', model: 'local/qwen', upstreamModel: 'qwen', way: 'bridged', fake: () => local, auth: () => undefined },
  {
    name: 'groq, declared in env (bridged)',
    model: 'groq/llama',
    upstreamModel: 'llama',
    way: 'bridged',
    fake: () => groq,
    auth: () => `Bearer ${KEYS.openai}`,
  },
  {
    name: 'anthropic (translated)',
    model: 'anthropic/claude-sonnet-5-5',
    upstreamModel: 'claude-sonnet-5-5',
    way: 'translated',
    fake: () => anthropic,
    auth: () => undefined,
  },
];
const CODEX_RECORDINGS = ['codex-request.json', 'codex-request-tool-turn.json', 'codex-request-unlisted-model.json'];
const HOSTED = new Set(['web_search', 'tool_search']);

/** The function tools a bridged or translated request offers for the recorded tools: namespaces flattened, hosted tools left out. */
function offeredNames(tools: CodexTool[]): string[] {
  return tools.flatMap((tool) => {
    if (HOSTED.has(tool.type)) return [];
    if (tool.type === 'namespace') return tool.tools!.map((inner) => `${tool.name}__${inner.name}`);
    return [tool.name!];
  });
}

/** The text parts of each recorded developer message, in order. */
const developerParts = (recorded: CodexRequest): string[][] =>
  recorded.input.filter((item) => item.role === 'developer').map((item) => item.content!.map((part) => part.text));

/** Fails unless `text` holds each of `parts`, in order, and nothing before the first or after the last. */
function expectPartsInOrder(text: unknown, parts: string[]): void {
  expect(typeof text).toBe('string');
  let from = 0;
  for (const part of parts) {
    const at = (text as string).indexOf(part, from);
    expect(at).toBeGreaterThanOrEqual(from);
    from = at + part.length;
  }
  expect((text as string).startsWith(parts[0]!)).toBe(true);
  expect((text as string).endsWith(parts.at(-1)!)).toBe(true);
}

describe.each(CODEX_ROUTES)("Codex's recorded requests to $name", (route) => {
  test.each(CODEX_RECORDINGS)('%s: the upstream body field by field, and a stream Codex reads', async (name) => {
    const recorded = fixtureJson<CodexRequest>(name);
    const response = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` },
      body: JSON.stringify({ ...recorded, model: route.model }),
    });
    expect(response.status).toBe(200);
    const result = responsesStreamResult(parseResponsesSse(await response.text(), { comments: true }));
    expect(result.terminal).toBe('response.completed');
    // The answer of a bridged or translated route names the model as the client asked (native: the provider's own answer).
    if (route.way !== 'native') expect(result.response).toMatchObject({ model: route.model, store: false });

    const fake = route.fake();
    for (const other of fakes()) if (other !== fake) expect(other.requests).toHaveLength(0);
    const sent = fake.requests.at(-1)!;
    expect(JSON.stringify(sent.headers)).not.toContain(CLIENT_TOKEN);
    expect(sent.headers.authorization).toBe(route.auth());
    if (route.way === 'translated') expect(sent.headers['x-api-key']).toBe(KEYS.anthropic);
    const body = sent.body as Json & { messages: Json[]; tools: Json[] };

    if (route.way === 'native') {
      // Untouched apart from the model.
      expect(sent.url).toMatch(/\/responses$/);
      expect(body).toEqual({ ...recorded, model: route.upstreamModel });
      return;
    }

    // Left out: what only OpenAI's Responses API keeps, meters or stores, and the hosted tools.
    for (const field of ['store', 'include', 'prompt_cache_key', 'client_metadata', 'text', 'input', 'instructions'])
      expect(body).not.toHaveProperty(field);
    expect(sent.rawBody).not.toMatch(/web_search|tool_search|prompt_cache_key|client_metadata|verbosity|x-codex/);
    expect(body.model).toBe(route.upstreamModel);
    expect(body.stream).toBe(true);
    const custom = recorded.tools.find((tool) => tool.type === 'custom');
    const developer = developerParts(recorded);
    const lastUser = recorded.input.filter((item) => item.role === 'user').at(-1)!.content![0]!.text;

    if (route.way === 'bridged') {
      expect(sent.url).toMatch(/\/chat\/completions$/);
      expect(body.stream_options).toEqual({ include_usage: true });
      // The developer messages as system messages, first and in place.
      expect(body.messages.slice(0, 2).map((message) => message.role)).toEqual(['system', 'system']);
      developer.forEach((parts, index) => expectPartsInOrder(body.messages[index]!.content, parts));
      const tools = body.tools as Array<{ type: string; function: { name: string; description: string; parameters: Json } }>;
      expect(tools.map((tool) => tool.function.name)).toEqual(offeredNames(recorded.tools));
      for (const tool of tools) expect(tool.type).toBe('function');
      const byName = new Map(tools.map((tool) => [tool.function.name, tool.function]));
      for (const tool of recorded.tools.filter((t) => t.type === 'function')) expect(byName.get(tool.name!)!.parameters).toEqual(tool.parameters);
      if (custom) {
        const patch = byName.get('apply_patch')!;
        expect(patch.parameters).toMatchObject({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] });
        expect(Object.keys(patch.parameters.properties as Json)).toEqual(['input']);
        expect(patch.description).toContain(custom.description!);
        expect(patch.description).toContain(custom.format!.definition);
      }
      if (name === 'codex-request-tool-turn.json') {
        const call = recorded.input.find((item) => item.type === 'function_call')!;
        expect(body.messages.slice(-2)).toEqual([
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: call.call_id, type: 'function', function: { name: call.name, arguments: call.arguments } }],
          },
          { role: 'tool', tool_call_id: call.call_id, content: expect.stringContaining('tool-ran-ok') },
        ]);
      } else {
        expect(body.messages.at(-1)).toEqual({ role: 'user', content: lastUser });
      }
      return;
    }

    // Translated to Anthropic's Messages API.
    expect(sent.url).toBe('/v1/messages');
    expect(body.max_tokens).toBe(4096);
    expectPartsInOrder(body.system, developer.flat());
    expect(body.messages.every((message) => message.role === 'user' || message.role === 'assistant')).toBe(true);
    const tools = body.tools as Array<{ name: string; description?: string; input_schema: Json }>;
    expect(tools.map((tool) => tool.name)).toEqual(offeredNames(recorded.tools));
    expect(body.tool_choice).toEqual({ type: 'auto' });
    if (custom) {
      const patch = tools.find((tool) => tool.name === 'apply_patch')!;
      expect(patch.input_schema).toMatchObject({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] });
      expect(patch.description).toContain(custom.format!.definition);
    }
    if (name === 'codex-request-tool-turn.json') {
      const call = recorded.input.find((item) => item.type === 'function_call')!;
      expect(body.messages.slice(-2)).toEqual([
        { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: call.name, input: JSON.parse(call.arguments!) }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: expect.stringContaining('tool-ran-ok') }] },
      ]);
    }
  });
});

/** A chat completions stream that calls `calls`, then stops for tool calls, with usage. */
function chatCallFrames(calls: Array<{ id: string; name: string; args: string }>): string[] {
  const identity = { id: 'chatcmpl-c', created: 1, model: 'm' };
  return [
    chatChunkFrame(identity, { role: 'assistant', content: null }),
    ...calls.map((call, index) =>
      chatChunkFrame(identity, { tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }] }),
    ),
    chatChunkFrame(identity, {}, 'tool_calls'),
    chatUsageFrame(identity, { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }),
    DONE_FRAME,
  ];
}

describe("Codex's namespace and custom tools, offered from its recorded request, come back as it sent them", () => {
  const CALLS = [
    { id: 'call_ns', name: 'multi_agent_v1__spawn_agent', args: '{"message":"go"}' },
    { id: 'call_patch', name: 'apply_patch', args: JSON.stringify({ input: '*** Begin Patch\n*** End Patch\n' }) },
  ];
  const recorded = (): CodexRequest => {
    const body = fixtureJson<CodexRequest>('codex-request-unlisted-model.json');
    // The recorded first request, with the custom tool of the other recording beside the namespace.
    body.tools.push(fixtureJson<CodexRequest>('codex-request.json').tools.find((tool) => tool.type === 'custom')!);
    return body;
  };

  test.each(CODEX_ROUTES.filter((route) => route.way !== 'native'))('$name', async (route) => {
    route.fake().handler =
      route.way === 'translated'
        ? (_request, res) =>
            sendFrames(
              res,
              anthropicStreamFrames({
                model: route.upstreamModel,
                calls: CALLS,
                stopReason: 'tool_use',
                startUsage: { input_tokens: 5, output_tokens: 1 },
                endUsage: { output_tokens: 3 },
              }),
            )
        : (_request, res) => sendFrames(res, chatCallFrames(CALLS));
    const response = await fetch(`${host.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...recorded(), model: route.model }),
    });
    const result = responsesStreamResult(parseResponsesSse(await response.text()));
    expect(result.terminal).toBe('response.completed');
    expect(result.items).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_ns',
        namespace: 'multi_agent_v1',
        name: 'spawn_agent',
        arguments: '{"message":"go"}',
      }),
      expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_patch', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Section 11: native passthrough from a server that numbers no event

describe('a native Responses stream without sequence_number (some compatible servers)', () => {
  // OpenAI's recorded reasoning stream writes into its reasoning part without announcing it; numbered,
  // the router announces it (responses-native-failures.test.ts). Unnumbered, it must too.
  const unnumbered = sseFrames('openai-responses-stream-text.sse').map((frame) => frame.replace(/"sequence_number":\d+,/, ''));

  test("the unannounced reasoning part is announced all the same, and the SDK's stream helper reads the answer", async () => {
    expect(unnumbered.join('')).not.toContain('sequence_number');
    openai.handler = (_request, res) => sendFrames(res, unnumbered);
    const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
    const events: string[] = [];
    const stream = client.responses.stream({ model: 'openai/gpt-5.5', input: 'hi' });
    stream.on('event', (event) => events.push(event.type));
    const response = await stream.finalResponse();
    expect(response.output_text).toBe('Hello from gpt-5.5.');
    expect(response.output[0]).toMatchObject({ type: 'reasoning', content: [{ type: 'reasoning_text', text: expect.stringMatching(/.+/) }] });
    expect(events.slice(2, 5)).toEqual(['response.output_item.added', 'response.content_part.added', 'response.reasoning_text.delta']);
  });
});

// ---------------------------------------------------------------------------------------------
// Section 8: a translated provider's error, typed by status, streamed and not

const TYPED: Array<[number, string]> = [
  [400, 'invalid_request_error'],
  [401, 'authentication_error'],
  [403, 'permission_error'],
  [404, 'not_found_error'],
  [413, 'request_too_large'],
  [429, 'rate_limit_error'],
  [500, 'api_error'],
  [502, 'api_error'],
  [503, 'api_error'],
  [504, 'timeout_error'],
  [529, 'overloaded_error'],
];
const TRANSLATED_MESSAGES = [
  { provider: 'openai', model: 'openai/gpt-4o', fake: () => openai },
  { provider: 'openrouter', model: 'openrouter/meta/llama', fake: () => openrouter },
  { provider: 'groq', model: 'groq/llama', fake: () => groq },
];
/** messages-api.test.ts types every status but 500, 502 and 504 on OpenRouter without a stream. */
const ERROR_CASES = TRANSLATED_MESSAGES.flatMap((route) =>
  TYPED.flatMap(([status, type]) =>
    [true, false]
      .filter((stream) => stream || route.provider !== 'openrouter' || [500, 502, 504].includes(status))
      .map((stream) => ({ ...route, status, type, mode: stream ? 'streamed' : 'not streamed', stream })),
  ),
);

describe("a translated provider's error reaches the Anthropic SDK typed by status, with the provider's message", () => {
  const client = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });

  test.each(ERROR_CASES)('$provider $status, $mode: $type', async (t) => {
    const message = `upstream said ${t.status}`;
    t.fake().handler = (_request, res) => sendJson(res, t.status, { error: { message, type: 'upstream_error', param: null, code: null } });
    const params = { model: t.model, max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };
    const call = t.stream ? client().messages.stream(params).finalMessage() : client().messages.create(params);
    const error = await rejectionOf(call, Anthropic.APIError);
    expect(error.status).toBe(t.status);
    expect(error.error).toEqual({ type: 'error', error: { type: t.type, message } });
    expect(t.fake().requests).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Section 8: passthrough headers and query, count_tokens as Claude Code posts it

describe('Messages passthrough: ANTHROPIC_VERSION when the client sends none; count_tokens keeps its query and betas', () => {
  const post = (path: string, body: Json, headers: Record<string, string>): Promise<Response> =>
    fetch(`${host.url}/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const hello = { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

  test.each(['/messages', '/messages/count_tokens'])(
    '%s to anthropic: the configured version without one, the client’s own with one',
    async (path) => {
      expect((await post(path, { model: 'anthropic/claude-sonnet-5-5', ...hello }, {})).status).toBe(200);
      expect(anthropic.requests.at(-1)!.headers['anthropic-version']).toBe('2024-10-22');
      expect((await post(path, { model: 'anthropic/claude-sonnet-5-5', ...hello }, { 'anthropic-version': '2023-06-01' })).status).toBe(200);
      expect(anthropic.requests.at(-1)!.headers['anthropic-version']).toBe('2023-06-01');
    },
  );

  test.each([
    ['anthropic', 'anthropic/claude-sonnet-5-5', 'claude-sonnet-5-5', () => anthropic],
    ['local', 'local/qwen', 'qwen', () => local],
  ] as const)(
    'count_tokens?beta=true to %s: the query kept, anthropic-beta verbatim, the body untouched apart from model',
    async (_name, model, upstreamModel, fake) => {
      const recorded = fixtureJson<{ headers: Record<string, string>; body: Json }>('claude-code-request.json');
      const betas = recorded.headers['anthropic-beta']!;
      const body = { model, messages: recorded.body.messages, system: recorded.body.system, tools: recorded.body.tools };
      const response = await post('/messages/count_tokens?beta=true', body, { 'anthropic-beta': betas, 'x-api-key': CLIENT_TOKEN });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { input_tokens: 42 } });
      const sent = fake().requests.at(-1)!;
      expect(sent.url).toBe('/v1/messages/count_tokens?beta=true');
      expect(sent.headers['anthropic-beta']).toBe(betas);
      expect(sent.body).toEqual({ ...body, model: upstreamModel });
      expect(JSON.stringify(sent.headers)).not.toContain(CLIENT_TOKEN);
    },
  );
});

describe("Claude Code's latest recording (tool search: deferred tools, a tool_reference result, thinking display) passed through", () => {
  // messages-api.test.ts passes the two older recordings through; messages-matrix.test.ts sends this one to chat providers only.
  test.each([
    ['anthropic', 'anthropic/claude-sonnet-5-5', 'claude-sonnet-5-5', () => anthropic],
    ['local', 'local/qwen', 'qwen', () => local],
  ] as const)(
    'to %s, streamed and not: untouched apart from model, with its query and betas; the answer names the model asked for',
    async (_name, model, upstreamModel, fake) => {
      const recorded = fixtureJson<{ path: string; headers: Record<string, string>; body: Json }>('claude-code-latest-request-tool-search.json');
      for (const stream of [true, false]) {
        const body = { ...recorded.body, model, stream };
        const response = await fetch(`${host.url}${recorded.path}`, {
          method: 'POST',
          headers: { ...recorded.headers, 'x-api-key': CLIENT_TOKEN, 'accept-encoding': 'identity' },
          body: JSON.stringify(body),
        });
        expect(response.status).toBe(200);
        const text = await response.text();
        if (stream) expect(text).toMatch(/^event: message_start\ndata: \{"type":"message_start","message":\{[^\n]*"model":"([^"]+)"/);
        const models = [...text.matchAll(/"model":"([^"]+)"/g)].map((match) => match[1]);
        expect(models.length).toBeGreaterThan(0);
        expect(new Set(models)).toEqual(new Set([model]));
        const sent = fake().requests.at(-1)!;
        expect(sent.url).toBe(recorded.path);
        expect(sent.headers['anthropic-beta']).toBe(recorded.headers['anthropic-beta']);
        expect(sent.body).toEqual({ ...body, model: upstreamModel });
        expect(JSON.stringify(sent.headers)).not.toContain(CLIENT_TOKEN);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Section 11: what the stateless routes refuse, on the routes responses-api.test.ts leaves out

describe('refused on the translated route and an env provider’s bridged one: 400 unsupported_parameter naming the field, nothing sent', () => {
  // responses-api.test.ts checks each on local/qwen; docs-claims.test.ts background alone on anthropic.
  const REFUSED: Array<[param: string, named: string, fields: Json]> = [
    ['previous_response_id', 'previous_response_id', { previous_response_id: 'resp_123' }],
    ['conversation', 'conversation', { conversation: 'conv_1' }],
    ['background', 'background', { background: true }],
    [
      'input',
      'input[1]',
      {
        input: [
          { role: 'user', content: 'hi' },
          { type: 'item_reference', id: 'msg_1' },
        ],
      },
    ],
    [
      'input',
      'input[1]',
      {
        input: [
          { role: 'user', content: 'hi' },
          { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        ],
      },
    ],
    ['tool_choice', 'web_search', { tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }],
  ];
  const CASES = ['anthropic/claude-sonnet-5-5', 'groq/llama'].flatMap((model) =>
    REFUSED.flatMap(([param, named, fields]) =>
      [false, true].map((stream) => ({
        model,
        param,
        named,
        fields,
        stream,
        what: param === 'input' ? `a ${(fields.input as Json[])[1]!.type as string} item` : param,
      })),
    ),
  );

  test.each(CASES)('$model, $what (stream: $stream)', async (t) => {
    const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
    const params = { model: t.model, input: 'hi', ...t.fields };
    const call = t.stream
      ? client.responses.stream(params as OpenAI.Responses.ResponseCreateParamsStreaming).finalResponse()
      : client.responses.create(params as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    const error = await rejectionOf(call, OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter', param: t.param });
    expect(error.message).toContain(t.named);
    for (const fake of fakes()) expect(fake.requests).toHaveLength(0);
  });
});
