import type { RedisClient } from './redis-connection.js';
import type { StoredRuntimeRoute } from '../config/runtime-route.js';
import { createRedisClient, type RedisLogger } from './redis-connection.js';
import { describeRedisTarget, type RedisTarget } from './redis-target.js';
import { sortRuntimeRoutes, type RuntimeRouteStore } from './runtime-route-store.js';

export interface RedisRuntimeRouteStoreOptions {
  target: RedisTarget;
  /** redis.key_prefix: the routes are the hash `<prefix>routes`, notified on `<prefix>routes:changed`. */
  keyPrefix: string;
  commandTimeoutMs: number;
  logger: RedisLogger & { error(obj: object, msg: string): void };
}

/**
 * Runtime routes in one Redis hash (name → JSON record), shared by every gatewayd pointed at
 * it. A change is published on a channel; each instance then re-reads the whole hash, so the
 * message carries nothing that could arrive out of order, and a reconnect (after which messages
 * may have been missed) is followed by a re-read too. Two connections: a subscribed one can send
 * nothing else.
 */
export class RedisRuntimeRouteStore implements RuntimeRouteStore {
  readonly kind = 'redis';
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly key: string;
  private readonly channel: string;

  constructor(private readonly options: RedisRuntimeRouteStoreOptions) {
    this.key = `${options.keyPrefix}routes`;
    this.channel = `${options.keyPrefix}routes:changed`;
    const settings = { commandTimeoutMs: options.commandTimeoutMs };
    this.client = createRedisClient(options.target, options.logger, {
      ...settings,
      connectionName: 'gatewayd-routes',
    });
    // Its outages are the command client's too; one warning per outage is enough.
    this.subscriber = createRedisClient(options.target, undefined, {
      ...settings,
      connectionName: 'gatewayd-routes-events',
    });
  }

  /** The target without its password. */
  get url(): string {
    return describeRedisTarget(this.options.target);
  }

  get connection(): string {
    return this.client.status;
  }

  /** Round trip of one PING, in ms. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.client.ping();
    return performance.now() - started;
  }

  async list(): Promise<StoredRuntimeRoute[]> {
    const all = await this.client.hgetall(this.key);
    const routes: StoredRuntimeRoute[] = [];
    for (const [name, json] of Object.entries(all)) {
      const parsed = parseRecord(name, json);
      if (parsed !== null) routes.push(parsed);
      else this.options.logger.error({ key: this.key, name }, 'unreadable runtime route skipped');
    }
    return sortRuntimeRoutes(routes);
  }

  async add(route: StoredRuntimeRoute): Promise<boolean> {
    const record = JSON.stringify({ route: route.route, created_at: route.createdAt });
    const added = (await this.client.hsetnx(this.key, route.name, record)) === 1;
    if (added) await this.notify();
    return added;
  }

  async remove(name: string): Promise<boolean> {
    const removed = (await this.client.hdel(this.key, name)) === 1;
    if (removed) await this.notify();
    return removed;
  }

  watch(changed: () => void): void {
    this.subscriber.on('message', (channel: string) => {
      if (channel === this.channel) changed();
    });
    const subscribe = () => {
      this.subscriber.subscribe(this.channel).then(changed, (err: unknown) => {
        this.options.logger.warn({ err }, 'cannot subscribe to runtime route changes');
      });
    };
    // On every (re)connect: ioredis resubscribes on its own, but what was published meanwhile
    // is lost, so the set is read again once the subscription is back.
    this.subscriber.on('ready', subscribe);
    if (this.subscriber.status === 'ready') subscribe();
    this.client.on('ready', changed);
  }

  ready(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  close(): Promise<void> {
    this.client.disconnect();
    this.subscriber.disconnect();
    return Promise.resolve();
  }

  /** The change is stored already; a lost notification is caught up at the next reconnect. */
  private async notify(): Promise<void> {
    try {
      await this.client.publish(this.channel, '1');
    } catch (err) {
      this.options.logger.warn({ err }, 'cannot notify other instances of a runtime route change');
    }
  }
}

function parseRecord(name: string, json: string): StoredRuntimeRoute | null {
  try {
    const record = JSON.parse(json) as { route?: unknown; created_at?: unknown };
    if (typeof record.created_at !== 'number') return null;
    return { name, route: record.route, createdAt: record.created_at };
  } catch {
    return null;
  }
}
