import type { RequestEndEvent, RequestStartEvent } from './events';

/**
 * Which request an event belongs to, beyond its `requestId`: a client's `x-request-id` is reused as
 * the id, and two requests in flight may carry the same one. Kept beside the events, not in them,
 * so that what listeners see stays as documented.
 */
const requestOf = new WeakMap<RequestStartEvent | RequestEndEvent, object>();

/** Marks `event` as one of the request `request` (an object unique to it). */
export function markRequest(event: RequestStartEvent | RequestEndEvent, request: object): void {
  requestOf.set(event, request);
}

/** The request an event belongs to: its mark, else its `requestId`. */
export function requestKeyOf(event: RequestStartEvent | RequestEndEvent): object | string {
  return requestOf.get(event) ?? event.requestId;
}
