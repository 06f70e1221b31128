import { streamFixtureOf, type ProviderId, type RecordedRequest } from '../../support/fake-upstream';
import { sseFrames } from '../../support/fixtures';
import { chatBody as baseChatBody } from '../../support/request-bodies';

/** One provider as a chat completions client reaches it through the router. */
export interface ProviderCase {
  kind: ProviderId;
  /** A `model` the routing rules send to this provider. */
  model: string;
}

/** Every provider, with a model the routing rules send to it. */
export const PROVIDER_CASES: readonly ProviderCase[] = [
  { kind: 'openai', model: 'gpt-4o-mini' },
  { kind: 'openrouter', model: 'openrouter/meta-llama/llama-3.1-8b-instruct' },
  { kind: 'local', model: 'qwen2.5' },
  { kind: 'anthropic', model: 'claude-sonnet-5-5' },
];

/** The case of provider `kind`. */
export function caseOf(kind: ProviderId): ProviderCase {
  return PROVIDER_CASES.find((c) => c.kind === kind)!;
}

/**
 * A chat completions body whose only message is `tag`. Streams ask for usage, so that the router
 * has no usage chunk to hide and an OpenAI-compatible stream reaches the client byte for byte.
 */
export function chatBody(c: ProviderCase, tag: string, stream: boolean): Record<string, unknown> {
  return baseChatBody(c.model, {
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: 'user', content: tag }],
  });
}

/** The tag of a request as its fake received it (translated for Anthropic or not). */
export function tagOf(recorded: RecordedRequest): string {
  const messages = recorded.body?.messages as Array<{ content: unknown }> | undefined;
  const content = messages?.[messages.length - 1]?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return (content as Array<{ text?: string }>).map((block) => block.text ?? '').join('');
  return '';
}

/**
 * The stream the provider's fake replays for a chat request (Anthropic's Messages stream for
 * Anthropic), with its first text piece made unique to `tag`.
 */
export function taggedFrames(c: ProviderCase, tag: string): string[] {
  const fixture = streamFixtureOf(c.kind, c.kind === 'anthropic' ? 'messages' : 'chat');
  return sseFrames(fixture).map((frame) => frame.replace('"Hello"', JSON.stringify(`Hello ${tag}`)));
}

/** The text an OpenAI-dialect client reads from `taggedFrames(c, tag)`. */
export function expectedText(tag: string): string {
  return `Hello ${tag} there!`;
}
