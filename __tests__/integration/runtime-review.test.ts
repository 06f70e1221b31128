/**
 * A white-box review of the router's runtime (DESIGN sections 1 to 4): cases the other suites do
 * not reach, each found failing before its fix.
 */
import { createHook } from 'node:async_hooks';
import http from 'node:http';
import type { TelemetryEvent } from '../../lib';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { sendRequest } from '../support/http-client';
import { sleep, waitUntil, within } from '../support/wait';

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

describe('close() while the model lists are asked for', () => {
  test('GET /models in flight is answered 503 router_closed, not an empty list', async () => {
    const host = await startHost({ env: envFor({ openai }) });
    try {
      openai.handler = () => true; // holds the model list
      const call = sendRequest({ url: `${host.url}/v1/models`, method: 'GET' });
      await waitUntil(() => openai.requests.length > 0, 10_000, 'the model list asked for');
      await host.router.close();
      const answer = await within(call.response, 10_000, 'the answer after close()');
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'router_closed' } });
    } finally {
      await host.close();
    }
  });
});

/** A `PROVIDER_IDLE_TIMEOUT_MS` no other timer of the suite uses, to tell the router's idle timers apart. */
const IDLE_MS = 60_123;

/** Watches the timers of `IDLE_MS` the router starts: how many are still running (neither cleared nor fired). */
function watchIdleTimers(): { running(): number; stop(): void } {
  const running = new Set<number>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout' && (resource as { _idleTimeout?: number })._idleTimeout === IDLE_MS) running.add(id);
    },
    destroy: (id) => running.delete(id),
  }).enable();
  return { running: () => running.size, stop: () => hook.disable() };
}

describe('client hang-up', () => {
  test('while the router waits for the first bytes of an answer without a content type, its idle timer ends with the exchange', async () => {
    const host = await startHost({ env: { ...envFor({ openai }), PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_MS) } });
    const timers = watchIdleTimers();
    try {
      // Headers without a content type, then nothing: the router waits for the first bytes to tell a stream from JSON.
      openai.handler = (_request, res) => {
        res.writeHead(200);
        res.flushHeaders();
      };
      const call = sendRequest({
        url: `${host.url}/v1/chat/completions`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...CHAT, stream: true }),
      });
      await waitUntil(() => timers.running() > 0, 1000, 'the router waiting for the first bytes');
      const upstreamClosed = openai.waitForClientClose();
      call.abort();
      await within(upstreamClosed, 1000, 'the upstream request aborted');
      // Left running, the timer would hold the host's process for PROVIDER_IDLE_TIMEOUT_MS, even after close().
      await waitUntil(() => timers.running() === 0, 1000, 'no idle timer left by the exchange');
    } finally {
      timers.stop();
      await host.close();
    }
  });
});

describe('an answer without a content type that breaks before its first byte', () => {
  test('is a 502 saying the upstream answered badly, not that it could not be reached', async () => {
    const host = await startHost({ env: envFor({ openai }) });
    try {
      openai.handler = (_request, res) => {
        res.writeHead(200);
        res.flushHeaders();
        setTimeout(() => res.socket?.destroy(), 50);
      };
      const answer = await within(
        sendRequest({
          url: `${host.url}/v1/chat/completions`,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...CHAT, stream: true }),
        }).response,
        2000,
        'the answer',
      );
      expect(answer.status).toBe(502);
      // It answered: the connection, the address and the port are right.
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'upstream_invalid_response' } });
    } finally {
      await host.close();
    }
  });
});
