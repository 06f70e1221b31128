/**
 * Turns one dialect's stream events into another's, one upstream event at a time, so that
 * nothing is held back. Create one per response. The pump serializes what it returns, so
 * translators chain: `chainTranslators(a, b)` feeds `a`'s events to `b`.
 */
export interface StreamTranslator<In, Out> {
  /** The events the client gets for one upstream event (none, one or several). */
  push(event: In): Out[];
}

/** `first` then `second`: a translation through the hub dialect. */
export function chainTranslators<A, B, C>(first: StreamTranslator<A, B>, second: StreamTranslator<B, C>): StreamTranslator<A, C> {
  return { push: (event) => first.push(event).flatMap((between) => second.push(between)) };
}
