import type { ProviderAdapter } from './provider-adapter';

/**
 * `adapter` with `servesResponses` set to `value` (`<ID>_RESPONSES`), every other field and method
 * still the adapter's own, read when used. A copy (`{ ...adapter }`) would drop what a class-based
 * adapter keeps on its prototype (its methods, an `enabled` getter) and freeze what a getter says;
 * its methods run on the adapter itself, so that `#private` fields still work.
 */
export function withServesResponses(adapter: ProviderAdapter, value: boolean): ProviderAdapter {
  // An empty target: the adapter may be frozen, and a proxy of it could not answer otherwise.
  return new Proxy(Object.create(null) as ProviderAdapter, {
    get(_target, key) {
      if (key === 'servesResponses') return value;
      const field: unknown = Reflect.get(adapter, key, adapter);
      return typeof field === 'function' ? (field as (...args: unknown[]) => unknown).bind(adapter) : field;
    },
    has: (_target, key) => key === 'servesResponses' || key in adapter,
  });
}
