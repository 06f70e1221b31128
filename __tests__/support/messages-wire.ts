/**
 * The default answers of Anthropic's Messages API (also served by llama-server on `/v1/messages`),
 * from the recorded fixtures. A request is checked the way the API checks one before it is
 * answered: an unknown field or a missing `max_tokens` is a 400, as it would be upstream.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type RecordedRequest } from './fake-server';
import { fixtureJson, sseFrames } from './fixtures';
import { sendFrames, sendJson } from './upstream-answers';

/** What sets one server's Messages API apart. */
export interface MessagesApi {
  /** Require Anthropic's auth headers (`x-api-key`, `anthropic-version`, no `authorization`). */
  checkAuth: boolean;
  /** What `GET /v1/models` answers; undefined when another API serves the model list. */
  modelsFixture: string | undefined;
}

/** Anthropic's own API: key checks, and its model list. */
export const ANTHROPIC_API: MessagesApi = { checkAuth: true, modelsFixture: 'anthropic-models.json' };
/** llama-server's Messages endpoint: no key checks; its model list is its OpenAI-compatible one. */
export const LLAMA_SERVER_MESSAGES_API: MessagesApi = { checkAuth: false, modelsFixture: undefined };

/** The stream fixture a streamed Messages request replays: a tool_use answer when the request offers tools. */
export function messagesStreamFixture(wantsTool: boolean): string {
  return wantsTool ? 'anthropic-messages-stream-tool-use.sse' : 'anthropic-messages-stream-text.sse';
}

/** Answers `request` when its path is the model list or under `/v1/messages`; returns false (nothing sent) otherwise. */
export function answerMessagesApi(api: MessagesApi, request: RecordedRequest, res: ServerResponse): boolean {
  const path = pathOf(request);
  if (api.modelsFixture !== undefined && request.method === 'GET' && path === '/v1/models') {
    sendJson(res, 200, fixtureJson(api.modelsFixture));
    return true;
  }
  if (!path.startsWith('/v1/messages')) return false;
  if (path === '/v1/messages' && request.method === 'POST') messages(api, request, res);
  else if (path === '/v1/messages/count_tokens') sendJson(res, 200, { input_tokens: 42 });
  else sendMessagesNotFound(request, res);
  return true;
}

/** The API's 404 for a path it does not serve. */
export function sendMessagesNotFound(request: RecordedRequest, res: ServerResponse): void {
  sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${pathOf(request)}` } });
}

function messages(api: MessagesApi, request: RecordedRequest, res: ServerResponse): void {
  const problem = messagesRequestProblem(api, request);
  if (problem) {
    sendMessagesInvalid(res, problem);
    return;
  }
  const body = request.body!;
  const wantsTool = Array.isArray(body.tools) && body.tools.length > 0;
  if (body.stream === true) {
    sendFrames(res, sseFrames(messagesStreamFixture(wantsTool)));
    return;
  }
  const message = fixtureJson('anthropic-message.json');
  if (!wantsTool) {
    message.content = [{ type: 'text', text: 'Hello there!' }];
    message.stop_reason = 'end_turn';
  }
  sendJson(res, 200, message);
}

const FIELDS = new Set([
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

/** The API's 400 for a request it refuses. */
export function sendMessagesInvalid(res: ServerResponse, message: string): void {
  sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message } });
}

/** Why the API would refuse `request` with a 400; undefined when it takes it. For handlers that script answers but keep the checks. */
export function messagesRequestProblem(api: MessagesApi, request: RecordedRequest): string | undefined {
  if (api.checkAuth) {
    if (request.headers['x-api-key'] === undefined) return 'x-api-key header is required';
    if (request.headers.authorization !== undefined) return 'authorization header must not be sent';
    if (request.headers['anthropic-version'] === undefined) return 'anthropic-version header is required';
  }
  const body = request.body;
  if (!body) return 'body must be JSON';
  for (const field of Object.keys(body)) if (!FIELDS.has(field)) return `${field}: Extra inputs are not permitted`;
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  for (const message of body.messages as Array<{ role?: string }>) {
    if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system') {
      return `messages: Unexpected role "${String(message.role)}"`;
    }
  }
  return undefined;
}
