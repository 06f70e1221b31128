import { isRecord } from '../../../is-record';
import type { AnthropicUsage } from '../wire';

/**
 * A chat completions usage as Anthropic's (DESIGN section 5 run backwards): the prompt tokens read
 * from the provider's cache (`prompt_tokens_details.cached_tokens`) are `cache_read_input_tokens`,
 * those written to it (OpenRouter's `cache_write_tokens`) `cache_creation_input_tokens`, and
 * `input_tokens` the rest, so that their sum is still the prompt. Counts the upstream did not give
 * are 0.
 */
export function anthropicUsageOf(usage: unknown): AnthropicUsage {
  const fields = isRecord(usage) ? usage : {};
  const prompt = countOf(fields.prompt_tokens);
  const details = isRecord(fields.prompt_tokens_details) ? fields.prompt_tokens_details : {};
  const cached = Math.min(countOf(details.cached_tokens), prompt);
  const written = Math.min(countOf(details.cache_write_tokens), prompt - cached);
  const counts: AnthropicUsage = { input_tokens: prompt - cached - written, output_tokens: countOf(fields.completion_tokens) };
  if (cached > 0) counts.cache_read_input_tokens = cached;
  if (written > 0) counts.cache_creation_input_tokens = written;
  return counts;
}

/**
 * `previous` with the counts a stream chunk's `usage` gives ({@link anthropicUsageOf}): a usage that
 * holds only some counts (a provider sending `completion_tokens` alone on a later chunk) leaves the
 * others as they were.
 */
export function updatedAnthropicUsage(previous: AnthropicUsage, usage: Record<string, unknown>): AnthropicUsage {
  const next = anthropicUsageOf(usage);
  const updated: AnthropicUsage = { ...previous };
  if (typeof usage.prompt_tokens === 'number') {
    updated.input_tokens = next.input_tokens;
    const { cache_read_input_tokens: read, cache_creation_input_tokens: written } = next;
    if (read !== undefined) updated.cache_read_input_tokens = read;
    else delete updated.cache_read_input_tokens;
    if (written !== undefined) updated.cache_creation_input_tokens = written;
    else delete updated.cache_creation_input_tokens;
  }
  if (typeof usage.completion_tokens === 'number') updated.output_tokens = next.output_tokens;
  return updated;
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
