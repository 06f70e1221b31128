import { isRecord } from '../../is-record';

/**
 * A chat completions stream's usage so far, with one chunk's `usage` taken in: the fields it gives
 * replace those before, and the others stay, since a provider may send `completion_tokens` alone
 * on a later chunk. A count given without its details drops the old details, and a `total_tokens`
 * the chunk does not give is dropped rather than left stale: readers add the counts up instead.
 * Neither argument is changed.
 */
export function updatedStreamUsage(previous: Record<string, unknown> | undefined, usage: Record<string, unknown>): Record<string, unknown> {
  // Plain loops over the keys: every streamed answer with usage runs this, and building it of
  // entries, filters and a set cost several times as many instructions.
  const stale = staleFieldsOf(usage);
  const merged: Record<string, unknown> = {};
  if (previous !== undefined) {
    for (const field of Object.keys(previous)) if (!isGiven(usage[field]) && !stale.has(field)) define(merged, field, previous[field]);
  }
  for (const field of Object.keys(usage)) if (isGiven(usage[field]) && !stale.has(field)) define(merged, field, usage[field]);
  return merged;
}

/** The fields `usage` makes stale: the details of a count given without them, and a `total_tokens` it does not give. */
function staleFieldsOf(usage: Record<string, unknown>): Set<string> {
  const stale = new Set<string>();
  if (typeof usage.prompt_tokens === 'number' && !isRecord(usage.prompt_tokens_details)) stale.add('prompt_tokens_details');
  if (typeof usage.completion_tokens === 'number' && !isRecord(usage.completion_tokens_details)) stale.add('completion_tokens_details');
  if (typeof usage.total_tokens !== 'number') stale.add('total_tokens');
  return stale;
}

function isGiven(value: unknown): boolean {
  return value !== null && value !== undefined;
}

/** Sets `field` as an own data property, as `Object.fromEntries` does: a `__proto__` field stays a field. */
function define(target: Record<string, unknown>, field: string, value: unknown): void {
  if (field === '__proto__') Object.defineProperty(target, field, { value, writable: true, enumerable: true, configurable: true });
  else target[field] = value;
}
