import type { WebSocketAdminState } from '../admin/websocket-admin.js';
import { INSTANCE_ID, type HubNetworkContext } from '../compile/compile-hub-network.js';
import type { RouteTable } from '../compile/route-table.js';
import type { Identity } from '../data-plane/identity.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ChannelMessage } from '../websocket/hub/channel-message.js';
import type { Logger } from '../observability/logger.js';
import type { ChannelHub, HubConnectionInfo } from '../websocket/hub/channel-hub.js';
import type {
  PresenceConnection,
  PresenceTracker,
} from '../websocket/presence/presence-tracker.js';

/**
 * Connects the long-lived hub to what each table compiles around it: ingress publishes into the
 * hub, presence follows the hub's connections, the admin API reaches the hub. Everything reads
 * the table in force at the moment, so a reload applies to the next message or connection.
 */
export class HubNetworkLink {
  private tracker: PresenceTracker | null = null;
  readonly context: HubNetworkContext;

  constructor(
    private readonly hub: ChannelHub,
    private readonly table: () => RouteTable | null,
    private readonly logger: Logger,
  ) {
    const publish: HubNetworkContext['publish'] = (event, from) =>
      checkedPublish(hub, event.channel, event.data, from, event.targetUser);
    this.context = {
      publish,
      target: () => {
        const rules = this.table()?.hubNetwork?.rules;
        return rules === undefined ? null : { rules, publish };
      },
      presenceEvents: {
        online: (tenant, user) => this.presenceEvent(tenant, { event: 'user_online', ...user }),
        offline: (tenant, userId) => this.presenceEvent(tenant, { event: 'user_offline', userId }),
      },
    };
    hub.onConnect((info, identity) => {
      const conn = this.presenceOf(info, identity);
      if (conn !== null) this.tracker?.connected(conn);
    });
    hub.onDisconnect((info, identity) => {
      const conn = this.presenceOf(info, identity);
      if (conn !== null) this.tracker?.disconnected(conn);
    });
  }

  /** The table is in force: start its presence tracker, handing a new one the open connections. */
  install(table: RouteTable): void {
    const presence = table.hubNetwork?.presence ?? null;
    const next = presence?.tracker ?? null;
    if (presence !== null) {
      presence.tracker.configure(presence.ttlMs);
      presence.tracker.start();
    }
    if (next !== null && next !== this.tracker) {
      this.tracker = next;
      for (const info of this.hub.connections()) {
        const conn = this.presenceOf(info, null);
        if (conn !== null) next.connected(conn);
      }
    }
    this.tracker = next;
  }

  /** The admin API's view of the hub; null when the table has no hub. */
  adminState(): WebSocketAdminState | null {
    const table = this.table();
    if (table?.hub == null) return null;
    const hub = this.hub;
    const tracker = table.hubNetwork?.presence?.tracker ?? null;
    const mq = table.hubNetwork?.messageQueue ?? null;
    return {
      instanceId: INSTANCE_ID,
      hub: {
        connections: () => hub.connections(),
        disconnect: (id, code, reason) => hub.disconnect(id, code, reason),
        sendTo: (id, data) => hub.sendTo(id, data),
        channelStats: () => hub.channelStats(),
        stats: () => hub.stats(),
        publish: (channel, data, from, targetUser) =>
          checkedPublish(hub, channel, data, from, targetUser),
      },
      onlineUsers: tracker === null ? null : (tenant) => tracker.list(tenant),
      messageQueue: mq === null ? null : () => mq.status(),
    };
  }

  private presenceEvent(tenant: string, data: Record<string, unknown>): void {
    const presence = this.table()?.hubNetwork?.presence;
    if (presence == null) return;
    const channel = presence.adminChannel.replaceAll('{tenant}', tenant);
    this.hub
      .publish({ channel, data, from: 'service:presence', targetUser: null })
      .catch((err: unknown) =>
        this.logger.warn({ err: (err as Error).message, channel }, 'presence event not published'),
      );
  }

  /** A connection as presence records it; null for anonymous ones and those without a tenant. */
  private presenceOf(
    info: HubConnectionInfo,
    identity: Identity | null,
  ): PresenceConnection | null {
    const claim = this.table()?.hubNetwork?.presence?.tenantClaim ?? null;
    const fromClaim = claim === null ? undefined : identity?.claims?.[claim];
    const tenant = fromClaim === undefined ? info.tenant : String(fromClaim);
    if (info.subject === null || tenant === null || tenant === '') return null;
    return {
      id: info.id,
      userId: info.subject,
      tenant,
      connectedAt: info.since,
      domain: hostOf(info.origin),
      origin: info.origin,
      url: null,
    };
  }
}

function hostOf(origin: string | null): string | null {
  if (origin === null) return null;
  try {
    return new URL(origin).hostname;
  } catch {
    return null;
  }
}

/** A service's publish, refused with 400 when it could reach nobody (see ChannelHub.untargeted). */
function checkedPublish(
  hub: ChannelHub,
  channel: string,
  data: unknown,
  from: string,
  targetUser: string | null,
): Promise<ChannelMessage> {
  const problem = hub.untargeted(channel, targetUser);
  if (problem !== null) return Promise.reject(new GatewayError('BAD_REQUEST', problem));
  return hub.publish({ channel, data, from, targetUser });
}
