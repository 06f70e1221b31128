/**
 * DESIGN section 4 as a matrix: every route (chat completions, Messages, Responses) to every
 * provider (passthrough and translated), for a whole answer, a stream and an upstream error. In
 * each cell the provider receives only the allowlist and its own auth, the client only the
 * allowlist, nothing anywhere holds a key, and the `scrubHeaders` hook runs in both directions with
 * `{direction, provider, requestId}`, never sees a key, and cannot remove the provider's auth.
 */
import { PROVIDER_IDS, startFakes, type Fakes, type ProviderId } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { chatBody, messagesBody } from '../support/request-bodies';
import { ALL_KEYS, findLeaks, LOCAL_KEY } from './helpers/secrets';
import { MODEL_FOR, sendDialectError } from './helpers/hosts';
import type { ScrubHeadersContext } from '../../lib';

type Route = 'chat' | 'messages' | 'responses';
type Outcome = 'whole' | 'stream' | 'upstream error';

const PATH_OF: Record<Route, string> = { chat: '/v1/chat/completions', messages: '/v1/messages', responses: '/v1/responses' };

function bodyOf(route: Route, provider: ProviderId, stream: boolean): Record<string, unknown> {
  const model = MODEL_FOR[provider];
  const streaming = stream ? { stream: true } : {};
  if (route === 'chat') return chatBody(model, stream ? { stream: true, stream_options: { include_usage: true } } : {});
  if (route === 'messages') return messagesBody(model, streaming);
  return { model, input: 'hi', ...streaming };
}

/** The host's own credentials and other headers of its clients: none may reach a provider. */
const CLIENT_HEADERS: Record<string, string> = {
  authorization: 'Bearer host-secret-authorization',
  cookie: 'sid=host-secret-cookie',
  'x-api-key': 'host-secret-x-api-key',
  'proxy-authorization': 'Basic host-secret-proxy',
  'x-auth-token': 'host-secret-x-auth-token',
  'x-session-token': 'host-secret-session',
  'openai-organization': 'org-host',
  'x-forwarded-for': '203.0.113.7',
};

/** What an upstream may add to its answer: account headers, cookies, and a key echoed back. */
const UPSTREAM_HEADERS: Record<string, string> = {
  'set-cookie': 'session=upstream-cookie',
  'openai-organization': 'org-upstream',
  'openai-project': 'proj_upstream',
  'anthropic-organization-id': 'org-uuid-upstream',
  'x-request-id': 'req_upstream_matrix',
  'retry-after': '1',
  'x-ratelimit-limit-requests': '100',
  'x-debug-key-echo': `key=${ALL_KEYS.openai} ${ALL_KEYS.anthropic} ${ALL_KEYS.openrouter} ${LOCAL_KEY}`,
};

/** Upstream headers the client may see (DESIGN section 4), with the router's own and transport's. */
const CLIENT_ALLOWED =
  /^(content-type|retry-after|x-ratelimit-.*|x-provider-request-id|x-request-id|request-id|x-provider|cache-control|x-accel-buffering|date|connection|keep-alive|transfer-encoding|content-length|x-powered-by)$/;

/** The auth each provider's request must carry, whatever the hook did. */
const AUTH_OF: Record<ProviderId, Record<string, string>> = {
  openai: { authorization: `Bearer ${ALL_KEYS.openai}` },
  openrouter: { authorization: `Bearer ${ALL_KEYS.openrouter}` },
  local: { authorization: `Bearer ${LOCAL_KEY}` },
  anthropic: { 'x-api-key': ALL_KEYS.anthropic, 'anthropic-version': '2023-06-01' },
};

const AUTH_NAMES = new Set(['authorization', 'x-api-key', 'anthropic-version']);

let fakes: Fakes;
let host: Host;
const hookCalls: Array<{ headers: Record<string, string>; context: ScrubHeadersContext }> = [];

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({
    env: { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY },
    // A hook that tries to take the provider's auth and version away, and to put its own auth in their place.
    scrubHeaders: (headers, context) => {
      hookCalls.push({ headers: { ...headers }, context: { ...context } });
      if (context.direction === 'client') return headers;
      const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => !AUTH_NAMES.has(name)));
      return { ...rest, ...(context.provider === 'anthropic' ? { 'x-api-key': 'hook-x-api-key' } : { authorization: 'Bearer hook-authorization' }) };
    },
  });
});
afterEach(() => {
  fakes.reset();
  hookCalls.length = 0;
});
afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

const cases: Array<[Route, ProviderId, Outcome]> = [];
for (const route of ['chat', 'messages', 'responses'] as const) {
  for (const provider of PROVIDER_IDS) for (const outcome of ['whole', 'stream', 'upstream error'] as const) cases.push([route, provider, outcome]);
}

test.each(cases)('%s to %s, %s: allowlists both ways, the provider auth set after the hook, no key anywhere', async (route, provider, outcome) => {
  const fake = fakes[provider];
  fake.handler = (request, res) => {
    for (const [name, value] of Object.entries(UPSTREAM_HEADERS)) res.setHeader(name, value);
    if (outcome !== 'upstream error') return false;
    sendDialectError(fake, request, res, 429, `slow down, key ${ALL_KEYS[provider]}`);
    return true;
  };
  const res = await rawRequest({
    url: `${host.url}${PATH_OF[route]}`,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...CLIENT_HEADERS },
    body: JSON.stringify(bodyOf(route, provider, outcome === 'stream')),
  });
  expect(res.status).toBe(outcome === 'upstream error' ? 429 : 200);

  // Towards the provider: one request, the allowlist and the provider's own auth.
  expect(fake.requests).toHaveLength(1);
  const sent = fake.requests[0]!.headers;
  for (const name of Object.keys(CLIENT_HEADERS).filter((header) => header !== 'authorization' && header !== 'x-api-key'))
    expect(sent[name]).toBeUndefined();
  expect(sent).toMatchObject(AUTH_OF[provider]);
  expect(provider === 'anthropic' ? sent.authorization : sent['x-api-key']).toBeUndefined();
  expect(JSON.stringify(sent)).not.toMatch(/host-secret|hook-/);

  // Towards the client: the allowlist only, and no key in headers or body.
  const unexpected = Object.keys(res.headers).filter((name) => !CLIENT_ALLOWED.test(name));
  expect(unexpected).toEqual([]);
  expect(res.headers['x-provider-request-id']).toMatch(/^req_upstream/);
  expect(res.headers['x-ratelimit-limit-requests']).toBe('100');
  if (outcome === 'upstream error') expect(res.headers['retry-after']).toBe('1');
  expect(findLeaks('client answer', `${JSON.stringify(res.headers)}\n${res.text}`)).toEqual([]);

  // The hook: both directions, told who and which request, shown no key.
  const requestId = res.headers['x-request-id'];
  expect(hookCalls.map((call) => call.context)).toEqual([
    { direction: 'upstream', provider, requestId },
    { direction: 'client', provider, requestId },
  ]);
  expect(findLeaks('hook', JSON.stringify(hookCalls))).toEqual([]);
});

/** The other routes, each to a provider that serves it. */
const OTHER_ROUTES: Array<[path: string, provider: ProviderId, body: Record<string, unknown>]> = [
  ['/v1/completions', 'openai', { model: MODEL_FOR.openai, prompt: 'hi' }],
  ['/v1/completions', 'local', { model: MODEL_FOR.local, prompt: 'hi' }],
  ['/v1/embeddings', 'openai', { model: MODEL_FOR.openai, input: 'hi' }],
  ['/v1/embeddings', 'openrouter', { model: MODEL_FOR.openrouter, input: 'hi' }],
  ['/v1/messages/count_tokens', 'anthropic', { model: MODEL_FOR.anthropic, messages: [{ role: 'user', content: 'hi' }] }],
];

test.each(OTHER_ROUTES)('%s to %s: the same allowlists, auth and hook', async (path, provider, body) => {
  const fake = fakes[provider];
  fake.handler = (_request, res) => {
    for (const [name, value] of Object.entries(UPSTREAM_HEADERS)) res.setHeader(name, value);
    return false;
  };
  const res = await rawRequest({
    url: `${host.url}${path}`,
    headers: { 'content-type': 'application/json', ...CLIENT_HEADERS },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const sent = fake.requests[0]!.headers;
  expect(sent).toMatchObject(AUTH_OF[provider]);
  expect(JSON.stringify(sent)).not.toMatch(/host-secret|hook-/);
  expect(Object.keys(res.headers).filter((name) => !CLIENT_ALLOWED.test(name))).toEqual([]);
  expect(findLeaks('client answer', `${JSON.stringify(res.headers)}\n${res.text}`)).toEqual([]);
  expect(hookCalls.map((call) => call.context.direction)).toEqual(['upstream', 'client']);
});

test("a request the router refuses itself (chat json_object to Anthropic) goes nowhere; the hook sees only the client's headers", async () => {
  const res = await rawRequest({
    url: `${host.url}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', ...CLIENT_HEADERS },
    body: JSON.stringify(chatBody(MODEL_FOR.anthropic, { response_format: { type: 'json_object' } })),
  });
  expect(res.status).toBe(400);
  expect(fakes.received()).toHaveLength(0);
  expect(Object.keys(res.headers).filter((name) => !CLIENT_ALLOWED.test(name))).toEqual([]);
  expect(hookCalls.map((call) => call.context)).toEqual([{ direction: 'client', provider: 'anthropic', requestId: res.headers['x-request-id'] }]);
});
