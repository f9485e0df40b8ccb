import { ConfigCode } from '../errors/config-codes.js';
import type { PathProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';

const AT = ['websocket', 'integration', 'message_queue'];

const SCHEMES = { rabbitmq: ['amqp:', 'amqps:'], nats: ['nats:', 'tls:'] };

/**
 * `websocket.integration.message_queue` beyond the schema: an enabled RabbitMQ or NATS ingress
 * needs a broker URL it can dial and an exchange (a subject on NATS), a direct exchange needs
 * its binding keys, and keys the exchange type or NATS ignore are reported. Messages never quote
 * the URL: it may hold a password.
 */
export function checkMessageQueue(config: GatewayConfig): PathProblem[] {
  const mq = config.websocket?.integration?.message_queue;
  const type = mq?.type ?? 'rabbitmq';
  if (mq?.enabled !== true || type === 'kafka') return [];
  const nats = type === 'nats';
  const problems: PathProblem[] = [];
  const ignored = (key: string, message: string, hint: string): void => {
    problems.push({
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      path: [...AT, key],
      message,
      hint,
      atKey: true,
    });
  };
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
  const example = nats
    ? 'nats://user:password@host:4222 (or tls://, or nats://TOKEN@host)'
    : 'amqp://user:password@host:5672/vhost (vhost optional)';
  if (mq.url === undefined) missing('a url', `add url: ${example}`);
  else if (!dialable(mq.url, SCHEMES[type])) {
    problems.push({
      severity: 'error',
      code: ConfigCode.URL,
      path: [...AT, 'url'],
      message: `message_queue.url is not a ${SCHEMES[type].map((s) => `${s}//`).join(' or ')} URL with a host`,
      hint: `write it as ${example}`,
    });
  }
  if (mq.exchange === undefined) {
    missing(nats ? 'an exchange (the subject)' : 'an exchange', 'add exchange: websocket_events');
  }
  if (nats) {
    for (const key of ['exchange_type', 'binding_keys'] as const) {
      if (mq[key] !== undefined) {
        ignored(
          key,
          `NATS has no exchanges: ${key} has no effect`,
          'remove it; exchange is the subject, wildcards * and > allowed',
        );
      }
    }
    return problems;
  }
  const exchangeType = mq.exchange_type ?? 'topic';
  if (exchangeType === 'direct' && mq.binding_keys === undefined) {
    problems.push({
      severity: 'error',
      code: ConfigCode.MISSING_KEY,
      path: [...AT, 'exchange_type'],
      message: 'a direct exchange delivers only the routing keys the queue is bound with',
      hint: 'add binding_keys: [user.created, ...], or use exchange_type: topic',
    });
  }
  if (exchangeType === 'fanout' && mq.binding_keys !== undefined) {
    ignored(
      'binding_keys',
      'a fanout exchange delivers every message to every bound queue: binding_keys has no effect',
      'remove binding_keys, or use exchange_type: topic',
    );
  }
  return problems;
}

function dialable(url: string, schemes: readonly string[]): boolean {
  try {
    const parsed = new URL(url);
    return schemes.includes(parsed.protocol) && parsed.hostname !== '';
  } catch {
    return false;
  }
}
