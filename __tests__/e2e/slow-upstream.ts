import type { ServerResponse } from 'node:http';
import { startFakeUpstream, type RecordedRequest } from '../support/fake-upstream';
import { pathOf } from '../support/fake-server';
import { sendJson } from '../support/upstream-answers';
import { within } from '../support/wait';
import { chatChunkFrame, chatUsageFrame, DONE_FRAME } from '../support/wire-frames';

/**
 * A fake OpenAI-compatible upstream (OpenAI, OpenRouter or llama-server) for the browser test:
 * the provider's fake, scripted to list fixed models and to stream its replies slowly, one word
 * per `wordDelayMs`, so that a page sampling the answer sees it grow.
 */
export interface SlowUpstream {
  /** The base URL the router is configured with (`.../v1` or `.../api/v1`). */
  baseUrl: string;
  /** Chat requests received, with their parsed bodies. */
  readonly chats: Array<{ model: string; messages: Array<{ role: string; content: unknown }>; body: Record<string, unknown> }>;
  /** Streams the other side (the router) closed before they finished. */
  readonly clientClosed: number;
  /** Resolves at the next stream the other side closes before it finished. */
  waitForClientClose(timeoutMs: number): Promise<void>;
  /** Makes the next chat request fail: an HTTP 500, or a stream cut after a few words. */
  failNext(how: 'http500' | 'cut'): void;
  close(): Promise<void>;
}

/** What a slow upstream lists and answers. */
export interface SlowUpstreamSettings {
  /** Which provider's API it is (its path prefix: `/v1`, OpenRouter's `/api/v1`). */
  kind: 'openai' | 'openrouter' | 'local';
  models: string[];
  ownedBy: string;
  /** The reply to a request for `model`. */
  reply(model: string): string;
  wordDelayMs: number;
}

/** Starts the provider's fake, scripted as {@link SlowUpstream} describes. */
export async function startSlowUpstream(settings: SlowUpstreamSettings): Promise<SlowUpstream> {
  const fake = await startFakeUpstream(settings.kind);
  const prefix = new URL(fake.baseUrl).pathname;
  const isChat = (request: RecordedRequest): boolean => request.method === 'POST' && pathOf(request) === `${prefix}/chat/completions`;
  const waiters: Array<() => void> = [];
  const failures: Array<'http500' | 'cut'> = [];
  let clientClosed = 0;

  fake.handler = (request, res) => {
    if (request.method === 'GET' && pathOf(request) === `${prefix}/models`) {
      json(res, 200, {
        object: 'list',
        data: settings.models.map((id) => ({ id, object: 'model', created: 1_760_000_000, owned_by: settings.ownedBy })),
      });
      return true;
    }
    if (!isChat(request)) {
      json(res, 404, { error: { message: `no route ${request.method} ${pathOf(request)}`, type: 'invalid_request_error' } });
      return true;
    }
    const body = request.body ?? {};
    const failure = failures.shift();
    if (failure === 'http500') {
      json(res, 500, { error: { message: 'model crashed: CUDA out of memory', type: 'server_error', code: 500 } });
      return true;
    }
    streamReply(res, body, settings.reply(String(body.model)), settings.wordDelayMs, failure === 'cut', () => {
      clientClosed++;
      waiters.splice(0).forEach((wake) => wake());
    });
    return true;
  };

  return {
    baseUrl: fake.baseUrl,
    get chats() {
      return fake.requests.filter(isChat).map((request) => {
        const body = request.body ?? {};
        return { model: String(body.model), messages: body.messages as SlowUpstream['chats'][number]['messages'], body };
      });
    },
    get clientClosed() {
      return clientClosed;
    },
    waitForClientClose: (timeoutMs) =>
      within(new Promise<void>((resolve) => waiters.push(resolve)), timeoutMs, 'the upstream connection being closed').catch(() => {
        throw new Error(`the upstream connection was not closed within ${timeoutMs} ms`);
      }),
    failNext: (how) => {
      failures.push(how);
    },
    close: () => fake.close(),
  };
}

/** The reasoning a "think" prompt gets before its answer. */
export const THINKING = 'The user wants me to think first. I will keep it short.';

/** A JSON answer with an upstream request id of its own. */
function json(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, { 'x-request-id': `upstream-${Date.now()}` });
}

function streamReply(
  res: ServerResponse,
  body: Record<string, unknown>,
  text: string,
  wordDelayMs: number,
  cut: boolean,
  onClientClose: () => void,
): void {
  const identity = { id: `chatcmpl-e2e-${Math.random().toString(36).slice(2, 10)}`, created: 1, model: String(body.model) };
  // A prompt that asks the model to think gets reasoning first, as llama-server streams a reasoning model's.
  const lastMessage = JSON.stringify((body.messages as unknown[] | undefined)?.at(-1) ?? '');
  const thoughts = /think/i.test(lastMessage) ? (THINKING.match(/\S+\s*/g) ?? []) : [];
  const words = [...thoughts.map((thought) => ({ reasoning: thought })), ...(text.match(/\S+\s*/g) ?? [])];
  let finishedByUs = false;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chatChunkFrame(identity, { role: 'assistant', content: '' }));
  let sent = 0;
  const timer = setInterval(() => {
    if (cut && sent === 3) {
      finishedByUs = true;
      clearInterval(timer);
      res.destroy();
      return;
    }
    if (sent < words.length) {
      const word = words[sent++]!;
      res.write(chatChunkFrame(identity, typeof word === 'string' ? { content: word } : { reasoning_content: word.reasoning }));
      return;
    }
    clearInterval(timer);
    finishedByUs = true;
    res.write(chatChunkFrame(identity, {}, 'stop'));
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) {
      const completion = words.length;
      const prompt = JSON.stringify(body.messages).length >> 2;
      const details = thoughts.length > 0 ? { completion_tokens_details: { reasoning_tokens: thoughts.length } } : {};
      res.write(chatUsageFrame(identity, { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...details }));
    }
    res.end(DONE_FRAME);
  }, wordDelayMs);
  res.on('close', () => {
    clearInterval(timer);
    if (!finishedByUs && !res.writableFinished) onClientClose();
  });
}
