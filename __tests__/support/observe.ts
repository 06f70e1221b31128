/** Recording what routers report: their telemetry events and their conversation records. */
import type { ProviderRouter, RequestEndEvent, RequestStartEvent, TelemetryEvent } from '../../lib';
import { waitUntil } from './wait';

/** What one or more routers reported, in order of arrival. */
export interface Observed {
  events: TelemetryEvent[];
  /** The conversation records given to {@link Observed.conversationLogger}. */
  records: Array<Record<string, unknown>>;
  /** A `conversationLogger` for `createProviderRouter`, recording into `records`. */
  conversationLogger: { info(message: string, meta: Record<string, unknown>): void };
  /** Records every telemetry event of `router` from now on. */
  listen(router: ProviderRouter): void;
  /** The `request.end` events so far. */
  ends(): RequestEndEvent[];
  /** Resolves with the `request.end` events once there are `count`; rejects after `ms`. */
  waitForEnds(count: number, ms?: number): Promise<RequestEndEvent[]>;
  /** Forgets the events and records so far. */
  clear(): void;
}

/** A new, empty {@link Observed}. */
export function observe(): Observed {
  const observed: Observed = {
    events: [],
    records: [],
    conversationLogger: {
      info: (_message, meta) => {
        observed.records.push(meta);
      },
    },
    listen(router) {
      router.telemetry.on('event', (event) => {
        observed.events.push(event);
      });
    },
    ends: () => observed.events.filter((event): event is RequestEndEvent => event.type === 'request.end'),
    async waitForEnds(count, ms = 2000) {
      await waitUntil(() => observed.ends().length >= count, ms, `${count} request.end events (${observed.ends().length} so far)`);
      return observed.ends();
    },
    clear() {
      observed.events.length = 0;
      observed.records.length = 0;
    },
  };
  return observed;
}

/** A telemetry event's `timestamp`: ISO 8601 in UTC, to the millisecond. */
export const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Checks that `start` and `end` report one request: `start` has exactly its type, a timestamp, a
 * request id and `identity` (provider, model, upstreamModel, endpoint, stream); `end` the same id
 * and identity, and a timestamp no earlier.
 */
export function expectStartAndEnd(
  start: RequestStartEvent,
  end: RequestEndEvent,
  identity: Omit<RequestStartEvent, 'type' | 'timestamp' | 'requestId'>,
): void {
  expect(start).toEqual({ type: 'request.start', timestamp: expect.stringMatching(ISO_TIME), requestId: expect.any(String), ...identity });
  expect(end).toMatchObject({ type: 'request.end', timestamp: expect.stringMatching(ISO_TIME), requestId: start.requestId, ...identity });
  expect(Date.parse(end.timestamp)).toBeGreaterThanOrEqual(Date.parse(start.timestamp));
}
