/**
 * Gets an object that outlives the table (see SharedObjects below) and records that the table uses it.
 * An object built on another shared one (a limiter on a Redis client) must acquire that one
 * outside `create`, on every build: `create` does not run when the object is reused, and a
 * dependency this build did not record is closed after the swap.
 */
export type Share = <T>(key: string, create: () => T, close?: (value: T) => unknown) => T;

/**
 * Long-lived objects that a route table uses but must not own: Redis clients, JWT providers
 * (their JWKS and token caches), API key stores and rate limiters (their counters). They are
 * keyed by a fingerprint of the config they come from, so a reload that leaves that config
 * unchanged gets the same object back, with its state, and a JWKS host that is down during a
 * reload cannot empty the key cache. Objects no table uses any more are closed.
 */
export class SharedObjects {
  private readonly entries = new Map<string, { value: unknown; close: () => unknown }>();

  acquire<T>(key: string, create: () => T, close: (value: T) => unknown = () => undefined): T {
    const entry = this.entries.get(key);
    if (entry) return entry.value as T;
    const value = create();
    this.entries.set(key, { value, close: () => close(value) });
    return value;
  }

  /** Closes and forgets every object whose key is not in `keep`. */
  async retainOnly(keep: ReadonlySet<string>): Promise<void> {
    const closing: unknown[] = [];
    for (const [key, entry] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      closing.push(entry.close());
    }
    await Promise.allSettled(closing);
  }

  closeAll(): Promise<void> {
    return this.retainOnly(new Set());
  }
}
