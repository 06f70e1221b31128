import { isRecord } from '../is-record';
import type { ProviderModel } from '../providers/provider-adapter';

/**
 * What an adapter's `listModels()` resolved with, checked: host-defined adapters are not bound by
 * the types. Entries without a non-empty string `id` are dropped, since they cannot route back.
 *
 * @throws Error naming the provider when the result is not an array of objects: that provider's
 * list failed.
 */
export function checkedModels(listed: unknown, providerId: string): ProviderModel[] {
  if (!Array.isArray(listed) || !listed.every(isRecord)) {
    throw new Error(`listModels() of "${providerId}" resolved with ${shapeOf(listed)}, not an array of model objects`);
  }
  return listed.filter((entry): entry is ProviderModel => typeof entry.id === 'string' && entry.id !== '');
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array with an entry that is not an object';
  if (value === null || value === undefined) return String(value);
  return isRecord(value) ? 'an object' : `a ${typeof value}`;
}
