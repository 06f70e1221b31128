/**
 * How deep a request body may nest. Far beyond any real request (a tool's JSON Schema nests a few
 * levels), and far below where the router's own recursive work on a body (`JSON.stringify` to send
 * it, redaction for the log) runs out of stack: a few thousand levels, fewer on a host that is
 * deep in its own calls already.
 */
export const MAX_JSON_DEPTH = 512;

/** Whether `value` has objects or arrays nested more than `limit` levels deep; walked without recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
