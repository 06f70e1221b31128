/**
 * The contract of DESIGN sections 8 and 9 for Messages clients on OpenAI-compatible providers, as
 * a matrix: every sentence checked for `openai/...`, `openrouter/...` and a provider declared in
 * env (`OPENAI_COMPATIBLE_PROVIDERS=groq`), with the official Anthropic SDK (or raw HTTP where the
 * wire itself is the point) as the client and fake upstreams recording what they receive.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { RequestEndEvent } from '../../lib';
import http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { startFakeUpstream, startFakeUpstreams, type FakeUpstream, type FakeHandler } from '../support/fake-upstream';
import { fixtureJson } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN, KEYS } from '../support/keys';
import { parseAnthropicSse, type AnthropicFrame } from '../support/messages-stream';
import { headerNames } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { chatChunkFrame, chatCompletion, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';
import { sha256Hex } from './messages-api.helpers';

const GROQ_KEY = 'gsk-matrix-groq-key-0123456789';

interface MatrixCase {
  provider: 'openai' | 'openrouter' | 'groq';
  model: string;
  upstreamModel: string;
  /** The field the provider's adapter carries `max_tokens` in. */
  limitField: 'max_tokens' | 'max_completion_tokens';
  /** Whether `top_k` reaches it. */
  takesTopK: boolean;
  /** Whether it fetches a document's URL itself. */
  fetchesFileUrls: boolean;
  key: string;
  /** The path of its chat completions endpoint on its fake. */
  upstreamPath: string;
}

const CASES: MatrixCase[] = [
  {
    provider: 'openai',
    model: 'openai/gpt-4o-mini',
    upstreamModel: 'gpt-4o-mini',
    limitField: 'max_completion_tokens',
    takesTopK: false,
    fetchesFileUrls: false,
    key: KEYS.openai,
    upstreamPath: '/v1/chat/completions',
  },
  {
    provider: 'openrouter',
    model: 'openrouter/meta-llama/llama-3.1-8b-instruct',
    upstreamModel: 'meta-llama/llama-3.1-8b-instruct',
    limitField: 'max_tokens',
    takesTopK: true,
    fetchesFileUrls: true,
    key: KEYS.openrouter,
    upstreamPath: '/api/v1/chat/completions',
  },
  // A provider declared in env is a generic OpenAI-compatible server (vLLM, Together, llama.cpp):
  // it gets `top_k` as local does; only OpenAI is known to refuse it.
  {
    provider: 'groq',
    model: 'groq/llama-3.3-70b-versatile',
    upstreamModel: 'llama-3.3-70b-versatile',
    limitField: 'max_tokens',
    takesTopK: true,
    fetchesFileUrls: false,
    key: GROQ_KEY,
    upstreamPath: '/v1/chat/completions',
  },
];

let fakes: Record<MatrixCase['provider'], FakeUpstream>;
let host: Host;

beforeAll(async () => {
  const [openai, openrouter, groq] = await startFakeUpstreams('openai', 'openrouter', 'local');
  fakes = { openai, openrouter, groq };
  host = await startHost({
    env: {
      ...envFor({ openai, openrouter }),
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: GROQ_KEY,
      PROVIDER_MAX_BODY_BYTES: String(64 * 1024),
    },
  });
});
afterEach(() => Object.values(fakes).forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

const client = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });

type ChatBody = Record<string, unknown> & { messages: Array<Record<string, unknown>> };

function sentBody(c: MatrixCase): ChatBody {
  const request = fakes[c.provider].requests.at(-1);
  if (!request?.body) throw new Error(`${c.provider} received no request`);
  return request.body as ChatBody;
}

function nothingSent(): void {
  for (const fake of Object.values(fakes)) expect(fake.requests).toHaveLength(0);
}

/** POSTs raw bytes to the host's `/v1{path}` with `headers`. */
function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${host.url}/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body,
  });
}

const PDF = Buffer.from('%PDF-1.4 a tiny document').toString('base64');
const PNG = 'iVBORw0KGgo=';
const BASE = { max_tokens: 100 };

/** The SDK's params without the model, with the sampling fields its newer types leave out (API version 2026-10-21). */
type MessageParams = Omit<Anthropic.MessageCreateParamsNonStreaming, 'model' | 'max_tokens'> & {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
};

/** Sends `params` with the case's model through the SDK's `messages.create` and returns what the upstream got. */
async function sendThrough(c: MatrixCase, params: MessageParams): Promise<ChatBody> {
  await client().messages.create({ ...BASE, ...params, model: c.model } as Anthropic.MessageCreateParamsNonStreaming);
  return sentBody(c);
}

/** What a request that must be refused answers: the SDK's error, after checking nothing went upstream. */
async function refusal(c: MatrixCase, params: Record<string, unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await rejectionOf(
    client().messages.create({ ...BASE, ...params, model: c.model } as unknown as Anthropic.MessageCreateParamsNonStreaming),
    Anthropic.APIError,
  );
  nothingSent();
  return error;
}

describe.each(CASES)('request to $provider ($model)', (c) => {
  test('a top-level string system is the first message, a system role inside messages stays in its place', async () => {
    const body = await sendThrough(c, {
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'system', content: 'Mid-conversation rule.' } as unknown as Anthropic.MessageParam,
        { role: 'user', content: 'three' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'two' },
      { role: 'system', content: 'Mid-conversation rule.' },
      { role: 'user', content: 'three' },
    ]);
  });

  test('system blocks join into the first message without the billing line; cache_control is dropped everywhere', async () => {
    const cache = { cache_control: { type: 'ephemeral' as const } };
    const body = await sendThrough(c, {
      system: [
        { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.0; cch=abc;' },
        { type: 'text', text: 'You are an agent.', ...cache },
        { type: 'text', text: 'CWD: /tmp', ...cache },
      ],
      tools: [{ name: 'Read', description: 'reads', input_schema: { type: 'object', properties: {} }, ...cache }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', ...cache }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: {}, ...cache }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'file', ...cache }], ...cache },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG }, ...cache },
          ],
        },
      ],
    });
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are an agent.\n\nCWD: /tmp' });
    expect(body.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    const raw = fakes[c.provider].requests.at(-1)!.rawBody;
    expect(raw).not.toContain('cache_control');
    expect(raw).not.toContain('x-anthropic-billing-header');
  });

  test('tool_use and tool_result become tool_calls and tool messages, the results before the rest of that user turn', async () => {
    const body = await sendThrough(c, {
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Calling.' },
            { type: 'tool_use', id: 'toolu_a', name: 'f', input: { x: 1 } },
            { type: 'tool_use', id: 'toolu_b', name: 'f', input: { x: 2 } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you are.' },
            { type: 'tool_result', tool_use_id: 'toolu_a', content: 'plain' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_b',
              is_error: true,
              content: [
                { type: 'text', text: 'line one' },
                { type: 'text', text: 'line two' },
              ],
            },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: 'Calling.',
        tool_calls: [
          { id: 'toolu_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
          { id: 'toolu_b', type: 'function', function: { name: 'f', arguments: '{"x":2}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_a', content: 'plain' },
      { role: 'tool', tool_call_id: 'toolu_b', content: 'Error: line one\n\nline two' },
      { role: 'user', content: 'Here you are.' },
    ]);
  });

  test('images and documents in a tool_result open the user message that follows the tool messages', async () => {
    const body = await sendThrough(c, {
      tools: [{ name: 'shot', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_s', name: 'shot', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_s',
              content: [
                { type: 'text', text: 'the screen' },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
                { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
              ],
            },
            { type: 'text', text: 'what now?' },
          ],
        },
      ],
    });
    expect(body.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'toolu_s', content: 'the screen' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
          { type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
          { type: 'text', text: 'what now?' },
        ],
      },
    ]);
  });

  test('tools: [] sends no tools (nor tool_choice); input_schema with $schema becomes parameters', async () => {
    let body = await sendThrough(c, { tools: [], tool_choice: { type: 'auto' }, messages: [{ role: 'user', content: 'hi' }] });
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
    expect(body).not.toHaveProperty('parallel_tool_calls');
    fakes[c.provider].reset();
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object' as const,
      properties: { path: { type: 'string' } },
      required: ['path'],
      additionalProperties: false,
    };
    body = await sendThrough(c, {
      tools: [{ name: 'Read', description: 'Reads', input_schema: schema }],
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'Read', description: 'Reads', parameters: schema } }]);
  });

  test.each<[string, Anthropic.ToolChoice, Record<string, unknown>]>([
    ['any', { type: 'any' }, { tool_choice: 'required' }],
    ['auto', { type: 'auto' }, { tool_choice: 'auto' }],
    ['none', { type: 'none' }, { tool_choice: 'none' }],
    ['tool', { type: 'tool', name: 'f' }, { tool_choice: { type: 'function', function: { name: 'f' } } }],
    ['auto, disable_parallel_tool_use', { type: 'auto', disable_parallel_tool_use: true }, { tool_choice: 'auto', parallel_tool_calls: false }],
    ['any, disable_parallel_tool_use', { type: 'any', disable_parallel_tool_use: true }, { tool_choice: 'required', parallel_tool_calls: false }],
  ])('tool_choice %s', async (_name, toolChoice, expected) => {
    const body = await sendThrough(c, {
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: toolChoice,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(body).toMatchObject(expected);
    if (!('parallel_tool_calls' in expected)) expect(body).not.toHaveProperty('parallel_tool_calls');
  });

  test('stop_sequences become stop, metadata.user_id its SHA-256 hex as user, max_tokens the adapter’s field, top_k where taken', async () => {
    const body = await sendThrough(c, {
      max_tokens: 321,
      stop_sequences: ['END', '###'],
      metadata: { user_id: 'device-1234' },
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(body.stop).toEqual(['END', '###']);
    expect(body.user).toBe(sha256Hex('device-1234'));
    expect(body).not.toHaveProperty('metadata');
    expect(fakes[c.provider].requests.at(-1)!.rawBody).not.toContain('device-1234');
    expect(body[c.limitField]).toBe(321);
    expect(Object.keys(body).filter((key) => /^max_(completion_)?tokens$/.test(key))).toEqual([c.limitField]);
    expect(body).not.toHaveProperty('stop_sequences');
    if (c.takesTopK) expect(body.top_k).toBe(40);
    else expect(body).not.toHaveProperty('top_k');
    expect(body).toMatchObject({ temperature: 0.5, top_p: 0.9 });
  });

  test('documents: a base64 PDF is a file part named by its title, else document.pdf; a text source a text part under its title', async () => {
    const body = await sendThrough(c, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', title: 'report.pdf', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
            { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
            {
              type: 'document',
              title: 'Notes',
              source: { type: 'text', media_type: 'text/plain', data: 'the notes' },
              context: 'ctx',
              citations: { enabled: true },
            },
            { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'untitled' } },
            { type: 'text', text: 'summarise' },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
          { type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${PDF}` } },
          { type: 'text', text: 'Notes\nthe notes' },
          { type: 'text', text: 'untitled' },
          { type: 'text', text: 'summarise' },
        ],
      },
    ]);
  });

  test(`a URL document ${c.fetchesFileUrls ? 'goes on as file_data: <url>' : 'is a 400 invalid_request_error naming the block, nothing sent'}`, async () => {
    const params = {
      messages: [
        {
          role: 'user',
          content: [{ type: 'document', title: 'paper.pdf', source: { type: 'url', url: 'https://example.com/paper.pdf' } }],
        },
      ],
    };
    if (c.fetchesFileUrls) {
      const body = await sendThrough(c, params as MessageParams);
      expect(body.messages).toEqual([
        { role: 'user', content: [{ type: 'file', file: { filename: 'paper.pdf', file_data: 'https://example.com/paper.pdf' } }] },
      ]);
      return;
    }
    const error = await refusal(c, params);
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/document/) } });
    expect(JSON.stringify(error.error)).toContain('messages[0].content[0]');
  });

  test.each([
    ['in a user turn', [{ type: 'made_up_block', data: 1 }]],
    ['inside a tool_result', [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'made_up_block', data: 1 }] }]],
  ])('an unknown block type %s is a 400 naming the type, nothing sent', async (_where, content) => {
    const error = await refusal(c, {
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
    });
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('made_up_block') } });
  });

  test('assistant server_tool_use and server-tool results are left out; thinking becomes reasoning_content, redacted_thinking is dropped', async () => {
    const body = await sendThrough(c, {
      messages: [
        { role: 'user', content: 'search' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature: 'sig-anthropic' },
            { type: 'redacted_thinking', data: 'REDACTED-BLOB' },
            { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
            { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
            { type: 'text', text: 'Found it.' },
          ],
        },
        { role: 'user', content: 'thanks' },
      ] as Anthropic.MessageParam[],
    });
    expect(body.messages[1]).toMatchObject({ role: 'assistant', content: 'Found it.', reasoning_content: 'Let me think.' });
    expect(body.messages).toHaveLength(3);
    // OpenRouter's reasoning_details carry signed thinking back to Anthropic (section 10), not in scope here.
    const raw = JSON.stringify(body.messages, (key, value: unknown) => (key === 'reasoning_details' ? undefined : value));
    for (const dropped of ['srvtoolu_1', 'web_search', 'REDACTED-BLOB']) expect(raw).not.toContain(dropped);
  });

  test('context_management, the rest of output_config and the anthropic-*, x-claude-code-*, x-stainless-* headers are not sent', async () => {
    const response = await post(
      '/messages?beta=true',
      JSON.stringify({
        model: c.model,
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hi' }],
        context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
        output_config: { effort: 'high', task_budget: { type: 'tokens', total: 1000 } },
      }),
      {
        'x-api-key': CLIENT_TOKEN,
        authorization: `Bearer ${CLIENT_TOKEN}`,
        'anthropic-beta': 'context-management-2025-06-27',
        'anthropic-dangerous-direct-browser-access': 'true',
        'x-claude-code-session-id': 'session-1',
        'x-stainless-retry-count': '0',
        'x-stainless-lang': 'js',
        'x-app': 'cli',
      },
    );
    expect(response.status).toBe(200);
    const request = fakes[c.provider].requests.at(-1)!;
    expect(headerNames(request.headers, /^(anthropic-|x-claude-code-|x-stainless-|x-api-key$|x-app$)/)).toEqual([]);
    expect(request.headers.authorization).toBe(`Bearer ${c.key}`);
    expect(request.rawBody).not.toContain(CLIENT_TOKEN);
    for (const dropped of ['context_management', 'output_config', 'task_budget', 'clear_thinking']) expect(request.rawBody).not.toContain(dropped);
  });

  test('a stream asks for stream_options.include_usage; without stream none is sent', async () => {
    await client()
      .messages.stream({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(sentBody(c)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    fakes[c.provider].reset();
    const body = await sendThrough(c, { messages: [{ role: 'user', content: 'hi' }] });
    expect(body).not.toHaveProperty('stream_options');
  });

  test.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)('a %s request body is decoded', async (encoding, compress) => {
    const response = await post(
      '/messages',
      compress(Buffer.from(JSON.stringify({ model: c.model, max_tokens: 100, messages: [{ role: 'user', content: `sent as ${encoding}` }] }))),
      { 'content-encoding': encoding },
    );
    expect(response.status).toBe(200);
    expect(sentBody(c).messages).toEqual([{ role: 'user', content: `sent as ${encoding}` }]);
  });
});

describe('client request bodies (Messages route)', () => {
  const c = CASES[0]!;
  test('an encoding other than gzip, deflate, br or identity is a 415 in Anthropic’s shape, nothing sent', async () => {
    const response = await post('/messages', JSON.stringify({ model: c.model, max_tokens: 100, messages: [] }), { 'content-encoding': 'zstd' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('zstd') } });
    nothingSent();
  });

  test('identity is a plain body', async () => {
    const response = await post('/messages', JSON.stringify({ model: c.model, max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }), {
      'content-encoding': 'identity',
    });
    expect(response.status).toBe(200);
  });

  test('the size limit applies to the decoded body: a small gzip that inflates past it is a 413 request_too_large', async () => {
    const big = JSON.stringify({ model: c.model, max_tokens: 100, messages: [{ role: 'user', content: 'a'.repeat(200 * 1024) }] });
    const compressed = zlib.gzipSync(Buffer.from(big));
    expect(compressed.length).toBeLessThan(64 * 1024);
    const response = await post('/messages', compressed, { 'content-encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'request_too_large', message: expect.any(String) } });
    nothingSent();
  });
});

// ---------------------------------------------------------------------------------------------
// Claude Code's recorded requests, to each provider

interface RecordedClaudeCodeRequest {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> & { metadata: { user_id: string }; tools: Array<{ name: string; input_schema: unknown }> };
}

const RECORDINGS = ['claude-code-request.json', 'claude-code-request-tool-turn.json', 'claude-code-latest-request-tool-search.json'];

describe.each(CASES)("Claude Code's recorded requests to $provider", (c) => {
  test.each(RECORDINGS.flatMap((name) => [true, false].map((stream) => [name, stream] as const)))(
    '%s (stream: %p): every frame named or the JSON model as asked, and a translated request with nothing Anthropic-only in it',
    async (name, stream) => {
      const recorded = fixtureJson<RecordedClaudeCodeRequest>(name);
      const response = await fetch(`${host.url}${recorded.path}`, {
        method: 'POST',
        headers: { ...recorded.headers, 'x-api-key': CLIENT_TOKEN, 'accept-encoding': 'identity' },
        body: JSON.stringify({ ...recorded.body, model: c.model, stream }),
      });
      expect(response.status).toBe(200);
      if (stream) {
        const frames = parseAnthropicSse(await response.text());
        expect(frames[0]).toMatchObject({ event: 'message_start', data: { message: { model: c.model } } });
        expect(frames.at(-1)?.event).toBe('message_stop');
      } else {
        expect(await response.json()).toMatchObject({ type: 'message', role: 'assistant', model: c.model });
      }

      const request = fakes[c.provider].requests.at(-1)!;
      expect(headerNames(request.headers, /^(anthropic-|x-claude-code-|x-stainless-|x-api-key$)/)).toEqual([]);
      for (const dropped of ['cache_control', 'x-anthropic-billing-header', 'context_management', 'output_config', recorded.body.metadata.user_id]) {
        expect(request.rawBody).not.toContain(dropped);
      }
      expect(request.url).toBe(c.upstreamPath);
      const body = request.body as ChatBody;
      expect(body.model).toBe(c.upstreamModel);
      // thinking adaptive with output_config.effort high, as the provider's effort field (section 10).
      const effortFields = { openai: {}, openrouter: { reasoning: { effort: 'high' } }, groq: { reasoning_effort: 'high' } }[c.provider];
      expect(body).toMatchObject(effortFields);
      if (c.provider === 'openai') expect(body).not.toHaveProperty('reasoning_effort');
      expect(body.messages[0]?.role).toBe('system');
      expect(body.user).toBe(sha256Hex(recorded.body.metadata.user_id));
      expect(body[c.limitField]).toBe(recorded.body.max_tokens);
      if (stream) expect(body.stream_options).toEqual({ include_usage: true });
      else expect(body).not.toHaveProperty('stream_options');
      // Each tool sent with its JSON Schema as recorded ($schema included) as parameters.
      const tools = body.tools as Array<{ function: { name: string; parameters: Record<string, unknown> } }>;
      expect(tools.length).toBeGreaterThan(0);
      const recordedSchemas = new Map(recorded.body.tools.map((tool) => [tool.name, tool.input_schema]));
      for (const tool of tools) expect(tool.function.parameters).toEqual(recordedSchemas.get(tool.function.name));
      expect(tools.some((tool) => tool.function.parameters.$schema === 'https://json-schema.org/draft/2020-12/schema')).toBe(true);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Streams and answers

const IDENTITY = { id: 'chatcmpl-m', created: 1, model: 'upstream-model-name' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null, choice: Record<string, unknown> = {}): string =>
  chatChunkFrame(IDENTITY, delta, finish, { choice });
const call = (index: number, fields: Record<string, unknown>): Record<string, unknown> => ({ tool_calls: [{ index, ...fields }] });
const usage = chatUsageFrame(IDENTITY, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });

/** The router's Messages stream for a streamed request to `c` answered with `frames`. */
async function streamed(c: MatrixCase, frames: string[]): Promise<AnthropicFrame[]> {
  fakes[c.provider].handler = ((_request, res) => sendFrames(res, frames)) as FakeHandler;
  const response = await post(
    '/messages',
    JSON.stringify({ model: c.model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] }),
  );
  expect(response.status).toBe(200);
  return parseAnthropicSse(await response.text());
}

/** Fails when a block starts before the previous one stopped, or any delta is not inside its open block. */
function expectSequentialBlocks(frames: AnthropicFrame[]): void {
  let open: number | undefined;
  let next = 0;
  for (const { event, data } of frames) {
    if (event === 'content_block_start') {
      expect(open).toBeUndefined();
      expect(data.index).toBe(next);
      open = next++;
    } else if (event === 'content_block_delta') expect(data.index).toBe(open);
    else if (event === 'content_block_stop') {
      expect(data.index).toBe(open);
      open = undefined;
    }
  }
  expect(open).toBeUndefined();
}

/** The blocks of a stream as a client assembles them: text, or a tool call's id, name and input. */
function blocksOf(frames: AnthropicFrame[]): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  for (const { event, data } of frames) {
    if (event === 'content_block_start') {
      const block = { ...(data.content_block as Record<string, unknown>) };
      if (block.type === 'tool_use') block.input = '';
      blocks.push(block);
    } else if (event === 'content_block_delta') {
      const block = blocks[data.index as number]!;
      const delta = data.delta as Record<string, string>;
      if (delta.type === 'text_delta') block.text = `${block.text as string}${delta.text}`;
      if (delta.type === 'input_json_delta') block.input = `${block.input as string}${delta.partial_json}`;
    }
  }
  return blocks.map((block) => (block.type === 'tool_use' ? { ...block, input: JSON.parse((block.input as string) || '{}') } : block));
}

describe.each(CASES)('streams from $provider', (c) => {
  test('message_start with the model as asked, sequential text blocks, message_delta with usage, message_stop, each frame named', async () => {
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({}, 'stop'),
      usage,
      DONE_FRAME,
    ]);
    expect(frames.map((f) => f.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(frames[0]!.data.message).toMatchObject({ model: c.model, role: 'assistant', content: [] });
    expect(frames[5]!.data).toMatchObject({ delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } });
    expect(blocksOf(frames)).toEqual([{ type: 'text', text: 'Hello' }]);
  });

  test.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('finish_reason %s is stop_reason %s, streamed and not', async (finish, stopReason) => {
    const toolCall = finish === 'tool_calls';
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: 'x' }),
      ...(toolCall ? [chunk(call(0, { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }))] : []),
      chunk({}, finish),
      usage,
      DONE_FRAME,
    ]);
    expect(frames.find((f) => f.event === 'message_delta')!.data.delta).toMatchObject({ stop_reason: stopReason });
    fakes[c.provider].reset();
    fakes[c.provider].handler = ((_request, res) =>
      sendJson(
        res,
        200,
        chatCompletion(
          toolCall
            ? { role: 'assistant', content: 'x', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }
            : { role: 'assistant', content: 'x' },
          finish,
        ),
      )) as FakeHandler;
    const message = await client().messages.create({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] });
    expect(message.stop_reason).toBe(stopReason);
    expect(message.model).toBe(c.model);
  });

  test('a tool_use block starts only once id and name are known; argument pieces before are held', async () => {
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: null }),
      chunk(call(0, { function: { arguments: '{"a":' } })),
      chunk(call(0, { id: 'call_late' })),
      chunk(call(0, { function: { arguments: '1}' } })),
      chunk(call(0, { type: 'function', function: { name: 'late_name' } })),
      chunk({}, 'tool_calls'),
      usage,
      DONE_FRAME,
    ]);
    expectSequentialBlocks(frames);
    const start = frames.find((f) => f.event === 'content_block_start')!;
    expect(start.data.content_block).toMatchObject({ type: 'tool_use', id: expect.any(String), name: 'late_name' });
    expect(blocksOf(frames)).toEqual([expect.objectContaining({ type: 'tool_use', name: 'late_name', input: { a: 1 } })]);
  });

  test('parallel calls interleaved by index, the higher index first, come out each whole and in index order (raw and SDK)', async () => {
    const upstreamFrames = [
      chunk({ role: 'assistant', content: 'Both.' }),
      chunk(call(1, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"b":' } })),
      chunk(call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a":' } })),
      chunk(call(1, { function: { arguments: '2}' } })),
      chunk(call(0, { function: { arguments: '1}' } })),
      chunk({}, 'tool_calls'),
      usage,
      DONE_FRAME,
    ];
    const frames = await streamed(c, upstreamFrames);
    expectSequentialBlocks(frames);
    const expected = [
      { type: 'text', text: 'Both.' },
      { type: 'tool_use', id: 'call_a', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'g', input: { b: 2 } },
    ];
    expect(blocksOf(frames)).toEqual(expected);
    const message = await client()
      .messages.stream({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();
    expect(message.content).toEqual(expected.map((block) => expect.objectContaining(block)));
    expect(message.stop_reason).toBe('tool_use');
  });

  test('parallel calls in one chunk, then their arguments interleaved: call 0 streams, call 1 follows whole after its stop', async () => {
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: null }),
      chunk({
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } },
          { index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '' } },
        ],
      }),
      chunk(call(0, { function: { arguments: '{"a":' } })),
      chunk(call(1, { function: { arguments: '{"b":' } })),
      chunk(call(0, { function: { arguments: '1}' } })),
      chunk(call(1, { function: { arguments: '2}' } })),
      chunk({}, 'tool_calls'),
      usage,
      DONE_FRAME,
    ]);
    expectSequentialBlocks(frames);
    expect(blocksOf(frames)).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'f', input: { a: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'g', input: { b: 2 } },
    ]);
  });

  test.each([
    ['CRLF', '\r\n'],
    ['a lone CR', '\r'],
  ])('an upstream stream whose lines end with %s is read the same', async (_name, eol) => {
    const frames = await streamed(
      c,
      [chunk({ role: 'assistant', content: 'Hi' }), chunk({}, 'stop'), usage, DONE_FRAME].map((frame) => frame.replace(/\n/g, eol)),
    );
    expect(blocksOf(frames)).toEqual([{ type: 'text', text: 'Hi' }]);
    expect(frames.at(-1)?.event).toBe('message_stop');
  });

  test('a gzip-compressed upstream stream is decoded and translated', async () => {
    fakes[c.provider].handler = ((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(Buffer.from([chunk({ role: 'assistant', content: 'zipped' }), chunk({}, 'stop'), usage, DONE_FRAME].join(''))));
    }) as FakeHandler;
    const message = await client()
      .messages.stream({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'zipped' })]);
  });

  test('text arriving while a tool block is open is held and follows in its own text block', async () => {
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: null }),
      chunk(call(0, { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a"' } })),
      chunk({ content: 'meanwhile' }),
      chunk(call(0, { function: { arguments: ':1}' } })),
      chunk({}, 'tool_calls'),
      usage,
      DONE_FRAME,
    ]);
    expectSequentialBlocks(frames);
    expect(blocksOf(frames)).toEqual([
      expect.objectContaining({ type: 'tool_use', name: 'f', input: { a: 1 } }),
      { type: 'text', text: 'meanwhile' },
    ]);
  });

  test('a call still without a name at the end ends the stream with an error frame, not message_stop', async () => {
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: 'x' }),
      chunk(call(0, { id: 'call_a', function: { arguments: '{}' } })),
      chunk({}, 'tool_calls'),
      usage,
      DONE_FRAME,
    ]);
    expect(frames.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: expect.any(String), message: expect.any(String) } } });
    expect(frames.map((f) => f.event)).not.toContain('message_stop');
  });

  test('delta.refusal becomes text; only choice 0 is translated', async () => {
    const other = (delta: Record<string, unknown>): string =>
      `data: ${JSON.stringify({ id: 'chatcmpl-m', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 1, delta, finish_reason: null }] })}\n\n`;
    const frames = await streamed(c, [
      chunk({ role: 'assistant', content: '' }),
      other({ role: 'assistant', content: 'CHOICE-ONE' }),
      chunk({ refusal: "I can't help" }),
      other({ content: 'MORE-ONE' }),
      chunk({ refusal: ' with that.' }),
      chunk({}, 'content_filter'),
      usage,
      DONE_FRAME,
    ]);
    expect(blocksOf(frames)).toEqual([{ type: 'text', text: "I can't help with that." }]);
    expect(JSON.stringify(frames)).not.toContain('ONE');
  });

  test('an upstream stream cut before [DONE] ends with an event: error frame', async () => {
    const frames = await streamed(c, [chunk({ role: 'assistant', content: 'partial' })]);
    expect(frames.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'api_error', message: expect.any(String) } } });
  });

  test("the SDK's messages.stream().finalMessage() reads the translated stream, with the model as asked", async () => {
    fakes[c.provider].handler = ((_request, res) =>
      sendFrames(res, [chunk({ role: 'assistant', content: 'Hi' }), chunk({ content: '!' }), chunk({}, 'stop'), usage, DONE_FRAME])) as FakeHandler;
    const message = await client()
      .messages.stream({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();
    expect(message).toMatchObject({ model: c.model, stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hi!' }], usage: { output_tokens: 7 } });
  });

  test('telemetry reports endpoint messages, the model as asked and the usage, streamed and not', async () => {
    const ends: RequestEndEvent[] = [];
    const listener = (event: RequestEndEvent): void => void ends.push(event);
    host.router.telemetry.on('request.end', listener);
    try {
      fakes[c.provider].handler = ((request, res) =>
        request.body?.stream === true
          ? sendFrames(res, [chunk({ role: 'assistant', content: 'Hi' }), chunk({}, 'stop'), usage, DONE_FRAME])
          : sendJson(res, 200, {
              ...chatCompletion({ role: 'assistant', content: 'Hi' }, 'stop'),
              usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
            })) as FakeHandler;
      await client().messages.create({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] });
      await client()
        .messages.stream({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] })
        .finalMessage();
      const expected = {
        endpoint: 'messages',
        provider: c.provider,
        model: c.model,
        upstreamModel: c.upstreamModel,
        outcome: 'ok',
        status: 200,
        usage: expect.objectContaining({ promptTokens: 11, completionTokens: 7, totalTokens: 18 }),
      };
      expect(ends).toEqual([expect.objectContaining({ ...expected, stream: false }), expect.objectContaining({ ...expected, stream: true })]);
    } finally {
      host.router.telemetry.off('request.end', listener);
    }
  });

  test('not streamed: only choice 0, the model as asked', async () => {
    fakes[c.provider].handler = ((_request, res) =>
      sendJson(res, 200, {
        ...chatCompletion({ role: 'assistant', content: 'zero' }, 'stop'),
        choices: [
          { index: 1, message: { role: 'assistant', content: 'one' }, finish_reason: 'length' },
          { index: 0, message: { role: 'assistant', content: 'zero' }, finish_reason: 'stop' },
        ],
      })) as FakeHandler;
    const message = await client().messages.create({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'go' }] });
    expect(message).toMatchObject({ model: c.model, stop_reason: 'end_turn', content: [{ type: 'text', text: 'zero' }] });
  });
});

// ---------------------------------------------------------------------------------------------
// Errors

describe.each(CASES)('errors from $provider', (c) => {
  test.each([
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
  ])('an upstream %i keeps its status and message, typed %s, streamed and not', async (status, type) => {
    fakes[c.provider].handler = ((_request, res) =>
      sendJson(res, status, { error: { message: `upstream said ${status}`, type: 'x' } })) as FakeHandler;
    for (const stream of [false, true]) {
      const response = await post(
        '/messages',
        JSON.stringify({ model: c.model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'x' }] }),
      );
      expect({ stream, status: response.status, body: await response.json() }).toEqual({
        stream,
        status,
        body: { type: 'error', error: { type, message: `upstream said ${status}` } },
      });
    }
  });

  test.each([
    [529, 529, 'overloaded_error'],
    ['429', 429, 'rate_limit_error'],
    ['server_error', 502, 'api_error'],
    [undefined, 502, 'api_error'],
  ])('a 200 JSON answer holding only an error with code %p is that error with status %i, and telemetry says error', async (code, status, type) => {
    const ends: RequestEndEvent[] = [];
    const listener = (event: RequestEndEvent): void => void ends.push(event);
    host.router.telemetry.on('request.end', listener);
    try {
      fakes[c.provider].handler = ((_request, res) => sendJson(res, 200, { error: { message: 'Generation failed', code } })) as FakeHandler;
      const error = await rejectionOf(
        client().messages.create({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'x' }] }),
        Anthropic.APIError,
      );
      expect(error.status).toBe(status);
      expect(error.error).toEqual({ type: 'error', error: { type, message: 'Generation failed' } });
      expect(ends).toEqual([expect.objectContaining({ outcome: 'error', status, endpoint: 'messages' })]);
    } finally {
      host.router.telemetry.off('request.end', listener);
    }
  });

  test.each([false, true])('a redirect is not followed (stream: %p): 502 api_error naming the status and Location', async (stream) => {
    fakes[c.provider].handler = ((_request, res) => {
      res.writeHead(307, { location: 'https://elsewhere.example/v1/chat/completions' });
      res.end();
    }) as FakeHandler;
    const response = await post('/messages', JSON.stringify({ model: c.model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'x' }] }));
    expect(response.status).toBe(502);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).toContain('307');
    expect(body.error.message).toContain('https://elsewhere.example/v1/chat/completions');
    expect(fakes[c.provider].requests).toHaveLength(1);
  });

  test('a streamed request answered with a 200 JSON error is that error, before any stream', async () => {
    fakes[c.provider].handler = ((_request, res) => sendJson(res, 200, { error: { message: 'Rate limited upstream', code: 429 } })) as FakeHandler;
    const response = await post(
      '/messages',
      JSON.stringify({ model: c.model, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited upstream' } });
  });

  test.each([
    ['gzip', promisify(zlib.gzip)],
    ['deflate', promisify(zlib.deflate)],
    ['br', promisify(zlib.brotliCompress)],
  ] as const)('a %s-compressed answer and error body are decoded', async (encoding, compress) => {
    const asked = fakes[c.provider];
    let status = 200;
    asked.handler = ((request, res) => {
      expect(request.headers['accept-encoding']).toBe('identity');
      const body = status === 200 ? chatCompletion({ role: 'assistant', content: 'squeezed' }, 'stop') : { error: { message: 'squeezed error' } };
      void compress(Buffer.from(JSON.stringify(body))).then((bytes) => {
        res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': encoding });
        res.end(bytes);
      });
    }) as FakeHandler;
    const message = await client().messages.create({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'x' }] });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'squeezed' })]);
    status = 429;
    const error = await rejectionOf(
      client().messages.create({ ...BASE, model: c.model, messages: [{ role: 'user', content: 'x' }] }),
      Anthropic.APIError,
    );
    expect(error.error).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'squeezed error' } });
  });

  test('POST /messages/count_tokens is a 404 not_found_error naming the provider, nothing sent', async () => {
    const response = await post('/messages/count_tokens', JSON.stringify({ model: c.model, messages: [{ role: 'user', content: 'x' }] }));
    expect(response.status).toBe(404);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toEqual({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining(c.provider) } });
    nothingSent();
  });
});

describe("the router's own errors on /messages", () => {
  test.each([
    ['malformed JSON', 400, 'invalid_request_error', '{"model": '],
    ['no model', 400, 'invalid_request_error', JSON.stringify({ max_tokens: 10, messages: [] })],
    ['a non-string model', 400, 'invalid_request_error', JSON.stringify({ model: 7, max_tokens: 10, messages: [] })],
    ['a body over PROVIDER_MAX_BODY_BYTES', 413, 'request_too_large', JSON.stringify({ model: 'openai/gpt-4o', pad: 'a'.repeat(70 * 1024) })],
    ['a provider without its key', 400, 'invalid_request_error', JSON.stringify({ model: 'anthropic/claude-x', max_tokens: 10, messages: [] })],
  ])('%s: %i %s in Anthropic’s shape', async (_name, status, type, body) => {
    const response = await post('/messages', body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
    nothingSent();
  });

  test('the provider without its key is named by its variable', async () => {
    const response = await post('/messages', JSON.stringify({ model: 'anthropic/claude-x', max_tokens: 10, messages: [] }));
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('ANTHROPIC_API_KEY');
  });

  test('an unreachable upstream is 502 api_error', async () => {
    const gone = await startFakeUpstream('openai');
    const env = envFor({ openai: gone });
    await gone.close();
    const unreachable = await startHost({ env });
    try {
      const response = await fetch(`${unreachable.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ type: 'error', error: { type: 'api_error', message: expect.any(String) } });
    } finally {
      await unreachable.close();
    }
  });
});

describe('requestStreamUsage: false', () => {
  test.each(CASES.map((c) => c.provider))('adds no stream_options for %s', async (provider) => {
    const c = CASES.find((x) => x.provider === provider)!;
    const quiet = await startHost({
      requestStreamUsage: false,
      env: {
        ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter }),
        OPENAI_COMPATIBLE_PROVIDERS: 'groq',
        GROQ_BASE_URL: fakes.groq.baseUrl,
        GROQ_API_KEY: GROQ_KEY,
      },
    });
    try {
      const response = await fetch(`${quiet.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: c.model, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }),
      });
      await response.text();
      expect(sentBody(c)).toMatchObject({ stream: true });
      expect(sentBody(c)).not.toHaveProperty('stream_options');
    } finally {
      await quiet.close();
    }
  });
});

describe('GET /models with anthropic-version', () => {
  test("answers in Anthropic's list shape with routable ids", async () => {
    const response = await fetch(`${host.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
    expect(response.status).toBe(200);
    const list = (await response.json()) as { data: Array<Record<string, unknown>>; has_more: boolean; first_id: string; last_id: string };
    expect(list.has_more).toBe(false);
    expect(list.data.length).toBeGreaterThan(0);
    for (const entry of list.data) {
      expect(entry).toMatchObject({ type: 'model', id: expect.any(String), display_name: expect.any(String), created_at: expect.any(String) });
    }
    expect(list.first_id).toBe(list.data[0]!.id);
    expect(list.last_id).toBe(list.data.at(-1)!.id);
    const ids = list.data.map((entry) => entry.id as string);
    expect(ids.some((id) => id.startsWith('openrouter/'))).toBe(true);
    expect(ids.some((id) => id.startsWith('groq/'))).toBe(true);
  });
});

describe('a slow client on a translated stream', () => {
  test.each(CASES.map((c) => c.provider))(
    '%s: the idle timer waits while the client holds the stream back, so the whole answer arrives',
    async (provider) => {
      const c = CASES.find((x) => x.provider === provider)!;
      const idleMs = 300;
      const patient = await startHost({
        env: {
          ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter }),
          OPENAI_COMPATIBLE_PROVIDERS: 'groq',
          GROQ_BASE_URL: fakes.groq.baseUrl,
          GROQ_API_KEY: GROQ_KEY,
          PROVIDER_IDLE_TIMEOUT_MS: String(idleMs),
        },
      });
      const piece = 'x'.repeat(2048);
      const pieces = 2000;
      fakes[c.provider].handler = ((_request, res) =>
        sendFrames(res, [
          chunk({ role: 'assistant', content: '' }),
          ...Array.from({ length: pieces }, () => chunk({ content: piece })),
          chunk({}, 'stop'),
          usage,
          DONE_FRAME,
        ])) as FakeHandler;
      try {
        const text = await new Promise<string>((resolve, reject) => {
          const request = http.request(`${patient.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
            res.pause();
            // Several idle timeouts long: the router must not count this as the upstream's silence.
            setTimeout(() => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (data: string) => (body += data));
              res.on('end', () => resolve(body));
              res.resume();
            }, idleMs * 4);
          });
          request.on('error', reject);
          request.end(JSON.stringify({ model: c.model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'go' }] }));
        });
        const frames = parseAnthropicSse(text);
        expect(frames.map((f) => f.event)).not.toContain('error');
        expect(frames.at(-1)?.event).toBe('message_stop');
        expect((blocksOf(frames)[0]!.text as string).length).toBe(piece.length * pieces);
      } finally {
        await patient.close();
      }
    },
  );
});

describe("the router's own timeouts on translated routes", () => {
  let quick: Host;
  beforeAll(async () => {
    quick = await startHost({
      env: {
        ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter }),
        OPENAI_COMPATIBLE_PROVIDERS: 'groq',
        GROQ_BASE_URL: fakes.groq.baseUrl,
        GROQ_API_KEY: GROQ_KEY,
        PROVIDER_TIMEOUT_MS: '300',
        PROVIDER_IDLE_TIMEOUT_MS: '300',
      },
    });
  });
  afterAll(() => quick.close());

  const ask = (c: MatrixCase, stream: boolean): Promise<Response> =>
    fetch(`${quick.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: c.model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'x' }] }),
    });

  test.each(CASES.flatMap((c) => [true, false].map((stream) => [c.provider, stream] as const)))(
    '%s (stream: %p): no response headers in time is a 504 timeout_error',
    async (provider, stream) => {
      const c = CASES.find((x) => x.provider === provider)!;
      fakes[c.provider].handler = () => undefined;
      const response = await ask(c, stream);
      expect(response.status).toBe(504);
      expect(await response.json()).toEqual({ type: 'error', error: { type: 'timeout_error', message: expect.any(String) } });
    },
  );

  test.each(CASES.map((c) => c.provider))('%s: silence inside a stream ends it with an event: error timeout_error', async (provider) => {
    const c = CASES.find((x) => x.provider === provider)!;
    fakes[c.provider].handler = ((_request, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk({ role: 'assistant', content: 'and then' }));
    }) as FakeHandler;
    const response = await ask(c, true);
    expect(response.status).toBe(200);
    const frames = parseAnthropicSse(await response.text());
    expect(frames[0]?.event).toBe('message_start');
    expect(frames.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'timeout_error', message: expect.any(String) } } });
  });
});

describe('routing on /messages follows the chat completions rules', () => {
  test.each([
    ['a PROVIDER_MODEL_MAP alias', 'fast', 'openai', 'gpt-4o-mini'],
    ['a map pattern to a provider declared in env', 'team-llama', 'groq', 'team-llama'],
    ['the built-in gpt-* rule', 'gpt-4o', 'openai', 'gpt-4o'],
    ['a provider prefix with a slash in the rest', 'openrouter/anthropic/claude-3.5-sonnet', 'openrouter', 'anthropic/claude-3.5-sonnet'],
  ] as const)('%s: %s reaches %s as %s, and the answer carries the model as asked', async (_name, model, provider, upstreamModel) => {
    const mapped = await startHost({
      env: {
        ...envFor({ openai: fakes.openai, openrouter: fakes.openrouter }),
        OPENAI_COMPATIBLE_PROVIDERS: 'groq',
        GROQ_BASE_URL: fakes.groq.baseUrl,
        GROQ_API_KEY: GROQ_KEY,
        PROVIDER_MODEL_MAP: 'fast=openai:gpt-4o-mini,team-*=groq',
      },
    });
    try {
      const sdk = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: mapped.url, maxRetries: 0 });
      const message = await sdk.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      expect(message.model).toBe(model);
      const streamedMessage = await sdk.messages.stream({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
      expect(streamedMessage.model).toBe(model);
      const fake = fakes[provider];
      expect(fake.requests.map((r) => r.body?.model)).toEqual([upstreamModel, upstreamModel]);
      for (const other of Object.values(fakes)) if (other !== fake) expect(other.requests).toHaveLength(0);
    } finally {
      await mapped.close();
    }
  });
});
