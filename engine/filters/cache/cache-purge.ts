import type { RouteCache } from './route-cache.js';

/** What to drop: one entry (`key`) or every entry under `prefix`, optionally on one route. */
export interface CachePurge {
  key: string | null;
  prefix: string | null;
  route: string | null;
}

/**
 * The route caches a purge reaches: the named route's, else those that can own the key (a key
 * starts with its route's name and "|"), else all of them for a prefix.
 */
export function cachesToPurge(caches: Iterable<RouteCache>, purge: CachePurge): RouteCache[] {
  const all = [...caches];
  if (purge.route !== null) return all.filter((c) => c.routeName === purge.route);
  const key = purge.key;
  if (key !== null) return all.filter((c) => key.startsWith(`${c.routeName}|`));
  return all;
}

/** Drops the purge's entries from one route cache; resolves with how many went. */
export function purgeRouteCache(cache: RouteCache, purge: CachePurge): Promise<number> {
  return purge.key !== null
    ? cache.store.purge(purge.key)
    : cache.store.purgePrefix(purge.prefix as string);
}
