import http from 'node:http';
import { within } from '../../support/wait';

/** A keep-alive agent sized for `sockets` requests at once. */
export function loadAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/**
 * Runs `task(0..count-1)` with at most `concurrency` at once. Stops starting new tasks after
 * `deadlineMs` and rejects then, so that a stuck router fails the test instead of hanging it.
 */
export async function runBounded<T>(count: number, concurrency: number, deadlineMs: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  const deadline = performance.now() + deadlineMs;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      if (performance.now() > deadline) throw new Error(`runBounded: ${next} of ${count} tasks started within ${deadlineMs} ms`);
      const index = next++;
      results[index] = await task(index);
    }
  };
  await within(Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker)), deadlineMs + 5000, `${count} tasks`);
  return results;
}
