import OpenAI from 'openai';
import type { Host } from '../support/host';
import { CLIENT_TOKEN } from '../support/keys';

/** An OpenAI SDK client pointed at the host, without retries (an error must surface at once). */
export function clientFor(host: Host): OpenAI {
  return new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
}

/** POSTs a chat completions body to the host as a plain HTTP client would, with the host's token. */
export function postChat(host: Host, body: Record<string, unknown>, path = '/v1/chat/completions'): Promise<Response> {
  return fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` },
    body: JSON.stringify(body),
  });
}

/** Sorted own keys, for comparing shapes. */
export function keysOf(value: unknown): string[] {
  return value && typeof value === 'object' ? Object.keys(value).sort() : [];
}

/** The function part of a tool call, failing the test for a custom tool call. */
export function functionOf(call: OpenAI.Chat.Completions.ChatCompletionMessageToolCall | undefined): { name: string; arguments: string } {
  expect(call?.type).toBe('function');
  return (call as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall).function;
}
