import type { Logger } from 'pino';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import type { ClientAddress } from '../data-plane/client-address.js';
import type { RouteFilter } from '../data-plane/filter-chain.js';
import type { ApiKeyProvider } from './auth/api-key-provider.js';
import type { CredentialOptions } from './auth/credentials.js';
import type { JwtProvider } from './auth/jwt-provider.js';
import type { ContextHeaders } from './context-headers/context-headers.js';
import type { Cors } from './cors/cors.js';
import type { IpFilter } from './ip-filter/ip-filter.js';
import type { RatePolicy } from '../data-plane/rate-decision.js';
import type { RateLimitHeaders } from './rate-limit/rate-limit-headers.js';
import type { RouteLimit } from './rate-limit/rate-limit-step.js';
import type { PluginSet } from './plugins/plugin-set.js';
import type { CacheStores } from './cache/cache-stores.js';
import type { OpenApiDocuments } from './openapi-validation/openapi-documents.js';

/** One of a route's rate limits, with what `gatewayd routes` says of it. */
export interface DescribedLimit {
  limit: RouteLimit;
  description: string;
  /** The response headers of each policy the limit may count against (one per tier). */
  headers: ReadonlyMap<RatePolicy, RateLimitHeaders>;
}

/** Told what a route's filters decided, for its metrics; null when metrics are off. */
export interface FilterRecorder {
  authFailure(reason: string): void;
  rateLimitDecision(allowed: boolean, degraded: boolean): void;
  /** The route checks credentials: each reason's count exists from now on, at 0 (compile time). */
  expectAuthFailures(): void;
  /** The route is rate limited: each decision's count exists from now on, at 0 (compile time). */
  expectRateLimitDecisions(): void;
  /** A plugin failed a request: it threw or rejected (error), or held it too long (timeout). */
  pluginFailure(plugin: string, kind: 'error' | 'timeout'): void;
  /** The route runs `plugin`: its failure counts exist from now on, at 0 (compile time). */
  expectPluginFailures(plugin: string): void;
  /** The response cache answered from an entry (hit), asked the upstream (miss) or stood aside. */
  cacheLookup(result: 'hit' | 'miss' | 'bypass'): void;
  /** The route has a cache: each result's count exists from now on, at 0 (compile time). */
  expectCacheLookups(): void;
}

/**
 * What the filters of every route of one table share, built once per table by the compiler:
 * the providers and limiters (kept across reloads), the gateway-wide policies, the limits.
 */
export interface TableResources {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clientAddress: ClientAddress;
  readonly maxBodyBytes: number;
  readonly requestTimeoutMs: number;
  /** auth.jwt's verifier, with the session check when auth.jwt.require_session asks for it. */
  readonly jwt: JwtProvider | null;
  /** The verifier without the session check: a route using `jwt` instead says "session". */
  readonly jwtWithoutSession: JwtProvider | null;
  readonly apiKey: ApiKeyProvider | null;
  /** The providers a route with `auth_required` accepts when it does not list its own. */
  readonly providers: readonly ('jwt' | 'api_key')[];
  /** The identity headers sent upstream; their names are dropped from every client request. */
  readonly contextHeaders: ContextHeaders;
  readonly globalCors: Cors | null;
  readonly globalIpFilter: IpFilter | null;
  /** Where a route's request may carry its credential (headers, and a WebSocket's extras). */
  credentialsFor(
    route: RouteConfig,
    accepted: { jwt: boolean; apiKey: boolean },
  ): CredentialOptions;
  /** The route's limits: its own or the default, and its caller's tier limit when it has auth. */
  limitsFor(route: RouteConfig, authenticated: boolean): DescribedLimit[];
  recorderFor(routeName: string): FilterRecorder | null;
  /** The plugin instances of the config's load; null without plugins. */
  readonly plugins: PluginSet | null;
  /** The routes' response caches, kept across reloads. */
  readonly caches: CacheStores;
  /** The OpenAPI documents of the config's load, compiled; null without openapi_documents. */
  readonly openApi: OpenApiDocuments | null;
  /** A check that failed unexpectedly: logged as a bug. */
  onInternalError(err: unknown, ex: { requestId: string }): void;
}

/** What a filter's builder gets: the route, its name, and the table's shared resources. */
export interface FilterContext {
  readonly route: RouteConfig;
  readonly routeName: string;
  readonly table: TableResources;
  /** Whether an earlier filter of this route authenticates the caller. */
  readonly authenticated: boolean;
}

/**
 * A filter kind: builds its step(s) for one route at compile time (several filters for plugins,
 * one per plugin), or null when the route does not use it. Registered in built-in-filters.ts.
 */
export interface FilterFactory {
  readonly name: string;
  build(ctx: FilterContext): RouteFilter | readonly RouteFilter[] | null;
}
