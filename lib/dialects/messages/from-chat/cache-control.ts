import type { AnthropicContentBlock } from '../wire';
import { invalidRequest } from '../../../errors';
import { isRecord } from '../../../is-record';

/**
 * Anthropic's prompt-cache marker as a chat client sends it: `cache_control` on a content part, a
 * message, a tool or the request (`{"type": "ephemeral"}`, with `ttl` when the client gives one).
 * OpenRouter, LiteLLM and Portkey take it in chat completions for Anthropic models, so clients
 * written for them send it; carried over, their prompts are cached at Anthropic as they would be
 * there. The marker goes on as the client wrote it: Anthropic checks its fields (and its limit of
 * four breakpoints) and answers in its own words.
 */
export type CacheControl = Record<string, unknown>;

/**
 * The `cache_control` of a part, message, tool or request; undefined when there is none.
 * @param where - Names the owner in the error message (`messages[2].content[0]`); none for the request.
 * @throws ProviderRouterError (`invalid_request`, `param` naming it) for a marker that is not an object.
 */
export function cacheControlOf(owner: Record<string, unknown>, where?: string): CacheControl | undefined {
  const marker = owner.cache_control;
  if (marker === undefined || marker === null) return undefined;
  if (!isRecord(marker)) {
    const param = where === undefined ? 'cache_control' : `${where}.cache_control`;
    throw invalidRequest(`${param} must be an object, as Anthropic takes it ({"type": "ephemeral"})`, param);
  }
  return marker;
}

/**
 * Puts a message's own `cache_control` on the last block made of it, where Anthropic reads a
 * breakpoint as "cache everything up to here" (what a marker on the whole message means). Thinking
 * blocks are passed over: Anthropic takes no marker on them.
 */
export function markLastBlock<Block extends AnthropicContentBlock>(blocks: Block[], marker: CacheControl | undefined): Block[] {
  const last = blocks.findLast((block) => block.type !== 'thinking' && block.type !== 'redacted_thinking');
  if (marker !== undefined && last !== undefined) last.cache_control = marker;
  return blocks;
}
