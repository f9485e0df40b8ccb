import type { RedisClient } from '../state/redis-connection.js';
import {
  redisTargetKey,
  redisTargetOf,
  serverTarget,
  type RedisTarget,
} from '../state/redis-target.js';
import {
  configuredProviders,
  contextHeaderMapping,
  corsSettings,
  jwtAlgorithms,
  authRequirement,
} from '../filters/access-control-settings.js';
import type {
  GatewayConfig,
  IpFilterConfig,
  Rate,
  RateLimitKeyConfig,
  RouteConfig,
  StoreErrorModeConfig,
} from '../config/gateway-config.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import type { Exchange } from '../data-plane/exchange.js';
import { RouteChain, type ChainBuilder, type RouteFilter } from '../data-plane/filter-chain.js';
import type { RatePolicy } from '../data-plane/rate-decision.js';
import type { CredentialOptions } from '../filters/auth/credentials.js';
import { BUILT_IN_FILTERS } from '../filters/built-in-filters.js';
import type { PluginSet } from '../filters/plugins/plugin-set.js';
import type { OpenApiDocuments } from '../filters/openapi-validation/openapi-documents.js';
import type { DescribedLimit, TableResources } from '../filters/filter-factory.js';
import { createApiKeyProvider, type ApiKeyProvider } from '../filters/auth/api-key-provider.js';
import { AUTH_FAILURE_REASONS } from '../filters/auth/auth-failure.js';
import type { ApiKeyStore } from '../filters/auth/api-key-store.js';
import {
  createContextHeaders,
  type ContextHeaders,
} from '../filters/context-headers/context-headers.js';
import { createJwtProvider, type JwtProvider } from '../filters/auth/jwt-provider.js';
import { MemoryApiKeyStore } from '../filters/auth/memory-api-key-store.js';
import { RedisApiKeyStore } from '../filters/auth/redis-api-key-store.js';
import { createCors } from '../filters/cors/cors.js';
import { createIpFilter, type IpFilter } from '../filters/ip-filter/ip-filter.js';
import {
  createRateLimitHeaders,
  type RateLimitHeaders,
} from '../filters/rate-limit/rate-limit-headers.js';
import { createKeyReader, type KeySpec } from '../filters/rate-limit/rate-limit-key.js';
import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterSettings,
} from '../filters/rate-limit/rate-limiter.js';
import { createTierLimits, type TierLimitsSettings } from '../filters/rate-limit/tier-limits.js';
import { parseRate } from '../filters/rate-limit/rate.js';
import {
  securityHeadersFilter,
  securityHeadersOf,
} from '../filters/security-headers/security-headers-factory.js';
import type { Logger } from '../observability/logger.js';
import { requireSession } from '../identity/require-session.js';
import type { SessionCheck } from '../identity/session-check.js';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import { createClientAddress } from '../data-plane/client-address.js';
import { duration } from '../config/units.js';
import type { ServerSettings } from './server-settings.js';
import type { Share } from '../state/shared-objects.js';
import { createSharedRedis, type SharedRedis } from '../state/shared-redis.js';
import { createCacheStores, type CacheStores } from '../filters/cache/cache-stores.js';
import { isSocketRoute } from '../websocket/is-socket-route.js';
import type { SocketCredentialPlaces } from './socket-proxy-route.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

const J = CONFIG_DEFAULTS.auth.jwt;
const RL = CONFIG_DEFAULTS.middleware.rate_limiting;

/** The gateway-wide access control, compiled once per table; routes take their guards from it. */
export interface AccessControl {
  /** Identity headers: removed from every client request before anything else. */
  identityHeaderNames: ReadonlySet<string>;
  /** Managed API keys, for the admin API; null when auth.api_keys.store is not set. */
  apiKeyStore: ApiKeyStore | null;
  /** The Redis clients the table uses, so a start can wait for them to connect. */
  redisClients: ReadonlySet<RedisClient>;
  /** The auth.jwt verifier, without the session check (the identity endpoints do their own). */
  jwt: JwtProvider | null;
  /** The shared command client of `target` (the hub's history, bus and presence use it too). */
  redisClient(target: RedisTarget): RedisClient;
  /** The configured providers and identity headers, for the WebSocket hub's own checks. */
  hub: {
    jwt: JwtProvider | null;
    apiKey: ApiKeyProvider | null;
    apiKeyHeader: string;
    contextHeaders: ContextHeaders;
  };
  /**
   * The clients without which requests fail rather than degrade: a managed API key store in
   * Redis (keys cannot be checked: 503), a limit that denies while its store is down
   * (`on_store_error: deny`). /ready answers 503 while one of them is not connected.
   */
  requiredRedis: ReadonlySet<RedisClient>;
  /** The routes' response caches, for the admin API's purge. */
  caches: CacheStores;
  /** Every built-in filter the route's config asks for, in the order of BUILT_IN_FILTERS. */
  filtersFor(rc: RouteConfig, routeName: string): RouteFilter[];
  /** A chain of `filters` in front of `terminal`. */
  chain(filters: readonly RouteFilter[], terminal: RouteHandler): RouteChain;
  /** The chain of the filters the route's config asks for in front of `terminal`. */
  chainFor: ChainBuilder;
  /** The gateway-wide filters of answers no configured route makes: the security headers. */
  gatewayFilters: readonly RouteFilter[];
  /**
   * Where an upgrade to the route may carry its credential besides the headers (auth.websocket);
   * nothing on routes that are not WebSocket routes or have no auth.
   */
  socketCredentialsFor(rc: RouteConfig): SocketCredentialPlaces;
}

export interface AccessControlOptions {
  /** The table's Redis clients; made here when absent. */
  redis?: SharedRedis;
  /** The identity module's session check, for auth.jwt.require_session. */
  sessionCheck?: SessionCheck | null;
  /** The plugin instances of the config's load. */
  plugins?: PluginSet;
  /** The OpenAPI documents of the config's load, compiled. */
  openApi?: OpenApiDocuments;
}
const NO_SOCKET_CREDENTIALS: SocketCredentialPlaces = { queryParam: null, protocolPrefix: null };

interface LimitPolicy {
  id: string;
  rate: Rate;
  key: RateLimitKeyConfig;
  onStoreError: StoreErrorModeConfig;
}

export function compileAccessControl(
  config: GatewayConfig,
  settings: ServerSettings,
  share: Share,
  logger: Logger,
  /** Building for `gatewayd check`: Redis clients are made but never connect. */
  offline: boolean,
  /** Auth refusals and rate-limit decisions are counted here; null when metrics are off. */
  metrics: GatewayMetrics | null,
  options: AccessControlOptions = {},
): AccessControl {
  const auth = config.auth;
  const middleware = config.middleware ?? {};
  const clientAddress = createClientAddress(settings.trustProxy);
  const contextHeaders = createContextHeaders(contextHeaderMapping(auth?.context_headers));
  const redisTarget = redisTargetOf(config);
  const sharedRedis = options.redis ?? createSharedRedis(config, share, logger, offline);
  const redis = (target: RedisTarget): RedisClient => sharedRedis.client(target);
  const requiredRedis = new Set<RedisClient>();

  const verifier = auth?.jwt === undefined ? null : compileJwt(auth.jwt, share, logger);
  const jwt =
    verifier !== null && auth?.jwt?.require_session === true && options.sessionCheck
      ? requireSession(verifier, options.sessionCheck)
      : verifier;
  const apiKeys = auth?.api_keys;
  const store =
    apiKeys === undefined
      ? null
      : apiKeyStore(
          apiKeys.store,
          redisTarget,
          config.redis?.key_prefix,
          offline ? null : requiredRedis,
          redis,
          share,
        );
  const apiKey: ApiKeyProvider | null =
    apiKeys === undefined
      ? null
      : createApiKeyProvider({ staticKeys: apiKeys.keys ?? [], store, header: apiKeys.header });
  const providers = configuredProviders(auth);
  const globalCors = middleware.cors ? createCors(corsSettings(middleware.cors)) : null;
  const globalIpFilter = middleware.ip_filter ? ipFilterOf(middleware.ip_filter) : null;
  const limits = compileRateLimits(
    config,
    settings,
    offline ? null : redis,
    requiredRedis,
    share,
    logger,
  );

  const onInternalError = (err: unknown, ex: { requestId: string }) =>
    logger.error({ err, request_id: ex.requestId }, 'a route check failed unexpectedly');
  const chainOptions = {
    maxBodyBytes: settings.maxBodyBytes,
    requestTimeoutMs: settings.requestTimeoutMs,
    onInternalError: (err: unknown, ex: Exchange) => onInternalError(err, ex),
  };

  function socketCredentialsFor(rc: RouteConfig): SocketCredentialPlaces {
    if (!isSocketRoute(rc) || authRequirement(rc) === undefined) return NO_SOCKET_CREDENTIALS;
    const acceptsJwt = jwt !== null && (rc.auth ?? providers).includes('jwt');
    return {
      queryParam:
        auth?.websocket?.query_parameter ??
        (acceptsJwt ? (auth?.jwt?.query_parameter ?? null) : null),
      protocolPrefix: auth?.websocket?.protocol_prefix ?? null,
    };
  }

  const caches = createCacheStores(
    share,
    redisTarget === undefined ? null : () => redis(redisTarget),
    config.redis?.key_prefix ?? CONFIG_DEFAULTS.redis.key_prefix,
  );
  const gatewayFilters = [
    securityHeadersFilter(securityHeadersOf(middleware.security_headers, undefined)),
  ].flatMap((f) => (f === null ? [] : [f]));
  const resources: TableResources = {
    config,
    logger,
    clientAddress,
    maxBodyBytes: settings.maxBodyBytes,
    requestTimeoutMs: settings.requestTimeoutMs,
    jwt,
    jwtWithoutSession: verifier,
    apiKey,
    providers,
    contextHeaders,
    globalCors,
    globalIpFilter,
    credentialsFor(rc, accepted): CredentialOptions {
      const socket = socketCredentialsFor(rc);
      return {
        jwt: accepted.jwt,
        apiKey: accepted.apiKey,
        apiKeyHeader: apiKey?.header ?? CONFIG_DEFAULTS.auth.api_keys.header,
        queryParam: socket.queryParam ?? undefined,
        protocolPrefix: socket.protocolPrefix ?? undefined,
      };
    },
    limitsFor: (rc, authenticated) => limits?.forRoute(rc, authenticated) ?? [],
    recorderFor(routeName) {
      const routeMetrics = metrics?.route(routeName) ?? null;
      if (routeMetrics === null) return null;
      return {
        authFailure: (reason) => routeMetrics.authFailure(reason),
        rateLimitDecision: (allowed, degraded) => routeMetrics.rateLimitDecision(allowed, degraded),
        expectAuthFailures: () => routeMetrics.startAuthFailuresAtZero(AUTH_FAILURE_REASONS),
        expectRateLimitDecisions: () => routeMetrics.startRateLimitDecisionsAtZero(),
        pluginFailure: (plugin, kind) => routeMetrics.pluginFailure(plugin, kind),
        expectPluginFailures: (plugin) => routeMetrics.startPluginFailuresAtZero(plugin),
        cacheLookup: (result) => routeMetrics.cacheLookup(result),
        expectCacheLookups: () => routeMetrics.startCacheLookupsAtZero(),
      };
    },
    plugins: options.plugins ?? null,
    caches,
    openApi: options.openApi ?? null,
    onInternalError,
  };
  if (options.plugins !== undefined && redisTarget !== undefined)
    options.plugins.useRedis(redis(redisTarget));

  return {
    identityHeaderNames: contextHeaders.names,
    apiKeyStore: store,
    jwt: verifier,
    redisClients: sharedRedis.clients,
    socketCredentialsFor,
    redisClient: redis,
    hub: {
      jwt,
      apiKey,
      apiKeyHeader: apiKey?.header ?? CONFIG_DEFAULTS.auth.api_keys.header,
      contextHeaders,
    },
    requiredRedis,
    caches,

    filtersFor(rc, routeName) {
      const authenticated = authRequirement(rc) !== undefined;
      return BUILT_IN_FILTERS.flatMap((factory) => {
        const built = factory.build({ route: rc, routeName, table: resources, authenticated });
        return built === null ? [] : built;
      });
    },
    chain: (filters, terminal) => new RouteChain(filters, terminal, chainOptions),
    chainFor(rc, routeName, terminal) {
      return new RouteChain(this.filtersFor(rc, routeName), terminal, chainOptions);
    },
    gatewayFilters,
  };
}

function compileJwt(
  jwt: NonNullable<GatewayConfig['auth']>['jwt'] & object,
  share: Share,
  logger: Logger,
): JwtProvider {
  // Keyed by the whole block, so a reload that keeps it keeps the JWKS and verified-token caches.
  return share(`jwt ${JSON.stringify(jwt)}`, () =>
    createJwtProvider({
      secret: jwt.secret,
      publicKey: jwt.public_key,
      jwksUrl: jwt.jwks_url,
      algorithms: jwtAlgorithms(jwt),
      issuer: jwt.issuer,
      audience: jwt.audience,
      leewaySeconds: duration(jwt.leeway, J.leeway) / 1000,
      requiredClaims: jwt.required_claims,
      rolesClaim: jwt.claims?.roles,
      permissionsClaim: jwt.claims?.permissions,
      tierClaim: jwt.claims?.tier,
      emailClaim: jwt.claims?.email,
      clientIdClaim: jwt.claims?.client_id,
      cacheSize: jwt.token_cache_size,
      jwksCooldownMs: duration(jwt.jwks_cache?.refetch_interval, J.jwks_cache.refetch_interval),
      jwksTimeoutMs: duration(jwt.jwks_cache?.timeout, J.jwks_cache.timeout),
      jwksMaxAgeMs: duration(jwt.jwks_cache?.max_age, J.jwks_cache.max_age),
      onJwksError: (err) => logger.warn({ err: err.message }, 'JWKS fetch failed'),
    }),
  );
}

function apiKeyStore(
  store: 'memory' | 'redis' | undefined,
  redisTarget: RedisTarget | undefined,
  /** redis.key_prefix; the keys are `<prefix>apikeys:records` and `<prefix>apikeys:ids`. */
  keyPrefix: string | undefined,
  /** Where a client the store cannot work without is added; null when building offline. */
  required: Set<RedisClient> | null,
  redis: (target: RedisTarget) => RedisClient,
  share: Share,
): ApiKeyStore | null {
  if (store === 'redis' && redisTarget !== undefined) {
    const client = redis(redisTarget);
    required?.add(client);
    const prefix = `${keyPrefix ?? CONFIG_DEFAULTS.redis.key_prefix}apikeys:`;
    return share(
      `api-keys redis ${redisTargetKey(redisTarget)} ${prefix}`,
      () => new RedisApiKeyStore(client, prefix),
    );
  }
  if (store === 'memory') return share('api-keys memory', () => new MemoryApiKeyStore());
  return null;
}

function ipFilterOf(config: IpFilterConfig): IpFilter {
  return createIpFilter({ allow: config.allow, deny: config.deny });
}

interface RateLimits {
  /** The route's limits: its own or the default, and its caller's tier limit. */
  forRoute(rc: RouteConfig, authenticated: boolean): DescribedLimit[];
}

/** middleware.rate_limiting → limiters shared across reloads (their counters survive them). */
function compileRateLimits(
  config: GatewayConfig,
  settings: ServerSettings,
  /** Null when building offline: limiters then count in memory and nothing connects. */
  redis: ((target: RedisTarget) => RedisClient) | null,
  /** Where the client of a limit that denies while Redis is down is added. */
  required: Set<RedisClient>,
  share: Share,
  logger: Logger,
): RateLimits | null {
  // A route's own limit needs no middleware block: it then counts with the defaults.
  const routeLimits = config.routes.some(
    (rc) => rc.rate_limit !== undefined && rc.rate_limit !== false,
  );
  const rl = config.middleware?.rate_limiting ?? (routeLimits ? {} : undefined);
  if (rl === undefined || rl.enabled === false) return null;
  const storeTarget =
    rl.storage?.type === 'Memory'
      ? undefined
      : rl.storage?.url !== undefined
        ? serverTarget(rl.storage.url)
        : redisTargetOf(config);
  const instanceCount = rl.instance_count ?? settings.workers;
  const store =
    storeTarget === undefined || redis === null ? 'memory' : { redis: redis(storeTarget) };

  /** Limiters live in SharedObjects, so a reload that keeps a limit keeps its counters. */
  function sharedLimiter(s: RateLimiterSettings): RateLimiter {
    if (s.store !== 'memory' && s.onStoreError === 'deny') required.add(s.store.redis);
    const key = JSON.stringify([
      'limiter',
      s.id,
      s.points,
      s.durationSeconds,
      storeTarget === undefined ? 'memory' : redisTargetKey(storeTarget),
      s.onStoreError,
      instanceCount,
    ]);
    return share(key, () => createRateLimiter(s));
  }

  function limiter(policy: Omit<LimitPolicy, 'key'>): RateLimiter {
    const parsed = parseRate(policy.rate);
    // The config checks refused bad rates before compiling.
    if (!parsed.ok) throw new Error(parsed.problem);
    return sharedLimiter({
      id: policy.id,
      points: parsed.rate.points,
      durationSeconds: parsed.rate.durationSeconds,
      store,
      onStoreError: policy.onStoreError,
      instanceCount,
      logger,
    });
  }

  function fixed(policy: LimitPolicy): DescribedLimit {
    const l = limiter(policy);
    const entry = { limiter: l, headers: createRateLimitHeaders(l.policy) };
    return {
      limit: { limiterFor: () => entry, key: createKeyReader(policy.key as KeySpec) },
      headers: new Map([[l.policy, entry.headers]]),
      description: `rate_limit ${l.policy.points}/${l.policy.durationSeconds}s by ${[policy.key].flat().join('+')}${storeTarget ? ' (redis)' : ''}`,
    };
  }

  const tierLimit =
    rl.tiers === undefined
      ? null
      : compileTierLimit(
          rl.tiers,
          config.auth?.tiers,
          {
            store,
            onStoreError: rl.on_store_error ?? RL.on_store_error,
            instanceCount,
            logger,
          },
          sharedLimiter,
        );
  const defaultKey = rl.key ?? RL.key;
  const onStoreError = rl.on_store_error ?? RL.on_store_error;

  return {
    forRoute(rc, authenticated) {
      if (rc.rate_limit === false) return [];
      const out: DescribedLimit[] = [];
      const own = rc.rate_limit ?? rl.route_limits?.[rc.path];
      if (own !== undefined) {
        const policy = typeof own === 'object' ? own : { limit: own };
        out.push(
          fixed({
            id: `route ${rc.name ?? rc.path}`,
            rate: policy.limit,
            key: 'key' in policy && policy.key !== undefined ? policy.key : defaultKey,
            onStoreError:
              'on_store_error' in policy && policy.on_store_error !== undefined
                ? policy.on_store_error
                : onStoreError,
          }),
        );
      } else if (rl.default_limit !== undefined) {
        out.push(fixed({ id: 'default', rate: rl.default_limit, key: defaultKey, onStoreError }));
      }
      if (tierLimit !== null && authenticated) out.push(tierLimit);
      return out;
    },
  };
}

/** Seed 004's tier limits: one bucket per caller, sized by the caller's tier. */
function compileTierLimit(
  tiers: Record<string, Rate>,
  order: readonly string[] | undefined,
  limiter: TierLimitsSettings['limiter'],
  createLimiter: (settings: RateLimiterSettings) => RateLimiter,
): DescribedLimit {
  // A caller without a tier (or with one the limits do not list) gets the lowest listed tier.
  const listed = new Set(Object.keys(tiers).map((t) => t.toLowerCase()));
  const built = createTierLimits({
    idPrefix: 'tiers',
    tiers,
    defaultTier: order?.find((t) => listed.has(t.toLowerCase())),
    limiter,
    createLimiter,
  });
  // The config checks refused bad tier rates before compiling.
  if (!built.ok) throw new Error(built.problems.join('; '));
  const byLimiter = new Map(
    [...built.tiers.limiters.values()].map((l) => [
      l,
      { limiter: l, headers: createRateLimitHeaders(l.policy) },
    ]),
  );
  const headers = new Map<RatePolicy, RateLimitHeaders>(
    [...byLimiter.values()].map((entry) => [entry.limiter.policy, entry.headers]),
  );
  return {
    headers,
    limit: {
      limiterFor: (ex) =>
        byLimiter.get(built.tiers.limiterFor(ex.identity?.tier)) as {
          limiter: RateLimiter;
          headers: RateLimitHeaders;
        },
      key: createKeyReader('user'),
    },
    description: `tier limits ${Object.entries(tiers)
      .map(([t, r]) => `${t}=${r}`)
      .join(' ')}`,
  };
}
