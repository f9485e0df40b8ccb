import type { GatewayConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import type { Logger } from '../observability/logger.js';
import { createRedisClient } from '../state/redis-connection.js';
import { redisTargetKey, redisTargetOf } from '../state/redis-target.js';
import { HealthChannel } from '../upstream/health-channel.js';
import type { Share } from '../state/shared-objects.js';
import { INSTANCE_ID } from './compile-hub-network.js';
import type { SharedRedis } from '../state/shared-redis.js';

/**
 * The channel through which instances share upstream health, when there is a redis block and an
 * upstream with health checks that share (the default): its own subscriber connection, shared
 * across reloads like every Redis client.
 */
export function sharedHealthChannel(
  config: GatewayConfig,
  redis: SharedRedis,
  share: Share,
  logger: Logger,
): { channel: HealthChannel; key: string } | null {
  const target = redisTargetOf(config);
  const shares = Object.values(config.upstreams ?? {}).some(
    (u) => u.health_check !== undefined && u.health_check.shared !== false,
  );
  if (target === undefined || !shares) return null;
  const prefix = config.redis?.key_prefix ?? CONFIG_DEFAULTS.redis.key_prefix;
  const key = `health channel ${redisTargetKey(target)} ${prefix}`;
  const command = redis.client(target);
  const channel = share(
    key,
    () =>
      new HealthChannel(
        command,
        createRedisClient(target, logger, { connectionName: 'gatewayd-health' }),
        INSTANCE_ID,
        prefix,
        logger,
      ),
    (c) => c.close(),
  );
  return { channel, key };
}
