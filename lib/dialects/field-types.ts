import { invalidRequest } from '../errors';
import { isRecord } from '../is-record';
import { isSet } from '../is-set';

/**
 * A setting a translation carries, and the values it can hold: `field` is its path in the request
 * body (`metadata.user_id`), `expected` how a 400 says what it must be.
 */
export interface FieldType {
  field: string;
  holds: (value: unknown) => boolean;
  expected: string;
}

/** A finite number, within `[min, max]` when given. */
export const numberIn =
  (min = -Infinity, max = Infinity) =>
  (value: unknown): boolean =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** An integer, within `[min, max]` when given. */
export const integerIn =
  (min = -Infinity, max = Infinity) =>
  (value: unknown): boolean =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

export const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
export const isString = (value: unknown): boolean => typeof value === 'string';

/** One of `values`. */
export const oneOf =
  (...values: readonly unknown[]) =>
  (value: unknown): boolean =>
    values.includes(value);

/** An array whose every element holds. */
export const arrayOf =
  (holds: (element: unknown) => boolean) =>
  (value: unknown): boolean =>
    Array.isArray(value) && value.every(holds);

/**
 * OpenAI's `metadata`: at most 16 keys of up to 64 characters, each a string of up to 512, as its
 * chat completions and Responses APIs take it.
 */
export const isOpenAIMetadata = (value: unknown): boolean =>
  isRecord(value) &&
  Object.keys(value).length <= 16 &&
  Object.entries(value).every(([key, entry]) => key.length <= 64 && typeof entry === 'string' && entry.length <= 512);
export const OPENAI_METADATA = 'an object of at most 16 string values (keys up to 64 characters, values up to 512)';

/** The value at a dotted `path` of `body`; undefined where a step on the way is not an object. */
function valueAt(body: Record<string, unknown>, path: string): unknown {
  // Most settings are top-level: no path to split, on every request.
  if (!path.includes('.')) return Object.hasOwn(body, path) ? body[path] : undefined;
  let value: unknown = body;
  for (const key of path.split('.')) {
    // Own keys only: a body's `__proto__` or `constructor` must not find Object.prototype's.
    if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/**
 * Refuses a setting the translation carries whose value is not of its type (or out of its range):
 * leaving it out, as a translation that reads only well-typed values would, serves the request as
 * if the client had not asked (DESIGN section 9), say at the provider's default temperature. A
 * field set to `null` is not set. Each dialect's route writes the error in its own shape.
 * @throws ProviderRouterError 400 `invalid_request`, `param` naming the field.
 */
export function refuseWrongTypes(body: Record<string, unknown>, types: readonly FieldType[]): void {
  for (const { field, holds, expected } of types) {
    const value = valueAt(body, field);
    if (isSet(value) && !holds(value)) throw invalidRequest(`\`${field}\` must be ${expected}.`, field);
  }
}
