/**
 * A probe of what a host running the router for weeks depends on: bounded memory under slow
 * clients and large answers, aborts that leave nothing behind, keep-alive connections that stay
 * usable after failures, `close()` with streams in flight, and request bodies of every size and
 * shape. Real HTTP servers on 127.0.0.1; clients that must behave as real ones do run in a process
 * of their own. Assertions count bytes and events, never time.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { startFakeUpstreams, type FakeUpstream } from '../support/fake-upstream';
import { envFor, startHost, type Host } from '../support/host';
import { observe } from '../support/observe';
import { within } from '../support/wait';

const MIB = 1024 * 1024;

let anthropic: FakeUpstream;
let openai: FakeUpstream;

beforeAll(async () => {
  [anthropic, openai] = await startFakeUpstreams('anthropic', 'openai');
});
afterEach(() => {
  anthropic.reset();
  openai.reset();
});
afterAll(async () => {
  await anthropic.close();
  await openai.close();
});

/** What the client process got for one request: the answer, or the error it failed with. */
interface ClientResult {
  status?: number;
  body?: string;
  error?: string;
}

/** Posts a `/messages` body of `mib` MiB `times` times from a process of its own (`fetch` or `http.request`). */
function postFromOwnProcess(url: string, mib: number, via: 'fetch' | 'http', times: number): Promise<ClientResult[]> {
  const script = join(__dirname, '..', 'support', 'resources', 'post-body.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, url, String(mib), via, String(times)], { timeout: 30000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(JSON.parse(stdout.trim()) as ClientResult[]);
    });
  });
}

/**
 * Sends the head of a `/messages` request and then body bytes as fast as the socket takes them,
 * until the router closes the connection (or `stopAfter` bytes went). Resolves with how many body
 * bytes were written and what came back.
 */
function uploadUntilClosed(host: Host, head: string, stopAfter: number, chunked: boolean): Promise<{ written: number; answer: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(new URL(host.url).port), '127.0.0.1');
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const frame = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
    let written = 0;
    let answer = '';
    const pump = (): void => {
      while (!socket.destroyed && written < stopAfter) {
        written += piece.length;
        if (!socket.write(frame)) {
          socket.once('drain', pump);
          return;
        }
      }
      if (written >= stopAfter) socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ written, answer }));
    socket.write(head);
    pump();
  });
}

describe('request bodies over PROVIDER_MAX_BODY_BYTES', () => {
  let host: Host;
  const observed = observe();
  beforeAll(async () => {
    host = await startHost({ env: { ...envFor({ anthropic }), PROVIDER_MAX_BODY_BYTES: String(MIB) } });
    observed.listen(host.router);
  });
  afterAll(() => host.close());

  test.each(['fetch', 'http'] as const)(
    'a client (%s, its own process) still sending its 24 MiB body gets the 413 in the Messages shape, not a reset; nothing goes upstream',
    async (via) => {
      const results = await postFromOwnProcess(`${host.url}/v1/messages`, 24, via, 4);
      for (const result of results) {
        expect(result).toEqual({ status: 413, body: expect.any(String) as unknown });
        expect(JSON.parse(result.body ?? '')).toEqual({
          type: 'error',
          error: { type: 'request_too_large', message: expect.stringContaining('PROVIDER_MAX_BODY_BYTES') as unknown },
        });
      }
      expect(anthropic.requests).toHaveLength(0);
    },
  );

  test('a chunked body that never ends is answered 413 and its connection closed after a bounded amount is read', async () => {
    const head = 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const { written, answer } = await within(uploadUntilClosed(host, head, 1024 * MIB, true), 20000, 'the router closing the connection');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(200 * MIB);
    expect(anthropic.requests).toHaveLength(0);
  });

  test('a body announced far larger than the router reads away is answered 413 and its connection closed without reading it', async () => {
    const head = `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 * MIB}\r\n\r\n`;
    const { written, answer } = await within(uploadUntilClosed(host, head, 1024 * MIB, false), 20000, 'the router closing the connection');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(200 * MIB);
    expect(anthropic.requests).toHaveLength(0);
  });
});
