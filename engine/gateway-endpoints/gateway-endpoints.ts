import type { CompiledRoute, RouteHandler, RouteOrigin } from '../data-plane/compiled-route.js';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import {
  sendError,
  sendPrepared,
  statusLine,
  type PreparedResponse,
} from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { UsageRecorder } from '../observability/usage-recorder.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { createCallerUsage } from './caller-usage.js';
import { createHealthDetailed } from './health-detailed.js';
import { createHealthRedis } from './health-redis.js';
import type { RedisProbe } from './redis-probe.js';
import { RouteCatalog, routeLabel, type CatalogRoute, type RouteLabel } from './route-catalog.js';
import type { UsageAnalytics } from '../observability/usage-analytics.js';
import type { Logger } from '../observability/logger.js';
import { openApiDocument } from './openapi-document.js';
import { createDocsUi } from './api-docs-ui.js';

/** The `handler` values answered by the gateway itself from its own state (seed 004). */
export const GATEWAY_ENDPOINTS = [
  'catalog',
  'health_detailed',
  'health_redis',
  'usage',
  'openapi',
  'swagger_ui',
  'redoc',
] as const;
export type GatewayEndpointName = (typeof GATEWAY_ENDPOINTS)[number];

export function isGatewayEndpoint(handler: RouteConfig['handler']): handler is GatewayEndpointName {
  return (GATEWAY_ENDPOINTS as readonly string[]).includes(handler as string);
}

/** A catalog's prefix: `catalog.prefix`, else the route's path followed by "/". */
export function catalogPrefix(rc: RouteConfig): string {
  return rc.catalog?.prefix ?? `${rc.path.replace(/\/+$/, '')}/`;
}

/** The path of the config's first `handler: openapi` route, which the docs UIs read. */
export function openApiPath(config: GatewayConfig): string | undefined {
  return config.routes.find((rc) => rc.handler === 'openapi')?.path;
}

export interface GatewayEndpointsContext {
  config: GatewayConfig;
  /** The table's upstream groups. */
  groups: ReadonlyMap<string, UpstreamGroup>;
  /** The `redis` block's Redis, made on first use: only health routes need it here. */
  redis: () => RedisProbe | null;
  usage: UsageRecorder;
  logger: Logger;
  /** The table's usage analytics, made on first use. */
  analytics: () => UsageAnalytics;
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
  /** The openapi routes' settings, and the document each answers once sealed. */
  private readonly documents: Array<{ rc: RouteConfig; answer: PreparedResponse }> = [];
  private readonly routes: CatalogRoute[] = [];
  private redis: RedisProbe | null | undefined;
  private labelMap: ReadonlyMap<string, RouteLabel> = new Map();
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
        return answer(
          createCallerUsage(
            this.ctx.usage,
            this.ctx.analytics(),
            () => this.labelMap,
            this.ctx.logger,
          ),
          'caller usage',
        );
      case 'openapi': {
        // Routes are still being added: seal() writes the document in once they all are.
        const document = { rc, answer: documentAnswer({}) };
        this.documents.push(document);
        return answer((ex) => sendPrepared(ex, document.answer), 'openapi document');
      }
      case 'swagger_ui':
      case 'redoc': {
        // The config checks make sure the path ends in /* and an openapi route exists.
        const spec = openApiPath(this.ctx.config) ?? '/openapi.json';
        return answer(createDocsUi(handler, rc.path.slice(0, -1), spec), handler.replace('_', ' '));
      }
    }
  }

  /** Every route the table holds, in the order they are added. */
  consider(rc: RouteConfig, name: string, origin: RouteOrigin): void {
    this.routes.push({ rc, name, origin });
  }

  /** `builtIns`: the gateway's own routes on the main port, listed by the OpenAPI document. */
  seal(builtIns: readonly CompiledRoute[]): void {
    for (const catalog of this.catalogs) catalog.seal(this.routes);
    const labels = new Map<string, RouteLabel>();
    for (const { rc, name } of this.routes) {
      const label = routeLabel(rc);
      if (label.display_name !== undefined || label.category !== undefined) labels.set(name, label);
    }
    this.labelMap = labels;
    for (const document of this.documents) {
      document.answer = documentAnswer(
        openApiDocument(this.ctx.config, document.rc.openapi, this.routes, builtIns),
      );
    }
  }

  /** The display names and categories of the table's routes, by route name (once sealed). */
  labels(): ReadonlyMap<string, RouteLabel> {
    return this.labelMap;
  }

  private redisProbe(): RedisProbe | null {
    if (this.redis === undefined) this.redis = this.ctx.redis();
    return this.redis;
  }
}

/** The document as it is, never in the response envelope: tools read it as OpenAPI. */
function documentAnswer(document: unknown): PreparedResponse {
  return {
    status: statusLine(200),
    statusCode: 200,
    headers: [
      ['content-type', 'application/json'],
      ['cache-control', 'no-cache'],
    ],
    body: Buffer.from(JSON.stringify(document)),
  };
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
