import { cachesToPurge, purgeRouteCache, type CachePurge } from '../filters/cache/cache-purge.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { AdminRequest, AdminResource } from './admin-http.js';

/**
 * The routes' response caches:
 *
 *   GET    /admin/cache                 → each cached route's backend, counts and size
 *   DELETE /admin/cache?key=<key>       → drops that entry (every Vary variant of it)
 *   DELETE /admin/cache?prefix=<prefix> → drops every entry whose key starts with it
 *
 * `route=<name>` narrows either to one route. An entry's key is the route's name, then the
 * values of its `cache.key` parts, joined by "|". With several workers the others drop the same
 * entries from their memory too; `purged` counts this worker's and Redis's.
 */
export const cacheResource: AdminResource = [
  ['GET', '/admin/cache', listCaches],
  ['DELETE', '/admin/cache', purge],
];

async function listCaches({ ctx }: AdminRequest) {
  return { status: 200, body: { caches: [...ctx.table().caches.values()].map((c) => c.view()) } };
}

async function purge({ ctx, req }: AdminRequest) {
  const query = new URL(req.url ?? '/', 'http://admin').searchParams;
  const key = query.get('key');
  const prefix = query.get('prefix');
  const routeName = query.get('route');
  if ((key === null) === (prefix === null) || key === '' || prefix === '') {
    throw new GatewayError(
      'BAD_REQUEST',
      'give exactly one of key=<entry key> or prefix=<key prefix>',
    );
  }
  const request: CachePurge = { key, prefix, route: routeName };
  const caches = cachesToPurge(ctx.table().caches.values(), request);
  if (caches.length === 0) {
    throw new GatewayError(
      'ROUTE_NOT_FOUND',
      routeName !== null
        ? `route "${routeName}" has no cache`
        : 'no cached route owns that key (a key starts with its route\'s name and "|")',
    );
  }
  // Memory entries live in each worker: the others drop theirs too (not counted in `purged`).
  ctx.cachePurged(request);
  let purged = 0;
  for (const c of caches) {
    try {
      purged += await purgeRouteCache(c, request);
    } catch {
      throw new GatewayError(
        'SERVICE_UNAVAILABLE',
        `route "${c.routeName}": Redis did not answer, so its entries were not purged (${purged} removed before); try again`,
      );
    }
  }
  return { status: 200, body: { purged } };
}
