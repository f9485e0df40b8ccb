import type { Exchange } from '../../data-plane/exchange.js';
import { variantOf, type CachedResponse } from './cached-response.js';
import { variantKey, type CacheStore } from './cache-store.js';

/**
 * Entries in this process, bounded by bytes: a Map kept in use order (a hit moves its entry to
 * the end), so the least recently used entries are the first ones dropped when room is needed.
 */
export class MemoryCacheStore implements CacheStore {
  readonly backend = 'memory';
  readonly failures = 0;
  private readonly entries = new Map<string, CachedResponse>();
  /** The Vary names of each key whose answers vary. */
  private readonly varyNames = new Map<string, readonly string[]>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, ex: Exchange): CachedResponse | null {
    const names = this.varyNames.get(key);
    const full =
      names === undefined
        ? key
        : variantKey(
            key,
            variantOf((n) => ex.header(n), names),
          );
    const entry = this.entries.get(full);
    if (entry === undefined) return null;
    this.entries.delete(full);
    if (entry.freshFor(Date.now()) <= 0) {
      this.bytes -= entry.size;
      return null;
    }
    this.entries.set(full, entry);
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    if (entry.size > this.maxBytes) return;
    let full = key;
    if (entry.vary.length > 0) {
      this.varyNames.set(key, entry.vary);
      full = variantKey(key, entry.variant);
    } else {
      this.varyNames.delete(key);
    }
    this.drop(full);
    this.bytes += entry.size;
    this.entries.set(full, entry);
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.size;
    }
  }

  purge(key: string): Promise<number> {
    this.varyNames.delete(key);
    return Promise.resolve(this.dropWhere((k) => k === key || k.startsWith(`${key}\n`)));
  }

  purgePrefix(prefix: string): Promise<number> {
    for (const key of this.varyNames.keys()) if (key.startsWith(prefix)) this.varyNames.delete(key);
    return Promise.resolve(this.dropWhere((k) => k.startsWith(prefix)));
  }

  usage(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private drop(full: string): void {
    const old = this.entries.get(full);
    if (old === undefined) return;
    this.entries.delete(full);
    this.bytes -= old.size;
  }

  private dropWhere(matches: (key: string) => boolean): number {
    let dropped = 0;
    for (const key of [...this.entries.keys()]) {
      if (!matches(key)) continue;
      this.drop(key);
      dropped++;
    }
    return dropped;
  }
}
