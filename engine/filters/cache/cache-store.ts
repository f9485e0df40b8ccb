import type { Exchange } from '../../data-plane/exchange.js';
import type { CachedResponse } from './cached-response.js';

/** Where a route's cache keeps its entries: this process's memory, or the shared Redis. */
export interface CacheStore {
  readonly backend: 'memory' | 'redis';
  /**
   * The fresh entry under `key` that fits this request's values of the entry's Vary headers;
   * null when there is none (or Redis failed: counted, never thrown).
   */
  get(key: string, ex: Exchange): CachedResponse | null | Promise<CachedResponse | null>;
  /** Stores an entry under `key` (and its Vary variant) until it expires. */
  set(key: string, entry: CachedResponse): void;
  /** Drops the entry under `key`, every Vary variant of it; resolves with how many went. */
  purge(key: string): Promise<number>;
  /** Drops every entry whose key starts with `prefix`. */
  purgePrefix(prefix: string): Promise<number>;
  /** What it holds now; null when it cannot tell cheaply (Redis). */
  usage(): { entries: number; bytes: number } | null;
  /** Redis commands that failed, each turned into a miss or a skipped store. */
  readonly failures: number;
}

/** The key of one Vary variant of `key`: a newline cannot occur in a header value or a path. */
export function variantKey(key: string, variant: string): string {
  return `${key}\n${variant}`;
}
