/**
 * The contract every provider adapter keeps, run over each of them: the four built-ins, one added
 * through OPENAI_COMPATIBLE_PROVIDERS and one a host defines in code. Each is served by a fake
 * upstream that speaks its wire format; a new adapter is one more row.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { defineProvider, type ProviderRouterOptions, type RequestEndEvent } from '../../lib';
import { startFakeUpstream, type FakeUpstream, type ProviderId } from '../support/fake-upstream';
import { sendJson } from '../support/upstream-answers';
import { KEYS } from '../support/keys';
import { startHost, type Host } from '../support/host';

interface AdapterCase {
  id: string;
  /** The wire format of its upstream. */
  kind: ProviderId;
  /** Router options for a host whose only enabled provider besides `local` is this one. */
  options(fake: FakeUpstream): ProviderRouterOptions;
  /** The auth header the upstream must get, and nothing of the client's. */
  auth: [name: string, value: string];
  /** Whether the adapter fetches a model list. */
  listsModels: boolean;
}

const HOST_KEY = 'acme-key-0123456789abcdef';
const LOCAL_KEY = 'local-key-0123456789abcdef';
const GROQ_KEY = 'gsk-test-0123456789abcdefgh';

const CASES: AdapterCase[] = [
  {
    id: 'local',
    kind: 'local',
    options: (fake) => ({ env: { LOCAL_BASE_URL: fake.baseUrl, LOCAL_API_KEY: LOCAL_KEY } }),
    auth: ['authorization', `Bearer ${LOCAL_KEY}`],
    listsModels: true,
  },
  {
    id: 'openai',
    kind: 'openai',
    options: (fake) => ({ env: { OPENAI_API_KEY: KEYS.openai, OPENAI_BASE_URL: fake.baseUrl } }),
    auth: ['authorization', `Bearer ${KEYS.openai}`],
    listsModels: true,
  },
  {
    id: 'openrouter',
    kind: 'openrouter',
    options: (fake) => ({ env: { OPENROUTER_API_KEY: KEYS.openrouter, OPENROUTER_BASE_URL: fake.baseUrl } }),
    auth: ['authorization', `Bearer ${KEYS.openrouter}`],
    listsModels: true,
  },
  {
    id: 'anthropic',
    kind: 'anthropic',
    options: (fake) => ({ env: { ANTHROPIC_API_KEY: KEYS.anthropic, ANTHROPIC_BASE_URL: fake.baseUrl } }),
    auth: ['x-api-key', KEYS.anthropic],
    listsModels: true,
  },
  {
    id: 'groq',
    kind: 'openai',
    options: (fake) => ({ env: { OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: fake.baseUrl, GROQ_API_KEY: GROQ_KEY } }),
    auth: ['authorization', `Bearer ${GROQ_KEY}`],
    listsModels: true,
  },
  {
    id: 'acme',
    kind: 'openai',
    options: (fake) => ({
      env: {},
      providers: {
        acme: defineProvider({
          id: 'acme',
          dialect: 'openai',
          baseUrl: fake.baseUrl,
          enabled: true,
          secrets: [HOST_KEY],
          upstreamHeaders: () => ({ 'api-key': HOST_KEY }),
        }),
      },
    }),
    auth: ['api-key', HOST_KEY],
    listsModels: false,
  },
];

const CLIENT_COOKIE = 'session=host-session-0123456789';

describe.each(CASES)('the $id adapter', (adapterCase) => {
  let fake: FakeUpstream;
  let host: Host;
  let ends: RequestEndEvent[];
  const model = `${adapterCase.id}/contract-model`;

  beforeAll(async () => {
    fake = await startFakeUpstream(adapterCase.kind);
    host = await startHost(adapterCase.options(fake));
    ends = [];
    host.router.telemetry.on('request.end', (event) => ends.push(event));
  });
  afterAll(async () => {
    await host.close();
    await fake.close();
  });
  afterEach(() => {
    fake.reset();
    ends.length = 0;
  });

  const openai = (): OpenAI =>
    new OpenAI({ apiKey: 'host-user-token', baseURL: `${host.url}/v1`, maxRetries: 0, defaultHeaders: { cookie: CLIENT_COOKIE } });
  // The Anthropic SDK appends /v1/messages to its base URL, as Claude Code does.
  const anthropic = (): Anthropic =>
    new Anthropic({ apiKey: 'host-user-token', baseURL: host.url, maxRetries: 0, defaultHeaders: { cookie: CLIENT_COOKIE } });

  /** The request the upstream got: the adapter's auth, the model without its prefix, nothing of the client's. */
  function expectUpstreamRequest(): void {
    const sent = fake.requests.at(-1);
    expect(sent).toBeDefined();
    const [name, value] = adapterCase.auth;
    expect(sent!.headers[name]).toBe(value);
    expect(sent!.headers.cookie).toBeUndefined();
    if (name !== 'authorization') expect(sent!.headers.authorization).toBeUndefined();
    expect(sent!.body?.model).toBe('contract-model');
  }

  test('answers a chat completion from its upstream, with usage in telemetry', async () => {
    const completion = await openai().chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expectUpstreamRequest();
    expect(ends).toEqual([expect.objectContaining({ provider: adapterCase.id, status: 200, outcome: 'ok', endpoint: 'chat.completions' })]);
    expect(ends[0]?.usage?.totalTokens).toBeGreaterThan(0);
  });

  test('streams a chat completion that the openai SDK assembles', async () => {
    const stream = openai().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Hi' }] });
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expectUpstreamRequest();
    expect(ends).toEqual([expect.objectContaining({ provider: adapterCase.id, outcome: 'ok', stream: true })]);
  });

  test('answers a Messages request, streamed and not, that the Anthropic SDK reads', async () => {
    const params = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hi' }] };
    const message = await anthropic().messages.create(params);
    expect(message.content.some((block) => block.type === 'text' && block.text !== '')).toBe(true);
    expectUpstreamRequest();
    const streamed = await anthropic().messages.stream(params).finalMessage();
    expect(streamed.content.some((block) => block.type === 'text' && block.text !== '')).toBe(true);
    expect(ends.map((event) => [event.provider, event.endpoint, event.outcome])).toEqual([
      [adapterCase.id, 'messages', 'ok'],
      [adapterCase.id, 'messages', 'ok'],
    ]);
  });

  test("keeps its upstream's error status and never shows its key to the client", async () => {
    const [, value] = adapterCase.auth;
    fake.handler = (_request, res) =>
      sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: `Incorrect API key provided: ${value}` } });
    const error = (await openai()
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(401);
    expect(JSON.stringify(error.error)).not.toContain(value.replace(/^Bearer /, '').slice(0, 12));
    expect(ends[0]).toMatchObject({ provider: adapterCase.id, status: 401, outcome: 'error' });
  });

  test('lists models whose ids route back to it', async () => {
    const listed = (await host.router.listModels()).filter((entry) => entry.provider === adapterCase.id);
    if (!adapterCase.listsModels) {
      expect(listed).toEqual([]);
      return;
    }
    expect(listed.length).toBeGreaterThan(0);
    const first = listed[0]!;
    await openai().chat.completions.create({ model: first.id, messages: [{ role: 'user', content: 'Hi' }] });
    expect(ends.at(-1)?.provider).toBe(adapterCase.id);
  });
});
