import { isRecord } from '../is-record';
import type { ProviderModel } from '../providers/provider-adapter';

/**
 * What an adapter's `listModels()` resolved with, checked: host-defined adapters are not bound by
 * the types. The entries are taken as the JSON they will be sent as, so that a list that cannot
 * be sent (a `BigInt`, an entry that holds itself, a `toJSON` that throws) fails here, as that
 * provider's list, rather than the whole answer later; the copy is the catalog's own. Entries
 * without a non-empty string `id` are dropped, since they cannot route back.
 *
 * @throws Error naming the provider when the result is not an array of objects or not JSON: that
 * provider's list failed.
 */
export function checkedModels(listed: unknown, providerId: string): ProviderModel[] {
  const entries = Array.isArray(listed) ? asJson(listed, providerId) : listed;
  if (!Array.isArray(entries) || !entries.every(isRecord)) {
    throw new Error(`listModels() of "${providerId}" resolved with ${shapeOf(entries)}, not an array of model objects`);
  }
  return entries.filter((entry): entry is ProviderModel => typeof entry.id === 'string' && entry.id !== '');
}

function asJson(listed: unknown[], providerId: string): unknown {
  try {
    return JSON.parse(JSON.stringify(listed)) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`listModels() of "${providerId}" resolved with entries that cannot be sent as JSON (${reason})`, { cause: error });
  }
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array with an entry that is not an object';
  if (value === null || value === undefined) return String(value);
  return isRecord(value) ? 'an object' : `a ${typeof value}`;
}
