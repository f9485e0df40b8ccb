import type { Exchange } from '../data-plane/exchange.js';
import type { Redis } from 'ioredis';
import type { AdminState } from '../admin/admin-api.js';
import type { RequestMetrics } from '../observability/metrics/request-metrics.js';
import type { HostRouter } from '../router/host-router.js';
import type { RouteCondition } from './route-condition.js';
import type { ServerSettings } from './server-settings.js';

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
  /** Index in the config's `routes`, or -1 for the gateway's own routes. */
  configIndex: number;
  /** Where its requests are counted until an upstream is chosen; null when metrics are off. */
  metrics: RequestMetrics | null;
}

/** One immutable build of the config: swapped whole on reload, never changed in place. */
export interface RouteTable {
  settings: ServerSettings;
  router: HostRouter<CompiledRoute, Exchange>;
  /** In match order. */
  routes: readonly CompiledRoute[];
  /** The upstream pools this table uses; the rest are closed after it is swapped in. */
  poolKeys: ReadonlySet<string>;
  /** The UpstreamRegistry keys of its upstream groups; the rest are stopped once it is in force. */
  upstreamKeys: ReadonlySet<string>;
  /** The SharedObjects keys of its Redis clients, providers and limiters. */
  sharedKeys: ReadonlySet<string>;
  /** The Redis clients its limiters and key stores use. */
  redisClients: ReadonlySet<Redis>;
  /** The admin listener's address and what it serves; null without an `admin` block. */
  admin: { port: number; bindAddress: string; state: AdminState } | null;
}
