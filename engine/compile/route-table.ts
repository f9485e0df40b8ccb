import type { UsageAnalytics } from '../observability/usage-analytics.js';
import type { RouteLabel } from '../gateway-endpoints/route-catalog.js';
import type { RedisClient } from '../state/redis-connection.js';
import type { InactiveRuntimeRoute } from '../config/runtime-route.js';
import type { CompiledRoute, ServingTable } from '../data-plane/compiled-route.js';
import type { ApiKeyStore } from '../filters/auth/api-key-store.js';
import type { RouteCache } from '../filters/cache/route-cache.js';
import type { HubSettings } from '../websocket/hub/hub-settings.js';
import type { HubNetwork } from './compile-hub-network.js';
import type { ServerSettings } from './server-settings.js';

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
export interface RouteTable extends ServingTable {
  settings: ServerSettings;
  /** In match order. */
  routes: readonly CompiledRoute[];
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
  redisClients: ReadonlySet<RedisClient>;
  /** Null without an `admin` block. */
  admin: AdminSettings | null;
  /** Usage is recorded for the admin API or a `handler: usage` route; else not at all. */
  recordsUsage: boolean;
  /** Usage per route and caller over hours, days and months; null when usage is not recorded. */
  analytics: TableAnalytics | null;
  /** Runtime routes left out of this table (they clash with the file or fail its checks). */
  inactiveRuntimeRoutes: readonly InactiveRuntimeRoute[];
  /** The response caches of its routes, by route name (the admin API purges them). */
  caches: ReadonlyMap<string, RouteCache>;
}

/** The usage analytics counters, and the display names and categories of the table's routes. */
export interface TableAnalytics {
  store: UsageAnalytics;
  labels: ReadonlyMap<string, RouteLabel>;
}
