import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorFrames } from '../support/chat-stream';
import { PROVIDER_IDS, startFakes, type Fakes, type ProviderId } from '../support/fake-upstream';
import { sseFrames } from '../support/fixtures';
import { envFor, startHost, type Host } from '../support/host';
import { postJson, type RawResponse } from '../support/http-client';
import { observe } from '../support/observe';
import { sseBlocks } from '../support/sse';
import { firstTextFrameIndex, sendHeldStream } from '../support/upstream-answers';
import { within } from '../support/wait';
import { chatBody, PROVIDER_CASES, taggedFrames, type ProviderCase } from './support/provider-cases';
import { startTcpGate, type TcpGate } from './support/tcp-gate';

const HEADER_TIMEOUT_MS = 800;
const IDLE_TIMEOUT_MS = 400;
/** How soon a fault the router can see at once must reach the client. */
const PROMPT_MS = 1000;

let fakes: Fakes;
let gates: Record<ProviderId, TcpGate>;
let host: Host;
const observed = observe();

beforeAll(async () => {
  fakes = await startFakes();
  const started = await Promise.all(PROVIDER_IDS.map(async (kind) => [kind, await startTcpGate(Number(new URL(fakes[kind].baseUrl).port))] as const));
  gates = Object.fromEntries(started) as Record<ProviderId, TcpGate>;
  // The router reaches every fake through its gate, which can refuse connections.
  const env = envFor(fakes);
  for (const [name, value] of Object.entries(env)) {
    const fake = fakes.all().find((candidate) => candidate.baseUrl === value);
    if (fake) env[name] = value.replace(`:${new URL(fake.baseUrl).port}`, `:${gates[fake.kind].port}`);
  }
  host = await startHost({ env: { ...env, PROVIDER_TIMEOUT_MS: String(HEADER_TIMEOUT_MS), PROVIDER_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) } });
  observed.listen(host.router);
});

beforeEach(() => observed.clear());
// A test that failed half-way must not leave its provider unreachable for the next one.
afterEach(() => Promise.all(Object.values(gates).map((gate) => gate.open())));
afterAll(async () => {
  await host.close();
  await Promise.all(Object.values(gates).map((gate) => gate.shut()));
  await fakes.close();
});

type FakeScript = (c: ProviderCase, res: ServerResponse, req: IncomingMessage) => void;

interface Fault {
  name: string;
  stream: boolean;
  /** Scripts the fake; absent for a fault made by the gate. */
  script?: FakeScript;
  refuse?: boolean;
  /** The answer must be complete within this long. */
  withinMs: number;
  /** Checks the client's answer and returns the error message it carries. */
  expectAnswer(answer: RawResponse, c: ProviderCase): string;
}

const FAULTS: Fault[] = [
  {
    name: 'connection refused',
    stream: true,
    refuse: true,
    withinMs: PROMPT_MS,
    expectAnswer: (answer) => jsonError(answer, 502, 'upstream_unreachable'),
  },
  {
    name: 'connection reset before the headers',
    stream: true,
    script: (_c, _res, req) => req.socket.resetAndDestroy(),
    withinMs: PROMPT_MS,
    expectAnswer: (answer) => jsonError(answer, 502, 'upstream_unreachable'),
  },
  {
    name: 'no headers within PROVIDER_TIMEOUT_MS',
    stream: false,
    script: () => undefined,
    withinMs: HEADER_TIMEOUT_MS + PROMPT_MS,
    expectAnswer: (answer) => jsonError(answer, 504, 'upstream_timeout'),
  },
  {
    name: 'connection reset mid-stream',
    stream: true,
    script: (c, res) => {
      startStream(c, res);
      setTimeout(() => res.socket?.resetAndDestroy(), 20);
    },
    withinMs: PROMPT_MS,
    expectAnswer: (answer) => streamError(answer, /upstream/i),
  },
  {
    name: 'connection reset in the middle of a JSON answer',
    stream: false,
    script: (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis');
      setTimeout(() => res.socket?.resetAndDestroy(), 20);
    },
    withinMs: PROMPT_MS,
    expectAnswer: (answer) => jsonError(answer, 502, 'upstream_invalid_response'),
  },
  {
    name: 'headers of a JSON answer, then silence past PROVIDER_IDLE_TIMEOUT_MS',
    stream: false,
    script: (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"id":"chatcmpl-1",');
    },
    withinMs: IDLE_TIMEOUT_MS + PROMPT_MS,
    expectAnswer: (answer) => jsonError(answer, 504, 'upstream_timeout'),
  },
  {
    name: 'headers, then silence past PROVIDER_IDLE_TIMEOUT_MS',
    stream: true,
    script: (c, res) => startStream(c, res),
    withinMs: IDLE_TIMEOUT_MS + PROMPT_MS,
    expectAnswer: (answer) => {
      expect(answer.ms).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 50);
      return streamError(answer, /PROVIDER_IDLE_TIMEOUT_MS/);
    },
  },
  {
    name: 'invalid JSON in a 200 answer',
    stream: false,
    script: (_c, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html><body>502 Bad Gateway</body></html>');
    },
    withinMs: PROMPT_MS,
    expectAnswer: (answer) => jsonError(answer, 502, 'upstream_invalid_response'),
  },
  {
    name: 'invalid SSE: garbage lines in the event stream',
    stream: true,
    script: (c, res) => {
      startStream(c, res);
      // Then held open: the garbage alone must end the stream.
      res.write('garbage that is no SSE field\n\ndata: {"choices":[{"delta":{"content":"trunc\n\n');
    },
    withinMs: PROMPT_MS,
    expectAnswer: (answer) => streamError(answer, /not (valid )?JSON/i),
  },
  {
    name: 'a 200 stream with an error event',
    stream: true,
    script: (c, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The provider's own error event, then held open: the error alone must end the stream.
      res.write(sseFrames(c.kind === 'anthropic' ? 'anthropic-messages-stream-error.sse' : 'openrouter-midstream-error.sse').join(''));
    },
    withinMs: PROMPT_MS,
    expectAnswer: (answer, c) => streamError(answer, c.kind === 'anthropic' ? /^Overloaded$/ : /^Provider disconnected unexpectedly$/),
  },
];

describe.each(PROVIDER_CASES.map((c) => [c.kind, c] as const))('%s', (kind, c) => {
  test.each(FAULTS.map((fault) => [fault.name, fault] as const))(
    '%s: the client gets a clear error promptly, request.end says error, and the next request succeeds',
    async (_name, fault) => {
      const fake = fakes[kind];
      fake.reset();
      if (fault.refuse) await gates[kind].shut();
      if (fault.script) fake.handler = (_recorded, res, req) => void fault.script!(c, res, req);

      const sent = postJson(`${host.url}/v1/chat/completions`, chatBody(c, 'T1', fault.stream));
      const answer = await within(sent, fault.withinMs + 2000, `the answer to "${fault.name}"`);
      expect(answer.ms).toBeLessThan(fault.withinMs);
      const message = fault.expectAnswer(answer, c);
      const [end] = await observed.waitForEnds(1);
      expect(end).toEqual(expect.objectContaining({ provider: kind, outcome: 'error', status: answer.status }));
      expect(end!.error?.message).toBe(message);

      if (fault.refuse) await gates[kind].open();
      fake.reset();
      const next = await within(postJson(`${host.url}/v1/chat/completions`, chatBody(c, 'T2', fault.stream)), 5000, 'the next request');
      expect(next.status).toBe(200);
      if (fault.stream) expect(next.text.endsWith('data: [DONE]\n\n')).toBe(true);
      else expect(JSON.parse(next.text)).toEqual(expect.objectContaining({ object: 'chat.completion' }));
      const [, nextEnd] = await observed.waitForEnds(2);
      expect(nextEnd).toEqual(expect.objectContaining({ outcome: 'ok', status: 200 }));
    },
  );
});

/** Headers and the stream up to its first text piece, then held open. */
function startStream(c: ProviderCase, res: ServerResponse): void {
  const frames = taggedFrames(c, 'T1');
  sendHeldStream(res, frames, firstTextFrameIndex(frames));
}

/** An OpenAI-shaped error answer with `status` and `code`; returns its message. */
function jsonError(answer: RawResponse, status: number, code: string): string {
  expect(answer.status).toBe(status);
  const body = JSON.parse(answer.text) as { error: { message: string; type: string; code: string } };
  expect(body.error).toEqual(expect.objectContaining({ code, message: expect.any(String), type: expect.any(String) }));
  return body.error.message;
}

/** A 200 stream that ends with the router's error frame, nothing after it; returns its message. */
function streamError(answer: RawResponse, message: RegExp): string {
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^text\/event-stream/);
  const frames = errorFrames(answer.text);
  expect(frames.length).toBeGreaterThan(0);
  const last = frames[frames.length - 1]!;
  expect(last.message).toMatch(message);
  expect(sseBlocks(answer.text).at(-1)).toMatch(/^data: \{"error":/);
  expect(answer.text).not.toContain('[DONE]');
  return last.message;
}
