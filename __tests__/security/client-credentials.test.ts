/**
 * The credentials of the host's own clients never reach a provider: each fake upstream receives
 * exactly the allowlisted headers, with the provider's own auth and nothing of the client's.
 */
import { PROVIDER_IDS, startFakes, type Dialect, type Fakes, type ProviderId } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { KEYS } from '../support/keys';
import { MODEL_FOR, ROUTE_OF, requestBody } from './helpers/hosts';
import { LOCAL_KEY } from './helpers/secrets';

/** What a browser or SDK of the host might send: the host's credentials and everything else. */
const HOST_SECRET = 'host-secret-5f2b8c1d9e7a';
const CLIENT_CREDENTIALS: Record<string, string> = {
  authorization: `Bearer ${HOST_SECRET}-authorization`,
  cookie: `sid=${HOST_SECRET}-cookie; theme=dark`,
  'x-api-key': `${HOST_SECRET}-x-api-key`,
  'proxy-authorization': `Basic ${HOST_SECRET}-proxy`,
  'x-auth-token': `${HOST_SECRET}-x-auth-token`,
  'x-access-token': `${HOST_SECRET}-x-access-token`,
  'x-csrf-token': `${HOST_SECRET}-x-csrf-token`,
  'x-session-token': `${HOST_SECRET}-x-session-token`,
  'x-amz-security-token': `${HOST_SECRET}-amz`,
  'x-goog-api-key': `${HOST_SECRET}-x-goog-api-key`,
  'api-key': `${HOST_SECRET}-api-key`,
  'openai-api-key': `${HOST_SECRET}-openai-api-key`,
  'x-client-secret': `${HOST_SECRET}-x-client-secret`,
};
/** Not credentials, but not the provider's business either: none is on the allowlist. */
const OTHER_CLIENT_HEADERS: Record<string, string> = {
  'user-agent': 'host-browser/1.0',
  origin: 'https://host.example',
  referer: 'https://host.example/chat',
  'x-forwarded-for': '203.0.113.7',
  'x-real-ip': '203.0.113.7',
  forwarded: 'for=203.0.113.7;host=host.example',
  'accept-language': 'fr-FR',
  'x-request-id': 'client-req-1',
  'x-custom-trace': 'trace-1',
  'openai-organization': 'org-host',
  'openai-project': 'proj-host',
  'x-stainless-os': 'Linux',
};
const ALLOWED_CLIENT_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const ANTHROPIC_CLIENT_HEADERS = { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31' };

/**
 * Headers every upstream request carries whatever the client sent (transport and the router's
 * own). `connection` is left out of the comparison: Node may or may not send it; when it does, it
 * must be a plain keep-alive/close (see {@link namesOf}).
 */
const TRANSPORT = ['host', 'content-length', 'content-type', 'accept-encoding', 'user-agent'];

/** The header names an upstream received, `connection` aside. */
function namesOf(headers: Record<string, unknown>): string[] {
  if (headers.connection !== undefined) expect(headers.connection).toMatch(/^(keep-alive|close)$/i);
  return Object.keys(headers)
    .filter((name) => name !== 'connection')
    .sort();
}

/** The exact header names each provider may receive, by client dialect. */
function expectedNames(provider: ProviderId, dialect: Dialect, localKey: boolean): string[] {
  const names = [...TRANSPORT, 'accept'];
  if (provider === 'anthropic') names.push('x-api-key', 'anthropic-version');
  else if (provider !== 'local' || localKey) names.push('authorization');
  // Passed through to a Messages endpoint (Anthropic's, llama-server's): the client's own Anthropic headers.
  if (dialect === 'messages' && (provider === 'anthropic' || provider === 'local')) names.push('anthropic-version', 'anthropic-beta');
  return [...new Set(names)].sort();
}

const PROVIDER_AUTH: Record<ProviderId, [string, string] | undefined> = {
  openai: ['authorization', `Bearer ${KEYS.openai}`],
  openrouter: ['authorization', `Bearer ${KEYS.openrouter}`],
  local: ['authorization', `Bearer ${LOCAL_KEY}`],
  anthropic: ['x-api-key', KEYS.anthropic],
};

let fakes: Fakes;
/** llama-server with `LOCAL_API_KEY`. */
let host: Host;
/** llama-server without a key: the client's Authorization must not take the key's place. */
let keylessLocalHost: Host;

beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY } });
  keylessLocalHost = await startHost({ env: envFor(fakes) });
});
afterEach(() => fakes.reset());
afterAll(async () => {
  await Promise.all([host?.close(), keylessLocalHost?.close()]);
  await fakes?.close();
});

const cases: Array<[Dialect, ProviderId, boolean, boolean]> = [];
for (const dialect of ['chat', 'messages'] as const) {
  for (const provider of PROVIDER_IDS) {
    for (const stream of [false, true]) cases.push([dialect, provider, stream, true]);
  }
  cases.push([dialect, 'local', false, false], [dialect, 'local', true, false]);
}

describe("the host's client credentials never reach an upstream", () => {
  test.each(cases)(
    '%s dialect to %s, stream=%s (LOCAL_API_KEY set: %s): only allowlisted headers go upstream',
    async (dialect, provider, stream, localKey) => {
      const target = localKey ? host : keylessLocalHost;
      const res = await rawRequest({
        url: `${target.url}${ROUTE_OF[dialect]}`,
        headers: { ...CLIENT_CREDENTIALS, ...OTHER_CLIENT_HEADERS, ...ALLOWED_CLIENT_HEADERS, ...ANTHROPIC_CLIENT_HEADERS },
        body: JSON.stringify(requestBody(dialect, MODEL_FOR[provider], stream)),
      });
      expect(res.status).toBe(200);

      const received = fakes.received();
      expect(received).toHaveLength(1);
      expect(fakes[provider].requests).toHaveLength(1);
      const headers = received[0]!.headers;
      expect(namesOf(headers)).toEqual(expectedNames(provider, dialect, localKey));

      // No value of any header carries a client credential, whatever its name.
      const values = Object.values(headers).flat().join('\n');
      expect(values).not.toContain(HOST_SECRET);
      expect(headers['user-agent']).not.toBe(OTHER_CLIENT_HEADERS['user-agent']);
      const auth = PROVIDER_AUTH[provider];
      if (provider !== 'local' || localKey) expect(headers[auth![0]]).toBe(auth![1]);
      else expect(headers.authorization).toBeUndefined();
    },
  );

  test('repeated and oddly cased credential headers are not forwarded either', async () => {
    const res = await rawRequest({
      url: `${host.url}/v1/chat/completions`,
      headers: {
        'Content-Type': 'application/json',
        'X-API-KEY': `${HOST_SECRET}-upper`,
        'X-Auth-Token': [`${HOST_SECRET}-one`, `${HOST_SECRET}-two`],
        Cookie: [`a=${HOST_SECRET}`, `b=${HOST_SECRET}`],
        'Proxy-Authorization': `Bearer ${HOST_SECRET}`,
      },
      body: JSON.stringify(requestBody('chat', MODEL_FOR.openai, false)),
    });
    expect(res.status).toBe(200);
    const [upstream] = fakes.openai.requests;
    expect(namesOf(upstream!.headers)).toEqual(expectedNames('openai', 'chat', true).filter((name) => name !== 'accept'));
    expect(JSON.stringify(upstream!.headers)).not.toContain(HOST_SECRET);
  });
});

describe('POST /responses', () => {
  test.each(PROVIDER_IDS)('to %s: only allowlisted headers go upstream, and no query at all', async (provider) => {
    const res = await rawRequest({
      url: `${host.url}/v1/responses?beta=true&api_key=${HOST_SECRET}-q`,
      headers: {
        ...CLIENT_CREDENTIALS,
        ...OTHER_CLIENT_HEADERS,
        ...ALLOWED_CLIENT_HEADERS,
        ...ANTHROPIC_CLIENT_HEADERS,
        'openai-beta': 'responses=v1',
      },
      body: JSON.stringify({ model: MODEL_FOR[provider], input: 'hi' }),
    });
    expect(res.status).toBe(200);
    const [upstream] = fakes[provider].requests;
    expect(fakes.received()).toHaveLength(1);
    // The same set as a chat completions request: no Messages passthrough here.
    expect(namesOf(upstream!.headers)).toEqual(expectedNames(provider, 'chat', true));
    expect(JSON.stringify(upstream!.headers)).not.toContain(HOST_SECRET);
    expect(upstream!.url).not.toContain('?');
    const auth = PROVIDER_AUTH[provider]!;
    expect(upstream!.headers[auth[0]]).toBe(auth[1]);
  });
});

describe("the host's credentials in the query string never reach an upstream", () => {
  const credentialQuery = [
    'token',
    'api_key',
    'access_token',
    'apiKey',
    'sig',
    'x-auth',
    'client_secret',
    'password',
    'accessKey',
    'pwd',
    'X-Amz-Signature',
    'jwt',
  ]
    .map((name, i) => `${name}=${HOST_SECRET}-q${i}`)
    .join('&');

  test.each(cases.filter(([, , stream, localKey]) => !stream && localKey))('%s dialect to %s', async (dialect, provider) => {
    const res = await rawRequest({
      url: `${host.url}${ROUTE_OF[dialect]}?beta=true&${credentialQuery}&trace=on`,
      headers: ALLOWED_CLIENT_HEADERS,
      body: JSON.stringify(requestBody(dialect, MODEL_FOR[provider], false)),
    });
    expect(res.status).toBe(200);
    const [upstream] = fakes[provider].requests;
    expect(upstream!.url).not.toContain(HOST_SECRET);
    // Claude Code's `?beta=true` still reaches a Messages endpoint on passthrough (DESIGN section 8);
    // nothing else does, since neither Anthropic nor llama-server reads any other parameter.
    if (dialect === 'messages' && (provider === 'anthropic' || provider === 'local')) expect(upstream!.url).toBe('/v1/messages?beta=true');
  });

  test('a query without beta leaves no query at all', async () => {
    const res = await rawRequest({
      url: `${host.url}/v1/messages?${credentialQuery}`,
      headers: ALLOWED_CLIENT_HEADERS,
      body: JSON.stringify(requestBody('messages', MODEL_FOR.anthropic, false)),
    });
    expect(res.status).toBe(200);
    expect(fakes.anthropic.requests[0]!.url).toBe('/v1/messages');
  });
});
