import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import type { PathProblem } from '../config/config-problem.js';
import { ConfigCode } from '../errors/config-codes.js';
import { HostRouter } from '../router/host-router.js';
import { parsePathPattern, PatternError, type PathPattern } from '../router/path-pattern.js';
import { createBuiltInRoutes } from './built-in-routes.js';
import type { CompiledRoute, RouteOrigin, RouteTable } from './compiled-route.js';
import {
  routeProblem,
  type InactiveRuntimeRoute,
  type RuntimeRoute,
} from '../config/runtime-route.js';
import { compileAdminSettings } from './admin-settings.js';
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
}

/**
 * Turns a validated config into a RouteTable. Everything a request needs is decided here:
 * patterns parsed, timeouts converted, handlers composed. Route-level problems the schema cannot
 * see (bad patterns, shadowed routes, clashing parameter names) are reported by config path.
 *
 * `runtime` routes (checked by checkRuntimeRoutes) are compiled after the file's, by the same
 * rules, so a file route always wins a clash. A runtime route that does not compile is left out
 * and listed in `inactiveRuntimeRoutes`: the file alone decides whether a table can be built.
 */
export function compileTable(
  config: GatewayConfig,
  ctx: CompileContext,
  runtime: readonly RuntimeRoute[] = [],
): CompileResult {
  const settings = compileServerSettings(config);
  const problems: PathProblem[] = [];
  const { groups, groupKeys, poolKeys } = compileUpstreams(config.upstreams ?? {}, settings, ctx);
  const router = new HostRouter<CompiledRoute, Exchange>(ROUTE_CONDITIONS);
  const sharedKeys = new Set<string>();
  const share: Share = (key, create, close) => {
    sharedKeys.add(key);
    return ctx.shared.acquire(key, create, close);
  };
  const access = compileAccessControl(config, settings, share, ctx.logger, ctx.offline ?? false);
  const routes: Array<{ route: CompiledRoute; pattern: PathPattern }> = [];

  /** Compiles one route into the router; returns its problem instead when it cannot be added. */
  function addRoute(rc: RouteConfig, index: number, origin: RouteOrigin): PathProblem | null {
    const pattern = parseRoutePattern(rc, index);
    if ('problem' in pattern) return pattern.problem;
    const built = createRouteHandler(
      rc,
      index,
      pattern,
      settings,
      groups,
      config.upstreams ?? {},
      access.identityHeaderNames,
    );
    if ('problem' in built) return built.problem;
    const name = rc.name ?? `${rc.methods?.join(',') ?? 'ANY'} ${rc.path}`;
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
      configIndex: origin === 'file' ? index : -1,
      origin,
    };
    const conflict = router.add(rc.host, pattern, rc.path, route.methods, route);
    if (conflict?.kind === 'shadowed') {
      return {
        severity: 'error',
        code: ConfigCode.ROUTE_SHADOWED,
        message: `route "${route.name}" matches the same ${conflict.method === '*' ? 'requests' : conflict.method + ' requests'} as route "${conflict.by.name}" (${whereIs(conflict.by)})`,
        hint: 'give one of them other methods, another host, a different path, or a different match',
        path: ['routes', index, 'path'],
      };
    }
    if (conflict?.kind === 'param-name') {
      return {
        severity: 'error',
        code: ConfigCode.PARAM_CONFLICT,
        message: `parameter {${conflict.wanted}} sits where another route already has {${conflict.existing}}`,
        hint: `use {${conflict.existing}} here too: one position in the path has one parameter name`,
        path: ['routes', index, 'path'],
      };
    }
    routes.push({ route, pattern });
    return null;
  }

  config.routes.forEach((rc, index) => {
    const problem = addRoute(rc, index, 'file');
    if (problem !== null) problems.push(problem);
  });
  if (problems.length > 0) return { ok: false, problems };

  const inactiveRuntimeRoutes: InactiveRuntimeRoute[] = [];
  runtime.forEach((entry, i) => {
    // Problem paths of a runtime route start with its place after the file's routes.
    const index = config.routes.length + i;
    let problem: PathProblem | null;
    try {
      problem = addRoute(entry.route, index, 'runtime');
    } catch (err) {
      // A stored route must never stop a gateway from starting or reloading.
      problem = {
        severity: 'error',
        code: ConfigCode.ROUTE_TARGET,
        message: `the route could not be compiled: ${(err as Error).message}`,
        path: ['routes', index],
      };
    }
    if (problem !== null) {
      inactiveRuntimeRoutes.push({
        ...entry,
        problems: [routeProblem(problem, problem.path.slice(2))],
      });
    }
  });

  for (const builtIn of createBuiltInRoutes(ctx.isReady)) {
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
  const table: RouteTable = {
    settings,
    router,
    routes: matchOrder(routes),
    poolKeys,
    upstreamKeys: groupKeys,
    sharedKeys,
    redisClients: access.redisClients,
    admin: compileAdminSettings(config, access.apiKeyStore),
    inactiveRuntimeRoutes,
  };
  return { ok: true, table };
}

/** Where a route comes from, for messages about it. */
function whereIs(route: CompiledRoute): string {
  return route.origin === 'file' ? `routes[${route.configIndex}]` : `a ${route.origin} route`;
}

function parseRoutePattern(rc: RouteConfig, index: number): PathPattern | { problem: PathProblem } {
  try {
    return parsePathPattern(rc.path);
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    return {
      problem: {
        severity: 'error',
        code: ConfigCode.PATH_PATTERN,
        message: err.message,
        hint: err.hint,
        path: ['routes', index, 'path'],
      },
    };
  }
}
