import type { RouterLogger } from '../options';
import { isThenable } from '../is-thenable';
import type { TelemetryEvent, TelemetryEventMap } from './events';

type Listener<T> = (event: T) => void;
/** A `once` listener's wrapper, which knows the listener it wraps (for `off`). */
type OnceListener<T> = Listener<T> & { listener?: Listener<T> };

/** Event names a host can subscribe to: each event's `type`, or `'event'` for all of them. */
export type TelemetryEventName = keyof TelemetryEventMap | 'event';

type PayloadOf<K extends TelemetryEventName> = K extends keyof TelemetryEventMap ? TelemetryEventMap[K] : TelemetryEvent;

/**
 * The router's typed telemetry emitter. Every event is emitted under its `type` and under
 * `'event'`. A listener that throws is reported to the logger and never breaks a response.
 *
 * @example
 * router.telemetry.on('request.end', (e) => stats.record(e.provider, e.durationMs, e.usage));
 */
export class RouterTelemetry {
  readonly #listeners = new Map<TelemetryEventName, Set<Listener<never>>>();

  constructor(private readonly logger: RouterLogger | undefined) {}

  on<K extends TelemetryEventName>(name: K, listener: Listener<PayloadOf<K>>): this {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return this;
  }

  once<K extends TelemetryEventName>(name: K, listener: Listener<PayloadOf<K>>): this {
    const wrapped: OnceListener<PayloadOf<K>> = (event) => {
      this.off(name, wrapped);
      // Returned, so that an async listener's rejection is caught as an `on` listener's is.
      return (listener as (event: PayloadOf<K>) => unknown)(event);
    };
    wrapped.listener = listener;
    return this.on(name, wrapped);
  }

  /** Removes `listener`, whether it was added with `on` or `once`. */
  off<K extends TelemetryEventName>(name: K, listener: Listener<PayloadOf<K>>): this {
    const set = this.#listeners.get(name);
    if (!set) return this;
    if (!set.delete(listener)) {
      for (const added of set) if ((added as OnceListener<never>).listener === listener) set.delete(added);
    }
    return this;
  }

  /** Same as {@link RouterTelemetry.on}, as Node's `EventEmitter` names it. */
  addListener<K extends TelemetryEventName>(name: K, listener: Listener<PayloadOf<K>>): this {
    return this.on(name, listener);
  }

  /** Same as {@link RouterTelemetry.off}, as Node's `EventEmitter` names it. */
  removeListener<K extends TelemetryEventName>(name: K, listener: Listener<PayloadOf<K>>): this {
    return this.off(name, listener);
  }

  /** Removes every listener of `name`, or of every event when no name is given. */
  removeAllListeners(name?: TelemetryEventName): this {
    if (name === undefined) this.#listeners.clear();
    else this.#listeners.delete(name);
    return this;
  }

  /** Number of listeners for `name`. */
  listenerCount(name: TelemetryEventName): number {
    return this.#listeners.get(name)?.size ?? 0;
  }

  /** @internal Whether an event of this type has a listener (its own or `'event'`): events nobody hears need not be built. */
  listens(name: keyof TelemetryEventMap): boolean {
    return this.listenerCount(name) > 0 || this.listenerCount('event') > 0;
  }

  /** @internal Delivers `event` to its listeners; never throws. */
  emit(event: TelemetryEvent): void {
    this.#deliver(event.type, event);
    this.#deliver('event', event);
  }

  #deliver(name: TelemetryEventName, event: TelemetryEvent): void {
    const set = this.#listeners.get(name);
    if (!set || set.size === 0) return;
    // Taken before calling, so that a listener added or removed by a listener changes the next
    // event, not this one; the usual single listener needs no copy of the set.
    if (set.size === 1) {
      const only = set.values().next().value;
      if (only) this.#call(only, event);
      return;
    }
    for (const listener of [...set]) this.#call(listener, event);
  }

  #call(listener: Listener<never>, event: TelemetryEvent): void {
    try {
      // An async listener returns a promise: its rejection must not become the host's unhandled one.
      const result = (listener as (event: TelemetryEvent) => unknown)(event);
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.#reportFailure(event, error));
    } catch (error) {
      this.#reportFailure(event, error);
    }
  }

  // Runs inside a catch, or as a rejection handler: a throw here would be the very failure the
  // listener's guard exists to stop (a 500 for the response, an unhandled rejection for the host).
  #reportFailure(event: TelemetryEvent, error: unknown): void {
    try {
      this.logger?.error('express-provider-router: a telemetry listener threw', { event: event.type, error: describeThrown(error) });
    } catch {
      // The host's logger failed too: the listener's failure goes unreported.
    }
  }
}

/** What a listener threw, as text: anything can be thrown, an object that cannot become a string included. */
function describeThrown(thrown: unknown): string {
  try {
    return thrown instanceof Error ? thrown.message : String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown);
  }
}
