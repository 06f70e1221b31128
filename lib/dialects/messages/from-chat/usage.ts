import { isRecord } from '../../../is-record';
import type { AnthropicUsage } from '../wire';

/**
 * A chat completions usage as Anthropic's (DESIGN section 5 run backwards): the prompt tokens read
 * from the provider's cache (`prompt_tokens_details.cached_tokens`) are `cache_read_input_tokens`,
 * those written to it (OpenRouter's `cache_write_tokens`) `cache_creation_input_tokens`, and
 * `input_tokens` the rest, so that their sum is still the prompt. Counts the upstream did not give
 * are 0; both cache counts are always there, as Anthropic writes them (the SDK types them as
 * present, and a client adding them up gets `NaN` from a missing one). The reasoning tokens among
 * the output (`completion_tokens_details.reasoning_tokens`), when the provider reports them, are
 * Anthropic's `output_tokens_details.thinking_tokens` (DESIGN section 10: inside `output_tokens`).
 */
export function anthropicUsageOf(usage: unknown): AnthropicUsage {
  const fields = isRecord(usage) ? usage : {};
  const prompt = countOf(fields.prompt_tokens);
  const details = isRecord(fields.prompt_tokens_details) ? fields.prompt_tokens_details : {};
  const cached = Math.min(countOf(details.cached_tokens), prompt);
  const written = Math.min(countOf(details.cache_write_tokens), prompt - cached);
  const thinking = reasoningTokensOf(fields);
  return {
    input_tokens: prompt - cached - written,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    output_tokens: countOf(fields.completion_tokens),
    ...(thinking === undefined ? {} : { output_tokens_details: { thinking_tokens: thinking } }),
  };
}

/** The usage of an answer that has not counted anything yet (a stream's `message_start`), in the same shape. */
export function emptyAnthropicUsage(): AnthropicUsage {
  return anthropicUsageOf(undefined);
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
    updated.cache_creation_input_tokens = next.cache_creation_input_tokens;
    updated.cache_read_input_tokens = next.cache_read_input_tokens;
  }
  if (typeof usage.completion_tokens === 'number') updated.output_tokens = next.output_tokens;
  if (next.output_tokens_details !== undefined) updated.output_tokens_details = next.output_tokens_details;
  return updated;
}

/** `completion_tokens_details.reasoning_tokens`, when the usage reports it. */
function reasoningTokensOf(usage: Record<string, unknown>): number | undefined {
  const details = usage.completion_tokens_details;
  const reasoning = isRecord(details) ? details.reasoning_tokens : undefined;
  return typeof reasoning === 'number' && Number.isFinite(reasoning) && reasoning >= 0 ? reasoning : undefined;
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
