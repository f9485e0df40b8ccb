import { duration } from '../config/units.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../observability/logger.js';
import { RedisRuntimeRouteStore } from './redis-runtime-route-store.js';
import { MemoryRuntimeRouteStore, type RuntimeRouteStore } from './runtime-route-store.js';

/** Redis when the config has a `redis` block (shared, kept across restarts), else memory. */
export function createRuntimeRouteStore(config: GatewayConfig, logger: Logger): RuntimeRouteStore {
  const redis = config.redis;
  if (redis === undefined) return new MemoryRuntimeRouteStore();
  return new RedisRuntimeRouteStore({
    url: redis.url,
    keyPrefix: redis.key_prefix ?? 'gatewayd:',
    commandTimeoutMs: duration(redis.command_timeout, '500ms'),
    logger,
  });
}
