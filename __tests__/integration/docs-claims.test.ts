/**
 * The behaviours the README and the guides state that no other suite shows as such, one row per
 * claim, named after the doc and its section, run through the real SDKs against the fake upstreams;
 * and that README's reference tables name every variable, option, export, error code and telemetry
 * field the code has, and that every link between the pages, and every test file they name, exists.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import path from 'node:path';
import zlib from 'node:zlib';
import * as exported from '../../lib';
import { createAnthropicProvider, createProviderRouter, defineProvider } from '../../lib';
import { readEnv } from '../../lib/config/read-env';
import {
  exportedNames,
  headingAnchors,
  interfaceFields,
  markdownFiles,
  markdownSection,
  relativeLinks,
  repoHas,
  repoText,
  testFileNames,
} from '../support/doc-text';
import type { RecordedRequest } from '../support/fake-upstream';
import { envFor, silentLogger, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { RESPONSES_DEFAULTS } from '../support/responses-stream';
import { sendFrames, sendJson } from '../support/upstream-answers';
import { responsesAnswer } from '../support/whole-answers';
import { anthropicMessage, chatChunkFrame, DONE_FRAME } from '../support/wire-frames';
import { useFakes } from '../support/use-fakes';
import { sha256Hex } from './messages-api.helpers';

const fakes = useFakes();
let host: Host;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  host = await startHost({ env: envFor(fakes) });
  openai = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
});
afterAll(() => host.close());

/** The one request the fakes received. */
function sent(): RecordedRequest {
  const received = fakes.received();
  expect(received).toHaveLength(1);
  return received[0]!;
}

/** What a rejected SDK call reports: its status and its error body. */
async function failure(call: Promise<unknown>): Promise<{ status: number; error: Record<string, unknown> }> {
  try {
    await call;
  } catch (caught) {
    const err = caught as { status: number; error: { error?: Record<string, unknown> } & Record<string, unknown> };
    return { status: err.status, error: err.error?.error ?? err.error };
  }
  throw new Error('the call succeeded');
}

const chatToAnthropic = (extra: Record<string, unknown>) =>
  openai.chat.completions.create({
    model: 'anthropic/claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'Hi' }],
    ...extra,
  } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);

/** A Messages request saying Hi to `model`, with `extra` fields. */
const messagesTo = (model: string, max_tokens: number) => (extra: Record<string, unknown>) =>
  anthropic.messages.create({
    model,
    max_tokens,
    messages: [{ role: 'user', content: 'Hi' }],
    ...extra,
  } as unknown as Anthropic.MessageCreateParamsNonStreaming);

const messagesToOpenAI = messagesTo('openai/gpt-4o-mini', 100);

interface SentClaim {
  title: string;
  send: () => Promise<unknown>;
  check: (request: RecordedRequest) => void;
}

const SENT: SentClaim[] = [
  {
    title: 'translation.md, Chat completions to Anthropic: system and developer messages join into top-level system',
    send: () =>
      openai.chat.completions.create({
        model: 'anthropic/claude-sonnet-4-5',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
        ],
      }),
    check: ({ body }) => {
      expect(JSON.stringify(body?.system)).toContain('Be brief.');
      expect(JSON.stringify(body?.system)).toContain('Answer in French.');
      expect(body?.messages).toEqual([{ role: 'user', content: expect.anything() }]);
    },
  },
  {
    title: 'translation.md, Chat completions to Anthropic: with both, max_completion_tokens wins over max_tokens',
    send: () => chatToAnthropic({ max_tokens: 50, max_completion_tokens: 70 }),
    check: ({ body }) => expect(body?.max_tokens).toBe(70),
  },
  {
    title: 'translation.md, Chat completions to Anthropic: no token limit sends the adapter default, 4096',
    send: () => chatToAnthropic({}),
    check: ({ body }) => expect(body?.max_tokens).toBe(4096),
  },
  {
    title: 'translation.md, Chat completions to Anthropic: temperature clamped to 1; with top_p too, temperature only',
    send: () => chatToAnthropic({ temperature: 1.6, top_p: 0.5 }),
    check: ({ body }) => {
      expect(body?.temperature).toBe(1);
      expect(body).not.toHaveProperty('top_p');
    },
  },
  {
    title: 'translation.md, Chat completions to Anthropic: safety_identifier, else user, becomes metadata.user_id',
    send: () => chatToAnthropic({ safety_identifier: 'safe-1', user: 'user-1' }),
    check: ({ body }) => expect(body?.metadata).toEqual({ user_id: 'safe-1' }),
  },
  {
    title: 'translation.md, Chat completions to Anthropic: stop becomes stop_sequences, empty strings left out',
    send: () => chatToAnthropic({ stop: ['', 'END'] }),
    check: ({ body }) => expect(body?.stop_sequences).toEqual(['END']),
  },
  {
    title: 'translation.md, Chat completions to Anthropic: n, penalties, seed, store, metadata not sent',
    send: () => chatToAnthropic({ n: 1, presence_penalty: 0.5, frequency_penalty: 0.5, seed: 3, store: true, metadata: { a: 'b' } }),
    check: ({ body }) => {
      for (const field of ['n', 'presence_penalty', 'frequency_penalty', 'seed', 'store']) expect(body).not.toHaveProperty(field);
      expect(body).not.toHaveProperty('metadata');
    },
  },
  {
    title: 'translation.md, Chat completions to Anthropic: a message name is not sent',
    send: () => openai.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi', name: 'ann' }] }),
    check: ({ body }) => expect(JSON.stringify(body?.messages)).not.toContain('ann'),
  },
  {
    title: 'translation.md, Chat completions to Anthropic: response_format json_schema goes as output_config.format, the schema only',
    send: () =>
      chatToAnthropic({
        response_format: { type: 'json_schema', json_schema: { name: 'n', strict: true, description: 'd', schema: { type: 'object' } } },
      }),
    check: ({ body }) => expect(body?.output_config).toEqual({ format: { type: 'json_schema', schema: { type: 'object' } } }),
  },
  {
    title: 'translation.md, Chat completions to Anthropic: the anthropic-version header is 2023-06-01 by default',
    send: () => chatToAnthropic({}),
    check: ({ headers }) => expect(headers['anthropic-version']).toBe('2023-06-01'),
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: metadata.user_id goes as user, its SHA-256 hex digest',
    send: () => messagesToOpenAI({ metadata: { user_id: 'device-1' } }),
    check: ({ body }) => expect(body?.user).toBe(sha256Hex('device-1')),
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: the OpenAI adapter sends max_tokens as max_completion_tokens',
    send: () => messagesToOpenAI({}),
    check: ({ body }) => {
      expect(body?.max_completion_tokens).toBe(100);
      expect(body).not.toHaveProperty('max_tokens');
    },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: tools: [] sends no tools',
    send: () => messagesToOpenAI({ tools: [] }),
    check: ({ body }) => expect(body).not.toHaveProperty('tools'),
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: stop_sequences becomes stop; cache_control dropped',
    send: () =>
      messagesToOpenAI({
        stop_sequences: ['END'],
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      }),
    check: ({ body }) => {
      expect(body?.stop).toEqual(['END']);
      expect(JSON.stringify(body)).not.toContain('cache_control');
    },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: a system block starting x-anthropic-billing-header: is left out',
    send: () =>
      messagesToOpenAI({
        system: [
          { type: 'text', text: 'x-anthropic-billing-header: cc_version=1' },
          { type: 'text', text: 'Be brief.' },
        ],
      }),
    check: ({ body }) => {
      expect(JSON.stringify(body)).not.toContain('x-anthropic-billing-header');
      expect(JSON.stringify(body)).toContain('Be brief.');
    },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: service_tier and context_management are not sent',
    send: () => messagesToOpenAI({ service_tier: 'auto', context_management: { edits: [] } }),
    check: ({ body }) => {
      expect(body).not.toHaveProperty('service_tier');
      expect(body).not.toHaveProperty('context_management');
    },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: inference_geo global is served, not sent',
    send: () => messagesToOpenAI({ inference_geo: 'global' }),
    check: ({ body }) => expect(body).not.toHaveProperty('inference_geo'),
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: mcp_servers: [] is served',
    send: () => messagesToOpenAI({ mcp_servers: [] }),
    check: ({ body }) => expect(body).not.toHaveProperty('mcp_servers'),
  },
];

describe('guides: what reaches the provider', () => {
  it.each(SENT.map((claim) => [claim.title, claim] as const))('%s', async (_title, claim) => {
    await claim.send();
    claim.check(sent());
  });

  it('translation.md, Messages to OpenAI-compatible providers: stream: true asks for stream_options.include_usage', async () => {
    const stream = await anthropic.messages.create({
      model: 'openai/gpt-4o-mini',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    for await (const _event of stream) void _event;
    expect(sent().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });
});

interface RefusedClaim {
  title: string;
  send: () => Promise<unknown>;
  status: number;
  error: Record<string, unknown>;
}

const REFUSED: RefusedClaim[] = [
  {
    title: 'translation.md, Chat completions to Anthropic: response_format json_object is refused with 400',
    send: () => chatToAnthropic({ response_format: { type: 'json_object' } }),
    status: 400,
    error: { code: 'invalid_request' },
  },
  {
    title: 'translation.md, Chat completions to Anthropic: /embeddings for an Anthropic model answers 400 unsupported_endpoint',
    send: () => openai.embeddings.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Hi' }),
    status: 400,
    error: { code: 'unsupported_endpoint' },
  },
  {
    title: 'translation.md, Chat completions to Anthropic: /completions for an Anthropic model answers 400 unsupported_endpoint',
    send: () => openai.completions.create({ model: 'anthropic/claude-sonnet-4-5', prompt: 'Hi' }),
    status: 400,
    error: { code: 'unsupported_endpoint' },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: mcp_servers not empty is 400 invalid_request_error naming it',
    send: () => messagesToOpenAI({ mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] }),
    status: 400,
    error: { type: 'invalid_request_error', message: expect.stringContaining('`mcp_servers`') },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: tool_choice any with no tools is refused with 400',
    send: () => messagesToOpenAI({ tool_choice: { type: 'any' } }),
    status: 400,
    error: { type: 'invalid_request_error' },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: a server tool is a 400 naming it',
    send: () => messagesToOpenAI({ tools: [{ type: 'web_search_20250305', name: 'web_search' }] }),
    status: 400,
    error: { message: expect.stringContaining('web_search') },
  },
  {
    title: 'translation.md, Messages to OpenAI-compatible providers: thread continue is 404 not_found_error, thread_not_found',
    send: () => messagesToOpenAI({ thread: { type: 'continue', id: 'thr_1' } }),
    status: 404,
    error: { type: 'not_found_error', details: expect.objectContaining({ error_code: 'thread_not_found' }) },
  },
  {
    title: 'troubleshooting.md, 400 unsupported_parameter naming previous_response_id: a bridged route refuses it, param naming it',
    send: () => openai.responses.create({ model: 'local/qwen', input: 'Hi', previous_response_id: 'resp_1' }),
    status: 400,
    error: { code: 'unsupported_parameter', param: 'previous_response_id' },
  },
  {
    title: 'troubleshooting.md, 400 unsupported_parameter: background: true on a translated route is refused',
    send: () => openai.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Hi', background: true }),
    status: 400,
    error: { code: 'unsupported_parameter', param: 'background' },
  },
  {
    title: 'codex.md, What is refused, and why: item_reference items, param input',
    send: () => responsesToLocal({ input: [{ type: 'item_reference', id: 'msg_1' }] }),
    status: 400,
    error: { code: 'unsupported_parameter', param: 'input' },
  },
  ...['prompt', 'top_logprobs', 'max_tool_calls'].map((field) => ({
    title: `codex.md, What is refused, and why: ${field}, param naming it`,
    send: () => responsesToLocal({ [field]: field === 'prompt' ? { id: 'pmpt_1' } : 2 }),
    status: 400,
    error: { code: 'unsupported_parameter', param: field },
  })),
  {
    title: 'codex.md, What is refused, and why: tool_choice required when only hosted tools are offered',
    send: () => responsesToLocal({ tools: [{ type: 'web_search' }], tool_choice: 'required' }),
    status: 400,
    error: { code: 'unsupported_parameter', param: 'tool_choice' },
  },
  {
    title: 'codex.md, What is refused, and why: a hosted-tool call item in input, param input',
    send: () => responsesToLocal({ input: [{ type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } }] }),
    status: 400,
    error: { code: 'unsupported_parameter', param: 'input' },
  },
  {
    title: 'translation.md, Requests, bridged or translated: a tool of an unknown type is 400 unsupported_parameter, param tools',
    send: () => responsesToLocal({ tools: [{ type: 'teleporter_2099' }] }),
    status: 400,
    error: { code: 'unsupported_parameter', param: 'tools', message: expect.stringContaining('teleporter_2099') },
  },
  ...(
    [
      ['inference_geo other than global', { inference_geo: 'eu' }, 'inference_geo'],
      ['compaction', { compaction: { type: 'auto' } }, 'compaction'],
      ['a field the router does not know', { teleport: true }, 'teleport'],
    ] as const
  ).map(([what, extra, field]) => ({
    title: `translation.md, What is left out, and what is refused (Messages to chat completions): ${what}, the message naming it`,
    send: () => messagesToOpenAI(extra),
    status: 400,
    error: { type: 'invalid_request_error', message: expect.stringContaining(field) },
  })),
  {
    title: 'troubleshooting.md, 404 on /responses/{id}: GET /responses/{id} is served for no provider',
    send: () => openai.responses.retrieve('resp_1'),
    status: 404,
    error: {},
  },
  {
    title: 'troubleshooting.md, 404 on /responses/{id}: POST /responses/compact is served for no provider',
    send: () => openai.post('/responses/compact', { body: { model: 'openai/gpt-4o-mini', input: 'Hi' } }),
    status: 404,
    error: {},
  },
  {
    title: 'troubleshooting.md, Codex calls a tool it cannot run: tool_choice forcing a hosted tool is 400, param tool_choice',
    send: () =>
      openai.responses.create({
        model: 'local/qwen',
        input: 'Hi',
        tools: [{ type: 'web_search' }],
        tool_choice: { type: 'web_search' } as unknown as OpenAI.Responses.ResponseCreateParams['tool_choice'],
      }),
    status: 400,
    error: { param: 'tool_choice' },
  },
];

const toOpenRouter = messagesTo('openrouter/qwen/qwen3-coder', 20000);

describe("claude-code.md, Thinking: an effort from Claude Code's thinking settings, as OpenRouter's reasoning.effort", () => {
  it.each([
    ['a budget below 1024: minimal', { thinking: { type: 'enabled', budget_tokens: 1000 } }, 'minimal'],
    ['a budget from 1024: low', { thinking: { type: 'enabled', budget_tokens: 1024 } }, 'low'],
    ['a budget from 2048: medium', { thinking: { type: 'enabled', budget_tokens: 2048 } }, 'medium'],
    ['a budget from 4096: high', { thinking: { type: 'enabled', budget_tokens: 4096 } }, 'high'],
    ['a budget from 8192: xhigh', { thinking: { type: 'enabled', budget_tokens: 8192 } }, 'xhigh'],
    ['a budget from 16384: max', { thinking: { type: 'enabled', budget_tokens: 16384 } }, 'max'],
    ['adaptive thinking without output_config.effort: medium', { thinking: { type: 'adaptive' } }, 'medium'],
    ['adaptive thinking with output_config.effort high: high', { thinking: { type: 'adaptive' }, output_config: { effort: 'high' } }, 'high'],
    ['disabled thinking: none', { thinking: { type: 'disabled' } }, 'none'],
  ])('%s', async (_title, extra, effort) => {
    await toOpenRouter(extra);
    const { body } = sent();
    expect(body?.reasoning).toEqual({ effort });
    expect(body).not.toHaveProperty('reasoning_effort');
  });
});

describe('claude-code.md, What happens to a Messages request', () => {
  it('/messages/count_tokens for a provider without it is a 404 not_found_error naming the provider', async () => {
    const { status, error } = await failure(
      anthropic.messages.countTokens({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(status).toBe(404);
    expect(error).toMatchObject({ type: 'not_found_error', message: expect.stringContaining('openai') });
    expect(fakes.received()).toHaveLength(0);
  });

  it("GET /models with an anthropic-version header answers in Anthropic's list shape", async () => {
    const page = await anthropic.models.list();
    expect(page.data.length).toBeGreaterThan(0);
    for (const model of page.data) expect(model).toMatchObject({ type: 'model', id: expect.any(String), display_name: expect.any(String) });
  });

  it('every Messages answer carries model as the client asked for it, translated or passed through', async () => {
    for (const model of ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5']) {
      const answer = await anthropic.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
      expect(answer.model).toBe(model);
    }
  });
});

const responsesToLocal = (extra: Record<string, unknown>) =>
  openai.responses.create({ model: 'local/qwen', input: 'Hi', ...extra } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);

describe("codex.md, What Codex's requests become on a bridged or translated route", () => {
  it('the custom tool apply_patch becomes a function apply_patch with one string parameter, input, its grammar in the description', async () => {
    await responsesToLocal({
      tools: [
        { type: 'custom', name: 'apply_patch', description: 'Patch files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
      ],
    });
    const tools = sent().body?.tools as { function: { name: string; description: string; parameters: unknown } }[];
    expect(tools).toHaveLength(1);
    expect(tools[0]!.function.name).toBe('apply_patch');
    expect(tools[0]!.function.description).toContain('start: "x"');
    expect(tools[0]!.function.parameters).toMatchObject({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] });
  });

  it('namespace tools become functions named <namespace>__<name>', async () => {
    await responsesToLocal({
      tools: [
        {
          type: 'namespace',
          name: 'mcp__docs',
          description: 'Docs.',
          tools: [{ type: 'function', name: 'search', description: 'Search.', parameters: { type: 'object', properties: {} } }],
        },
      ],
    });
    expect((sent().body?.tools as { function: { name: string } }[]).map((tool) => tool.function.name)).toEqual(['mcp__docs__search']);
  });

  it('hosted tools offered with tool_choice auto are left out silently', async () => {
    await responsesToLocal({ tools: [{ type: 'web_search' }], tool_choice: 'auto' });
    const { body } = sent();
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('include, prompt_cache_key, client_metadata, text.verbosity and store are left out', async () => {
    await responsesToLocal({
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k',
      client_metadata: { a: 'b' },
      text: { verbosity: 'low' },
      store: false,
    });
    const { body } = sent();
    for (const field of ['include', 'prompt_cache_key', 'client_metadata', 'verbosity', 'store'])
      expect(JSON.stringify(body)).not.toContain(`"${field}"`);
  });

  it('no max_output_tokens: Anthropic gets ANTHROPIC_MAX_TOKENS, default 4096', async () => {
    await openai.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'Hi' });
    expect(sent().body?.max_tokens).toBe(4096);
  });
});

describe('codex.md, What Codex needs from a stream: codes of failures before the stream', () => {
  it.each([
    ['a 429 with no code: rate_limit_exceeded', 429, { error: { message: 'slow down', type: 'rate_limit' } }, 'rate_limit_exceeded'],
    ['a 402 with no code: insufficient_quota', 402, { error: { message: 'no credits' } }, 'insufficient_quota'],
    [
      "llama-server's exceed_context_size_error: context_length_exceeded",
      400,
      { error: { code: 400, message: 'the request exceeds the available context size', type: 'exceed_context_size_error' } },
      'context_length_exceeded',
    ],
  ])('%s', async (_title, status, body, code) => {
    fakes.local.handler = (_request, res) => sendJson(res, status, body);
    const error = await failure(responsesToLocal({}));
    expect(error).toMatchObject({ status, error: { code } });
  });
});

describe('guides: what is refused', () => {
  it.each(REFUSED.map((claim) => [claim.title, claim] as const))('%s', async (_title, claim) => {
    const { status, error } = await failure(claim.send());
    expect(status).toBe(claim.status);
    expect(error).toMatchObject(claim.error);
    expect(fakes.received()).toHaveLength(0);
  });
});

describe('troubleshooting.md, upstream failures', () => {
  it('502 upstream_invalid_response: "it redirected": the message names the provider, the status and the Location', async () => {
    fakes.local.handler = (_request, res) => {
      res.writeHead(301, { location: 'https://api.example.com/v1/chat/completions' });
      res.end();
    };
    const { status, error } = await failure(openai.chat.completions.create({ model: 'local/qwen', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(status).toBe(502);
    expect(error).toMatchObject({
      code: 'upstream_invalid_response',
      message: expect.stringContaining('Provider "local" answered badly: it redirected (301 to https://api.example.com/v1/chat/completions)'),
    });
  });

  it('502 upstream_unreachable for a local model when llama-server is not running', async () => {
    const closed = await startHost({ env: { LOCAL_BASE_URL: 'http://127.0.0.1:9/v1', PROVIDER_TIMEOUT_MS: '2000' } });
    try {
      const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${closed.url}/v1`, maxRetries: 0 });
      const { status, error } = await failure(client.chat.completions.create({ model: 'local/qwen', messages: [{ role: 'user', content: 'Hi' }] }));
      expect(status).toBe(502);
      expect(error).toMatchObject({ code: 'upstream_unreachable' });
    } finally {
      await closed.close();
    }
  });
});

describe("translation.md, Errors in the client's dialect: an upstream status on /messages, typed by status", () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
    [422, 'invalid_request_error'],
    [502, 'api_error'],
  ])("%d: %s, the status and the provider's message kept", async (status, type) => {
    fakes.openai.handler = (_request, res) => sendJson(res, status, { error: { message: `upstream says ${status}` } });
    const error = await failure(messagesToOpenAI({}));
    expect(error).toMatchObject({ status, error: { type, message: expect.stringContaining(`upstream says ${status}`) } });
  });
});

/** An Anthropic message answer with `stop_reason` and `usage`. */
const anthropicAnswer = (stopReason: string, usage: Record<string, number> = { input_tokens: 10, output_tokens: 5 }) =>
  anthropicMessage('claude-sonnet-4-5', [{ type: 'text', text: 'Hello.' }], stopReason, usage);

describe('translation.md, Chat completions to Anthropic, answers', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
    ['a_reason_added_later', 'stop'],
  ])('stop_reason %s becomes finish_reason %s', async (stopReason, finishReason) => {
    fakes.anthropic.handler = (_request, res) => sendJson(res, 200, anthropicAnswer(stopReason));
    const answer = await chatToAnthropic({});
    expect(answer.choices[0]?.finish_reason).toBe(finishReason);
  });

  it('prompt_tokens counts input plus cache reads and writes; cached_tokens and cache_write_tokens in prompt_tokens_details', async () => {
    fakes.anthropic.handler = (_request, res) =>
      sendJson(
        res,
        200,
        anthropicAnswer('end_turn', { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 5 }),
      );
    const answer = await chatToAnthropic({});
    expect(answer.usage).toMatchObject({
      prompt_tokens: 130,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
    });
  });
});

/** A chat completion from the OpenAI fake. */
const chatAnswer = (
  finish_reason: string,
  message: Record<string, unknown>,
  usage: Record<string, unknown> = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason }],
  usage,
});
const CALL = { tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }], content: null };

describe('translation.md, Messages to OpenAI-compatible providers, answers', () => {
  it.each([
    ['stop', { content: 'Hi' }, 'end_turn'],
    ['length', { content: 'Hi' }, 'max_tokens'],
    ['tool_calls', CALL, 'tool_use'],
    ['content_filter', { content: 'Hi' }, 'refusal'],
    ['something_else', { content: 'Hi' }, 'end_turn'],
    ['stop, with tool calls (llama-server, Ollama)', CALL, 'tool_use'],
    ['tool_calls, with none (a failed tool-call parser)', { content: 'Hi' }, 'end_turn'],
  ])('finish_reason %s becomes stop_reason %s', async (finishReason, message, stopReason) => {
    fakes.openai.handler = (_request, res) => sendJson(res, 200, chatAnswer(finishReason.split(',')[0]!, message));
    const answer = await messagesToOpenAI({ tools: [{ name: 'f', input_schema: { type: 'object' } }] });
    expect(answer.stop_reason).toBe(stopReason);
  });

  it('cached prompt tokens become cache_read_input_tokens, written ones cache_creation_input_tokens, both out of input_tokens', async () => {
    fakes.openai.handler = (_request, res) =>
      sendJson(
        res,
        200,
        chatAnswer(
          'stop',
          { content: 'Hi' },
          { prompt_tokens: 130, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 } },
        ),
      );
    const answer = await messagesToOpenAI({});
    expect(answer.usage).toMatchObject({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 });
  });

  it('a refusal with no content becomes the text, and the turn ends in refusal', async () => {
    fakes.openai.handler = (_request, res) => sendJson(res, 200, chatAnswer('stop', { content: null, refusal: 'I cannot.' }));
    const answer = await messagesToOpenAI({});
    expect(answer).toMatchObject({ stop_reason: 'refusal', content: [{ type: 'text', text: 'I cannot.' }] });
  });
});

describe('translation.md, Answers, bridged or translated', () => {
  it('a refusal with no content is a message item with a refusal content part, not output_text', async () => {
    fakes.local.handler = (_request, res) => sendJson(res, 200, chatAnswer('stop', { content: null, refusal: 'I cannot.' }));
    const answer = await responsesToLocal({});
    expect(answer.output).toEqual([
      expect.objectContaining({ type: 'message', content: [expect.objectContaining({ type: 'refusal', refusal: 'I cannot.' })] }),
    ]);
  });

  it('model as the client asked; store false; the defaults of settings the client did not set', async () => {
    const answer = await responsesToLocal({});
    expect(answer).toMatchObject({ model: 'local/qwen', ...RESPONSES_DEFAULTS, error: null });
    expect(answer.id).toMatch(/^resp_/);
  });
});

describe('troubleshooting.md, headers and limits', () => {
  it('A page on another origin cannot read x-request-id: answers carry x-request-id and x-provider', async () => {
    const { response } = await openai.chat.completions.create({ model: 'local/qwen', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-provider')).toBe('local');
  });

  it('413 request entity too large: mounted before express.json(), the router reads the body up to PROVIDER_MAX_BODY_BYTES', async () => {
    const small = await startHost({ env: { ...envFor(fakes), PROVIDER_MAX_BODY_BYTES: '2000' } });
    try {
      const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${small.url}/v1`, maxRetries: 0 });
      const { status } = await failure(
        client.chat.completions.create({ model: 'local/qwen', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
      );
      expect(status).toBe(413);
      expect(fakes.received()).toHaveLength(0);
    } finally {
      await small.close();
    }
  });
});

describe('translation.md, Upstream answers, every route', () => {
  it('redirects are not followed: on /messages a 502 api_error naming the status and its Location', async () => {
    fakes.openai.handler = (_request, res) => {
      res.writeHead(302, { location: 'https://elsewhere.example.com/v1/chat/completions' });
      res.end();
    };
    const error = await failure(messagesToOpenAI({}));
    expect(error).toMatchObject({
      status: 502,
      error: { type: 'api_error', message: expect.stringMatching(/302.*https:\/\/elsewhere\.example\.com/) },
    });
  });

  it('compressed answers are decoded: a gzip chat answer translated to Messages', async () => {
    fakes.openai.handler = (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify(chatAnswer('stop', { content: 'Zipped hello.' }))));
    };
    const answer = await messagesToOpenAI({});
    expect(answer.content).toEqual([expect.objectContaining({ type: 'text', text: 'Zipped hello.' })]);
  });

  it("a 200 that is only an error gets the status of its numeric code, its message in the route's shape", async () => {
    fakes.local.handler = (_request, res) => sendJson(res, 200, { error: { code: 429, message: 'busy upstream' } });
    const error = await failure(openai.chat.completions.create({ model: 'local/qwen', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(error).toMatchObject({ status: 429, error: { message: expect.stringContaining('busy upstream') } });
  });

  it('a translated answer reported as failed (finish_reason error) is a 502 upstream_invalid_response', async () => {
    fakes.local.handler = (_request, res) => sendJson(res, 200, chatAnswer('error', { content: 'cut' }));
    const error = await failure(responsesToLocal({}));
    expect(error).toMatchObject({ status: 502, error: { code: 'upstream_invalid_response' } });
  });
});

describe('translation.md, Chat completions to Anthropic: reasoning_effort', () => {
  const TOOL = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
  it.each([
    [
      'high: adaptive, summarized thinking with output_config.effort high',
      { reasoning_effort: 'high' },
      { type: 'adaptive', display: 'summarized' },
      'high',
    ],
    ['minimal: as low', { reasoning_effort: 'minimal' }, { type: 'adaptive', display: 'summarized' }, 'low'],
    ['none: no thinking', { reasoning_effort: 'none' }, undefined, undefined],
    ['with tool_choice required: no thinking', { reasoning_effort: 'high', tools: TOOL, tool_choice: 'required' }, undefined, undefined],
  ])('%s', async (_title, extra, thinking, effort) => {
    await chatToAnthropic(extra);
    const { body } = sent();
    expect(body?.thinking).toEqual(thinking);
    expect((body?.output_config as { effort?: string } | undefined)?.effort).toBe(effort);
  });
});

describe('guides: configuration', () => {
  it('troubleshooting.md, 400 provider_not_configured: the message names the variable', async () => {
    const bare = await startHost({ env: { LOCAL_BASE_URL: fakes.local.baseUrl } });
    try {
      const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${bare.url}/v1`, maxRetries: 0 });
      const { status, error } = await failure(
        client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
      );
      expect(status).toBe(400);
      expect(error).toMatchObject({ code: 'provider_not_configured', message: expect.stringContaining('OPENAI_API_KEY') });
    } finally {
      await bare.close();
    }
  });

  it.each([
    ['translation.md, intro: ANTHROPIC_RESPONSES=native stops createProviderRouter with invalid_config', { ANTHROPIC_RESPONSES: 'native' }],
    [
      'troubleshooting.md, createProviderRouter throws invalid_config: an ANTHROPIC_THINKING other than adaptive or budget',
      { ANTHROPIC_THINKING: 'always' },
    ],
    ['troubleshooting.md, createProviderRouter throws invalid_config: an <ID>_RESPONSES other than native or chat', { LOCAL_RESPONSES: 'yes' }],
    ['troubleshooting.md, createProviderRouter throws invalid_config: a non-numeric timeout', { PROVIDER_TIMEOUT_MS: 'soon' }],
  ])('%s', (_title, env) => {
    expect(() => createProviderRouter({ logger: silentLogger, env: { ...envFor(fakes), ...env } })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });
});

describe('README.md, the reference tables name what the code has', () => {
  const readme = repoText('README.md');

  it('Environment: every variable read with a default is a row of the table with that default, and a line of .env.example with it', () => {
    const table = markdownSection(readme, '## Environment');
    const example = repoText('.env.example');
    const defaults = Object.entries(readEnv({})).filter(([name]) => /^[A-Z_]+$/.test(name));
    expect(defaults.length).toBeGreaterThan(15);
    for (const [name, value] of defaults) {
      const row = table.split('\n').find((line) => line.startsWith('| ') && line.includes(`\`${name}\``));
      expect({ name, row }).toEqual({ name, row: expect.any(String) });
      const defaultCell = row!.split(' | ').at(-1)!;
      expect({ name, defaultCell }).toEqual({
        name,
        defaultCell: value === '' ? expect.stringContaining('unset') : expect.stringContaining(`\`${String(value)}\``),
      });
      expect({ name, line: example.split('\n').find((line) => line.startsWith(`${name}=`)) }).toEqual({ name, line: `${name}=${String(value)}` });
    }
  });

  it('Options: every option of ProviderRouterOptions is named', () => {
    const options = markdownSection(readme, '## Options');
    const fields = interfaceFields(repoText('lib/options.ts'), 'ProviderRouterOptions');
    expect(fields).toContain('scrubHeaders');
    for (const field of fields) expect({ field, named: options.includes(`\`${field}\``) }).toEqual({ field, named: true });
  });

  it('Options: every name the package exports is named, types included', () => {
    const names = exportedNames(repoText('lib/index.ts'));
    // The parse finds every value the package exports at run time.
    expect(names).toEqual(expect.arrayContaining(Object.keys(exported)));
    for (const name of names) expect({ name, named: readme.includes(`\`${name}\``) }).toEqual({ name, named: true });
  });

  it('Errors: every code of ProviderRouterErrorCode is a row of the table', () => {
    const errors = markdownSection(readme, '## Errors');
    const union = /type ProviderRouterErrorCode =([^;]*);/.exec(repoText('lib/errors.ts'))![1]!;
    const codes = [...union.matchAll(/'(\w+)'/g)].map((match) => match[1]!);
    expect(codes.length).toBeGreaterThan(10);
    for (const code of codes) expect({ code, row: errors.includes(`| \`${code}\` |`) }).toEqual({ code, row: true });
  });

  it('Telemetry: every field of every event is named', () => {
    const telemetry = markdownSection(readme, '## Telemetry');
    const events = repoText('lib/telemetry/events.ts');
    const interfaces = ['TelemetryEventBase', 'RequestEventBase', 'RequestStartEvent', 'RequestEndEvent', 'ModelsErrorEvent', 'TokenUsage'];
    const fields = interfaces.flatMap((name) => interfaceFields(events, name));
    expect(fields).toEqual(expect.arrayContaining(['costUsd', 'reasoningTokens', 'firstReasoningMs']));
    for (const field of fields) expect({ field, named: telemetry.includes(`\`${field}\``) }).toEqual({ field, named: true });
  });
});

describe('architecture.md, OpenTelemetry: every span attribute is named', () => {
  it("the GenAI attributes in full, the router's own by their last part", () => {
    const section = markdownSection(repoText('docs/architecture.md'), '### OpenTelemetry');
    const attributes = [...repoText('lib/telemetry/open-telemetry.ts').matchAll(/'((?:gen_ai|express_provider_router|error|http)\.[\w.]+)'/g)].map(
      (match) => match[1]!,
    );
    expect(attributes.length).toBeGreaterThan(12);
    for (const attribute of attributes) {
      const short = `\`.${attribute.split('.').slice(1).join('.')}\``;
      const named = section.includes(`\`${attribute}\``) || (attribute.startsWith('express_provider_router.') && section.includes(short));
      expect({ attribute, named }).toEqual({ attribute, named: true });
    }
  });
});

describe('README.md, Environment and Routes', () => {
  const anthropicInCode = () => createAnthropicProvider({ apiKey: 'sk-ant-docs-claims-in-code-0123456789' });

  it('a built-in given in providers: its ANTHROPIC_BASE_URL, _API_KEY, _VERSION, _MAX_TOKENS and _THINKING are not read', async () => {
    const env = {
      ANTHROPIC_BASE_URL: 'ftp://x',
      ANTHROPIC_API_KEY: 'a\nb',
      ANTHROPIC_VERSION: 'v\n1',
      ANTHROPIC_MAX_TOKENS: 'lots',
      ANTHROPIC_THINKING: 'always',
    };
    await createProviderRouter({ logger: silentLogger, env, providers: { anthropic: anthropicInCode() } }).close();
  });

  it('<ID>_RESPONSES and <ID>_MODELS are read for every provider, one given in code too', async () => {
    expect(() =>
      createProviderRouter({ logger: silentLogger, env: { ANTHROPIC_RESPONSES: 'native' }, providers: { anthropic: anthropicInCode() } }),
    ).toThrow(expect.objectContaining({ code: 'invalid_config', message: expect.stringContaining('ANTHROPIC_RESPONSES') }));
    const router = createProviderRouter({
      logger: silentLogger,
      env: { ANTHROPIC_MODELS: 'claude-fixed-1' },
      providers: { anthropic: anthropicInCode() },
    });
    try {
      expect((await router.listModels()).map((model) => model.id)).toContain('anthropic/claude-fixed-1');
    } finally {
      await router.close();
    }
  });

  it('Routes: HEAD /models answers as GET does, without a body; HEAD /responses/{id} is 404', async () => {
    const models = await fetch(`${host.url}/v1/models`, { method: 'HEAD' });
    expect(models.status).toBe(200);
    expect(models.headers.get('content-type')).toContain('application/json');
    expect(await models.text()).toBe('');
    const stored = await fetch(`${host.url}/v1/responses/resp_1`, { method: 'HEAD' });
    expect(stored.status).toBe(404);
    // Only the providers' model lists were asked for.
    expect(fakes.received().filter((request) => !request.url.split('?')[0]!.endsWith('/models'))).toEqual([]);
  });
});

describe('README.md, notes: the Responses API is stateless where the router bridges or translates it', () => {
  it("on OpenAI's own Responses API (passthrough) previous_response_id and item_reference go on as sent", async () => {
    fakes.openai.handler = (_request, res) => sendJson(res, 200, responsesAnswer('gpt-4o-mini'));
    const input = [
      { type: 'item_reference', id: 'msg_1' },
      { role: 'user', content: 'And then?' },
    ];
    await openai.responses.create({
      model: 'openai/gpt-4o-mini',
      previous_response_id: 'resp_1',
      input,
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(sent().body).toMatchObject({ model: 'gpt-4o-mini', previous_response_id: 'resp_1', input });
  });
});

describe('README.md, Errors', () => {
  it('400 invalid_request: a compressed body that does not decode; nothing is sent', async () => {
    const res = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: 'not gzip at all',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } });
    expect(fakes.received()).toEqual([]);
  });

  it('400 invalid_model: a request without model; the ids it suggests are the ones the docs name, none retired', async () => {
    const { status, error } = await failure(openai.chat.completions.create({ messages: [{ role: 'user', content: 'Hi' }] } as never));
    expect({ status, code: error.code }).toEqual({ status: 400, code: 'invalid_model' });
    expect(error.message).toContain('"anthropic/claude-sonnet-5-5"');
    expect(repoText('README.md')).toContain('anthropic/claude-sonnet-5-5');
    expect(fakes.received()).toEqual([]);
  });

  it('502 upstream_invalid_response: JSON that is no answer to a streamed request', async () => {
    fakes.local.handler = (_request, res) => sendJson(res, 200, { object: 'list', data: [] });
    const res = await fetch(`${host.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'local/qwen', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'upstream_invalid_response' } });
  });
});

describe('architecture.md, Streaming', () => {
  it("reasoning after text opens a new thinking block (a new reasoning item on /responses): the blocks keep the provider's order", async () => {
    const identity = { id: 'chatcmpl-1', created: 1, model: 'gpt-4o-mini' };
    const frames = [
      chatChunkFrame(identity, { role: 'assistant', reasoning_content: 'First thought.' }),
      chatChunkFrame(identity, { content: 'Some text.' }),
      chatChunkFrame(identity, { reasoning_content: 'Second thought.' }),
      chatChunkFrame(identity, { content: 'More text.' }),
      chatChunkFrame(identity, {}, 'stop'),
      DONE_FRAME,
    ];
    fakes.openai.handler = (_request, res) => sendFrames(res, frames);
    const message = await anthropic.messages
      .stream({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text', 'thinking', 'text']);

    fakes.local.handler = (_request, res) => sendFrames(res, frames);
    const response = await openai.responses.stream({ model: 'local/qwen', input: 'Hi' }).finalResponse();
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'reasoning', 'message']);
  });
});

describe('security.md, Headers and secrets', () => {
  it('a header whose name holds passwd or starts with x-auth is not forwarded, whatever an adapter lists', async () => {
    const mine = defineProvider({
      id: 'mine',
      dialect: 'openai',
      baseUrl: fakes.local.baseUrl,
      enabled: true,
      upstreamHeaders: () => ({}),
      forwardHeaders: ['x-db-passwd', 'x-auth-user', 'x-authority', 'x-trace'],
    });
    const withAdapter = await startHost({ env: envFor(fakes), providers: { mine } });
    try {
      const res = await fetch(`${withAdapter.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-db-passwd': 'p', 'x-auth-user': 'u', 'x-authority': 'a', 'x-trace': 't' },
        body: JSON.stringify({ model: 'mine/qwen', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(res.status).toBe(200);
      const { headers } = sent();
      expect(headers['x-trace']).toBe('t');
      for (const name of ['x-db-passwd', 'x-auth-user', 'x-authority']) expect(headers).not.toHaveProperty(name);
    } finally {
      await withAdapter.close();
    }
  });
});

describe("README.md, Errors: the type of the router's own errors", () => {
  const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const chat = JSON.stringify({ model: 'local/qwen', messages: [{ role: 'user', content: 'Hi' }] });

  it('invalid_request_error for its 4xx, not_found_error for its 404s, upstream_error for its 502s, server_error for its other 5xx', async () => {
    expect(await (await post(`${host.url}/v1/chat/completions`, '{')).json()).toMatchObject({
      error: { code: 'invalid_json', type: 'invalid_request_error' },
    });
    expect(await (await fetch(`${host.url}/v1/responses/resp_1`)).json()).toMatchObject({
      error: { code: 'unsupported_endpoint', type: 'not_found_error' },
    });
    const unreachable = await startHost({ env: { LOCAL_BASE_URL: 'http://127.0.0.1:9/v1' } });
    try {
      expect(await (await post(`${unreachable.url}/v1/chat/completions`, chat)).json()).toMatchObject({
        error: { code: 'upstream_unreachable', type: 'upstream_error' },
      });
      await unreachable.router.close();
      expect(await (await post(`${unreachable.url}/v1/chat/completions`, chat)).json()).toMatchObject({
        error: { code: 'router_closed', type: 'server_error' },
      });
    } finally {
      await unreachable.close();
    }
  });

  it('timeout_error for its 504s', async () => {
    const slow = await startHost({ env: { ...envFor(fakes), PROVIDER_TIMEOUT_MS: '100' } });
    fakes.local.handler = () => undefined;
    try {
      const res = await post(`${slow.url}/v1/chat/completions`, chat);
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ error: { code: 'upstream_timeout', type: 'timeout_error' } });
    } finally {
      await slow.close();
    }
  });
});

describe('architecture.md, Conversation log', () => {
  it('a record has the fields of the sample, each tool call is {id, name, arguments}, and usage is null when none was reported', async () => {
    const sample = /```json\n(\{"requestId"[\s\S]*?)```/.exec(repoText('docs/architecture.md'))![1]!;
    const sampleFields = Object.keys(JSON.parse(sample) as object).filter((field) => field !== 'level' && field !== 'message');
    const records: Record<string, unknown>[] = [];
    const logged = await startHost({ env: envFor(fakes), conversationLogger: { info: (_message, meta) => records.push(meta) } });
    fakes.local.handler = (_request, res) =>
      sendJson(res, 200, {
        ...chatAnswer('tool_calls', {
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        }),
        usage: undefined,
      });
    try {
      const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${logged.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'local/qwen', messages: [{ role: 'user', content: 'Hi' }] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(records).toHaveLength(1);
      expect(Object.keys(records[0]!).sort()).toEqual([...sampleFields].sort());
      expect(records[0]).toMatchObject({ response: { toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"a":1}' }] }, usage: null });
    } finally {
      await logged.close();
    }
  });
});

describe('every page, links: a reader who follows one lands somewhere', () => {
  it.each(markdownFiles())('%s: each relative link names a file that exists, and each #anchor a heading of it', (file) => {
    for (const link of relativeLinks(repoText(file))) {
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const linked = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      expect({ link, exists: repoHas(linked) }).toEqual({ link, exists: true });
      if (anchor !== undefined && linked.endsWith('.md')) {
        expect({ link, anchored: headingAnchors(repoText(linked)).has(anchor) }).toEqual({ link, anchored: true });
      }
    }
  });

  it.each(markdownFiles())('%s: each test file named as proof is a test file of __tests__', (file) => {
    const named = new Set([...repoText(file).matchAll(/[\w-]+\.test\.ts/g)].map((match) => match[0]));
    const tests = new Set(testFileNames());
    for (const test of named) expect({ test, exists: tests.has(test) }).toEqual({ test, exists: true });
  });
});
