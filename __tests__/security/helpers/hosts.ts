import type { ServerResponse } from 'node:http';
import type { Dialect, FakeUpstream, ProviderId, RecordedRequest } from '../../support/fake-upstream';
import { chatBody, messagesBody } from '../../support/request-bodies';

/** A model that the routing rules send to each provider. */
export const MODEL_FOR: Record<ProviderId, string> = {
  openai: 'gpt-4o-mini',
  openrouter: 'openrouter/meta-llama/llama-3.1-8b-instruct',
  local: 'qwen2.5-0.5b',
  anthropic: 'claude-sonnet-4-5',
};

/** The route each client dialect posts to. */
export const ROUTE_OF: Record<Dialect, string> = { chat: '/v1/chat/completions', messages: '/v1/messages' };

/** A well-formed request body of the dialect (a chat stream asks for usage). */
export function requestBody(dialect: Dialect, model: string, stream: boolean): Record<string, unknown> {
  if (dialect === 'chat') return chatBody(model, stream ? { stream: true, stream_options: { include_usage: true } } : {});
  return messagesBody(model, stream ? { stream: true } : {});
}

/** Writes a JSON error in the dialect the fake speaks for `request`. */
export function sendDialectError(fake: FakeUpstream, request: RecordedRequest, res: ServerResponse, status: number, message: string): void {
  const body =
    fake.dialectOf(request) === 'messages'
      ? { type: 'error', error: { type: 'invalid_request_error', message } }
      : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
