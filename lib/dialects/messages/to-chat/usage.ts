import type { AnthropicUsage } from '../wire';
import type { OpenAIUsage } from '../../chat/wire';

/**
 * Maps Anthropic usage to OpenAI usage. Anthropic counts cached prompt tokens apart from
 * `input_tokens`, so `prompt_tokens` adds cache reads and cache writes back in; missing counts
 * are 0.
 */
export function toOpenAIUsage(usage: Partial<AnthropicUsage>): OpenAIUsage {
  const promptTokens = count(usage.input_tokens) + count(usage.cache_read_input_tokens) + count(usage.cache_creation_input_tokens);
  const completionTokens = count(usage.output_tokens);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
