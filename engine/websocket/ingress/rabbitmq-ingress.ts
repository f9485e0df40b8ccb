import type { Channel, ChannelModel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import { GatewayError } from '../../errors/gateway-error.js';
import { IngressRefusal, readQueueMessage, type IngressEvent } from './ingress-event.js';
import type { IngressTarget } from './redis-pubsub-ingress.js';
import { maskUrlSecrets, redactBrokerUrl } from './broker-url.js';
import type {
  MessageQueueIngress,
  MessageQueueLogger,
  MessageQueueStatus,
} from './message-queue-status.js';

/** `integration.message_queue` with type rabbitmq, defaults applied. */
export interface RabbitmqIngressSettings {
  /** May carry a password: only `broker` is ever logged. */
  url: string;
  exchange: string;
  exchangeType: 'topic' | 'direct' | 'fanout';
  bindingKeys: readonly string[];
  /** A durable queue shared by every instance; null: an exclusive queue of this process. */
  queue: string | null;
}

/** Unacknowledged messages the broker may hand this process at once. */
const PREFETCH = 100;
/** A message the hub could not take (its Redis away) goes back to the queue after this. */
const REQUEUE_DELAY_MS = 1000;
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * `integration.message_queue` on RabbitMQ: one connection per process with its own queue bound to
 * the exchange (see RabbitmqIngressSettings.queue). Each message is read like a webhook body and
 * published into the hub of the table in force; it is acknowledged once the hub has taken it,
 * rejected without requeue when it is not one of the shapes (a dead-letter exchange on a named
 * queue receives it), and requeued after a pause when the hub cannot take it right now. A lost
 * connection is retried with exponential backoff, 0.5 s doubling up to 5 s with jitter (one
 * connection per instance: a short cap costs the broker little), and the exchange, queue,
 * bindings and consumer are declared again on every connection.
 */
export class RabbitmqIngress implements MessageQueueIngress {
  private readonly connection: Promise<RecoveringChannelModel>;
  private readonly broker: string;
  private closing = false;
  private connected = false;
  private reconnects = 0;
  private delivered = 0;
  private dropped = 0;
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(
    private readonly settings: RabbitmqIngressSettings,
    private readonly target: IngressTarget,
    private readonly logger: MessageQueueLogger,
  ) {
    this.broker = redactBrokerUrl(settings.url);
    // Loaded on first use: a gateway without a RabbitMQ ingress does not pay for the client.
    this.connection = import('amqplib').then(({ connect }) =>
      connect(settings.url, {
        recovery: {
          waitForConnect: false,
          initialDelay: RECONNECT_FIRST_MS,
          maxDelay: RECONNECT_MAX_MS,
          maxRetries: Infinity,
          setup: (model: ChannelModel) => this.consume(model),
        },
      }),
    );
    this.connection.then(
      (c) => this.watch(c),
      (err: unknown) => this.warn(err, 'message_queue ingress: cannot start'),
    );
  }

  status(): MessageQueueStatus {
    return {
      type: 'rabbitmq',
      broker: this.broker,
      exchange: this.settings.exchange,
      queue: this.settings.queue,
      connected: this.connected,
      reconnects: this.reconnects,
      delivered: this.delivered,
      dropped: this.dropped,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    const c = await this.connection.catch(() => null);
    await c?.close();
  }

  private watch(c: RecoveringChannelModel): void {
    c.on('connect', () => {
      this.connected = true;
      this.logger.info(
        { broker: this.broker, exchange: this.settings.exchange, queue: this.settings.queue },
        'message_queue ingress: consuming',
      );
    });
    c.on('disconnect', (err: Error) => {
      this.connected = false;
      this.warn(err, 'message_queue ingress: connection lost');
    });
    c.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) => {
      this.reconnects++;
      this.logger.warn(
        {
          broker: this.broker,
          attempt: info.attempt,
          delay_ms: Math.round(info.delay),
          err: this.redact(info.error.message),
        },
        'message_queue ingress: reconnecting',
      );
    });
    c.on('error', (err: Error) => this.warn(err, 'message_queue ingress: connection error'));
  }

  /** Run on every connection: the topology, then the consumer. */
  private async consume(model: ChannelModel): Promise<void> {
    const s = this.settings;
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => this.warn(err, 'message_queue ingress: channel error'));
    // A channel the broker closed on its own stops consumption: closing the connection makes
    // the recovery reconnect and declare everything again.
    ch.on('close', () => {
      if (!this.closing) model.close().catch(() => undefined);
    });
    await ch.assertExchange(s.exchange, s.exchangeType, { durable: true });
    const queue =
      s.queue === null
        ? (await ch.assertQueue('', { exclusive: true, autoDelete: true })).queue
        : (await ch.assertQueue(s.queue, { durable: true })).queue;
    const keys = s.exchangeType === 'fanout' ? [''] : s.bindingKeys;
    for (const key of keys) await ch.bindQueue(queue, s.exchange, key);
    await ch.prefetch(PREFETCH);
    await ch.consume(queue, (msg) => {
      if (msg !== null) this.receive(ch, msg);
    });
  }

  private receive(ch: Channel, msg: ConsumeMessage): void {
    const target = this.target();
    if (target === null) {
      this.requeueLater(ch, msg);
      return;
    }
    const routingKey = msg.fields.routingKey;
    let event: IngressEvent;
    try {
      event = readQueueMessage(msg.content, routingKey, target.rules);
    } catch (err) {
      if (!(err instanceof IngressRefusal)) throw err;
      this.drop(ch, msg, err.message);
      return;
    }
    target.publish(event, `rabbitmq:${this.settings.exchange}`).then(
      () => {
        this.delivered++;
        settle(() => ch.ack(msg));
      },
      (err: unknown) => {
        if (err instanceof GatewayError) {
          this.drop(ch, msg, err.message);
          return;
        }
        this.logger.warn(
          { routing_key: routingKey, channel: event.channel, err: (err as Error).message },
          'message_queue ingress: the hub could not take the message; requeued',
        );
        this.requeueLater(ch, msg);
      },
    );
  }

  private drop(ch: Channel, msg: ConsumeMessage, reason: string): void {
    this.dropped++;
    this.logger.warn(
      { routing_key: msg.fields.routingKey, reason },
      'message_queue ingress: message dropped',
    );
    settle(() => ch.reject(msg, false));
  }

  /** Back to the queue after a pause, so a hub that is down is not retried in a tight loop. */
  private requeueLater(ch: Channel, msg: ConsumeMessage): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      settle(() => ch.nack(msg, false, true));
    }, REQUEUE_DELAY_MS);
    timer.unref();
    this.pending.add(timer);
  }

  private warn(err: unknown, msg: string): void {
    if (this.closing) return;
    this.logger.warn(
      { broker: this.broker, err: this.redact(String((err as Error).message)) },
      msg,
    );
  }

  /** A client error that quotes the URL must not carry its password into the log. */
  private redact(text: string): string {
    return maskUrlSecrets(text, this.settings.url);
  }
}

/** Ack, reject and nack on a channel that closed meanwhile throw; the broker redelivers anyway. */
function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    // The channel is gone with its unacknowledged messages, which the broker hands out again.
  }
}
