import { isRecord } from '../../is-record';

/**
 * The usage that llama-server's `timings` count, in chat completions' shape: it sends `timings`
 * on the last chunk of every stream, and `usage` only when the request asked for it
 * (`stream_options.include_usage`). Its prompt is the tokens it evaluated (`prompt_n`) and those
 * it reused from its cache (`cache_n`, as `prompt_tokens_details.cached_tokens`), as its own
 * `usage` counts them. Undefined when `timings` holds no counts (`-1` for a phase that did not run).
 */
export function usageOfTimings(timings: unknown): Record<string, unknown> | undefined {
  if (!isRecord(timings)) return undefined;
  const evaluated = countOf(timings.prompt_n);
  const completion = countOf(timings.predicted_n);
  if (evaluated === undefined || completion === undefined) return undefined;
  const cached = countOf(timings.cache_n) ?? 0;
  const prompt = evaluated + cached;
  const usage: Record<string, unknown> = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cached > 0) usage.prompt_tokens_details = { cached_tokens: cached };
  return usage;
}

function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
