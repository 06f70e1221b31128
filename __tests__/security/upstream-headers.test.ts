/**
 * What an upstream says in its response headers reaches the client only through the allowlist
 * (DESIGN section 4): content type, retry signals, rate limits, and its request id under a name of
 * the router's. Cookies, account headers, its server and proxies' names never do.
 */
import { PROVIDER_IDS, startFakes, type Fakes, type ProviderId } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { MODEL_FOR, ROUTE_OF, requestBody } from './helpers/hosts';
import { LOCAL_KEY } from './helpers/secrets';

/** A noisy upstream: every header a provider, its CDN or a proxy in between may send. */
const NOISY_HEADERS: Record<string, string> = {
  'set-cookie': '__cf_bm=upstream-cookie; path=/; HttpOnly',
  'openai-organization': 'org-upstream',
  'openai-project': 'proj_upstream',
  'openai-processing-ms': '120',
  'openai-version': '2020-10-01',
  'anthropic-organization-id': 'org-uuid-upstream',
  'x-request-id': 'req_upstream_noisy',
  via: '1.1 upstream-proxy',
  server: 'cloudflare',
  'cf-ray': '8c1d-SJC',
  'alt-svc': 'h3=":443"',
  'strict-transport-security': 'max-age=31536000',
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'x-powered-by': 'upstream-framework',
  'x-envoy-upstream-service-time': '118',
  'x-internal-user': 'alice@upstream',
  location: 'https://upstream.example/elsewhere',
  'content-security-policy': "default-src 'none'",
  'retry-after': '2',
  'x-ratelimit-remaining-requests': '99',
  'anthropic-ratelimit-requests-remaining': '49',
};

/** Headers the host's own stack adds to any answer (Express, Node), not the router's business. */
const HOST_STACK = new Set(['x-powered-by', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

let fakes: Fakes;
let host: Host;
beforeAll(async () => {
  fakes = await startFakes();
  host = await startHost({ env: { ...envFor(fakes), LOCAL_API_KEY: LOCAL_KEY } });
});
afterEach(() => fakes.reset());
afterAll(async () => {
  await host?.close();
  await fakes?.close();
});

const cases: Array<['chat' | 'messages', ProviderId, boolean]> = [];
for (const dialect of ['chat', 'messages'] as const) {
  for (const provider of PROVIDER_IDS) for (const stream of [false, true]) cases.push([dialect, provider, stream]);
}

test.each(cases)('%s dialect from %s, stream=%s: the client gets only the allowlisted upstream headers', async (dialect, provider, stream) => {
  // The fake's own answer, with the noisy headers added to whatever it writes.
  fakes[provider].handler = (_request, res) => {
    for (const [name, value] of Object.entries(NOISY_HEADERS)) res.setHeader(name, value);
    return false;
  };
  const res = await rawRequest({
    url: `${host.url}${ROUTE_OF[dialect]}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(requestBody(dialect, MODEL_FOR[provider], stream)),
  });
  expect(res.status).toBe(200);
  expect(fakes[provider].requests).toHaveLength(1);

  const routerHeaders = Object.keys(res.headers)
    .filter((name) => !HOST_STACK.has(name))
    .sort();
  const expected = [
    'content-type',
    'x-request-id',
    'x-provider',
    'x-provider-request-id',
    'retry-after',
    'x-ratelimit-remaining-requests',
    'anthropic-ratelimit-requests-remaining',
    ...(dialect === 'messages' ? ['request-id'] : []),
    ...(stream ? ['cache-control', 'x-accel-buffering'] : []),
  ].sort();
  expect(routerHeaders).toEqual(expected);
  // The upstream's request id comes under a name of the router's; x-request-id is the router's own.
  expect(res.headers['x-provider-request-id']).toMatch(/^req_upstream/);
  expect(res.headers['x-request-id']).not.toBe(res.headers['x-provider-request-id']);
  // The host's own x-powered-by (Express), never the upstream's.
  expect(res.headers['x-powered-by']).not.toBe('upstream-framework');
});
