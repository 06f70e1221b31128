import type { AnthropicUsage } from '../wire';
import type { OpenAIUsage } from '../../chat/wire';
import { isRecord } from '../../../is-record';

/**
 * Maps Anthropic usage to OpenAI usage. Anthropic counts cached prompt tokens apart from
 * `input_tokens`, so `prompt_tokens` adds cache reads and cache writes back in; cache reads are
 * OpenAI's `prompt_tokens_details.cached_tokens` (which Responses clients read as
 * `input_tokens_details.cached_tokens`), and cache writes `cache_write_tokens` beside them, as
 * OpenRouter reports them; missing counts are 0. The thinking tokens Anthropic counts inside
 * `output_tokens` (`output_tokens_details.thinking_tokens`) are OpenAI's
 * `completion_tokens_details.reasoning_tokens`, when Anthropic reports them.
 */
export function toOpenAIUsage(usage: Partial<AnthropicUsage>): OpenAIUsage {
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  const promptTokens = count(usage.input_tokens) + cacheRead + cacheWrite;
  const completionTokens = count(usage.output_tokens);
  const thinking = thinkingTokensOf(usage);
  const details = { ...(cacheRead > 0 ? { cached_tokens: cacheRead } : {}), ...(cacheWrite > 0 ? { cache_write_tokens: cacheWrite } : {}) };
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(cacheRead > 0 || cacheWrite > 0 ? { prompt_tokens_details: { cached_tokens: cacheRead, ...details } } : {}),
    ...(thinking === undefined ? {} : { completion_tokens_details: { reasoning_tokens: thinking } }),
  };
}

/** `output_tokens_details.thinking_tokens`, when the usage reports it. */
export function thinkingTokensOf(usage: Partial<AnthropicUsage>): number | undefined {
  const details = usage.output_tokens_details;
  const thinking = isRecord(details) ? details.thinking_tokens : undefined;
  return typeof thinking === 'number' && Number.isFinite(thinking) ? thinking : undefined;
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
