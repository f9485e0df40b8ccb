import type { RouteTable } from '../compile/route-table.js';
import type { UsageRecorder } from '../observability/usage-recorder.js';
import type { ConfigStatus, ReloadRecord } from '../runtime/config-status.js';
import type { RuntimeRoutes } from '../runtime/runtime-routes.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import type { WebSocketAdminState } from './websocket-admin.js';

/** A Redis connection the admin API can report on. */
export interface RedisProbe {
  /** The URL without its password. */
  readonly url: string;
  /** The client's connection state: ready, connecting, reconnecting, end, ... */
  readonly connection: string;
  /** Round trip of one PING in ms; rejects when Redis does not answer. */
  ping(): Promise<number>;
}

/** What the admin API reads and drives: the running gateway, seen through this interface. */
export interface AdminContext {
  /** The table in force, read at each request. */
  table(): RouteTable;
  readonly status: ConfigStatus;
  /** The upstream groups of the table in force. */
  upstreams(): readonly UpstreamGroup[];
  readonly usage: UsageRecorder;
  readonly runtimeRoutes: RuntimeRoutes;
  /** Epoch ms when the gateway started. */
  readonly startedAt: number;
  /** Reloads the config file (every worker does) and answers this process's outcome. */
  reload(): Promise<ReloadRecord>;
  /** The Redis of the `redis` block; null without one. */
  redis(): RedisProbe | null;
  /** The WebSocket hub's operations; null without a hub. */
  websocket(): WebSocketAdminState | null;
}
