/**
 * A misconfigured provider fails its own requests with an error that names what to fix, never the
 * host's process, and never shows a key or a password on the way.
 */
import { createAnthropicProvider, createProviderRouter, defineProvider, ProviderRouterError, type RequestEndEvent } from '../../lib';
import { thrownBy } from '../support/rejection';
import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost } from '../support/host';
import { rawRequest } from '../support/http-client';
import { findLeaks, headerText } from './helpers/secrets';

let fakes: Fakes;
beforeAll(async () => {
  fakes = await startFakes();
});
afterEach(() => fakes.reset());
afterAll(async () => {
  await fakes?.close();
});

describe("a host adapter's header that HTTP cannot carry", () => {
  test.each([
    ['a line break inside the key', 'az-key-0123456789\nabcdef'],
    ['a character beyond Latin-1', 'az-key-0123456789\u20acabcdef'],
  ])('(%s) fails the request with a 500 naming the provider, not the key; the host keeps serving', async (_case, key) => {
    // A key read from a file or a store on every request, as a host's adapter may do.
    const mine = defineProvider({
      id: 'azure',
      dialect: 'openai',
      baseUrl: fakes.openai.baseUrl,
      enabled: true,
      secrets: [key],
      upstreamHeaders: () => ({ 'api-key': key }),
    });
    const host = await startHost({ env: envFor({ openai: fakes.openai }), providers: { azure: mine } });
    const ends: RequestEndEvent[] = [];
    host.router.telemetry.on('request.end', (event) => ends.push(event));
    try {
      for (const [route, body] of [
        ['/v1/chat/completions', { model: 'azure/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }],
        ['/v1/messages', { model: 'azure/gpt-4o', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }],
      ] as const) {
        const res = await rawRequest({ url: `${host.url}${route}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(res.status).toBe(500);
        const message = route === '/v1/messages' ? (JSON.parse(res.text) as { error: { message: string } }).error.message : '';
        if (route === '/v1/messages') expect(message).toContain('Provider "azure" sets header "api-key"');
        else
          expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'invalid_config', message: expect.stringContaining('"api-key"') as string } });
        expect(res.text).not.toContain(key.slice(0, 12));
        expect(findLeaks('response headers', headerText(res.rawHeaders))).toEqual([]);
      }
      expect(fakes.received()).toEqual([]);
      expect(ends.map((end) => [end.provider, end.status, end.outcome])).toEqual([
        ['azure', 500, 'error'],
        ['azure', 500, 'error'],
      ]);
      // The host's process is still there, and its other providers still answer.
      const other = await rawRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(other.status).toBe(200);
    } finally {
      await host.close();
    }
  });
});

test("an adapter's defaultHeaders that HTTP cannot carry are refused at creation, naming the header, not its value", () => {
  const anthropic = createAnthropicProvider({ baseUrl: fakes.anthropic.baseUrl, apiKey: 'sk-ant-x' });
  for (const value of ['2023-06-01\r\nx-injected: 1', '2023\u20ac06-01']) {
    const adapter = { ...anthropic, defaultHeaders: { 'anthropic-version': value } };
    const error = thrownBy(() => createProviderRouter({ env: {}, providers: { anthropic: adapter } }), ProviderRouterError);
    expect(error.message).toMatch(/^providers\.anthropic\.defaultHeaders\["anthropic-version"\]: expected a value an HTTP header can carry/);
    expect(error.message).not.toContain(value);
  }
});

describe('a base URL with user:password@', () => {
  const PASSWORD = 'hunter2-basic-auth-password';
  const withCredentials = (url: string): string => url.replace('://', `://alice:${PASSWORD}@`);

  test('is refused at creation, by variable name, the password not echoed', () => {
    // Requests would go without the credentials while model lists sent them as Basic auth, and
    // a failing list quoted the URL, password and all, in models.error and the router's log.
    const error = thrownBy(
      () =>
        createProviderRouter({
          env: {
            ...envFor(fakes),
            LOCAL_BASE_URL: withCredentials(fakes.local.baseUrl),
            ANTHROPIC_BASE_URL: withCredentials(fakes.anthropic.baseUrl),
            OPENAI_BASE_URL: fakes.openai.baseUrl.replace('://', '://alice@'),
            OPENAI_COMPATIBLE_PROVIDERS: 'groq',
            GROQ_BASE_URL: withCredentials('https://api.groq.com/openai/v1'),
          },
        }),
      ProviderRouterError,
    );
    expect(error.code).toBe('invalid_config');
    for (const variable of ['LOCAL_BASE_URL', 'ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL', 'GROQ_BASE_URL']) {
      expect(error.message).toContain(`${variable}: expected a base URL without user:password@`);
    }
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain('alice');
  });

  test("is refused in a host's own adapter too", () => {
    const anthropic = createAnthropicProvider({ baseUrl: withCredentials(fakes.anthropic.baseUrl), apiKey: 'sk-ant-x' });
    const error = thrownBy(() => createProviderRouter({ env: {}, providers: { anthropic } }), ProviderRouterError);
    expect(error.message).toMatch(/^providers\.anthropic\.baseUrl: expected a base URL without user:password@/);
    expect(error.message).not.toContain(PASSWORD);
  });
});
