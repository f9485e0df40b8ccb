import type { Msg, NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { GatewayError } from '../../errors/gateway-error.js';
import { maskUrlSecrets, redactBrokerUrl } from './broker-url.js';
import { IngressRefusal, readQueueMessage, type IngressEvent } from './ingress-event.js';
import type {
  MessageQueueIngress,
  MessageQueueLogger,
  MessageQueueStatus,
} from './message-queue-status.js';
import type { IngressTarget } from './redis-pubsub-ingress.js';

/** `integration.message_queue` with type nats, defaults applied. */
export interface NatsIngressSettings {
  /** nats:// or tls://, with user:password or a token as user: only `broker` is logged. */
  url: string;
  /** The subject subscribed to; `*` and `>` wildcards allowed. */
  subject: string;
  /** A queue group shared by every instance; null: every process receives every message. */
  queue: string | null;
}

const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 5000;

/**
 * `integration.message_queue` on NATS: one connection per process subscribed to the subject (in a
 * queue group when several instances share a Redis bus). Core NATS delivers at most once: a
 * message that is not one of the shapes, or that the hub cannot take, is logged and dropped. A
 * lost connection is resumed by the client, which subscribes again; every wait between attempts
 * doubles from 0.5 s up to 5 s.
 */
export class NatsIngress implements MessageQueueIngress {
  private readonly options: NodeConnectionOptions;
  private readonly broker: string;
  private connection: NatsConnection | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closing = false;
  private connected = false;
  private reconnects = 0;
  private attempt = 0;
  private delivered = 0;
  private dropped = 0;

  constructor(
    private readonly settings: NatsIngressSettings,
    private readonly target: IngressTarget,
    private readonly logger: MessageQueueLogger,
  ) {
    this.broker = redactBrokerUrl(settings.url, true);
    const url = new URL(settings.url);
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    const host = url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname;
    this.options = {
      servers: `${host}:${url.port || 4222}`,
      ...(pass !== '' ? { user, pass } : user !== '' ? { token: user } : {}),
      ...(url.protocol === 'tls:' ? { tls: {} } : {}),
      name: 'gatewayd',
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => this.nextDelay(),
    };
    this.start();
  }

  /**
   * Connects (the client is loaded on first use); a failed first connection is retried here with
   * the same backoff, later losses by the client itself.
   */
  private start(): void {
    import('@nats-io/transport-node')
      .then(({ connect }) => connect(this.options))
      .then(
        (nc) => {
          if (this.closing) {
            void nc.close();
            return;
          }
          this.connection = nc;
          this.consume(nc);
        },
        (err: unknown) => {
          if (this.closing) return;
          this.warn(err, 'message_queue ingress: cannot connect');
          this.retry = setTimeout(() => this.start(), this.nextDelay());
        },
      );
  }

  status(): MessageQueueStatus {
    return {
      type: 'nats',
      broker: this.broker,
      exchange: this.settings.subject,
      queue: this.settings.queue,
      connected: this.connected,
      reconnects: this.reconnects,
      delivered: this.delivered,
      dropped: this.dropped,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.retry !== null) clearTimeout(this.retry);
    await this.connection?.close();
  }

  private consume(nc: NatsConnection): void {
    this.attempt = 0;
    nc.subscribe(this.settings.subject, {
      ...(this.settings.queue === null ? {} : { queue: this.settings.queue }),
      callback: (err, msg) => {
        if (err === null) this.receive(msg);
        else this.warn(err, 'message_queue ingress: subscription error');
      },
    });
    this.consuming();
    void this.follow(nc);
  }

  /** Connection state from the client's status stream; a connection that ends is started again. */
  private async follow(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        if (!this.closing) {
          this.logger.warn({ broker: this.broker }, 'message_queue ingress: connection lost');
        }
      } else if (s.type === 'reconnect') {
        this.attempt = 0;
        this.consuming();
      } else if (s.type === 'error') {
        this.warn(s.error, 'message_queue ingress: connection error');
      }
    }
    this.connected = false;
    this.connection = null;
    if (!this.closing) {
      this.logger.warn({ broker: this.broker }, 'message_queue ingress: connection closed');
      this.start();
    }
  }

  private consuming(): void {
    this.connected = true;
    this.logger.info(
      { broker: this.broker, exchange: this.settings.subject, queue: this.settings.queue },
      'message_queue ingress: consuming',
    );
  }

  /** Exponential backoff with jitter, logged like the RabbitMQ ingress's. */
  private nextDelay(): number {
    this.attempt++;
    this.reconnects++;
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** (this.attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.2));
    if (!this.closing) {
      this.logger.warn(
        { broker: this.broker, attempt: this.attempt, delay_ms: delay },
        'message_queue ingress: reconnecting',
      );
    }
    return delay;
  }

  private receive(msg: Msg): void {
    const target = this.target();
    if (target === null) {
      this.drop(msg.subject, 'the WebSocket hub is not running');
      return;
    }
    let event: IngressEvent;
    try {
      event = readQueueMessage(msg.data, msg.subject, target.rules);
    } catch (err) {
      if (!(err instanceof IngressRefusal)) throw err;
      this.drop(msg.subject, err.message);
      return;
    }
    target.publish(event, `nats:${msg.subject}`).then(
      () => {
        this.delivered++;
      },
      (err: unknown) =>
        this.drop(
          msg.subject,
          err instanceof GatewayError
            ? err.message
            : `the hub could not take it: ${(err as Error).message}`,
        ),
    );
  }

  private drop(subject: string, reason: string): void {
    this.dropped++;
    this.logger.warn({ subject, reason }, 'message_queue ingress: message dropped');
  }

  private warn(err: unknown, msg: string): void {
    if (this.closing) return;
    this.logger.warn(
      {
        broker: this.broker,
        err: maskUrlSecrets(String((err as Error).message), this.settings.url, true),
      },
      msg,
    );
  }
}
