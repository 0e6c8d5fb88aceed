/**
 * A minimal event emitter that runs in Node and in browsers (node:events does not), for the
 * transport-agnostic ChatConnection. Listeners run synchronously in the order they were added;
 * an exception in one propagates to the emitter's caller, as with node:events.
 */
export class Emitter<Events extends Record<string, unknown>> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();

  /** Adds `fn` for `event`; returns this for chaining. */
  on<K extends keyof Events>(event: K, fn: (value: Events[K]) => void): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(fn as (value: never) => void);
    return this;
  }

  /** Removes `fn` from `event` (no effect when it is not there). */
  off<K extends keyof Events>(event: K, fn: (value: Events[K]) => void): this {
    this.#listeners.get(event)?.delete(fn as (value: never) => void);
    return this;
  }

  /** Calls every listener of `event` with `value`; true when there was one. */
  emit<K extends keyof Events>(event: K, value: Events[K]): boolean {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const fn of [...set]) (fn as (v: Events[K]) => void)(value);
    return true;
  }
}
