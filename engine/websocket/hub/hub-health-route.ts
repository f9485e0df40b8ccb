import type { Cluster, Redis } from 'ioredis';
import type { RouteHandler } from '../../data-plane/compiled-route.js';
import { sendJson } from '../../data-plane/generated-json.js';
import { GATEWAYD_VERSION } from '../../observability/version.js';
import type { ChannelHub } from './channel-hub.js';
import { GATEWAY_ID } from './hub-connection.js';

/**
 * `handler: websocket_health` (seed 000's GET /ws/health): the hub's state on this instance.
 * `healthy` with the hub running and its Redis (if the config has one) connected, `degraded`
 * when that Redis is away (the hub still serves local connections), 503 `unavailable` when no
 * hub runs. `redis_connected` is null without a redis block.
 */
export function createHubHealthRoute(
  hub: ChannelHub | null,
  /** The hub's Redis (bus and history), null when it keeps everything in memory. */
  redis: Redis | Cluster | null,
): RouteHandler {
  return function hubHealth(ex) {
    const redisConnected = redis === null ? null : redis.status === 'ready';
    const status = hub === null ? 'unavailable' : redisConnected === false ? 'degraded' : 'healthy';
    sendJson(ex, hub === null ? 503 : 200, {
      status,
      timestamp: new Date().toISOString(),
      gateway_id: GATEWAY_ID,
      version: GATEWAYD_VERSION,
      redis_connected: redisConnected,
      active_connections: hub?.stats().connections ?? 0,
    });
  };
}
