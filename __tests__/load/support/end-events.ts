import type { ProviderRouter, RequestEndEvent } from '../../../lib';
import { waitUntil } from './load-client';

/** The `request.end` events of a router, as they arrive. */
export interface EndEvents {
  readonly all: RequestEndEvent[];
  /** Resolves with the events once there are `count`; rejects after `ms`. */
  waitFor(count: number, ms?: number): Promise<RequestEndEvent[]>;
  clear(): void;
}

export function recordEnds(router: ProviderRouter): EndEvents {
  const all: RequestEndEvent[] = [];
  router.telemetry.on('request.end', (event) => all.push(event));
  return {
    all,
    async waitFor(count, ms = 2000) {
      await waitUntil(() => all.length >= count, ms, `${count} request.end events (${all.length} so far)`);
      return all;
    },
    clear: () => void all.splice(0),
  };
}
