import type { CacheStore } from './cache-store.js';
import type { Flight } from './flight.js';

/**
 * One route's cache as it outlives reloads that leave the route unchanged: its store, the misses
 * in flight and what it counted. The admin API purges and reads it.
 */
export class RouteCache {
  readonly flights = new Map<string, Flight>();
  hits = 0;
  misses = 0;
  bypasses = 0;

  constructor(
    readonly routeName: string,
    readonly store: CacheStore,
  ) {}

  /** What the admin API shows of it. */
  view(): Record<string, unknown> {
    const usage = this.store.usage();
    return {
      route: this.routeName,
      backend: this.store.backend,
      hits: this.hits,
      misses: this.misses,
      bypasses: this.bypasses,
      entries: usage?.entries ?? null,
      stored_bytes: usage?.bytes ?? null,
      redis_failures: this.store.backend === 'redis' ? this.store.failures : null,
    };
  }
}
