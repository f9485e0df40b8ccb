import type { Cluster, Redis } from 'ioredis';
import type { RedisProbe } from '../admin/admin-context.js';

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
