import type { GatewayConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import type { SystemView } from '../identity/system-view.js';
import { GATEWAYD_VERSION } from '../observability/version.js';
import type { RedisClient } from '../state/redis-connection.js';
import { scanKeys } from '../state/redis-keys.js';
import { redisTargetOf, type RedisTarget } from '../state/redis-target.js';
import type { ChannelHub } from '../websocket/hub/channel-hub.js';

/** INFO fields shown: versions, memory, clients; nothing that names a host, a file or a secret. */
const INFO_FIELDS = [
  'redis_version',
  'redis_mode',
  'uptime_in_seconds',
  'connected_clients',
  'blocked_clients',
  'used_memory',
  'used_memory_human',
  'used_memory_peak_human',
  'maxmemory_human',
  'maxmemory_policy',
  'role',
  'total_commands_processed',
  'keyspace_hits',
  'keyspace_misses',
] as const;

/** The identity endpoints' view of this gateway: its hub and its top-level Redis. */
export function createSystemView(
  config: GatewayConfig,
  routeCount: () => number,
  hub: ChannelHub | undefined,
  redis: (target: RedisTarget) => RedisClient,
): SystemView {
  const target = redisTargetOf(config);
  const prefix = config.redis?.key_prefix ?? CONFIG_DEFAULTS.redis.key_prefix;
  return {
    connectionsOf(username) {
      return (hub?.connections() ?? [])
        .filter((c) => c.subject === username)
        .map((c) => ({
          connection_id: c.id,
          connected_at: new Date(c.since).toISOString(),
          channels: c.channels,
          roles: c.roles,
          origin: c.origin,
          messages_in: c.messagesIn,
          messages_out: c.messagesOut,
        }));
    },
    stats() {
      const memory = process.memoryUsage();
      return {
        version: GATEWAYD_VERSION,
        node_version: process.version,
        pid: process.pid,
        uptime_seconds: Math.round(process.uptime()),
        memory: { rss: memory.rss, heap_used: memory.heapUsed, heap_total: memory.heapTotal },
        routes: routeCount(),
        websocket: hub?.stats() ?? null,
      };
    },
    async redisInfo() {
      if (target === undefined) return null;
      const client = redis(target);
      // On a Cluster, INFO answers for one node and the keys are counted on every master.
      const fields = parseInfo(await client.info());
      const keys = (await scanKeys(client, `${prefix}*`)).length;
      return {
        connected: client.status === 'ready',
        ...Object.fromEntries(INFO_FIELDS.flatMap((f) => (f in fields ? [[f, fields[f]]] : []))),
        key_prefix: prefix,
        keys_under_prefix: keys,
      };
    },
  };
}

function parseInfo(text: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    const value = line.slice(colon + 1);
    out[line.slice(0, colon)] = /^\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}
