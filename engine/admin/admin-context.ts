import type { RouteTable } from '../compile/route-table.js';
import type { UsageRecorder } from '../observability/usage-recorder.js';
import type { ConfigProblem } from '../config/config-problem.js';
import type { RouteProblem, StoredRuntimeRoute } from '../config/runtime-route.js';
import type { RuntimeRouteStore } from '../state/runtime-route-store.js';
import type { ConfigStatus, ReloadRecord } from './config-status.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import type { RedisProbe } from '../gateway-endpoints/redis-probe.js';
import type { WebSocketAdminState } from './websocket-admin.js';
import type { ServedCertificate } from '../tls/https-listener.js';
import type { CachePurge } from '../filters/cache/cache-purge.js';

/** What the admin API reads and drives: the running gateway, seen through this interface. */
export interface AdminContext {
  /** The table in force, read at each request. */
  table(): RouteTable;
  readonly status: ConfigStatus;
  /** The upstream groups of the table in force. */
  upstreams(): readonly UpstreamGroup[];
  readonly usage: UsageRecorder;
  readonly runtimeRoutes: RuntimeRouteControl;
  /** Epoch ms when the gateway started. */
  readonly startedAt: number;
  /** Reloads the config file (every worker does) and answers this process's outcome. */
  reload(): Promise<ReloadRecord>;
  /** The Redis of the `redis` block; null without one. */
  redis(): RedisProbe | null;
  /** The WebSocket hub's operations; null without a hub. */
  websocket(): WebSocketAdminState | null;
  /** The HTTPS listener's certificates as served now; empty without one. */
  certificates(): readonly ServedCertificate[];
  /** The bound HTTPS port; null without an HTTPS listener. */
  httpsPort(): number | null;
  /** After a purge here: the other workers (server.workers above 1) drop the same entries. */
  cachePurged(purge: CachePurge): void;
  /** Builds a config given as text without serving it, as `gatewayd check` builds a file. */
  checkConfigText(text: string, name: string): Promise<CheckedConfig>;
}

/** The runtime routes as the admin API lists, registers and removes them. */
export interface RuntimeRouteControl {
  readonly store: Pick<RuntimeRouteStore, 'kind'>;
  readonly routes: readonly StoredRuntimeRoute[];
  register(posted: unknown): Promise<{ table: RouteTable; warnings: RouteProblem[] }>;
  remove(name: string): Promise<boolean>;
}

/** The outcome of checkConfigText: the table it would serve, or what stops it. */
export type CheckedConfig =
  | { ok: true; table: RouteTable; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[] };
