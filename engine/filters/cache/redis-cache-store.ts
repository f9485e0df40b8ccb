import type { Exchange } from '../../data-plane/exchange.js';
import type { RedisClient } from '../../state/redis-connection.js';
import { deleteEach, scanKeys } from '../../state/redis-keys.js';
import { decodeEntry, encodeEntry, variantOf, type CachedResponse } from './cached-response.js';
import { variantKey, type CacheStore } from './cache-store.js';

/**
 * A key whose answers vary holds this byte and its Vary names, one per line; the variants sit
 * under their own keys. An encoded entry starts with its head's length, whose first byte is 0.
 */
const VARY_MARK = 0x56;

/**
 * Entries in the shared Redis, each under `<redis.key_prefix>cache:<key>` with its freshness as
 * its time to live, so every gateway instance on that Redis serves what one of them stored. A
 * failed command is counted and read as a miss (or a store skipped): the request goes to the
 * upstream, never to an error.
 */
export class RedisCacheStore implements CacheStore {
  readonly backend = 'redis';
  failures = 0;

  constructor(
    private readonly redis: RedisClient,
    /** redis.key_prefix followed by "cache:". */
    private readonly prefix: string,
  ) {}

  get(key: string, ex: Exchange): Promise<CachedResponse | null> {
    return this.read(key, ex).catch(() => {
      this.failures++;
      return null;
    });
  }

  private async read(key: string, ex: Exchange): Promise<CachedResponse | null> {
    let bytes = await this.redis.getBuffer(this.prefix + key);
    if (bytes === null) return null;
    if (bytes[0] === VARY_MARK) {
      const names = bytes.subarray(1).toString().split('\n');
      const variant = variantOf((n) => ex.header(n), names);
      bytes = await this.redis.getBuffer(this.prefix + variantKey(key, variant));
      if (bytes === null) return null;
    }
    const entry = decodeEntry(bytes);
    return entry !== null && entry.freshFor(Date.now()) > 0 ? entry : null;
  }

  set(key: string, entry: CachedResponse): void {
    const ttl = Math.ceil(entry.freshFor(Date.now()));
    if (ttl <= 0) return;
    const writes: Promise<unknown>[] = [];
    if (entry.vary.length === 0) {
      writes.push(this.redis.set(this.prefix + key, encodeEntry(entry), 'PX', ttl));
    } else {
      const mark = Buffer.concat([Buffer.of(VARY_MARK), Buffer.from(entry.vary.join('\n'))]);
      writes.push(
        this.redis.set(this.prefix + key, mark, 'PX', ttl),
        this.redis.set(this.prefix + variantKey(key, entry.variant), encodeEntry(entry), 'PX', ttl),
      );
    }
    for (const write of writes) write.catch(() => this.failures++);
  }

  async purge(key: string): Promise<number> {
    const variants = await scanKeys(this.redis, `${escapeGlob(this.prefix + key)}\n*`);
    return deleteEach(this.redis, [this.prefix + key, ...variants]);
  }

  async purgePrefix(prefix: string): Promise<number> {
    const keys = await scanKeys(this.redis, `${escapeGlob(this.prefix + prefix)}*`);
    return deleteEach(this.redis, keys);
  }

  usage(): null {
    return null;
  }
}

/** `s` matched literally by SCAN's MATCH pattern. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
