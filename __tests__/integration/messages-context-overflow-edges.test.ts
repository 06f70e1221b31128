/**
 * The edges of a full-context 400 said again in Anthropic's words on `/messages` (DESIGN section 8):
 * a long message, whoever wrote it, is read in time linear in its length.
 */
import type { ServerResponse } from 'node:http';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { sendJson } from '../support/upstream-answers';
import { envFor, startHost, type Host } from '../support/host';

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

/** POSTs a Messages request for openai/gpt-4o with `extra` fields; its status, error and time taken. */
async function timedMessages(extra: Record<string, unknown>): Promise<{ status: number; message: string; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${host.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'go' }], ...extra }),
  });
  const body = (await response.json()) as { error: { message: string } };
  return { status: response.status, message: body.error.message, ms: Date.now() - started };
}

/** Under a megabyte (the most of an upstream's error body the router reads) of text that starts a full-context wording again and again and never finishes it. */
const HOSTILE = {
  prefixes: 'maximum context length is 1 tokens '.repeat(25_000),
  parenthesis: `maximum context length is 1 tokens ${'requested 1 tokens ('.repeat(40_000)}`,
};

describe('a megabyte message that starts full-context wordings it never finishes is answered at once, not seconds later', () => {
  test.each(Object.entries(HOSTILE))('%s, the router’s own 400 quoting what the client sent, cut at 100 characters', async (_case, text) => {
    const { status, message, ms } = await timedMessages({ tools: [{ type: text, name: 'x' }] });
    expect(status).toBe(400);
    expect(message).toContain(JSON.stringify(text.slice(0, 100)));
    expect(message.length).toBeLessThan(1000);
    expect(ms).toBeLessThan(2000);
  });

  test.each(Object.entries(HOSTILE))('%s, a provider’s 400', async (_case, text) => {
    openai.handler = (_req, res: ServerResponse) => sendJson(res, 400, { error: { message: text, type: 'invalid_request_error' } });
    const { status, message, ms } = await timedMessages({});
    expect(status).toBe(400);
    expect(message === text).toBe(true);
    expect(ms).toBeLessThan(2000);
  });
});
