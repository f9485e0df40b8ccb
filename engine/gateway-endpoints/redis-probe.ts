import type { Redis } from 'ioredis';
import type { RedisProbe } from '../admin/admin-context.js';
import { redactRedisUrl } from '../state/redis-connection.js';

/** A table's shared Redis client as the health endpoints probe it. */
export function createRedisProbe(client: Redis, url: string): RedisProbe {
  return {
    url: redactRedisUrl(url),
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
