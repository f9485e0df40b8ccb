import { createHash } from 'node:crypto';
import type {
  ChannelConfig,
  GatewayConfig,
  RouteConfig,
  WebSocketConfig,
} from '../config/gateway-config.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import type { ChannelBus } from '../websocket/hub/channel-bus.js';
import { ChannelPolicies } from '../websocket/hub/channel-policies.js';
import type { HistoryStore } from '../websocket/hub/history-store.js';
import { createHubAuth } from '../websocket/hub/hub-authenticate.js';
import type {
  ChannelPolicy,
  HubMetrics,
  HubServerSettings,
  HubSettings,
  MessageRoute,
} from '../websocket/hub/hub-settings.js';
import { LocalChannelBus } from '../websocket/hub/local-channel-bus.js';
import { MemoryHistoryStore } from '../websocket/hub/memory-history-store.js';
import type { AccessControl } from './access-control.js';
import type { Share } from '../state/shared-objects.js';
import { duration, size } from '../config/units.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

const W = CONFIG_DEFAULTS.websocket.server;
const C = CONFIG_DEFAULTS.websocket.channels;

/** Where the hub is served when no route has `handler: websocket`. */
export const DEFAULT_HUB_PATH = '/ws';

/** The `websocket` block compiled; null when there is none or it is disabled. */
export function compileHub(
  config: GatewayConfig,
  groups: ReadonlyMap<string, UpstreamGroup>,
  access: AccessControl,
  share: Share,
  /** Redis versions (compile-hub-network.ts); null: memory and a local bus. */
  shared: { history: HistoryStore | null; bus: ChannelBus } | null,
  metrics: HubMetrics | null,
): HubSettings | null {
  const ws = config.websocket;
  if (ws === undefined || ws.enabled === false) return null;
  const server = compileServer(ws);
  const channels = ws.channels ?? {};
  const policies = Object.entries(channels)
    .filter(([name]) => name !== 'default')
    .map(([name, c]) => compilePolicy(name, c, server.requireAuth));
  const fallback = compilePolicy('default', channels.default ?? {}, server.requireAuth);
  const messageRoutes = new Map<string, MessageRoute>();
  for (const [type, r] of Object.entries(ws.message_routes ?? {})) {
    messageRoutes.set(type, {
      type,
      upstream: r.upstream,
      group: groups.get(r.upstream) as UpstreamGroup,
      path: r.path,
      roles: r.roles === undefined || r.roles.length === 0 ? null : new Set(r.roles),
      timeoutMs: duration(r.timeout, CONFIG_DEFAULTS.websocket.message_routes.timeout),
      mergeReply: r.reply === 'merge',
    });
  }
  const persistence = ws.routing?.persistence;
  const { history, bus } = hubBackends(share, shared);
  const auth = createHubAuth({
    ...access.hub,
    queryParam: config.auth?.jwt?.query_parameter,
  });
  return {
    server,
    channels: ChannelPolicies.from(policies, fallback),
    messageRoutes,
    history,
    bus,
    historyEnabled: persistence?.enabled !== false,
    historyTtlMs: duration(persistence?.ttl, CONFIG_DEFAULTS.websocket.routing.persistence.ttl),
    authenticate: auth.authenticate,
    verifyToken: auth.verifyToken,
    contextHeaders: access.hub.contextHeaders,
    config: ws,
    metrics,
  };
}

/**
 * History and the bus outlive tables (sequence numbers and history survive reloads). One
 * instance: memory and a local bus; shared Redis versions replace them when configured.
 */
function hubBackends(
  share: Share,
  shared: { history: HistoryStore | null; bus: ChannelBus } | null,
): { history: HistoryStore; bus: ChannelBus } {
  return {
    bus:
      shared?.bus ??
      share(
        'hub bus local',
        () => new LocalChannelBus(),
        (b) => b.close(),
      ),
    history:
      shared?.history ??
      share(
        'hub history memory',
        () => new MemoryHistoryStore(),
        (s) => s.close(),
      ),
  };
}

function compileServer(ws: WebSocketConfig): HubServerSettings {
  const s = ws.server ?? {};
  const maxMessage = s.max_message_size;
  return {
    maxConnections: s.max_connections ?? W.max_connections,
    idleTimeoutMs: duration(s.idle_timeout, W.idle_timeout),
    maxMessageBytes:
      typeof maxMessage === 'number' ? maxMessage : size(maxMessage, W.max_message_size),
    pingIntervalMs: duration(s.ping_interval, W.ping_interval),
    pongTimeoutMs: duration(s.pong_timeout, W.pong_timeout),
    pingFormat: s.ping_format ?? W.ping_format,
    authGraceMs: duration(s.auth_grace_period, W.auth_grace_period),
    rate:
      s.rate_limit === undefined
        ? null
        : {
            perMinute: s.rate_limit.messages_per_minute,
            burst: s.rate_limit.burst_limit ?? W.rate_limit.burst_limit,
          },
    requireAuth: s.require_auth ?? W.require_auth,
    allowAnonymous: s.allow_anonymous ?? W.allow_anonymous,
    refuseInBand: (s.refused_upgrade ?? W.refused_upgrade) === 'close',
  };
}

function compilePolicy(key: string, c: ChannelConfig, serverRequiresAuth: boolean): ChannelPolicy {
  const requiredRoles = c.required_roles ?? [];
  const userSpecific = c.user_specific ?? C.user_specific;
  const origins = c.allowed_origins;
  const effective = {
    maxSubscribers: c.max_subscribers ?? C.max_subscribers,
    history: c.message_history ?? C.message_history,
    requireAuth: (c.require_auth ?? serverRequiresAuth) || userSpecific || requiredRoles.length > 0,
    requiredRoles,
    userSpecific,
    allowedOrigins: origins === undefined || origins.includes('*') ? null : [...origins].sort(),
    allowPublish: c.allow_publish ?? C.allow_publish,
  };
  return {
    ...effective,
    key,
    fingerprint: `${key} ${JSON.stringify(effective)}`,
    allowedOrigins: effective.allowedOrigins === null ? null : new Set(effective.allowedOrigins),
  };
}

/**
 * The fingerprint of a hub route: a reload that changes it (path, guards, the hub's upgrade
 * checks, allowed origins or the auth providers) closes the route's connections with 1012.
 */
export function hubRouteKey(rc: RouteConfig, config: GatewayConfig): string {
  const server = config.websocket?.server ?? {};
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        route: rc,
        auth: config.auth ?? null,
        require_auth: server.require_auth,
        allow_anonymous: server.allow_anonymous,
        allowed_origins: server.allowed_origins,
      }),
    )
    .digest('hex');
  return `hub ${digest}`;
}
