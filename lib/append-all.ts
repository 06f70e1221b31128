/**
 * Appends `items` to `target` in place. `target.push(...items)` passes each item as an argument,
 * and a client's request can hold more items (hundreds of thousands of input items or content
 * blocks in a 32 MiB body) than a call takes arguments: V8 throws a `RangeError`.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
