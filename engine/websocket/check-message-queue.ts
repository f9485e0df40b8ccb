import { ConfigCode } from '../errors/config-codes.js';
import type { PathProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';

const AT = ['websocket', 'integration', 'message_queue'];

/**
 * `websocket.integration.message_queue` beyond the schema: an enabled RabbitMQ ingress needs a
 * broker URL it can dial and an exchange, a direct exchange needs its binding keys, and keys a
 * fanout exchange ignores are reported. Messages never quote the URL: it may hold a password.
 */
export function checkMessageQueue(config: GatewayConfig): PathProblem[] {
  const mq = config.websocket?.integration?.message_queue;
  if (mq?.enabled !== true || (mq.type !== undefined && mq.type !== 'rabbitmq')) return [];
  const problems: PathProblem[] = [];
  const missing = (key: string, hint: string): void => {
    problems.push({
      severity: 'error',
      code: ConfigCode.MISSING_KEY,
      path: AT,
      message: `message_queue is enabled without ${key}`,
      hint,
      atKey: true,
    });
  };
  if (mq.url === undefined) missing('a url', 'add url: amqp://user:${RABBITMQ_PASSWORD}@host:5672');
  else if (!dialable(mq.url)) {
    problems.push({
      severity: 'error',
      code: ConfigCode.URL,
      path: [...AT, 'url'],
      message: 'message_queue.url is not an amqp:// or amqps:// URL with a host',
      hint: 'write it as amqp://user:password@host:5672/vhost (vhost optional)',
    });
  }
  if (mq.exchange === undefined) missing('an exchange', 'add exchange: websocket_events');
  const type = mq.exchange_type ?? 'topic';
  if (type === 'direct' && mq.binding_keys === undefined) {
    problems.push({
      severity: 'error',
      code: ConfigCode.MISSING_KEY,
      path: [...AT, 'exchange_type'],
      message: 'a direct exchange delivers only the routing keys the queue is bound with',
      hint: 'add binding_keys: [user.created, ...], or use exchange_type: topic',
    });
  }
  if (type === 'fanout' && mq.binding_keys !== undefined) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      path: [...AT, 'binding_keys'],
      message:
        'a fanout exchange delivers every message to every bound queue: binding_keys has no effect',
      hint: 'remove binding_keys, or use exchange_type: topic',
      atKey: true,
    });
  }
  return problems;
}

function dialable(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'amqp:' || parsed.protocol === 'amqps:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
