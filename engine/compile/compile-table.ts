import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import type { PathProblem } from '../config/config-problem.js';
import { ConfigCode } from '../errors/config-codes.js';
import { HostRouter } from '../router/host-router.js';
import { parsePathPattern, PatternError, type PathPattern } from '../router/path-pattern.js';
import { createBuiltInRoutes } from './built-in-routes.js';
import type { CompiledRoute, RouteTable } from './compiled-route.js';
import type { Exchange } from '../data-plane/exchange.js';
import type { SlotRules } from '../router/segment-trie.js';
import { compileRouteCondition } from './route-condition.js';
import { createGuardedHandler } from '../data-plane/route-guards.js';
import type { SharedObjects } from '../state/shared-objects.js';
import { compileAccessControl, type Share } from './access-control.js';
import { createRouteHandler } from './route-handler.js';
import { compileServerSettings } from './server-settings.js';
import { compileUpstreams, type UpstreamContext } from './upstream-groups.js';
import { matchOrder } from './match-order.js';
import { NO_TELEMETRY, routeTelemetry, type Telemetry } from '../observability/telemetry.js';
import type { Redis } from 'ioredis';

export type CompileResult =
  { ok: true; table: RouteTable } | { ok: false; problems: PathProblem[] };

/** Routes on one method, host and path are told apart by their `match` conditions. */
const ROUTE_CONDITIONS: SlotRules<CompiledRoute, Exchange> = {
  accepts: (route, ex) => route.condition === null || route.condition.test(ex),
  isConditional: (route) => route.condition !== null,
  canShare: (a, b) =>
    (a.condition !== null || b.condition !== null) && a.condition?.key !== b.condition?.key,
};

export interface CompileContext extends UpstreamContext {
  shared: SharedObjects;
  /** Built to be checked, not served (`gatewayd check`/`routes`): nothing connects anywhere. */
  offline?: boolean;
  /** Tells the built-in /ready route whether the gateway is still taking requests. */
  isReady: () => boolean;
  /** Metrics and tracing; absent when building to check (`gatewayd check`/`routes`). */
  telemetry?: Telemetry;
}

/**
 * Turns a validated config into a RouteTable. Everything a request needs is decided here:
 * patterns parsed, timeouts converted, handlers composed. Route-level problems the schema cannot
 * see (bad patterns, shadowed routes, clashing parameter names) are reported by config path.
 */
export function compileTable(config: GatewayConfig, ctx: CompileContext): CompileResult {
  const settings = compileServerSettings(config);
  const problems: PathProblem[] = [];
  const { groups, groupKeys, poolKeys } = compileUpstreams(config.upstreams ?? {}, settings, ctx);
  const router = new HostRouter<CompiledRoute, Exchange>(ROUTE_CONDITIONS);
  const sharedKeys = new Set<string>();
  const share: Share = (key, create, close) => {
    sharedKeys.add(key);
    return ctx.shared.acquire(key, create, close);
  };
  const telemetry = ctx.telemetry ?? NO_TELEMETRY;
  const access = compileAccessControl(
    config,
    settings,
    share,
    ctx.logger,
    ctx.offline ?? false,
    telemetry.metrics,
  );
  const routes: Array<{ route: CompiledRoute; pattern: PathPattern }> = [];

  config.routes.forEach((rc, index) => {
    const pattern = parseRoutePattern(rc, index, problems);
    if (!pattern) return;
    const name = rc.name ?? `${rc.methods?.join(',') ?? 'ANY'} ${rc.path}`;
    const observed = routeTelemetry(telemetry, name);
    const built = createRouteHandler(
      rc,
      index,
      pattern,
      settings,
      groups,
      config.upstreams ?? {},
      access.identityHeaderNames,
      observed,
    );
    if ('problem' in built) {
      problems.push(built.problem);
      return;
    }
    const guarded = access.guardsFor(rc, name);
    const condition = compileRouteCondition(rc.match);
    const filters = [...(guarded?.filters ?? []), ...built.filters];
    const route: CompiledRoute = {
      name,
      path: rc.path,
      host: rc.host ?? null,
      methods: rc.methods ?? null,
      target: rc.upstream ?? rc.upstreams?.map((u) => u.name).join(',') ?? 'direct_response',
      condition,
      filters: condition === null ? filters : [`match ${condition.description}`, ...filters],
      handle: guarded === null ? built.handle : createGuardedHandler(guarded.guards, built.handle),
      configIndex: index,
      metrics: observed.metrics?.requests() ?? null,
    };
    const conflict = router.add(rc.host, pattern, rc.path, route.methods, route);
    if (conflict?.kind === 'shadowed') {
      problems.push({
        severity: 'error',
        code: ConfigCode.ROUTE_SHADOWED,
        message: `route "${route.name}" matches the same ${conflict.method === '*' ? 'requests' : conflict.method + ' requests'} as route "${conflict.by.name}" (routes[${conflict.by.configIndex}])`,
        hint: 'give one of them other methods, another host, a different path, or a different match',
        path: ['routes', index, 'path'],
      });
    } else if (conflict?.kind === 'param-name') {
      problems.push({
        severity: 'error',
        code: ConfigCode.PARAM_CONFLICT,
        message: `parameter {${conflict.wanted}} sits where another route already has {${conflict.existing}}`,
        hint: `use {${conflict.existing}} here too: one position in the path has one parameter name`,
        path: ['routes', index, 'path'],
      });
    } else {
      routes.push({ route, pattern });
    }
  });
  if (problems.length > 0) return { ok: false, problems };

  for (const builtIn of createBuiltInRoutes(readiness(ctx.isReady, access.requiredRedis))) {
    builtIn.route.metrics = telemetry.metrics?.route(builtIn.route.name).requests() ?? null;
    // A configured route on the same path takes precedence; then the add reports a conflict.
    if (
      !router.add(
        undefined,
        builtIn.pattern,
        builtIn.route.path,
        builtIn.route.methods,
        builtIn.route,
      )
    ) {
      routes.push(builtIn);
    }
  }
  const table = {
    settings,
    router,
    routes: matchOrder(routes),
    poolKeys,
    upstreamKeys: groupKeys,
    sharedKeys,
    redisClients: access.redisClients,
    admin: config.admin
      ? {
          port: config.admin.port,
          bindAddress: config.admin.bind_address ?? '127.0.0.1',
          state: {
            tokenDigest: Buffer.from(config.admin.token_hash.slice('sha256:'.length), 'hex'),
            apiKeys: access.apiKeyStore,
          },
        }
      : null,
  };
  return { ok: true, table };
}

/** Why the gateway is not ready, or null: draining, or a Redis the config needs is away. */
function readiness(isReady: () => boolean, required: ReadonlySet<Redis>): () => string | null {
  const clients = [...required];
  return function notReadyBecause() {
    if (!isReady()) return 'the gateway is shutting down';
    for (const c of clients) {
      if (c.status !== 'ready') return 'a Redis this config requires is not connected';
    }
    return null;
  };
}

function parseRoutePattern(
  rc: RouteConfig,
  index: number,
  problems: PathProblem[],
): PathPattern | null {
  try {
    return parsePathPattern(rc.path);
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    problems.push({
      severity: 'error',
      code: ConfigCode.PATH_PATTERN,
      message: err.message,
      hint: err.hint,
      path: ['routes', index, 'path'],
    });
    return null;
  }
}
