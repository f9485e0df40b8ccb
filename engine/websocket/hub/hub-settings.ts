import type {
  WebSocketChannelMetrics,
  WebSocketRouteMetrics,
} from '../../observability/metrics/websocket-metrics.js';
import type { WebSocketConfig } from '../../config/gateway-config.js';
import type { ContextHeaders } from '../../filters/context-headers/context-headers.js';
import type { Identity } from '../../data-plane/identity.js';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';
import type { ChannelBus } from './channel-bus.js';
import type { ChannelPolicies } from './channel-policies.js';
import type { HistoryStore } from './history-store.js';

/** One channel entry of the config (or `default`) with defaults applied. */
export interface ChannelPolicy {
  /** The config key it comes from: a channel name, a pattern, or "default". */
  readonly key: string;
  /** Changes when its config changes: a reload closes the subscribers of a changed policy. */
  readonly fingerprint: string;
  readonly maxSubscribers: number;
  readonly history: number;
  readonly requireAuth: boolean;
  /** Any one of these; empty: no role needed. */
  readonly requiredRoles: readonly string[];
  readonly userSpecific: boolean;
  /** Null: any origin. */
  readonly allowedOrigins: ReadonlySet<string> | null;
  readonly allowPublish: boolean;
}

export interface HubServerSettings {
  maxConnections: number;
  /** 0: never. */
  idleTimeoutMs: number;
  maxMessageBytes: number;
  /** 0: never. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  pingFormat: 'frame' | 'json';
  authGraceMs: number;
  /** Null: no per-connection limit. */
  rate: { perMinute: number; burst: number } | null;
  requireAuth: boolean;
  allowAnonymous: boolean;
  /** refused_upgrade: close: a refused credential is told in band (error message, close 4401). */
  refuseInBand: boolean;
}

/** A client message type forwarded to an HTTP upstream. */
export interface MessageRoute {
  readonly type: string;
  readonly upstream: string;
  readonly group: UpstreamGroup;
  readonly path: string;
  /** Null: any connection. */
  readonly roles: ReadonlySet<string> | null;
  readonly timeoutMs: number;
  /** `reply: merge`: a JSON object reply's fields go at the top level of the ack, not under `data`. */
  readonly mergeReply: boolean;
}

/** The hub's credential check at the upgrade: null when the request carries none. */
export type HubAuthenticate = (
  header: (lowerCaseName: string) => string | undefined,
  query: string,
) => Promise<Identity | null>;

/** The compiled `websocket` block: what the hub runs with until the next reload. */
/** What the hub reports; its connections report to their route's series (ConnectionOrigin). */
export interface HubMetrics {
  /** Channel deliveries (one message to N subscribers), counted on the first hub route. */
  readonly deliveries: WebSocketRouteMetrics;
  /** Subscribers by the channel's config key (a name, a pattern, or "default"). */
  channel(key: string): WebSocketChannelMetrics;
}

export interface HubSettings {
  server: HubServerSettings;
  channels: ChannelPolicies;
  messageRoutes: ReadonlyMap<string, MessageRoute>;
  history: HistoryStore;
  bus: ChannelBus;
  /** persistence.enabled: false keeps no messages (sequence numbers still count). */
  historyEnabled: boolean;
  historyTtlMs: number;
  /** Verifies the credential of an upgrade (rejects with an AuthFailure). */
  authenticate: HubAuthenticate;
  /** Verifies the token of an in-band `auth` message; null without any auth provider. */
  verifyToken: ((token: string) => Promise<Identity>) | null;
  contextHeaders: ContextHeaders;
  /** The block as written, for the parts other files compile (ingress, presence). */
  config: WebSocketConfig;
  /** Null when metrics are off. */
  metrics: HubMetrics | null;
}
