import type { Cluster, Redis } from 'ioredis';

/** A Redis connection the health endpoints (public and admin) report on. */
export interface RedisProbe {
  /** Where Redis is (a URL, Sentinel set or Cluster nodes), without a password. */
  readonly url: string;
  /** The client's connection state: ready, connecting, reconnecting, end, ... */
  readonly connection: string;
  /** Round trip of one PING in ms; rejects when Redis does not answer. */
  ping(): Promise<number>;
}

/**
 * A table's shared Redis client as the health endpoints probe it; `where` names its target
 * without a password.
 */
export function createRedisProbe(client: Redis | Cluster, where: string): RedisProbe {
  return {
    url: where,
    get connection() {
      return client.status;
    },
    async ping() {
      const started = performance.now();
      await client.ping();
      return performance.now() - started;
    },
  };
}

/** Null without a probe (no redis block). */
export async function probeRedis(
  probe: RedisProbe | null,
): Promise<(Record<string, unknown> & { status: 'ok' | 'down' }) | null> {
  if (probe === null) return null;
  try {
    const latency = await probe.ping();
    return {
      status: 'ok',
      url: probe.url,
      connection: probe.connection,
      latency_ms: Math.round(latency * 100) / 100,
    };
  } catch (err) {
    return {
      status: 'down',
      url: probe.url,
      connection: probe.connection,
      error: (err as Error).message,
    };
  }
}
