import type { Exchange } from '../data-plane/exchange.js';
import type { Redis } from 'ioredis';
import type { InactiveRuntimeRoute } from '../config/runtime-route.js';
import type { ApiKeyStore } from '../filters/auth/api-key-store.js';
import type { RequestMetrics } from '../observability/metrics/request-metrics.js';
import type { HostRouter } from '../router/host-router.js';
import type { RouteCondition } from './route-condition.js';
import type { ServerSettings } from './server-settings.js';
import type { HubSettings } from '../websocket/hub/hub-settings.js';
import type { HubNetwork } from './compile-hub-network.js';

/** The per-request work of a route, built once at compile time. */
export type RouteHandler = (ex: Exchange, params: readonly string[], wildcard: string) => void;

export interface CompiledRoute {
  name: string;
  path: string;
  host: string | null;
  methods: readonly string[] | null;
  /** The upstream's name, the split's names, or "direct_response" / "built-in". */
  target: string;
  /** The route's `match` block; null when it applies to every request on its path. */
  condition: RouteCondition | null;
  /** Names of the steps a request goes through, for `gatewayd routes`. */
  filters: readonly string[];
  handle: RouteHandler;
  /** Index in the config's `routes`, or -1 for runtime routes and the gateway's own routes. */
  configIndex: number;
  /** Where its requests are counted until an upstream is chosen; null when metrics are off. */
  metrics: RequestMetrics | null;
  /** The config file, the admin API (runtime routes) or the gateway itself (/health, /ready). */
  origin: RouteOrigin;
  /**
   * The table's `response_envelope`, copied here at compile time so that the gateway's own
   * answers on this route (errors, generated JSON) know their shape without a lookup.
   */
  envelope: boolean;
}

export type RouteOrigin = 'file' | 'runtime' | 'built-in';

/** A route the gateway serves itself (/health, identity, the webhook, ...): no config entry. */
export function builtInRoute(r: {
  name: string;
  path: string;
  methods: readonly string[];
  handle: RouteHandler;
  filters: readonly string[];
  envelope: boolean;
  /** What `gatewayd routes` shows as its target; default "built-in". */
  target?: string;
}): CompiledRoute {
  return {
    name: r.name,
    path: r.path,
    host: null,
    methods: r.methods,
    target: r.target ?? 'built-in',
    condition: null,
    filters: r.filters,
    handle: r.handle,
    configIndex: -1,
    metrics: null,
    origin: 'built-in',
    envelope: r.envelope,
  };
}

/** The admin listener and what it serves, from the `admin` block. */
export interface AdminSettings {
  port: number;
  bindAddress: string;
  /** SHA-256 digest of the admin token, whichever way the config gives it. */
  tokenDigest: Buffer;
  /** Managed API keys; null when auth.api_keys.store is not set. */
  apiKeys: ApiKeyStore | null;
}

/** One immutable build of the config: swapped whole on reload, never changed in place. */
export interface RouteTable {
  settings: ServerSettings;
  router: HostRouter<CompiledRoute, Exchange>;
  /** In match order. */
  routes: readonly CompiledRoute[];
  /** The gateway-wide security headers, on answers no route made (404, 405, refusals). */
  securityHeaders: ReadonlyArray<readonly [string, string]>;
  /** The upstream pools this table uses; the rest are closed after it is swapped in. */
  poolKeys: ReadonlySet<string>;
  /** The UpstreamRegistry keys of its upstream groups; the rest are stopped once it is in force. */
  upstreamKeys: ReadonlySet<string>;
  /** The SharedObjects keys of its Redis clients, providers and limiters. */
  sharedKeys: ReadonlySet<string>;
  /**
   * Fingerprints of its WebSocket routes: open connections whose route is not in here are closed
   * with 1012 once the table is in force.
   */
  socketKeys: ReadonlySet<string>;
  /** The compiled `websocket` block, handed to the hub when the table is installed; null: no hub. */
  hub: HubSettings | null;
  /** Ingress rules and presence of the hub (compile-hub-network.ts); null: no hub. */
  hubNetwork: HubNetwork | null;
  /** The Redis clients its limiters and key stores use. */
  redisClients: ReadonlySet<Redis>;
  /** Null without an `admin` block. */
  admin: AdminSettings | null;
  /** Usage is recorded for the admin API or a `handler: usage` route; else not at all. */
  recordsUsage: boolean;
  /** Runtime routes left out of this table (they clash with the file or fail its checks). */
  inactiveRuntimeRoutes: readonly InactiveRuntimeRoute[];
}
