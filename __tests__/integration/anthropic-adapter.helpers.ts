import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import type { FakeUpstream, RecordedRequest } from '../support/fake-upstream';
import type { Host } from '../support/host';

/** The token the host's own clients send; it must never reach a provider. */
export const CLIENT_TOKEN = 'host-client-token';

/** An OpenAI SDK client pointed at the host, without retries (an error must surface at once). */
export function clientFor(host: Host): OpenAI {
  return new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${host.url}/v1`, maxRetries: 0 });
}

/** One Anthropic SSE frame, with its `event:` line, as the Messages API writes it. */
export function anthropicEvent(type: string, payload: Record<string, unknown> = {}): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** The only request the fake received; fails the test when there were none or several. */
export function onlyRequest(fake: FakeUpstream): RecordedRequest {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

/** The `messages` and other fields of the Messages request the fake received. */
export function upstreamBody(fake: FakeUpstream): Record<string, unknown> {
  const body = onlyRequest(fake).body;
  expect(body).toBeDefined();
  return body!;
}

/** POSTs a chat completions body to the host as a plain HTTP client would, with the host's token. */
export function postChat(host: Host, body: Record<string, unknown>, path = '/v1/chat/completions'): Promise<Response> {
  return fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_TOKEN}` },
    body: JSON.stringify(body),
  });
}

/** The `data:` payloads of an SSE text, in order (comment-only frames left out). */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((frame) =>
      frame
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n'),
    )
    .filter((data) => data !== '');
}

/** Sorted own keys, for comparing shapes. */
export function keysOf(value: unknown): string[] {
  return value && typeof value === 'object' ? Object.keys(value).sort() : [];
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes `pieces` as separate chunks of one streamed 200 response, `gapMs` apart, then ends it. */
export async function writeSlowly(res: ServerResponse, pieces: Array<string | Buffer>, gapMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_upstream_1' });
  for (const piece of pieces) {
    res.write(piece);
    await delay(gapMs);
  }
  res.end();
}

/** The function part of a tool call, failing the test for a custom tool call. */
export function functionOf(call: OpenAI.Chat.Completions.ChatCompletionMessageToolCall | undefined): { name: string; arguments: string } {
  expect(call?.type).toBe('function');
  return (call as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall).function;
}

/** What an SDK call rejected with, failing the test when it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('expected the call to fail with an APIError, but it succeeded');
}
