import type { GatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../observability/logger.js';
import { createRedisClient, type RedisClient } from './redis-connection.js';
import { redisTargetKey, type RedisTarget } from './redis-target.js';
import type { Share } from './shared-objects.js';
import { duration } from '../config/units.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** The table's Redis clients, one per target, shared across reloads and recorded for the start. */
export interface SharedRedis {
  client(target: RedisTarget): RedisClient;
  /** Every client this build uses, so a start can wait for them to connect. */
  readonly clients: ReadonlySet<RedisClient>;
}

export function createSharedRedis(
  config: GatewayConfig,
  share: Share,
  logger: Logger,
  /** Building for `gatewayd check`: clients are made but never connect. */
  offline: boolean,
): SharedRedis {
  const clients = new Set<RedisClient>();
  return {
    clients,
    client(target) {
      const client = share(
        `redis ${redisTargetKey(target)}`,
        () =>
          createRedisClient(target, logger, {
            lazyConnect: offline,
            commandTimeoutMs: duration(
              config.redis?.command_timeout,
              CONFIG_DEFAULTS.redis.command_timeout,
            ),
          }),
        (c) => c.disconnect(),
      );
      clients.add(client);
      return client;
    },
  };
}
