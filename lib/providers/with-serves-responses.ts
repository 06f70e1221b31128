import type { ProviderAdapter } from './provider-adapter';

/**
 * `adapter` with `servesResponses` set to `value` (`<ID>_RESPONSES`), every other field and method
 * still the adapter's own. A plain object of data fields (the built-ins, `defineProvider`'s) is
 * copied: the copy costs nothing per request. Anything else is wrapped, read when used: a copy
 * would drop what a class-based adapter keeps on its prototype (its methods, an `enabled` getter)
 * and freeze what a getter says; its methods run on the adapter itself, so that `#private` fields
 * still work.
 */
export function withServesResponses(adapter: ProviderAdapter, value: boolean): ProviderAdapter {
  if (isPlainData(adapter)) return { ...adapter, servesResponses: value };
  const bound = new Map<PropertyKey, { field: unknown; method: unknown }>();
  // An empty target: the adapter may be frozen, and a proxy of it could not answer otherwise.
  return new Proxy(Object.create(null) as ProviderAdapter, {
    get(_target, key) {
      if (key === 'servesResponses') return value;
      const field: unknown = Reflect.get(adapter, key, adapter);
      if (typeof field !== 'function') return field;
      const known = bound.get(key);
      if (known?.field === field) return known.method;
      const method = (field as (...args: unknown[]) => unknown).bind(adapter);
      bound.set(key, { field, method });
      return method;
    },
    has: (_target, key) => key === 'servesResponses' || key in adapter,
  });
}

function isPlainData(adapter: ProviderAdapter): boolean {
  const prototype: unknown = Object.getPrototypeOf(adapter);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(Object.getOwnPropertyDescriptors(adapter)).every((descriptor) => 'value' in descriptor);
}
