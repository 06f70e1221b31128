import type { RecordedRequest, UpstreamKind } from '../../support/fake-upstream';
import { sseFrames } from '../../support/fixtures';
import { dataPayloads } from '../../support/stream-client';

/** One provider as a client reaches it through the router. */
export interface ProviderCase {
  kind: UpstreamKind;
  /** A `model` the routing rules send to this provider. */
  model: string;
  /** The stream fixture its fake replays. */
  streamFixture: string;
}

export const PROVIDER_CASES: readonly ProviderCase[] = [
  { kind: 'openai', model: 'gpt-4o-mini', streamFixture: 'openai-chat-stream-usage.sse' },
  { kind: 'openrouter', model: 'openrouter/meta-llama/llama-3.1-8b-instruct', streamFixture: 'openrouter-chat-stream.sse' },
  { kind: 'local', model: 'qwen2.5', streamFixture: 'llama-server-chat-stream.sse' },
  { kind: 'anthropic', model: 'claude-sonnet-5-5', streamFixture: 'anthropic-messages-stream-text.sse' },
];

export function caseOf(kind: UpstreamKind): ProviderCase {
  return PROVIDER_CASES.find((c) => c.kind === kind)!;
}

/**
 * A chat completions body whose only message is `tag`. Streams ask for usage, so that the router
 * has no usage chunk to hide and an OpenAI-compatible stream reaches the client byte for byte.
 */
export function chatBody(c: ProviderCase, tag: string, stream: boolean): Record<string, unknown> {
  return {
    model: c.model,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: tag }],
  };
}

/** The tag of a request as its fake received it (translated for Anthropic or not). */
export function tagOf(recorded: RecordedRequest): string {
  const messages = recorded.body?.messages as Array<{ content: unknown }> | undefined;
  const content = messages?.[messages.length - 1]?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return (content as Array<{ text?: string }>).map((block) => block.text ?? '').join('');
  return '';
}

/** The provider's stream fixture with its first text piece made unique to `tag`. */
export function taggedFrames(c: ProviderCase, tag: string): string[] {
  return sseFrames(c.streamFixture).map((frame) => frame.replace('"Hello"', JSON.stringify(`Hello ${tag}`)));
}

/** The text an OpenAI-dialect client reads from `taggedFrames(c, tag)`. */
export function expectedText(tag: string): string {
  return `Hello ${tag} there!`;
}

/** The assistant text of an OpenAI-dialect SSE body. */
export function streamedText(body: string): string {
  let text = '';
  for (const payload of dataPayloads(body)) {
    const delta = (payload as { choices?: Array<{ delta?: { content?: unknown } }> }).choices?.[0]?.delta;
    if (typeof delta?.content === 'string') text += delta.content;
  }
  return text;
}

/** Error frames (`data: {"error":...}` without `choices`) of an OpenAI-dialect SSE body. */
export function errorFrames(body: string): Array<{ message: string; type: string }> {
  return dataPayloads(body)
    .filter((payload): payload is { error: { message: string; type: string } } => {
      const p = payload as { error?: unknown; choices?: unknown };
      return typeof p === 'object' && p !== null && typeof p.error === 'object' && p.choices === undefined;
    })
    .map((payload) => payload.error);
}
