import http, { type IncomingHttpHeaders } from 'node:http';

/** A streamed response read as it arrives. */
export interface OpenStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the received text satisfies `predicate`. */
  waitFor(predicate: (text: string) => boolean): Promise<string>;
  /** Resolves with the whole body when the response ends. */
  ended: Promise<string>;
  /** Hangs up, as a browser tab closing would. */
  abort(): void;
}

/** POSTs JSON and returns as soon as the response headers arrive. */
export function postStream(url: string, body: unknown, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const decoder = new TextDecoder();
      let received = '';
      const waiters: Array<{ predicate: (text: string) => boolean; resolve: (text: string) => void }> = [];
      const check = (): void => {
        for (const waiter of [...waiters]) {
          if (waiter.predicate(received)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(received);
          }
        }
      };
      const ended = new Promise<string>((resolveEnd) => {
        res.on('data', (chunk: Buffer) => {
          received += decoder.decode(chunk, { stream: true });
          check();
        });
        res.on('end', () => resolveEnd(received));
        res.on('close', () => resolveEnd(received));
        res.on('error', () => resolveEnd(received));
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => received,
        waitFor: (predicate) =>
          new Promise((resolveWait) => {
            waiters.push({ predicate, resolve: resolveWait });
            check();
          }),
        ended,
        abort: () => req.destroy(),
      });
    });
    req.end(payload);
  });
}

/** The `data:` payloads of an SSE text, parsed where they are JSON. */
export function dataPayloads(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6))
    .map((data) => {
      try {
        return JSON.parse(data) as unknown;
      } catch {
        return data;
      }
    });
}
