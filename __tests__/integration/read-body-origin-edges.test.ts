/**
 * The edges of "a page of another site" (DESIGN section 4, read-body): a body not labelled JSON is
 * read when the request carries no browser's sign of another site, or an `Origin` whose host and
 * port are the `Host` header's, as Go's `http.CrossOriginProtection` decides; anything a browser
 * would not send for the host's own page is refused.
 */
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendRequest } from '../support/http-client';

let openai: FakeUpstream;
let host: Host;

beforeAll(async () => {
  [openai] = await startFakeUpstreams('openai');
  host = await startHost({ env: envFor({ openai }) });
});
afterEach(() => openai.reset());
afterAll(async () => {
  await host.close();
  await openai.close();
});

const BODY = JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

/** The status of a `text/plain` chat request with `headers` (`host` among them, as a browser would set it). */
async function statusWith(headers: Record<string, string | string[]>): Promise<number> {
  const res = await sendRequest({ url: `${host.url}/v1/chat/completions`, headers: { ...headers, 'content-type': 'text/plain' }, body: BODY })
    .response;
  return res.status;
}

test.each([
  ['an IPv6 address', { host: '[::1]:8080', origin: 'http://[::1]:8080' }],
  ['an IPv6 address the Origin writes longhand', { host: '[::1]:8080', origin: 'http://[0:0::1]:8080' }],
  ['the default port, which the Origin names and the Host leaves out', { host: 'nas', origin: 'http://nas:80' }],
  ['a Host in capitals', { host: 'NAS:8080', origin: 'http://nas:8080' }],
])('the host’s own page over plain http (%s) is read', async (_case, headers) => {
  expect(await statusWith(headers)).toBe(200);
  expect(openai.requests).toHaveLength(1);
});

test.each([
  ['a Host that names the default port the Origin leaves out', { host: 'nas:80', origin: 'http://nas' }],
  ['a Host with a trailing dot the Origin lacks', { host: 'nas.', origin: 'http://nas' }],
  ['two Origin headers', { host: 'nas', origin: ['http://nas', 'http://elsewhere.example'] }],
  ['an Origin of another scheme than http(s)', { host: 'nas:8080', origin: 'ws://nas:8080' }],
  ['two Sec-Fetch-Site headers, one of them cross-site', { host: 'nas', origin: 'http://nas', 'sec-fetch-site': ['same-origin', 'cross-site'] }],
  ['an empty Sec-Fetch-Site', { host: 'nas', origin: 'http://nas', 'sec-fetch-site': '' }],
])('what no browser sends for the host’s own page (%s) is the 415, and nothing is sent', async (_case, headers) => {
  expect(await statusWith(headers)).toBe(415);
  expect(openai.requests).toHaveLength(0);
});
