import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible upstream (OpenAI, OpenRouter or llama-server) for the browser test:
 * it lists fixed models and streams its replies slowly, one word per `wordDelayMs`, so that a
 * page sampling the answer sees it grow.
 */
export interface SlowUpstream {
  /** The base URL the router is configured with (`.../v1` or `.../api/v1`). */
  baseUrl: string;
  /** Chat requests received, with their parsed bodies. */
  chats: Array<{ model: string; messages: Array<{ role: string; content: unknown }>; body: Record<string, unknown> }>;
  /** Streams the other side (the router) closed before they finished. */
  clientClosed: number;
  /** Resolves at the next stream the other side closes before it finished. */
  waitForClientClose(timeoutMs: number): Promise<void>;
  /** Makes the next chat request fail: an HTTP 500, or a stream cut after a few words. */
  failNext(how: 'http500' | 'cut'): void;
  close(): Promise<void>;
}

export interface SlowUpstreamSettings {
  /** Path prefix of the API: `/v1` (OpenAI, llama-server) or `/api/v1` (OpenRouter). */
  prefix: string;
  models: string[];
  ownedBy: string;
  /** The reply to a request for `model`. */
  reply(model: string): string;
  wordDelayMs: number;
}

export async function startSlowUpstream(settings: SlowUpstreamSettings): Promise<SlowUpstream> {
  const waiters: Array<() => void> = [];
  const failures: Array<'http500' | 'cut'> = [];
  const fake: SlowUpstream = {
    baseUrl: '',
    chats: [],
    clientClosed: 0,
    waitForClientClose: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the upstream connection was not closed within ${timeoutMs} ms`)), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    failNext: (how) => {
      failures.push(how);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === `${settings.prefix}/models`) {
        json(res, 200, {
          object: 'list',
          data: settings.models.map((id) => ({ id, object: 'model', created: 1_760_000_000, owned_by: settings.ownedBy })),
        });
        return;
      }
      if (req.method === 'POST' && path === `${settings.prefix}/chat/completions`) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        const model = String(body.model);
        fake.chats.push({ model, messages: body.messages as SlowUpstream['chats'][number]['messages'], body });
        const failure = failures.shift();
        if (failure === 'http500') {
          json(res, 500, { error: { message: 'model crashed: CUDA out of memory', type: 'server_error', code: 500 } });
          return;
        }
        streamReply(res, body, settings.reply(model), settings.wordDelayMs, failure === 'cut', () => {
          fake.clientClosed++;
          waiters.splice(0).forEach((wake) => wake());
        });
        return;
      }
      json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${settings.prefix}`;
  return fake;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `upstream-${Date.now()}` });
  res.end(JSON.stringify(body));
}

function streamReply(
  res: ServerResponse,
  body: Record<string, unknown>,
  text: string,
  wordDelayMs: number,
  cut: boolean,
  onClientClose: () => void,
): void {
  const id = `chatcmpl-e2e-${Math.random().toString(36).slice(2, 10)}`;
  const model = String(body.model);
  const words = text.match(/\S+\s*/g) ?? [];
  const frame = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  let finishedByUs = false;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(frame({ role: 'assistant', content: '' }));
  let sent = 0;
  const timer = setInterval(() => {
    if (cut && sent === 3) {
      finishedByUs = true;
      clearInterval(timer);
      res.destroy();
      return;
    }
    if (sent < words.length) {
      res.write(frame({ content: words[sent++] }));
      return;
    }
    clearInterval(timer);
    finishedByUs = true;
    res.write(frame({}, 'stop'));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) {
      const completion = words.length;
      const prompt = JSON.stringify(body.messages).length >> 2;
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  }, wordDelayMs);
  res.on('close', () => {
    clearInterval(timer);
    if (!finishedByUs && !res.writableFinished) onClientClose();
  });
}
