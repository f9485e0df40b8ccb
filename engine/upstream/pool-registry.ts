import { Pool } from 'undici';

export interface PoolSettings {
  connections: number;
  keepAliveMs: number;
  connectTimeoutMs: number;
}

/**
 * Upstream connection pools live here, outside any route table, keyed by endpoint and settings,
 * so that a reload reuses the pools (and warm connections) of endpoints it did not change.
 */
export class PoolRegistry {
  private readonly pools = new Map<string, Pool>();

  acquire(origin: string, settings: PoolSettings): { key: string; pool: Pool } {
    const key = `${origin}|${settings.connections}|${settings.keepAliveMs}|${settings.connectTimeoutMs}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = createPool(origin, settings);
      this.pools.set(key, pool);
    }
    return { key, pool };
  }

  /**
   * Closes every pool whose key is not in `keep`. close() lets requests already sent on a pool
   * finish (in-flight requests of the previous table) and refuses new ones.
   */
  async retainOnly(keep: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      this.pools.delete(key);
      closing.push(pool.close());
    }
    await Promise.all(closing);
  }

  get size(): number {
    return this.pools.size;
  }

  async closeAll(): Promise<void> {
    await this.retainOnly(new Set());
  }
}

/** A connection pool to one endpoint, as every upstream pool is made (registered or discovered). */
export function createPool(origin: string, settings: PoolSettings): Pool {
  return new Pool(origin, {
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveMs,
    keepAliveMaxTimeout: Math.max(settings.keepAliveMs, 600_000),
    connect: { timeout: settings.connectTimeoutMs },
    // Timeouts are set per request, from the route.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}
