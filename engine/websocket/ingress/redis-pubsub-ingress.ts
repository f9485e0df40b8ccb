import type { Cluster, Redis } from 'ioredis';
import { IngressRefusal, readIngressEvent, type IngressEvent } from './ingress-event.js';
import type { IngressRules } from './ingress-rules.js';

export interface IngressLogger {
  warn(obj: object, msg: string): void;
}

/** The rules and the hub of the table in force; null when the table has no hub ingress. */
export type IngressTarget = () => {
  rules: IngressRules;
  publish: (event: IngressEvent, source: string) => Promise<unknown>;
} | null;

/**
 * `integration.redis_pubsub`: services PUBLISH JSON on the listed Redis channels, in the webhook's
 * shapes (`{"event": "user.created", "data": ...}` through service_events mappings, or
 * `{"type": "channel_broadcast", "channel": ..., "data": ...}`, ...). The subscriber connection
 * is its own (subscribe mode takes a connection over) and subscribes again after a reconnect.
 * A message that is not one of the shapes, or that the hub cannot take, is logged and dropped:
 * pub/sub has nobody to answer.
 */
export class RedisPubsubIngress {
  private readonly subscribeNow = (): void => {
    this.subscriber.subscribe(...this.channels).catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, 'redis_pubsub ingress: subscribing failed');
    });
  };

  constructor(
    private readonly subscriber: Redis | Cluster,
    private readonly channels: readonly string[],
    private readonly target: IngressTarget,
    private readonly logger: IngressLogger,
  ) {
    subscriber.on('message', (channel: string, text: string) => this.receive(channel, text));
    subscriber.on('ready', this.subscribeNow);
    if (subscriber.status === 'ready') this.subscribeNow();
  }

  close(): void {
    this.subscriber.off('ready', this.subscribeNow);
    this.subscriber.disconnect();
  }

  private receive(channel: string, text: string): void {
    const target = this.target();
    if (target === null) return;
    let event: IngressEvent;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new IngressRefusal('the message is not JSON');
      }
      event = readIngressEvent(parsed, target.rules);
    } catch (err) {
      if (!(err instanceof IngressRefusal)) throw err;
      this.logger.warn(
        { redis_channel: channel, reason: err.message },
        'redis_pubsub ingress: message dropped',
      );
      return;
    }
    target.publish(event, `redis:${channel}`).catch((err: unknown) => {
      this.logger.warn(
        { redis_channel: channel, channel: event.channel, err: (err as Error).message },
        'redis_pubsub ingress: the hub could not take the message',
      );
    });
  }
}
