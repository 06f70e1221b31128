/**
 * No request field can change where a request goes: whatever a client puts in `model`, the Host
 * headers or the query, the request is routed by the rules to a configured upstream, on the
 * endpoint's own path, or refused with a 400 before anything is sent.
 */
import { startFakes, type Fakes, type FakeUpstream, type ProviderId } from '../support/fake-upstream';
import { startFakeServer } from '../support/fake-server';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest, type RawResponse } from '../support/http-client';

/** A server no request may ever reach: its address is what the attacks point at. */
interface Canary {
  address: string;
  hits: string[];
  close(): Promise<void>;
}

async function startCanary(): Promise<Canary> {
  const server = await startFakeServer({
    prefix: '',
    answer: (_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"pwned":true}');
    },
  });
  return {
    address: new URL(server.baseUrl).host,
    get hits() {
      return server.requests.map((request) => `${request.method} ${request.url}`);
    },
    close: () => server.close(),
  };
}

let fakes: Fakes;
let canary: Canary;
let host: Host;

beforeAll(async () => {
  [fakes, canary] = await Promise.all([startFakes(), startCanary()]);
  host = await startHost({ env: { ...envFor(fakes), PROVIDER_MODEL_MAP: 'team-*=openrouter' } });
});
afterEach(() => fakes.reset());
afterAll(async () => {
  await host?.close();
  await Promise.all([fakes?.close(), canary?.close()]);
});

type Endpoint = 'chat' | 'messages' | 'completions' | 'embeddings';
const ROUTE: Record<Endpoint, string> = {
  chat: '/v1/chat/completions',
  messages: '/v1/messages',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
};

/** The path each provider's fake must see, by the client's endpoint. */
function upstreamPath(provider: ProviderId, endpoint: Endpoint): string {
  if (provider === 'anthropic') return '/v1/messages';
  const prefix = provider === 'openrouter' ? '/api/v1' : '/v1';
  if (endpoint === 'messages') return provider === 'local' ? '/v1/messages' : `${prefix}/chat/completions`;
  return `${prefix}/${endpoint === 'chat' ? 'chat/completions' : endpoint}`;
}

function bodyFor(endpoint: Endpoint, model: string): Record<string, unknown> {
  const messages = [{ role: 'user', content: 'hi' }];
  switch (endpoint) {
    case 'chat':
      return { model, messages };
    case 'messages':
      return { model, max_tokens: 16, messages };
    case 'completions':
      return { model, prompt: 'Say' };
    case 'embeddings':
      return { model, input: 'x' };
  }
}

/** `[model, provider it must reach, model it must be sent as]`, or `'reject'` for a 400. */
type Expectation = [string, ProviderId, string] | [string, 'reject'];

const hostile = (): Expectation[] => {
  const evil = canary.address;
  return [
    ['../../etc/passwd', 'local', '../../etc/passwd'],
    ['gpt-4o/../../admin', 'openai', 'gpt-4o/../../admin'],
    ['openai/../../x', 'openai', '../../x'],
    ['openai/../../../v1/models', 'openai', '../../../v1/models'],
    ['anthropic/../../v1/complete?x=1', 'anthropic', '../../v1/complete?x=1'],
    ['local/../../..', 'local', '../../..'],
    ['gpt-4o?api-version=1&x=../', 'openai', 'gpt-4o?api-version=1&x=../'],
    ['gpt-4o#fragment', 'openai', 'gpt-4o#fragment'],
    [`claude-x@${evil}`, 'anthropic', `claude-x@${evil}`],
    [`user:pass@${evil}`, 'local', `user:pass@${evil}`],
    [`http://${evil}/v1`, 'local', `http://${evil}/v1`],
    [`openai/http://${evil}/`, 'openai', `http://${evil}/`],
    [`openrouter/@${evil}/x`, 'openrouter', `@${evil}/x`],
    [`//${evil}/x`, 'local', `//${evil}/x`],
    [`\\\\${evil}\\share`, 'local', `\\\\${evil}\\share`],
    ['%2F..%2F..%2Fadmin', 'local', '%2F..%2F..%2Fadmin'],
    ['openai%2F..%2Fx', 'local', 'openai%2F..%2Fx'],
    ['openai/%2e%2e%2f%2e%2e%2fadmin', 'openai', '%2e%2e%2f%2e%2e%2fadmin'],
    ['gpt-4o%0d%0aHost:%20evil', 'openai', 'gpt-4o%0d%0aHost:%20evil'],
    ['team-../../x', 'openrouter', 'team-../../x'],
    ['OPENAI/gpt-4o', 'local', 'OPENAI/gpt-4o'],
    ['__proto__/x', 'local', '__proto__/x'],
    ['constructor/x', 'local', 'constructor/x'],
    ['hasOwnProperty', 'local', 'hasOwnProperty'],
    ['ｇｐｔ-4o', 'local', 'ｇｐｔ-4o'],
    ['\u202egpt-4o', 'local', '\u202egpt-4o'],
    ['gpt-4o\u2028x', 'openai', 'gpt-4o\u2028x'],
    ['claude-🦙', 'anthropic', 'claude-🦙'],
    ['openai/ ', 'openai', ' '],
    ['gpt-4o\r\nHost: evil.example', 'reject'],
    ['gpt-4o\nX-Injected: 1', 'reject'],
    ['openai/x\r\n\r\nGET / HTTP/1.1', 'reject'],
    ['gpt\u0000', 'reject'],
    ['gpt-4o\t', 'reject'],
    ['gpt\u007f', 'reject'],
    ['a'.repeat(10 * 1024), 'reject'],
    [`openai/${'x'.repeat(10 * 1024)}`, 'reject'],
    [`${'../'.repeat(3414)}x`, 'reject'],
    ['', 'reject'],
    ['   ', 'reject'],
  ];
};

function expectOpenAIError(res: RawResponse, status: number): void {
  expect(res.status).toBe(status);
  const body = JSON.parse(res.text) as { error?: { message?: unknown; type?: unknown; code?: unknown } };
  expect(typeof body.error?.message).toBe('string');
  expect(typeof body.error?.type).toBe('string');
}

function expectAnthropicError(res: RawResponse, status: number): void {
  expect(res.status).toBe(status);
  const body = JSON.parse(res.text) as { type?: unknown; error?: { message?: unknown; type?: unknown } };
  expect(body.type).toBe('error');
  expect(typeof body.error?.message).toBe('string');
  expect(typeof body.error?.type).toBe('string');
}

/** Asserts that exactly `fake` received one request, on `path`, sent as `model`, on its own host. */
function expectOnlyReached(fake: FakeUpstream, path: string, model: string): void {
  expect(canary.hits).toEqual([]);
  const all = fakes.received();
  expect(all).toHaveLength(1);
  expect(fake.requests).toHaveLength(1);
  const [request] = fake.requests;
  expect(request!.method).toBe('POST');
  expect(request!.url).toBe(path);
  expect(request!.body?.model).toBe(model);
  expect(request!.headers.host).toBe(new URL(fake.baseUrl).host);
}

describe('a hostile `model` is routed by the rules or refused, never sent elsewhere', () => {
  // Each expectation runs on the two chat dialects; a few on /completions and /embeddings too.
  const endpoints: Endpoint[] = ['chat', 'messages'];
  test.each(endpoints)("on %s: every hostile model reaches only its rule's upstream, on the endpoint's path", async (endpoint) => {
    const failures: string[] = [];
    for (const expectation of hostile()) {
      fakes.reset();
      const [model] = expectation;
      const res = await rawRequest({
        url: `${host.url}${ROUTE[endpoint]}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bodyFor(endpoint, model)),
      });
      try {
        if (expectation[1] === 'reject') {
          if (endpoint === 'messages') expectAnthropicError(res, 400);
          else expectOpenAIError(res, 400);
          expect(fakes.received()).toEqual([]);
          expect(canary.hits).toEqual([]);
        } else {
          const [, provider, upstreamModel] = expectation;
          expect(res.status).toBe(200);
          expect(res.headers['x-provider']).toBe(provider);
          expectOnlyReached(fakes[provider], upstreamPath(provider, endpoint), upstreamModel);
        }
      } catch (error) {
        failures.push(`${JSON.stringify(model.slice(0, 60))}: ${(error as Error).message.split('\n').slice(0, 6).join(' ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test.each(['completions', 'embeddings'] as const)("on /%s: path-like models reach the OpenAI-compatible upstream's own path", async (endpoint) => {
    const evil = canary.address;
    const cases: Array<[string, ProviderId, string]> = [
      ['openai/../../chat/completions', 'openai', '../../chat/completions'],
      [`openrouter/http://${evil}/`, 'openrouter', `http://${evil}/`],
      [`../${evil}?x#y`, 'local', `../${evil}?x#y`],
    ];
    for (const [model, provider, upstreamModel] of cases) {
      fakes.reset();
      const res = await rawRequest({
        url: `${host.url}${ROUTE[endpoint]}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bodyFor(endpoint, model)),
      });
      expect(res.status).toBe(200);
      expectOnlyReached(fakes[provider], upstreamPath(provider, endpoint), upstreamModel);
    }
  });
});

describe('client headers and the request target cannot change the upstream host or path', () => {
  test.each([
    ['chat', 'openai'],
    ['chat', 'anthropic'],
    ['messages', 'anthropic'],
    ['messages', 'local'],
    ['messages', 'openrouter'],
  ] as const)('Host, X-Forwarded-Host and friends on %s to %s are ignored', async (endpoint, provider) => {
    const evil = canary.address;
    const model = { openai: 'gpt-4o', anthropic: 'claude-sonnet-4-5', local: 'qwen', openrouter: 'openrouter/x' }[provider];
    const res = await rawRequest({
      url: `${host.url}${ROUTE[endpoint]}`,
      headers: {
        'content-type': 'application/json',
        host: evil,
        'x-forwarded-host': evil,
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '443',
        forwarded: `host=${evil};proto=http`,
        'x-original-url': '/admin',
        'x-rewrite-url': '/admin',
        'x-http-method-override': 'DELETE',
        'x-original-host': evil,
      },
      body: JSON.stringify(bodyFor(endpoint, model)),
    });
    expect(res.status).toBe(200);
    expectOnlyReached(fakes[provider], upstreamPath(provider, endpoint), provider === 'openrouter' ? 'x' : model);
  });

  test("the query of a passed-through /messages request stays a query on the upstream's own host and path", async () => {
    const evil = canary.address;
    const queries = [`?beta=true&next=http://${evil}/`, `?@${evil}/`, `?x=/../../admin`, `?beta=true#@${evil}/`, `?a=%2F..%2F..%2Fadmin`];
    for (const query of queries) {
      fakes.reset();
      const res = await rawRequest({
        url: `${host.url}/v1/messages`,
        path: `/v1/messages${query}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bodyFor('messages', 'claude-sonnet-4-5')),
      });
      expect(res.status).toBe(200);
      expect(canary.hits).toEqual([]);
      expect(fakes.received()).toHaveLength(1);
      const [request] = fakes.anthropic.requests;
      expect(request!.headers.host).toBe(new URL(fakes.anthropic.baseUrl).host);
      // The path is the Messages endpoint's, and of the query only `beta` goes on (a fragment is never sent).
      expect(request!.url).toMatch(/^\/v1\/messages(\?beta=true)?$/);
      expect(request!.url.endsWith('?beta=true')).toBe(query.startsWith('?beta=true'));
    }
  });

  test('an absolute-form request target naming another host is not proxied there', async () => {
    const evil = canary.address;
    const res = await rawRequest({
      url: `${host.url}/v1/chat/completions`,
      path: `http://${evil}/v1/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bodyFor('chat', 'gpt-4o')),
    });
    expect(canary.hits).toEqual([]);
    // Either served as the router's own route (then on the configured upstream) or left to the host.
    const received = fakes.received();
    if (received.length > 0) expectOnlyReached(fakes.openai, '/v1/chat/completions', 'gpt-4o');
    else expect(res.status).toBe(404);
  });

  test.each([
    '/v1/chat/completions/../../messages',
    '/v1/messages/../chat/completions',
    '/v1//chat/completions',
    '/v1/chat/completions%2F..%2Fembeddings',
    '/v1/chat%2Fcompletions',
  ])('the dot-segment or encoded path %s is not routed to another endpoint', async (path) => {
    const res = await rawRequest({
      url: `${host.url}/v1/chat/completions`,
      path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bodyFor('chat', 'gpt-4o')),
    });
    expect(canary.hits).toEqual([]);
    // Such a path is not one of the router's routes: it goes to the host (here, a 404).
    expect(res.status).toBe(404);
    expect(fakes.received()).toEqual([]);
  });
});
