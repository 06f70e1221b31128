/**
 * The default answers of Anthropic's Messages API (also served by llama-server on `/v1/messages`),
 * from the recorded fixtures. A request is checked the way the API checks one before it is
 * answered: an unknown field or a missing `max_tokens` is a 400, as it would be upstream.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type RecordedRequest } from './fake-server';
import { fixtureJson, sseFrames } from './fixtures';
import { sendFrames, sendJson } from './upstream-answers';
import { asArray, asJson, type Json } from './json-shape';

/** What sets one server's Messages API apart. */
export interface MessagesApi {
  /** Require Anthropic's auth headers (`x-api-key`, `anthropic-version`, no `authorization`). */
  checkAuth: boolean;
  /** Enforce Anthropic's thinking rules: its own signatures only, thinking kept in a tool loop. */
  checkThinking: boolean;
  /** What `GET /v1/models` answers; undefined when another API serves the model list. */
  modelsFixture: string | undefined;
}

/** Anthropic's own API: key and thinking checks, and its model list. */
export const ANTHROPIC_API: MessagesApi = { checkAuth: true, checkThinking: true, modelsFixture: 'anthropic-models.json' };
/** llama-server's Messages endpoint: no key checks; its model list is its OpenAI-compatible one. */
export const LLAMA_SERVER_MESSAGES_API: MessagesApi = { checkAuth: false, checkThinking: false, modelsFixture: undefined };

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

/**
 * A turn whose text is all whitespace: a string of it, or text blocks of nothing else (a blank block
 * beside one with text is taken). Anthropic refuses the turn.
 */
function onlyBlankText(content: unknown): boolean {
  if (typeof content === 'string') return content !== '' && content.trim() === '';
  if (!Array.isArray(content)) return false;
  const texts = (content as Array<{ type?: unknown; text?: unknown }>).filter((block) => block.type === 'text' && typeof block.text === 'string');
  return texts.length > 0 && texts.every((block) => (block.text as string).trim() === '');
}

/** The API's 400 for a request it refuses. */
export function sendMessagesInvalid(res: ServerResponse, message: string): void {
  sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message } });
}

/**
 * The signature the fake Anthropic puts on the thinking it streams. It accepts back only
 * signatures it could have issued: ones that start as Anthropic's do (`Eq`, as this one and the
 * recorded fixtures' do).
 */
export const ANTHROPIC_AGENT_SIGNATURE = 'EqUBCkYIBxgCKkBhZ2VudC10aGlua2luZy1zaWduYXR1cmUtZm9yLXRlc3Rz';
const isAnthropicSignature = (signature: unknown): boolean => typeof signature === 'string' && signature.startsWith('Eq');

type Block = { type?: string; signature?: unknown };
type Message = { role?: string; content?: unknown };
const blocksOf = (message: Message): Block[] => (Array.isArray(message.content) ? (message.content as Block[]) : []);

/**
 * Anthropic's rules for thinking, as its API enforces them: no empty turn but a final assistant
 * one (what is left of a turn that only thought); signatures it did not issue are
 * refused; with thinking enabled (a budget), the assistant turn whose tool calls the last user
 * turn answers must open with a thinking block; the `clear_thinking` context edit needs thinking
 * on (enabled or adaptive).
 */
function thinkingProblem(body: Record<string, unknown>): string | undefined {
  const messages = body.messages as Message[];
  for (const [i, message] of messages.entries()) {
    if (Array.isArray(message.content) && message.content.length === 0 && !(i === messages.length - 1 && message.role === 'assistant')) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
  }
  for (const [i, message] of messages.entries()) {
    if (message.role !== 'assistant') continue;
    for (const [j, block] of blocksOf(message).entries()) {
      if (block.type === 'thinking' && !isAnthropicSignature(block.signature)) {
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      }
    }
  }
  const thinkingType = (body.thinking as { type?: string } | undefined)?.type;
  const thinkingOn = thinkingType === 'enabled' || thinkingType === 'adaptive';
  // Adaptive thinking may skip a turn's thinking, so only enabled thinking requires it in a tool loop.
  const thinkingRequired = thinkingType === 'enabled';
  const edits = ((body.context_management as { edits?: Array<{ type?: string }> } | undefined)?.edits ?? []).map((edit) => String(edit.type));
  if (!thinkingOn && edits.some((type) => type.startsWith('clear_thinking_'))) {
    return 'context_management.edits.0: clear_thinking strategy requires thinking to be enabled or adaptive';
  }
  const lastIndex = messages.length - 1;
  const last = messages[lastIndex];
  const answered = last?.role === 'user' && blocksOf(last).some((block) => block.type === 'tool_result');
  const caller = messages[lastIndex - 1];
  if (thinkingRequired && answered && caller?.role === 'assistant') {
    const first = blocksOf(caller)[0];
    if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking') {
      return (
        `messages.${lastIndex - 1}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first?.type)}\`. ` +
        'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of ' +
        '`tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this ' +
        'requirement, disable `thinking`.'
      );
    }
  }
  return undefined;
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
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.some((s) => typeof s === 'string' && s.trim() === '')) {
    return 'stop_sequences: each stop sequence must contain non-whitespace';
  }
  const userId = (body.metadata as { user_id?: unknown } | undefined)?.user_id;
  if (typeof userId === 'string' && /(?<![^\s@])[^\s@]+@[^\s@]+\.[^\s@]+/.test(userId)) {
    return 'metadata.user_id: user_id appears to contain an email address. Please send a uuid or hash value instead.';
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  const imageProblem = (body.messages as Message[]).map(imageTypeProblem).find((problem) => problem !== undefined);
  if (imageProblem) return imageProblem;
  for (const message of body.messages as Array<{ role?: string; content?: unknown }>) {
    if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system') {
      return `messages: Unexpected role "${String(message.role)}"`;
    }
    if (onlyBlankText(message.content)) return 'messages: text content blocks must contain non-whitespace text';
  }
  return api.checkThinking ? thinkingProblem(body) : undefined;
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/**
 * What Anthropic says to a base64 image (in a message, or in a tool result) of a media type it
 * does not take, or that its bytes contradict (it reads the PNG and JPEG signatures).
 */
function imageTypeProblem(message: Message): string | undefined {
  const blocks = blocksOf(message).flatMap((block) => [block, ...(block.type === 'tool_result' ? blocksOf(block as Message) : [])]);
  for (const block of blocks as Array<{ type?: string; source?: { type?: string; media_type?: string; data?: string } }>) {
    if (block.type !== 'image' || block.source?.type !== 'base64') continue;
    const named = String(block.source.media_type);
    if (!IMAGE_TYPES.includes(named)) return `source.media_type: Input should be ${IMAGE_TYPES.map((type) => `'${type}'`).join(', ')}`;
    const head = Buffer.from(String(block.source.data).slice(0, 8), 'base64');
    const actual =
      head[0] === 0x89 && head.toString('latin1', 1, 4) === 'PNG' ? 'image/png' : head[0] === 0xff && head[1] === 0xd8 ? 'image/jpeg' : named;
    if (actual !== named) return `The image was specified using the ${named} media type, but the image appears to be a ${actual} image`;
  }
  return undefined;
}

/** The ids Anthropic takes for a `tool_use` block (and in a `tool_result`'s `tool_use_id`). */
export const ANTHROPIC_TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * What Anthropic says to tool blocks it refuses: an id outside its pattern or of an earlier
 * `tool_use`, a `tool_use` not answered in the next message, a `tool_result` whose call is not in
 * the message before.
 */
export function anthropicToolProblem(messages: Json[]): string | undefined {
  const useIds = new Set<unknown>();
  for (const [i, message] of messages.entries()) {
    for (const [j, block] of asArray(message.content).map(asJson).entries()) {
      if (block.type !== 'tool_use') continue;
      if (useIds.has(block.id)) return `messages.${i}.content.${j}: \`tool_use\` ids must be unique`;
      useIds.add(block.id);
    }
  }
  for (const [i, message] of messages.entries()) {
    for (const [j, block] of asArray(message.content).map(asJson).entries()) {
      if (block.type === 'tool_use' && !ANTHROPIC_TOOL_USE_ID.test(String(block.id))) {
        return `messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      }
      if (block.type === 'tool_result' && !ANTHROPIC_TOOL_USE_ID.test(String(block.tool_use_id))) {
        return `messages.${i}.content.${j}.tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      }
    }
  }
  const blocksOf = (message: Json | undefined, type: string): Json[] =>
    asArray(message?.content)
      .map(asJson)
      .filter((block) => block.type === type);
  for (const [i, message] of messages.entries()) {
    if (message.role === 'assistant' && i < messages.length - 1) {
      const answered = blocksOf(messages[i + 1], 'tool_result').map((block) => block.tool_use_id);
      const unanswered = blocksOf(message, 'tool_use').filter((use) => !answered.includes(use.id));
      if (unanswered.length > 0) {
        return (
          `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.map((use) => String(use.id)).join(', ')}. ` +
          'Each `tool_use` block must have a corresponding `tool_result` block in the next message.'
        );
      }
    }
    if (message.role === 'user') {
      const called = blocksOf(messages[i - 1], 'tool_use').map((use) => use.id);
      for (const [j, block] of asArray(message.content).map(asJson).entries()) {
        if (block.type !== 'tool_result' || called.includes(block.tool_use_id)) continue;
        return (
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. ` +
          'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.'
        );
      }
    }
  }
  return undefined;
}
