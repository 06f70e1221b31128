import { isRecord } from '../../is-record';

/** Each count, and the details that break it down: given without them, its old details no longer hold. */
const DETAILS_OF_COUNT: readonly (readonly [count: string, details: string])[] = [
  ['prompt_tokens', 'prompt_tokens_details'],
  ['completion_tokens', 'completion_tokens_details'],
];

/**
 * A chat completions stream's usage so far, with one chunk's `usage` taken in: the fields it gives
 * replace those before, and the others stay, since a provider may send `completion_tokens` alone
 * on a later chunk. A count given without its details drops the old details, and a `total_tokens`
 * the chunk does not give is dropped rather than left stale: readers add the counts up instead.
 * Neither argument is changed.
 */
export function updatedStreamUsage(previous: Record<string, unknown> | undefined, usage: Record<string, unknown>): Record<string, unknown> {
  const given = (field: string): boolean => usage[field] !== null && usage[field] !== undefined;
  const stale = new Set(
    DETAILS_OF_COUNT.filter(([count, details]) => typeof usage[count] === 'number' && !isRecord(usage[details])).map(([, details]) => details),
  );
  if (typeof usage.total_tokens !== 'number') stale.add('total_tokens');
  const kept = Object.entries(previous ?? {}).filter(([field]) => !given(field) && !stale.has(field));
  return Object.fromEntries([...kept, ...Object.entries(usage).filter(([field]) => given(field) && !stale.has(field))]);
}
