import { ConfigCode } from '../errors/config-codes.js';
import type { PathProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';

/** `websocket.presence` keeps its users in Redis and follows the hub's connections. */
export function checkPresence(config: GatewayConfig): PathProblem[] {
  const presence = config.websocket?.presence;
  if (presence === undefined || presence.enabled === false) return [];
  if (config.redis !== undefined) return [];
  return [
    {
      severity: 'error',
      code: ConfigCode.REDIS_REQUIRED,
      message:
        'websocket.presence keeps online users in Redis, but there is no top-level redis block',
      hint: 'add redis: { url: "redis://host:6379" }, or presence: { enabled: false }',
      path: ['websocket', 'presence'],
      atKey: true,
    },
  ];
}
