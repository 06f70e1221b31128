/** Reading JSON of unknown shape in the fakes and tests: an object, or an array, or empty. */

export type Json = Record<string, unknown>;

/** `value` as an object, or `{}` when it is none. */
export const asJson = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});

/** `value` as an array, or `[]` when it is none. */
export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
