/** Whether a request field is set: JSON's `null` and a missing field both mean it is not. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}
