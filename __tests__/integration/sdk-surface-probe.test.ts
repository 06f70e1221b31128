/**
 * Probes of what the newest official SDKs (`openai` 7.59, `@anthropic-ai/sdk` 1.14) define and the
 * other suites do not send, on the routes where the router writes the upstream request itself
 * (DESIGN sections 9 and 11): each is carried, left out where DESIGN says so, or refused with a 400
 * naming it. Clients are the SDKs; what the fakes received is read back.
 */
import OpenAI from 'openai';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';
import { upstreamBody } from '../support/recorded-requests';
import { rejectionOf } from '../support/rejection';

type Json = Record<string, unknown>;

let anthropic: FakeUpstream, local: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [anthropic, local] = await startFakeUpstreams('anthropic', 'local');
  host = await startHost({ env: envFor({ anthropic, local }) });
});
afterEach(() => [anthropic, local].forEach((fake) => fake.reset()));
afterAll(async () => {
  await host.close();
  await Promise.all([anthropic, local].map((fake) => fake.close()));
});

const openai = (): OpenAI => new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });

const FUNCTION = { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} }, strict: false } as const;
// OpenAI's sandbox in which model-written code calls the request's other tools: a hosted tool.
const PROGRAMMATIC = { type: 'programmatic_tool_calling' } as const;

describe('Responses, bridged (local) and translated (anthropic): hosted tools the 7.59 SDK added', () => {
  const ROUTES = [
    ['local (bridged)', 'local/qwen', (): FakeUpstream => local, (body: Json) => (body.tools as Json[]).map((tool) => (tool.function as Json).name)],
    [
      'anthropic (translated)',
      'anthropic/claude-sonnet-5-5',
      (): FakeUpstream => anthropic,
      (body: Json) => (body.tools as Json[]).map((tool) => tool.name),
    ],
  ] as const;

  test.each(ROUTES)(
    '%s: a programmatic_tool_calling tool is left out, as the other hosted tools are; the functions go on',
    async (_route, model, fake, names) => {
      const response = await openai().responses.create({ model, input: 'Look it up.', tools: [FUNCTION, PROGRAMMATIC] } as never);
      expect(response.status).toBe('completed');
      expect(names(upstreamBody(fake()))).toEqual(['lookup']);
    },
  );

  test.each(ROUTES)('%s: a tool_choice that forces it is a 400 naming tool_choice; nothing is sent', async (_route, model, fake) => {
    const error = await rejectionOf(
      openai().responses.create({ model, input: 'Go.', tools: [FUNCTION, PROGRAMMATIC], tool_choice: PROGRAMMATIC } as never),
      OpenAI.BadRequestError,
    );
    expect(error.param).toBe('tool_choice');
    expect(fake().requests).toHaveLength(0);
  });
});

describe('fields the newest SDKs add beside content: the content goes on', () => {
  // OpenAI's explicit cache breakpoints tune its own cache only (DESIGN 11 leaves the caching fields out).
  const BREAKPOINT = { mode: 'explicit' } as const;

  test('chat completions to Anthropic: text parts with prompt_cache_breakpoint, and prompt_cache_options, keep their text', async () => {
    await openai().chat.completions.create({
      model: 'anthropic/claude-sonnet-5-5',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.', prompt_cache_breakpoint: BREAKPOINT }] },
        { role: 'user', content: [{ type: 'text', text: 'Hi.', prompt_cache_breakpoint: BREAKPOINT }] },
      ],
      prompt_cache_options: { mode: 'explicit' },
    } as never);
    const body = upstreamBody(anthropic);
    expect(body.system).toBe('Be brief.');
    expect(body.messages).toEqual([{ role: 'user', content: 'Hi.' }]);
  });

  test.each([
    ['local (bridged)', 'local/qwen', (): FakeUpstream => local],
    ['anthropic (translated)', 'anthropic/claude-sonnet-5-5', (): FakeUpstream => anthropic],
  ] as const)(
    '%s: an assistant item with phase, parts with prompt_cache_breakpoint and an output naming its function keep their content',
    async (_route, model, fake) => {
      await openai().responses.create({
        model,
        tools: [FUNCTION],
        prompt_cache_options: { mode: 'explicit' },
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Look it up.', prompt_cache_breakpoint: BREAKPOINT }] },
          { type: 'message', role: 'assistant', phase: 'commentary', content: [{ type: 'output_text', text: 'Looking.', annotations: [] }] },
          { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', name: 'lookup', output: 'found' },
        ],
      } as never);
      const sent = JSON.stringify(upstreamBody(fake()).messages);
      for (const text of ['Look it up.', 'Looking.', 'found']) expect(sent).toContain(JSON.stringify(text));
    },
  );
});
