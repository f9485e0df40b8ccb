import type { Cluster, Redis } from 'ioredis';
import type { ChannelBus } from './channel-bus.js';
import type { ChannelMessage } from './channel-message.js';
import { parseChannelMessage } from './decode-channel-message.js';

/** The Redis pub/sub channel every instance's hub listens on. */
export const HUB_BUS_CHANNEL = 'gatewayd:hub:messages';

export interface BusLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Hub messages between instances over Redis pub/sub: one subscriber connection per process
 * (`subscriber`, owned by the bus) and publishes on the shared command connection (`publisher`).
 *
 * Exactly once per instance: a publish goes to Redis only, and this instance delivers it when
 * Redis hands it back on the subscriber like every other instance does, never also directly.
 *
 * While Redis is away a publish rejects at once (the command connection has no offline queue),
 * so the publisher learns its message went nowhere; local subscribers keep their connections.
 * A publish also rejects while this instance's own subscription is not in place (after a
 * reconnect, until it has subscribed again): Redis would take the message and this instance's
 * subscribers would never get it, so "accepted" would be untrue. The subscriber reconnects by
 * itself and subscribes again; what other instances published in between is not delivered live
 * (pub/sub keeps nothing) but is in the Redis history, where a client resuming with `since`
 * finds it.
 */
export class RedisChannelBus implements ChannelBus {
  private deliver: (msg: ChannelMessage) => void = () => undefined;
  private subscribed = false;
  private readonly subscribeNow = (): void => {
    const subscribing = this.sharded
      ? this.subscriber.ssubscribe(this.channel)
      : this.subscriber.subscribe(this.channel);
    subscribing.then(
      () => {
        this.subscribed = true;
      },
      (err: unknown) => {
        // A reconnect subscribes again ('ready'); until then this instance receives nothing.
        this.logger.warn({ err: (err as Error).message }, 'hub bus: subscribing failed');
      },
    );
  };
  private readonly unsubscribed = (): void => {
    this.subscribed = false;
  };

  constructor(
    private readonly publisher: Redis | Cluster,
    private readonly subscriber: Redis | Cluster,
    private readonly logger: BusLogger,
    private readonly channel = HUB_BUS_CHANNEL,
    /** Redis Cluster: SSUBSCRIBE/SPUBLISH, so the bus travels within its channel's shard only. */
    private readonly sharded = false,
  ) {
    subscriber.on(sharded ? 'smessage' : 'message', (from: string, text: string) => {
      if (from !== this.channel) return;
      const msg = parseChannelMessage(text);
      if (msg === null) {
        this.logger.warn({ channel: from }, 'hub bus: ignoring a payload that is not a message');
        return;
      }
      this.deliver(msg);
    });
    subscriber.on('ready', this.subscribeNow);
    subscriber.on('close', this.unsubscribed);
    if (subscriber.status === 'ready') this.subscribeNow();
  }

  async publish(msg: ChannelMessage): Promise<void> {
    if (!this.subscribed) throw new Error('hub bus: this instance is not subscribed yet');
    const text = JSON.stringify(msg);
    if (this.sharded) await this.publisher.spublish(this.channel, text);
    else await this.publisher.publish(this.channel, text);
  }

  onMessage(deliver: (msg: ChannelMessage) => void): void {
    this.deliver = deliver;
  }

  /** Closes the subscriber connection; the publisher is shared and closed by its owner. */
  close(): Promise<void> {
    this.subscriber.off('ready', this.subscribeNow);
    this.subscriber.off('close', this.unsubscribed);
    this.subscriber.disconnect();
    return Promise.resolve();
  }
}
