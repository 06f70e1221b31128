/**
 * A white-box review of the router's runtime (DESIGN sections 1 to 4): cases the other suites do
 * not reach, each found failing before its fix.
 */
import http from 'node:http';
import type { TelemetryEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sleep, within } from '../support/wait';

let openai: FakeUpstream;

beforeAll(async () => {
  [openai] = await startFakeUpstreams('openai');
});
afterEach(() => openai.reset());
afterAll(() => openai.close());

const CHAT = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

/** Starts a chat request whose body is sent in two parts; resolves the answer once `rest()` sends the second. */
function requestInTwoParts(host: Host): { rest(): void; answer: Promise<{ status: number; body: string }> } {
  const body = JSON.stringify(CHAT);
  const req = http.request({
    host: '127.0.0.1',
    port: new URL(host.url).port,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    agent: false,
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
  });
  req.write(body.slice(0, 10));
  return { rest: () => req.end(body.slice(10)), answer };
}

describe('close()', () => {
  test('a request whose body was still arriving when close() ran is answered 503 router_closed, not as an unreachable upstream', async () => {
    const host = await startHost({ env: envFor({ openai }) });
    const ends: TelemetryEvent[] = [];
    host.router.telemetry.on('request.end', (event) => ends.push(event));
    try {
      const call = requestInTwoParts(host);
      await sleep(100);
      await host.router.close();
      call.rest();
      const answer = await within(call.answer, 2000, 'the answer after close()');
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'router_closed' } });
      expect(openai.requests).toHaveLength(0);
      expect(ends).toEqual([expect.objectContaining({ status: 503, outcome: 'error' })]);
    } finally {
      await host.close();
    }
  });
});
