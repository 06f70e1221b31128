/**
 * The default answers of an OpenAI-compatible API (OpenAI, OpenRouter, llama-server), from the
 * recorded fixtures: model list, chat completions (streamed or not), completions, embeddings.
 */
import type { ServerResponse } from 'node:http';
import { pathOf, type RecordedRequest } from './fake-server';
import { fixtureJson, sseFrames } from './fixtures';
import { sendFrames, sendJson } from './upstream-answers';

/** The OpenAI-compatible providers, each with its own fixtures. */
export type ChatFlavour = 'openai' | 'openrouter' | 'local';

/** What sets one OpenAI-compatible API apart: its path prefix and its fixtures. */
export interface ChatApi {
  /** The path prefix of the API (`/v1`; OpenRouter's `/api/v1`). */
  prefix: string;
  /** What a streamed chat completion replays. */
  streamFixture: string;
  /** What `GET {prefix}/models` answers. */
  modelsFixture: string;
  /** The longest `tool_calls[].id` the API takes in a conversation (OpenAI's: 40 characters). */
  maxToolCallIdLength?: number;
}

/** The OpenAI-compatible APIs of the built-in providers. */
export const CHAT_APIS: Record<ChatFlavour, ChatApi> = {
  openai: { prefix: '/v1', streamFixture: 'openai-chat-stream-usage.sse', modelsFixture: 'openai-models.json', maxToolCallIdLength: 40 },
  openrouter: { prefix: '/api/v1', streamFixture: 'openrouter-chat-stream.sse', modelsFixture: 'openrouter-models.json' },
  local: { prefix: '/v1', streamFixture: 'llama-server-chat-stream.sse', modelsFixture: 'llama-server-models.json' },
};

/** Answers `request` when its path is one of the API's endpoints; returns false (nothing sent) otherwise. */
export function answerChatApi(api: ChatApi, request: RecordedRequest, res: ServerResponse): boolean {
  const path = pathOf(request);
  const { prefix } = api;
  if (request.method === 'GET' && path === `${prefix}/models`) {
    sendJson(res, 200, fixtureJson(api.modelsFixture));
  } else if (path === `${prefix}/chat/completions`) {
    const refusal = api.maxToolCallIdLength === undefined ? undefined : tooLongToolCallId(request.body?.messages, api.maxToolCallIdLength);
    if (refusal) {
      sendJson(res, 400, {
        error: { message: refusal.message, type: 'invalid_request_error', param: refusal.param, code: 'string_above_max_length' },
      });
    } else if (request.body?.stream === true) {
      sendFrames(res, sseFrames(api.streamFixture));
    } else {
      const answer = fixtureJson('openai-chat.json');
      answer.model = request.body?.model;
      sendJson(res, 200, answer);
    }
  } else if (path === `${prefix}/completions`) {
    const completion = {
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1,
      model: request.body?.model,
      choices: [{ index: 0, text: 'Hello', finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    };
    if (request.body?.stream === true) sendFrames(res, [`data: ${JSON.stringify(completion)}\n\n`, 'data: [DONE]\n\n']);
    else sendJson(res, 200, completion);
  } else if (path === `${prefix}/embeddings`) {
    sendJson(res, 200, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      model: request.body?.model,
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  } else {
    return false;
  }
  return true;
}

/** The API's 404 for a path it does not serve. */
export function sendChatNotFound(request: RecordedRequest, res: ServerResponse): void {
  sendJson(res, 404, { error: { message: `no route ${pathOf(request)}`, type: 'invalid_request_error', code: null } });
}

/** OpenAI's 400 for a conversation with a tool call id longer than `max` characters, as its API words it. */
function tooLongToolCallId(messages: unknown, max: number): { message: string; param: string } | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (const [i, message] of messages.entries()) {
    const calls: unknown = (message as { tool_calls?: unknown } | null)?.tool_calls;
    if (!Array.isArray(calls)) continue;
    for (const [j, call] of calls.entries()) {
      const id: unknown = (call as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || id.length <= max) continue;
      const param = `messages[${i}].tool_calls[${j}].id`;
      return {
        param,
        message: `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${id.length} instead.`,
      };
    }
  }
  return undefined;
}
