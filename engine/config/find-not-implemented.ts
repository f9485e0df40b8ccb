import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';
import { formatConfigPath } from './format-config-path.js';

/**
 * Warnings at each configured block the engine does not act on yet, so nobody believes a feature
 * acts when it does not. Blocks explicitly disabled are not reported.
 */
export function findNotImplemented(config: GatewayConfig): PathProblem[] {
  const warnings: PathProblem[] = [];
  const warn = (path: ConfigPath, what: string, hint?: string): void => {
    const message = `${formatConfigPath(path)}: ${what}`;
    warnings.push({
      severity: 'warning',
      code: ConfigCode.NOT_IMPLEMENTED,
      message,
      hint,
      path,
      atKey: true,
    });
  };
  const { websocket } = config;
  const mq = websocket?.integration?.message_queue;
  if (mq?.enabled === true && mq.type === 'kafka') {
    warn(
      ['websocket', 'integration', 'message_queue', 'type'],
      `a ${mq.type} ingress is not implemented; nothing is consumed from it`,
      'use type: rabbitmq or nats, or the webhook or redis_pubsub ingress',
    );
  }
  return warnings;
}
