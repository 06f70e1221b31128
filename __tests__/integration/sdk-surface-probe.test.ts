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
