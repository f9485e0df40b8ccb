import type { RouteConfig } from '../../config/gateway-config.js';
import type { RedisClient } from '../../state/redis-connection.js';
import type { Share } from '../../state/shared-objects.js';
import type { CachePolicy } from './cache-policy.js';
import { MemoryCacheStore } from './memory-cache-store.js';
import { RedisCacheStore } from './redis-cache-store.js';
import { RouteCache } from './route-cache.js';

/** The route caches of one table, for its filters and the admin API. */
export interface CacheStores {
  /**
   * The route's cache: the one the previous table had while the route's config is unchanged
   * (its entries and counts survive the reload), else a new, empty one.
   */
  forRoute(routeName: string, route: RouteConfig, policy: CachePolicy): RouteCache;
  /** The table's route caches by route name. */
  readonly byRoute: ReadonlyMap<string, RouteCache>;
}

export function createCacheStores(
  share: Share,
  /** The top-level redis block's client, made on first use; null without the block. */
  redis: (() => RedisClient) | null,
  /** redis.key_prefix. */
  keyPrefix: string,
): CacheStores {
  const byRoute = new Map<string, RouteCache>();
  return {
    byRoute,
    forRoute(routeName, route, policy) {
      // Acquired on every build, so that the table records the client it uses.
      const client = policy.backend === 'redis' && redis !== null ? redis() : null;
      // A changed route (another upstream, other settings) starts empty rather than serve
      // answers made under the old config.
      const cache = share(`cache ${routeName} ${JSON.stringify(route)}`, () =>
        client === null
          ? new RouteCache(routeName, new MemoryCacheStore(policy.maxBytes))
          : new RouteCache(routeName, new RedisCacheStore(client, `${keyPrefix}cache:`)),
      );
      byRoute.set(routeName, cache);
      return cache;
    },
  };
}
