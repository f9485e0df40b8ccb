import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import type { PathProblem } from '../config/config-problem.js';
import { ConfigCode } from '../errors/config-codes.js';
import { HostRouter } from '../router/host-router.js';
import { parsePathPattern, PatternError, type PathPattern } from '../router/path-pattern.js';
import { createBuiltInRoutes } from './built-in-routes.js';
import type { CompiledRoute, RouteOrigin } from '../data-plane/compiled-route.js';
import type { RouteTable } from './route-table.js';
import {
  routeProblem,
  type InactiveRuntimeRoute,
  type RuntimeRoute,
} from '../config/runtime-route.js';
import { compileAdminSettings } from './admin-settings.js';
import type { Exchange } from '../data-plane/exchange.js';
import type { SlotRules } from '../router/segment-trie.js';
import { compileRouteCondition } from '../data-plane/route-condition.js';
import type { SharedObjects } from '../state/shared-objects.js';
import { compileAccessControl } from './access-control.js';
import type { Share } from '../state/shared-objects.js';
import { createRouteHandler, upstreamHeaderPolicy } from './route-handler.js';
import { compileServerSettings } from './server-settings.js';
import { compileUpstreams, type UpstreamContext } from './upstream-groups.js';
import { matchOrder } from './match-order.js';
import { createSharedRedis } from '../state/shared-redis.js';
import { createClientAddress } from '../data-plane/client-address.js';
import { compileIdentity } from '../identity/identity-module.js';
import { createSystemView } from './system-view.js';
import { createIdentityHandlers } from '../identity/identity-handlers.js';
import { createIdentityRoutes, type IdentityRoute } from '../identity/identity-routes.js';
import type { AddConflict } from '../router/segment-trie.js';
import { requireUpgrade } from '../websocket/require-upgrade.js';
import { compileHub, DEFAULT_HUB_PATH, hubRouteKey } from './compile-hub.js';
import {
  compileHubNetwork,
  redisHubBackends,
  type HubNetworkContext,
} from './compile-hub-network.js';
import type { ChannelHub } from '../websocket/hub/channel-hub.js';
import { createHubRoute } from '../websocket/hub/hub-route.js';
import { createHubHealthRoute } from '../websocket/hub/hub-health-route.js';
import { compileRegistration } from '../registration/registration-settings.js';
import { createRegistrationHandlers } from '../registration/registration-handlers.js';
import { createRegistrationRoutes } from '../registration/registration-routes.js';
import type { RegistrationStore } from '../registration/registration-store.js';
import { hubMessageFormat } from '../websocket/hub/hub-message-formats.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BuiltHandler } from './route-handler.js';
import {
  NO_TELEMETRY,
  routeTelemetry,
  type RouteTelemetry,
  type Telemetry,
} from '../observability/telemetry.js';
import type { HubMetrics } from '../websocket/hub/hub-settings.js';
import { GatewayEndpoints, isGatewayEndpoint } from '../gateway-endpoints/gateway-endpoints.js';
import { createRedisProbe } from '../gateway-endpoints/redis-probe.js';
import type { RedisClient } from '../state/redis-connection.js';
import { describeRedisTarget, redisTargetOf } from '../state/redis-target.js';
import { sharedHealthChannel } from './shared-health-channel.js';
import { UsageRecorder } from '../observability/usage-recorder.js';
import { UsageAnalytics } from '../observability/usage-analytics.js';
import type { PluginSet } from '../filters/plugins/plugin-set.js';
import { UpstreamEnvelope } from '../data-plane/upstream-envelope.js';
import type { OpenApiDocuments } from '../filters/openapi-validation/openapi-documents.js';

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
  /** The WebSocket hub that `handler: websocket` routes hand their connections to. */
  hub?: ChannelHub;
  /** What the hub's ingress and presence reach outside the table (set by the Gateway). */
  hubNetwork?: HubNetworkContext;
  /** Metrics and tracing; absent when building to check (`gatewayd check`/`routes`). */
  telemetry?: Telemetry;
  /** Where route_registration writes (the runtime routes; set by the Gateway). */
  registration?: RegistrationStore;
  /** What `handler: usage` routes read; absent when building to check. */
  usage?: UsageRecorder;
  /** The plugin instances of the config's load; absent when the config has no plugins. */
  plugins?: PluginSet;
  /** The OpenAPI documents of the config's load, compiled; absent without openapi_documents. */
  openApi?: OpenApiDocuments;
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
  const router = new HostRouter<CompiledRoute, Exchange>(ROUTE_CONDITIONS);
  const sharedKeys = new Set<string>();
  const share: Share = (key, create, close) => {
    sharedKeys.add(key);
    return ctx.shared.acquire(key, create, close);
  };
  const offline = ctx.offline ?? false;
  const telemetry = ctx.telemetry ?? NO_TELEMETRY;
  const redis = createSharedRedis(config, share, ctx.logger, offline);
  const health = offline ? null : sharedHealthChannel(config, redis, share, ctx.logger);
  const { groups, groupKeys, poolKeys } = compileUpstreams(
    config.upstreams ?? {},
    settings,
    ctx,
    health?.channel ?? null,
    health?.key ?? '',
  );
  const identity = compileIdentity(config, share, redis, ctx.logger, offline);
  const access = compileAccessControl(
    config,
    settings,
    share,
    ctx.logger,
    offline,
    telemetry.metrics,
    {
      redis,
      sessionCheck: identity?.sessionCheck ?? null,
      plugins: ctx.plugins,
      openApi: ctx.openApi,
    },
  );
  const redisTarget = redisTargetOf(config);
  let analytics: UsageAnalytics | undefined;
  /** Shared across reloads (its counters and unsent counts live on); in Redis with a redis block. */
  const usageAnalytics = (): UsageAnalytics => {
    if (analytics !== undefined) return analytics;
    const client = redisTarget === undefined || offline ? null : redis.client(redisTarget);
    analytics = share(
      `usage-analytics:${redisTarget === undefined || offline ? 'memory' : describeRedisTarget(redisTarget)}`,
      () => new UsageAnalytics(client, ctx.logger),
      (store) => store.close(),
    );
    return analytics;
  };
  const endpoints = new GatewayEndpoints({
    analytics: usageAnalytics,
    logger: ctx.logger,
    config,
    groups,
    redis: () =>
      redisTarget === undefined
        ? null
        : createRedisProbe(redis.client(redisTarget), describeRedisTarget(redisTarget)),
    // A build to check is never served: its usage routes read an empty recorder.
    usage: ctx.usage ?? new UsageRecorder(),
  });
  const routes: Array<{ route: CompiledRoute; pattern: PathPattern }> = [];
  const hubEnabled = config.websocket !== undefined && config.websocket.enabled !== false;
  // Without a `handler: websocket` route of its own, the hub gets one at websocket.server.path.
  const configRoutes: readonly RouteConfig[] =
    hubEnabled && !config.routes.some((rc) => rc.handler === 'websocket')
      ? [
          ...config.routes,
          {
            path: config.websocket?.server?.path ?? DEFAULT_HUB_PATH,
            methods: ['GET' as const],
            handler: 'websocket' as const,
          },
        ]
      : config.routes;
  const redisBackends = hubEnabled
    ? redisHubBackends(config, access.redisClient, share, ctx.logger, offline)
    : null;
  const hub = compileHub(
    config,
    groups,
    access,
    share,
    redisBackends,
    hubMetrics(configRoutes, telemetry),
    identity === null ? null : (sid) => identity.activity.seenId(sid),
  );
  const socketKeys = new Set<string>();
  const hubRoute = (rc: RouteConfig, observed: RouteTelemetry): BuiltHandler => {
    const key = hubRouteKey(rc, config);
    const handle =
      hub === null || ctx.hub === undefined
        ? hubUnavailable
        : createHubRoute(
            ctx.hub,
            key,
            hub,
            createClientAddress(settings.trustProxy),
            ctx.logger,
            observed.websocket(),
            hubMessageFormat(rc.message_format),
          );
    return { handle, filters: ['websocket hub'], socketKey: key };
  };

  const hubHealthRoute = (): BuiltHandler => {
    return {
      handle: createHubHealthRoute(
        hub === null ? null : (ctx.hub ?? null),
        hub === null || redisTarget === undefined ? null : redis.client(redisTarget),
      ),
      filters: ['websocket health'],
    };
  };

  /** Compiles one route into the router; returns its problem instead when it cannot be added. */
  function addRoute(rc: RouteConfig, index: number, origin: RouteOrigin): PathProblem | null {
    const pattern = parseRoutePattern(rc, index);
    if ('problem' in pattern) return pattern.problem;
    const name = routeName(rc);
    const observed = routeTelemetry(telemetry, name);
    const routeFilters = access.filtersFor(rc, name);
    const built: BuiltHandler =
      rc.handler === 'websocket'
        ? hubRoute(rc, observed)
        : rc.handler === 'websocket_health'
          ? hubHealthRoute()
          : isGatewayEndpoint(rc.handler)
            ? endpoints.build(rc, rc.handler)
            : createRouteHandler(
                rc,
                index,
                pattern,
                settings,
                groups,
                config.upstreams ?? {},
                upstreamHeaderPolicy(access.identityHeaderNames, routeFilters),
                access.socketCredentialsFor(rc),
                observed,
              );
    if ('problem' in built) return built.problem;
    const chain = access.chain(routeFilters, built.handle);
    const condition = compileRouteCondition(rc.match);
    const filters = [
      ...(built.socketKey === undefined || built.servesPlain === true ? [] : ['upgrade only']),
      ...chain.descriptions,
      ...built.filters,
    ];
    const checked = chain.handle;
    if (built.socketKey !== undefined) socketKeys.add(built.socketKey);
    const route: CompiledRoute = {
      name,
      path: rc.path,
      host: rc.host ?? null,
      methods: rc.methods ?? null,
      target:
        rc.upstream ??
        rc.upstreams?.map((u) => u.name).join(',') ??
        rc.handler ??
        (rc.redirect === undefined ? 'direct_response' : 'redirect'),
      condition,
      filters: condition === null ? filters : [`match ${condition.description}`, ...filters],
      handle:
        built.socketKey === undefined || built.servesPlain === true
          ? checked
          : requireUpgrade(checked),
      // The hub's generated route (after the file's) has no place in the file.
      configIndex: origin === 'file' && index < config.routes.length ? index : -1,
      origin,
      metrics: observed.metrics?.requests() ?? null,
      envelope: settings.responseEnvelope,
      upstreamEnvelope: UpstreamEnvelope.of(rc),
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
    endpoints.consider(rc, name, origin);
    return null;
  }

  configRoutes.forEach((rc, index) => {
    const problem = addRoute(rc, index, 'file');
    if (problem !== null) problems.push(problem);
  });
  if (identity !== null && access.jwt !== null) {
    const handlers = createIdentityHandlers({
      module: identity,
      jwt: access.jwt,
      apiKeyStore: access.apiKeyStore,
      clientAddress: createClientAddress(settings.trustProxy),
      requestTimeoutMs: settings.requestTimeoutMs,
      logger: ctx.logger,
      system: createSystemView(
        config,
        () => routes.length,
        ctx.hub,
        (target) => access.redisClient(target),
      ),
    });
    const identityRoutes = createIdentityRoutes(
      config.identity ?? {},
      handlers,
      (rc, name, terminal) => access.chainFor(rc, name, terminal),
      settings.responseEnvelope,
    );
    for (const r of identityRoutes) {
      r.route.metrics = telemetry.metrics?.route(r.route.name).requests() ?? null;
      const conflict = router.add(undefined, r.pattern, r.route.path, r.route.methods, r.route);
      if (conflict === null) routes.push(r);
      else problems.push(identityConflict(r, conflict));
    }
  }
  if (problems.length > 0) {
    // Problems of the hub's generated route belong to the key that made it.
    const generated = config.routes.length;
    const placed = problems.map((p) =>
      p.path[0] === 'routes' && p.path[1] === generated
        ? { ...p, path: ['websocket', 'server', 'path'] }
        : p,
    );
    return { ok: false, problems: placed };
  }

  const hubNetwork =
    hub === null ? null : compileHubNetwork(config, settings, access, share, ctx, offline);
  const registration = compileRegistration(config);
  const registrationRoutes =
    registration === null
      ? []
      : createRegistrationRoutes(
          registration,
          createRegistrationHandlers(
            registration,
            ctx.registration ?? null,
            settings.requestTimeoutMs,
            ctx.logger,
          ),
          (rc, name, terminal) => access.chainFor(rc, name, terminal),
          settings.responseEnvelope,
        );
  for (const builtIn of [...(hubNetwork?.routes ?? []), ...registrationRoutes]) {
    builtIn.route.metrics = telemetry.metrics?.route(builtIn.route.name).requests() ?? null;
    const conflict = router.add(
      undefined,
      builtIn.pattern,
      builtIn.route.path,
      builtIn.route.methods,
      builtIn.route,
    );
    if (conflict === null) {
      routes.push(builtIn);
      continue;
    }
    problems.push({
      severity: 'error',
      code: conflict.kind === 'shadowed' ? ConfigCode.ROUTE_SHADOWED : ConfigCode.PARAM_CONFLICT,
      message:
        conflict.kind === 'shadowed'
          ? `the built-in route ${builtIn.route.name} matches the same requests as route "${conflict.by.name}" (routes[${conflict.by.configIndex}])`
          : `the built-in route ${builtIn.route.name} has a segment where another route has {${conflict.existing}}`,
      hint: 'choose another path here, or move the configured route',
      path: builtIn.at,
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const inactiveRuntimeRoutes: InactiveRuntimeRoute[] = [];
  runtime.forEach((entry, i) => {
    // Problem paths of a runtime route start with its place after the file's routes.
    const index = configRoutes.length + i;
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

  const builtIns = createBuiltInRoutes(
    readiness(ctx.isReady, access.requiredRedis),
    settings.responseEnvelope,
    (terminal) => access.chain(access.gatewayFilters, terminal).handle,
  );
  for (const builtIn of builtIns) {
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
  endpoints.seal(routes.map((r) => r.route).filter((r) => r.origin === 'built-in'));
  const admin = compileAdminSettings(config, access.apiKeyStore);
  const recordsUsage = admin !== null || endpoints.usesUsage;
  const table: RouteTable = {
    settings,
    router,
    routes: matchOrder(routes),
    unmatched: access.chain(access.gatewayFilters, noRoute),
    poolKeys,
    upstreamKeys: groupKeys,
    sharedKeys,
    socketKeys,
    hub,
    hubNetwork: hubNetwork?.network ?? null,
    redisClients: access.redisClients,
    admin,
    recordsUsage,
    analytics: recordsUsage ? { store: usageAnalytics(), labels: endpoints.labels() } : null,
    inactiveRuntimeRoutes,
    caches: access.caches.byRoute,
  };
  return { ok: true, table };
}

function routeName(rc: RouteConfig): string {
  return rc.name ?? `${rc.methods?.join(',') ?? 'ANY'} ${rc.path}`;
}

/** The hub's series: channel deliveries count on the first hub route. */
function hubMetrics(routes: readonly RouteConfig[], telemetry: Telemetry): HubMetrics | null {
  const websocket = telemetry.metrics?.websocket;
  const first = routes.find((rc) => rc.handler === 'websocket');
  if (websocket === undefined || first === undefined) return null;
  return {
    deliveries: websocket.forRoute(routeName(first)),
    channel: (key) => websocket.forChannel(key),
  };
}

/** The unmatched chain's terminal: never run (the listener answers 404 and 405 itself). */
function noRoute(ex: Exchange): void {
  sendError(ex, new GatewayError('ROUTE_NOT_FOUND', 'no route matches this request'));
}

function hubUnavailable(ex: Exchange): void {
  sendError(ex, new GatewayError('SERVICE_UNAVAILABLE', 'the WebSocket hub is not running'));
}

/** Where a route comes from, for messages about it. */
function whereIs(route: CompiledRoute): string {
  return route.origin === 'file' ? `routes[${route.configIndex}]` : `a ${route.origin} route`;
}

/** Why the gateway is not ready, or null: draining, or a Redis the config needs is away. */
function readiness(
  isReady: () => boolean,
  required: ReadonlySet<RedisClient>,
): () => string | null {
  const clients = [...required];
  return function notReadyBecause() {
    if (!isReady()) return 'the gateway is shutting down';
    for (const c of clients) {
      if (c.status !== 'ready') return 'a Redis this config requires is not connected';
    }
    return null;
  };
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

/** An identity endpoint that a configured route (or another endpoint) already has. */
function identityConflict(r: IdentityRoute, conflict: AddConflict<CompiledRoute>): PathProblem {
  const { name, method, path, configured } = r.endpoint;
  const at = configured ? ['identity', 'paths', name] : ['identity'];
  if (conflict.kind === 'param-name') {
    return {
      severity: 'error',
      code: ConfigCode.PARAM_CONFLICT,
      message: `identity endpoint ${name} (${path}) has {${conflict.wanted}} where a route already has {${conflict.existing}}`,
      hint: `use {${conflict.wanted}} in that route too, or move the endpoint with identity.paths.${name}`,
      path: at,
    };
  }
  const by = conflict.by;
  return {
    severity: 'error',
    code: ConfigCode.ROUTE_SHADOWED,
    message:
      by.configIndex >= 0
        ? `route "${by.name}" takes ${method} ${path}, the path of the identity endpoint ${name}`
        : `identity endpoint ${name} has the same method and path (${method} ${path}) as ${by.name}`,
    hint: `move the route, or the endpoint with identity.paths.${name} (false leaves it out)`,
    path: by.configIndex >= 0 ? ['routes', by.configIndex, 'path'] : at,
  };
}
