import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureJson, fixtureText, sseFrames } from './fixtures';

/** A request as a fake upstream received it. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  rawBody: string;
}

export type UpstreamKind = 'openai' | 'openrouter' | 'local' | 'anthropic';

/** Replaces the default behaviour for the next requests; return false to fall back to it. */
export type FakeHandler = (request: RecordedRequest, res: ServerResponse, req: IncomingMessage) => boolean | void;

/** A loopback server that speaks one provider's wire format. */
export interface FakeUpstream {
  kind: UpstreamKind;
  /** The base URL the router is configured with (`/v1` for OpenAI-compatible ones). */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Set to script the next answers; cleared by `reset()`. */
  handler: FakeHandler | undefined;
  /** Sockets closed by the client, for abort tests. */
  closedRequests: number;
  /** Resolves when a request's connection to the fake is closed by the other side. */
  waitForClientClose(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const API_PREFIX: Record<UpstreamKind, string> = {
  openai: '/v1',
  openrouter: '/api/v1',
  local: '/v1',
  anthropic: '',
};

const STREAM_FIXTURE: Record<Exclude<UpstreamKind, 'anthropic'>, string> = {
  openai: 'openai-chat-stream-usage.sse',
  openrouter: 'openrouter-chat-stream.sse',
  local: 'llama-server-chat-stream.sse',
};

const MODELS_FIXTURE: Record<UpstreamKind, string> = {
  openai: 'openai-models.json',
  openrouter: 'openrouter-models.json',
  local: 'llama-server-models.json',
  anthropic: 'anthropic-models.json',
};

/** Starts a fake upstream of `kind` on 127.0.0.1, port 0. */
export async function startFakeUpstream(kind: UpstreamKind): Promise<FakeUpstream> {
  const closeWaiters: Array<() => void> = [];
  const fake: FakeUpstream = {
    kind,
    baseUrl: '',
    requests: [],
    handler: undefined,
    closedRequests: 0,
    waitForClientClose: () => new Promise((resolve) => closeWaiters.push(resolve)),
    reset() {
      fake.requests.length = 0;
      fake.handler = undefined;
      fake.closedRequests = 0;
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
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = rawBody ? (JSON.parse(rawBody) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, rawBody };
      fake.requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) {
          fake.closedRequests++;
          closeWaiters.splice(0).forEach((resolve) => resolve());
        }
      });
      if (fake.handler && fake.handler(recorded, res, req) !== false) return;
      defaultAnswer(kind, recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.baseUrl = `http://127.0.0.1:${port}${API_PREFIX[kind]}`;
  return fake;
}

/** Sends SSE frames, one write each. */
export function sendFrames(res: ServerResponse, frames: string[], status = 200): void {
  res.writeHead(status, { 'content-type': 'text/event-stream', 'x-request-id': 'req_upstream_1' });
  for (const frame of frames) res.write(frame);
  res.end();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_upstream_1', ...headers });
  res.end(JSON.stringify(body));
}

function defaultAnswer(kind: UpstreamKind, request: RecordedRequest, res: ServerResponse): void {
  const path = request.url.split('?')[0] ?? '';
  const prefix = API_PREFIX[kind];
  if (request.method === 'GET' && path === `${prefix}/models`.replace(/^\/models/, '/v1/models')) {
    sendJson(res, 200, fixtureJson(MODELS_FIXTURE[kind]));
    return;
  }
  if (kind === 'anthropic' || (kind === 'local' && path.startsWith('/v1/messages'))) {
    if (path === '/v1/messages' && request.method === 'POST') return anthropicMessages(kind, request, res);
    if (path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: 42 });
    return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${path}` } });
  }
  if (path === `${prefix}/chat/completions`) {
    if (request.body?.stream === true) return sendFrames(res, sseFrames(STREAM_FIXTURE[kind]));
    const answer = fixtureJson('openai-chat.json');
    answer.model = request.body?.model;
    return sendJson(res, 200, answer);
  }
  if (path === `${prefix}/completions`) {
    return sendJson(res, 200, {
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1,
      model: request.body?.model,
      choices: [{ index: 0, text: 'Hello', finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    });
  }
  if (path === `${prefix}/embeddings`) {
    return sendJson(res, 200, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      model: request.body?.model,
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  }
  sendJson(res, 404, { error: { message: `no route ${path}`, type: 'invalid_request_error', code: null } });
}

/** Validates a Messages request the way the API does, then answers from the fixtures. */
function anthropicMessages(kind: UpstreamKind, request: RecordedRequest, res: ServerResponse): void {
  const problem = anthropicRequestProblem(kind, request);
  if (problem) {
    sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: problem } });
    return;
  }
  const body = request.body!;
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0;
  if (body.stream === true) {
    sendFrames(res, sseFrames(wantsTool ? 'anthropic-messages-stream-tool-use.sse' : 'anthropic-messages-stream-text.sse'));
    return;
  }
  const message = fixtureJson('anthropic-message.json');
  if (!wantsTool) {
    message.content = [{ type: 'text', text: 'Hello there!' }];
    message.stop_reason = 'end_turn';
  }
  sendJson(res, 200, message);
}

const ANTHROPIC_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'context_management',
  'output_config',
  'service_tier',
]);

function anthropicRequestProblem(kind: UpstreamKind, request: RecordedRequest): string | undefined {
  if (kind === 'anthropic') {
    if (request.headers['x-api-key'] === undefined) return 'x-api-key header is required';
    if (request.headers.authorization !== undefined) return 'authorization header must not be sent';
    if (request.headers['anthropic-version'] === undefined) return 'anthropic-version header is required';
  }
  const body = request.body;
  if (!body) return 'body must be JSON';
  for (const field of Object.keys(body)) if (!ANTHROPIC_FIELDS.has(field)) return `${field}: Extra inputs are not permitted`;
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  for (const message of body.messages as Array<{ role?: string }>) {
    if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system') {
      return `messages: Unexpected role "${String(message.role)}"`;
    }
  }
  return undefined;
}

/** For tests that want the fixture text itself. */
export { fixtureText };

/** Starts one fake per kind, in the order given. */
export function startFakeUpstreams<K extends UpstreamKind[]>(...kinds: K): Promise<{ [I in keyof K]: FakeUpstream }> {
  return Promise.all(kinds.map((kind) => startFakeUpstream(kind))) as Promise<{ [I in keyof K]: FakeUpstream }>;
}

/** A minimal chat completions body. */
export function chatBody(model: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: 'hi' }], ...extra };
}
