import { startFakes, type Fakes } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { rawRequest } from '../support/http-client';
import { observe } from '../support/observe';

const KEY = 'sk-rx/+.*?^$|(a)[b]{2}\\c-0123456789';
const phpEscape = (s: string) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/');
const uEscape = (s: string) => s.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
let fakes: Fakes; let host: Host; const o = observe();
beforeAll(async () => { fakes = await startFakes(); host = await startHost({ env: { ...envFor(fakes), OPENAI_API_KEY: KEY, OPENAI_COMPATIBLE_PROVIDERS: 'groq', GROQ_BASE_URL: fakes.openrouter.baseUrl, GROQ_API_KEY: ' gsk_compat&<key>=0123456789abcdef ' }, conversationLogger: o.conversationLogger }); o.listen(host.router); });
afterAll(async () => { await host.close(); await fakes.close(); });
test.each([
  ['raw', (k: string) => JSON.stringify(k).slice(1, -1)],
  ['php', phpEscape],
  ['u', uEscape],
  ['url', encodeURIComponent],
])('%s', async (_n, enc) => {
  fakes.openai.handler = (_r, res) => { res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': encodeURIComponent(KEY) }); res.end(`{"error":{"message":"bad key ${enc(KEY)}","type":"invalid_request_error"}}`); };
  const r = await rawRequest({ url: `${host.url}/v1/chat/completions`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
  console.log(_n, r.status, r.text, r.rawHeaders.join(' '));
  for (const m of ['chat', 'messages']) {
  fakes.openrouter.handler = (_r, res) => { res.writeHead(401, { 'content-type': 'application/json' }); res.end(`{"error":{"message":"bad key ${enc('gsk_compat&<key>=0123456789abcdef')}","type":"invalid_request_error"}}`); };
  const r2 = await rawRequest({ url: `${host.url}/v1/${m === 'chat' ? 'chat/completions' : 'messages'}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'groq/x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
  console.log(_n, m, r2.status, r2.text);
  }
});
