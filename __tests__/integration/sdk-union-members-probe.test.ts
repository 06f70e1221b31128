/**
 * The newest members of the SDKs' request unions (`@anthropic-ai/sdk` 1.14, `openai` 7.59) on every
 * translated route: Messages in to OpenAI-compatible providers, and Responses in, bridged to a chat
 * provider or translated to Anthropic (DESIGN sections 8, 9 and 11). Each member the other dialect
 * cannot express is refused with a 400 in the client's error shape that names it, and nothing is
 * sent; each it can express reaches the upstream. The older members are probed in
 * translated-fields-probe, messages-fidelity, responses-matrix and sdk-surface-probe.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createLocalProvider } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';

type Json = Record<string, unknown>;

let anthropic: FakeUpstream, local: FakeUpstream, openrouter: FakeUpstream, openai: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [anthropic, local, openrouter, openai] = await startFakeUpstreams('anthropic', 'local', 'openrouter', 'openai');
  host = await startHost({
    env: envFor({ anthropic, local, openrouter, openai }),
    // A llama-server without its own Messages endpoint: Messages requests are translated for it.
    providers: { local: { ...createLocalProvider({ baseUrl: local.baseUrl }), servesMessages: false } },
  });
});
const fakes = (): FakeUpstream[] => [anthropic, local, openrouter, openai];
afterEach(() => fakes().forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all(fakes().map((fake) => fake.close()));
});

const sentNothing = (): void => expect(fakes().flatMap((fake) => fake.requests)).toHaveLength(0);
const sentText = (): string =>
  fakes()
    .flatMap((fake) => fake.requests.map((request) => request.rawBody))
    .join('\n');

describe('Messages in, OpenAI-compatible upstream', () => {
  const claude = (): Anthropic => new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: host.url, maxRetries: 0 });
  const create = (model: string, fields: Json): Promise<unknown> =>
    claude().messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...fields } as never);
  const TOOL = { name: 'navigate', input_schema: { type: 'object', properties: { url: { type: 'string' } } } };
  const CALL = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'navigate', input: { url: 'https://example.com' } }] };
  const resultOf = (content: unknown): Json => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content }] });
  const MODELS = ['openai/gpt-5.5', 'openrouter/qwen/qwen3-coder', 'local/qwen3'];

  describe.each(MODELS)('%s: a member with no chat equivalent is a 400 naming it; nothing is sent', (model) => {
    test.each<[string, Json]>([
      // The browser toolset's page state, in a tool result (1.14).
      [
        'browser_state',
        { tools: [TOOL], messages: [{ role: 'user', content: 'go' }, CALL, resultOf([{ type: 'browser_state', url: 'https://example.com' }])] },
      ],
      ['browser_20260801', { tools: [{ type: 'browser_20260801', name: 'browser' }] }],
      // Beta blocks (Claude Code posts to the beta endpoint): a tool list change, an MCP listing, a compaction summary.
      [
        'tool_addition',
        { messages: [{ role: 'user', content: [{ type: 'tool_addition', tool: { type: 'tool_reference', tool_name: 'navigate' } }] }] },
      ],
      ['mcp_tool_listing', { messages: [{ role: 'user', content: [{ type: 'mcp_tool_listing', mcp_server_name: 'docs', tools: [TOOL] }] }] }],
      [
        'compaction',
        {
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: [{ type: 'compaction', content: 'the summary' }] },
            { role: 'user', content: 'go on' },
          ],
        },
      ],
      ['advisor_20260301', { tools: [{ type: 'advisor_20260301', name: 'advisor', model: 'claude-opus-5' }] }],
      ['mcp_toolset', { tools: [{ type: 'mcp_toolset', mcp_server_name: 'docs' }] }],
      ['container_upload', { messages: [{ role: 'user', content: [{ type: 'container_upload', file_id: 'file_1' }] }] }],
      [
        'an image needs a `base64` or `url` source',
        { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] },
      ],
      [
        'a document needs',
        {
          messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'the report' }] } }] }],
        },
      ],
    ])('%s', async (named, fields) => {
      const error = await rejectionOf(create(model, fields), Anthropic.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(error.message).toContain(named);
      sentNothing();
    });
  });

  test.each(MODELS)('%s: the blocks of tools Anthropic ran (the advisor, MCP) leave an assistant turn; its text goes on', async (model) => {
    await claude().beta.messages.create({
      model,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'server_tool_use', id: 'srvtoolu_1', name: 'advisor', input: {} },
            { type: 'advisor_tool_result', tool_use_id: 'srvtoolu_1', content: { type: 'advisor_result', text: 'advice' } },
            { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'search', server_name: 'docs', input: {} },
            { type: 'mcp_tool_result', tool_use_id: 'mcptoolu_1', content: 'found' },
            { type: 'text', text: 'Here is the plan.' },
          ],
        },
        { role: 'user', content: 'go on' },
      ],
    } as never);
    expect(JSON.parse(sentText()).messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Here is the plan.' },
      { role: 'user', content: 'go on' },
    ]);
  });

  test.each(MODELS)('%s: a toolset call and its result (`toolset_name`) reach the provider as a tool call and its tool message', async (model) => {
    await create(model, {
      tools: [TOOL],
      messages: [
        { role: 'user', content: 'go' },
        { ...CALL, content: [{ ...CALL.content[0], toolset_name: 'browser' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'the page', toolset_name: 'browser' }] },
      ],
    });
    const sent = upstreamBody(model.startsWith('openai/') ? openai : model.startsWith('local/') ? local : openrouter);
    expect(sent.messages).toEqual([
      { role: 'user', content: 'go' },
      expect.objectContaining({
        tool_calls: [expect.objectContaining({ function: { name: 'navigate', arguments: '{"url":"https://example.com"}' } })],
      }),
      expect.objectContaining({ role: 'tool', content: 'the page' }),
    ]);
  });
});

describe('Responses in, bridged to a chat provider or translated to Anthropic', () => {
  const client = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
  const create = (model: string, fields: Json): Promise<unknown> => client().responses.create({ model, input: 'hi', ...fields } as never);
  const FN = { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } };
  const MODELS = ['local/qwen3', 'anthropic/claude-sonnet-5-5'];

  describe.each(MODELS)('%s: a member with no equivalent is a 400 in OpenAI’s shape, `param` naming it; nothing is sent', (model) => {
    test.each<[param: string, named: string, fields: Json]>([
      // Newer input items (7.5x): compaction's trigger, a program run (a settings change is carried: responses-configuration-update).
      ['input', 'compaction_trigger', { input: [{ role: 'user', content: 'hi' }, { type: 'compaction_trigger' }] }],
      [
        'input',
        'program',
        {
          input: [
            { role: 'user', content: 'hi' },
            { type: 'program', id: 'prog_1', code: 'print(1)' },
          ],
        },
      ],
      [
        'input',
        'tool_search_output',
        {
          input: [
            { role: 'user', content: 'hi' },
            { type: 'tool_search_output', call_id: 'ts_1', tools: [FN] },
          ],
        },
      ],
      ['input', 'input_audio', { input: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }],
      ['background_options', 'background_options', { background_options: {} }],
      ['access_programs', 'access_programs', { access_programs: {} }],
      ['image', 'image', { image: {} }],
      ['moderation', 'moderation', { moderation: { policy: 'block' } }],
      ['tool_choice', 'apply_patch', { tools: [FN], tool_choice: { type: 'apply_patch' } }],
      ['tool_choice', 'shell', { tools: [FN], tool_choice: { type: 'shell' } }],
    ])('%s: %s', async (param, named, fields) => {
      const error = await rejectionOf(create(model, fields), OpenAI.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
      expect(error.message).toContain(named);
      sentNothing();
    });
  });

  test.each(MODELS)('%s: hosted tools of the newest kinds are left out, and the function beside them is sent', async (model) => {
    await create(model, { tools: [{ type: 'shell' }, { type: 'apply_patch' }, { type: 'tool_search' }, FN] });
    const sent = sentText();
    expect(sent).toContain('lookup');
    expect(sent).not.toMatch(/"shell"|apply_patch|tool_search/);
  });
});
