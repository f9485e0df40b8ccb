import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../observability/logger.js';
import { createRedisClient } from './redis-connection.js';
import type { Share } from './shared-objects.js';
import { duration } from '../config/units.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** The table's Redis clients, one per URL, shared across reloads and recorded for the start. */
export interface SharedRedis {
  client(url: string): Redis;
  /** Every client this build uses, so a start can wait for them to connect. */
  readonly clients: ReadonlySet<Redis>;
}

export function createSharedRedis(
  config: GatewayConfig,
  share: Share,
  logger: Logger,
  /** Building for `gatewayd check`: clients are made but never connect. */
  offline: boolean,
): SharedRedis {
  const clients = new Set<Redis>();
  return {
    clients,
    client(url) {
      const client = share(
        `redis ${url}`,
        () =>
          createRedisClient(url, logger, {
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
