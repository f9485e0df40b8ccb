import type { CachedResponse } from './cached-response.js';

/**
 * A miss on its way to the upstream, which identical requests wait for instead of asking too.
 * It settles once: with the entry the answer became, or null (not storable, failed, or too
 * slow: the bound keeps a waiter from hanging on an upstream that does not answer).
 */
export class Flight {
  private readonly waiters: ((entry: CachedResponse | null) => void)[] = [];
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly flights: Map<string, Flight>,
    private readonly key: string,
    timeoutMs: number,
  ) {
    flights.set(key, this);
    this.timer = setTimeout(() => this.settle(null), timeoutMs);
    this.timer.unref();
  }

  wait(): Promise<CachedResponse | null> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  settle(entry: CachedResponse | null): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.flights.get(this.key) === this) this.flights.delete(this.key);
    for (const resolve of this.waiters) resolve(entry);
    this.waiters.length = 0;
  }
}
