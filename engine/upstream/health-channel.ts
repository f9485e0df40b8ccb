import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A health verdict or an ejection, as one instance publishes it to the others. */
export type HealthMessage =
  | { upstream: string; from: string; kind: 'health'; origin: string; healthy: boolean }
  | { upstream: string; from: string; kind: 'eject'; origin: string; ms: number };

/**
 * Takes the lease when it is free or already ours (renewing it), and answers who holds it.
 * KEYS: the lease. ARGV: this instance, lease ms.
 */
const LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return holder
`;

/** Gives the lease up, only if it is still ours. KEYS: the lease. ARGV: this instance. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type LeasingRedis = (Redis | Cluster) & {
  gatewaydHealthLease(key: string, instance: string, ms: number): Promise<string>;
  gatewaydHealthRelease(key: string, instance: string): Promise<number>;
};

/**
 * Upstream health shared through Redis, for every upstream of this process: one subscriber
 * connection on `<prefix>health:changes`, the leases and the last verdicts. Each upstream's keys
 * share a hash tag (`<prefix>health:{<upstream>}:lease` and `...:state`), so a Cluster keeps them
 * in one slot.
 */
export class HealthChannel {
  private readonly redis: LeasingRedis;
  private readonly channel: string;
  private readonly listeners = new Map<
    string,
    { message: (msg: HealthMessage) => void; resync: () => void }
  >();
  private readonly subscribeNow = (): void => {
    this.subscriber.subscribe(this.channel).then(
      () => {
        // Messages published while unsubscribed are lost: read the verdicts again.
        for (const l of this.listeners.values()) l.resync();
      },
      (err: unknown) =>
        this.log.warn({ err: (err as Error).message }, 'shared health: subscribing failed'),
    );
  };

  constructor(
    command: Redis | Cluster,
    private readonly subscriber: Redis | Cluster,
    /** This process among the instances: lease holder and publisher id. */
    readonly instanceId: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    if (!('gatewaydHealthLease' in command)) {
      command.defineCommand('gatewaydHealthLease', { numberOfKeys: 1, lua: LEASE });
      command.defineCommand('gatewaydHealthRelease', { numberOfKeys: 1, lua: RELEASE });
    }
    this.redis = command as LeasingRedis;
    this.channel = `${prefix}health:changes`;
    subscriber.on('message', (from: string, text: string) => {
      if (from !== this.channel) return;
      const msg = parseMessage(text);
      if (msg !== null && msg.from !== this.instanceId)
        this.listeners.get(msg.upstream)?.message(msg);
    });
    subscriber.on('ready', this.subscribeNow);
    if (subscriber.status === 'ready') this.subscribeNow();
  }

  /** Routes the messages of `upstream` to `message`; `resync` runs after each (re)subscribe. */
  listen(upstream: string, message: (msg: HealthMessage) => void, resync: () => void): () => void {
    const entry = { message, resync };
    this.listeners.set(upstream, entry);
    return () => {
      if (this.listeners.get(upstream) === entry) this.listeners.delete(upstream);
    };
  }

  /** Takes or renews the lease of `upstream` for `ms`; resolves with its holder. */
  lease(upstream: string, ms: number): Promise<string> {
    return this.redis.gatewaydHealthLease(this.leaseKey(upstream), this.instanceId, ms);
  }

  async release(upstream: string): Promise<void> {
    await this.redis.gatewaydHealthRelease(this.leaseKey(upstream), this.instanceId);
  }

  /** Stores the verdict (for instances that start or resubscribe later) and publishes it. */
  async publishHealth(upstream: string, origin: string, healthy: boolean): Promise<void> {
    await this.redis.hset(this.stateKey(upstream), origin, healthy ? 'up' : 'down');
    await this.publish({ upstream, from: this.instanceId, kind: 'health', origin, healthy });
  }

  publishEjection(upstream: string, origin: string, ms: number): Promise<void> {
    return this.publish({ upstream, from: this.instanceId, kind: 'eject', origin, ms });
  }

  /** The last stored verdict of each endpoint of `upstream`: origin → healthy. */
  async verdicts(upstream: string): Promise<Map<string, boolean>> {
    const all = await this.redis.hgetall(this.stateKey(upstream));
    return new Map(Object.entries(all).map(([origin, v]) => [origin, v === 'up']));
  }

  close(): Promise<void> {
    this.subscriber.off('ready', this.subscribeNow);
    this.subscriber.disconnect();
    return Promise.resolve();
  }

  private async publish(msg: HealthMessage): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(msg));
  }

  private leaseKey(upstream: string): string {
    return `${this.prefix}health:{${upstream}}:lease`;
  }

  private stateKey(upstream: string): string {
    return `${this.prefix}health:{${upstream}}:state`;
  }
}

function parseMessage(text: string): HealthMessage | null {
  try {
    const m = JSON.parse(text) as Partial<Record<string, unknown>>;
    if (typeof m.upstream !== 'string' || typeof m.from !== 'string') return null;
    if (typeof m.origin !== 'string') return null;
    if (m.kind === 'health' && typeof m.healthy === 'boolean') return m as HealthMessage;
    if (m.kind === 'eject' && typeof m.ms === 'number' && m.ms > 0) return m as HealthMessage;
    return null;
  } catch {
    return null;
  }
}
