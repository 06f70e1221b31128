import http, { type IncomingHttpHeaders } from 'node:http';

/** A whole answer, read to its end. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds from sending the request to the body's last byte. */
  ms: number;
}

/** A keep-alive agent sized for `sockets` requests at once. */
export function loadAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** POSTs JSON and reads the whole answer (UTF-8 decoded across chunks). */
export function post(url: string, body: unknown, agent: http.Agent | false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const startedAt = performance.now();
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const decoder = new TextDecoder();
      let text = '';
      res.on('data', (chunk: Buffer) => (text += decoder.decode(chunk, { stream: true })));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text + decoder.decode(), ms: performance.now() - startedAt }),
      );
    });
    req.end(payload);
  });
}

/**
 * Runs `task(0..count-1)` with at most `concurrency` at once. Stops starting new tasks after
 * `deadlineMs` and rejects then, so that a stuck router fails the test instead of hanging it.
 */
export async function runBounded<T>(count: number, concurrency: number, deadlineMs: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  const deadline = performance.now() + deadlineMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      if (performance.now() > deadline) throw new Error(`runBounded: ${next} of ${count} tasks started within ${deadlineMs} ms`);
      const index = next++;
      results[index] = await task(index);
    }
  };
  await within(Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker)), deadlineMs + 5000, `${count} tasks`);
  return results;
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A streamed answer whose headers have arrived. */
export interface OpenAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body, when the answer ends; rejects when the connection fails first. */
  ended: Promise<string>;
  /** What has arrived so far. */
  received(): string;
  /** Hangs up, as a closing browser tab does. */
  abort(): void;
}

/** POSTs JSON and resolves as soon as the response headers arrive. */
export function openStream(url: string, body: unknown, agent: http.Agent | false): Promise<OpenAnswer> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const decoder = new TextDecoder();
      let text = '';
      const ended = new Promise<string>((resolveEnd, rejectEnd) => {
        res.on('data', (chunk: Buffer) => (text += decoder.decode(chunk, { stream: true })));
        res.on('end', () => resolveEnd(text + decoder.decode()));
        res.on('error', rejectEnd);
        res.on('close', () => {
          if (!res.complete) rejectEnd(new Error(`the connection closed before the answer ended: ${JSON.stringify(text.slice(-200))}`));
        });
      });
      ended.catch(() => undefined);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, ended, received: () => text, abort: () => req.destroy() });
    });
    req.end(payload);
  });
}

/** Polls `condition` every 2 ms; rejects naming `what` when it is still false after `ms`. */
export async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(2);
  }
}
