import type { RouteHandler, RouteOrigin } from '../data-plane/compiled-route.js';
import type { RouteConfig } from '../config/gateway-config.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { UsageRecorder } from '../observability/usage-recorder.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { createCallerUsage } from './caller-usage.js';
import { createHealthDetailed } from './health-detailed.js';
import { createHealthRedis } from './health-redis.js';
import type { RedisProbe } from './redis-probe.js';
import { RouteCatalog, type CatalogRoute } from './route-catalog.js';

/** The `handler` values answered by the gateway itself from its own state (seed 004). */
export const GATEWAY_ENDPOINTS = ['catalog', 'health_detailed', 'health_redis', 'usage'] as const;
export type GatewayEndpointName = (typeof GATEWAY_ENDPOINTS)[number];

export function isGatewayEndpoint(handler: RouteConfig['handler']): handler is GatewayEndpointName {
  return (GATEWAY_ENDPOINTS as readonly string[]).includes(handler as string);
}

/** A catalog's prefix: `catalog.prefix`, else the route's path followed by "/". */
export function catalogPrefix(rc: RouteConfig): string {
  return rc.catalog?.prefix ?? `${rc.path.replace(/\/+$/, '')}/`;
}

export interface GatewayEndpointsContext {
  /** The table's upstream groups. */
  groups: ReadonlyMap<string, UpstreamGroup>;
  /** The `redis` block's Redis, made on first use: only health routes need it here. */
  redis: () => RedisProbe | null;
  usage: UsageRecorder;
}

const ANSWERED = 'GET, HEAD';
const ALLOW: ReadonlyArray<readonly [string, string]> = [['allow', ANSWERED]];

/**
 * The `handler: catalog | health_detailed | health_redis | usage` routes of one table build.
 * Catalogs list routes, so compile-table tells each added route to `consider` and seals the
 * catalogs once the last (runtime) route is in.
 */
export class GatewayEndpoints {
  private readonly catalogs: RouteCatalog[] = [];
  private readonly routes: CatalogRoute[] = [];
  private redis: RedisProbe | null | undefined;
  /** A usage route makes the gateway record usage even without an admin API. */
  usesUsage = false;

  constructor(private readonly ctx: GatewayEndpointsContext) {}

  build(
    rc: RouteConfig,
    handler: GatewayEndpointName,
  ): { handle: RouteHandler; filters: string[] } {
    switch (handler) {
      case 'catalog': {
        const catalog = new RouteCatalog(catalogPrefix(rc));
        this.catalogs.push(catalog);
        return answer(catalog.handle, `route catalog ${catalog.prefix}`);
      }
      case 'health_detailed':
        return answer(
          createHealthDetailed([...this.ctx.groups.values()], this.redisProbe()),
          'health detailed',
        );
      case 'health_redis':
        return answer(createHealthRedis(this.redisProbe()), 'health redis');
      case 'usage':
        this.usesUsage = true;
        return answer(createCallerUsage(this.ctx.usage), 'caller usage');
    }
  }

  /** Every route the table holds, in the order they are added. */
  consider(rc: RouteConfig, name: string, origin: RouteOrigin): void {
    this.routes.push({ rc, name, origin });
  }

  seal(): void {
    for (const catalog of this.catalogs) catalog.seal(this.routes);
  }

  private redisProbe(): RedisProbe | null {
    if (this.redis === undefined) this.redis = this.ctx.redis();
    return this.redis;
  }
}

/** These endpoints only read: other methods get 405 with Allow. */
function answer(handle: RouteHandler, filter: string): { handle: RouteHandler; filters: string[] } {
  const message = `this endpoint answers ${ANSWERED}`;
  return {
    handle: function readOnly(ex, params, wildcard) {
      if (ex.method === 'GET' || ex.method === 'HEAD') handle(ex, params, wildcard);
      else sendError(ex, new GatewayError('METHOD_NOT_ALLOWED', message, ALLOW));
    },
    filters: [filter],
  };
}
