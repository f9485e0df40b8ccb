import { duration } from '../config/units.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../observability/logger.js';
import { redisTargetOf } from './redis-target.js';
import { RedisRuntimeRouteStore } from './redis-runtime-route-store.js';
import { MemoryRuntimeRouteStore, type RuntimeRouteStore } from './runtime-route-store.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** Redis when the config has a `redis` block (shared, kept across restarts), else memory. */
export function createRuntimeRouteStore(config: GatewayConfig, logger: Logger): RuntimeRouteStore {
  const redis = config.redis;
  const target = redisTargetOf(config);
  if (redis === undefined || target === undefined) return new MemoryRuntimeRouteStore();
  return new RedisRuntimeRouteStore({
    target,
    keyPrefix: redis.key_prefix ?? CONFIG_DEFAULTS.redis.key_prefix,
    commandTimeoutMs: duration(redis.command_timeout, CONFIG_DEFAULTS.redis.command_timeout),
    logger,
  });
}
