import { createRequire } from 'node:module';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { describeRedisTarget, serverTarget, type RedisTarget } from './redis-target.js';

// ioredis is loaded with the first connection, not at start: a config without Redis never needs
// it, and it is the largest module tree gatewayd starts with.
const load = createRequire(import.meta.url);

/** A connection to any kind of Redis target: one server (or a Sentinel master), or a Cluster. */
export type RedisClient = Redis | Cluster;

/** Narrows a client to a Cluster (ioredis sets `isCluster` on both kinds). */
export function isCluster(client: RedisClient): client is Cluster {
  return client.isCluster;
}

/** The two log calls the connection makes; a pino Logger fits. */
export interface RedisLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RedisClientOptions {
  /** Do not connect until `client.connect()` is called (default false: connect at once). */
  lazyConnect?: boolean;
  /** A command without a reply after this long fails (a black-holed Redis); default 500 ms. */
  commandTimeoutMs?: number;
  /** Reconnect delays double from 50 ms up to this cap, plus up to 100 ms of jitter; default 2000. */
  maxReconnectDelayMs?: number;
  /** Shown in Redis `CLIENT LIST`; default "gatewayd". */
  connectionName?: string;
  /** Cluster only: subscribe with SSUBSCRIBE, one subscriber connection per shard. */
  shardedSubscribers?: boolean;
}

/**
 * An ioredis client configured for the request path: when Redis is away, a command fails at once
 * (so a rate limiter falls back) instead of waiting in a queue, and the client keeps reconnecting in
 * the background with a capped backoff.
 *
 * - `enableOfflineQueue: false`: no queueing while disconnected; commands reject immediately.
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: a command in flight when
 *   the connection drops is rejected at the drop, never replayed later (a replayed INCR would count
 *   a request twice, after the caller already took its fallback).
 * - `commandTimeout`: bounds a command when Redis stops answering without closing the socket.
 * - An 'error' listener is always attached, so a lost Redis never crashes the process (ioredis
 *   re-emits every failed reconnect as 'error'). The start of an outage (first error or lost
 *   connection) is logged at warn, repeats are not, and the recovery is logged at info. The
 *   target is logged without its password.
 *
 * A Sentinel target asks the sentinels for the master at every (re)connect and drops the
 * connection when they announce a new one; a Cluster target follows the slot map (MOVED,
 * refreshed every few seconds) and sends each key to its slot's master.
 */
export function createRedisClient(
  url: string,
  logger?: RedisLogger,
  options?: RedisClientOptions,
): Redis;
export function createRedisClient(
  target: RedisTarget,
  logger?: RedisLogger,
  options?: RedisClientOptions,
): RedisClient;
export function createRedisClient(
  where: string | RedisTarget,
  logger?: RedisLogger,
  options: RedisClientOptions = {},
): RedisClient {
  const target = typeof where === 'string' ? serverTarget(where) : where;
  const client = connect(target, options);
  watchOutages(client, describeRedisTarget(target), logger);
  return client;
}

function connect(target: RedisTarget, options: RedisClientOptions): RedisClient {
  const ioredis = load('ioredis') as typeof import('ioredis');
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const backoff = (times: number): number =>
    Math.min(50 * 2 ** Math.min(times - 1, 16), maxDelay) + Math.floor(Math.random() * 100);
  const lazyConnect = options.lazyConnect ?? false;
  const connection = {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 5000,
    connectionName: options.connectionName ?? 'gatewayd',
  } satisfies RedisOptions;
  const single: RedisOptions = {
    ...connection,
    lazyConnect,
    enableOfflineQueue: false,
    retryStrategy: backoff,
  };
  switch (target.kind) {
    case 'server':
      return new ioredis.Redis(target.url, single);
    case 'sentinel':
      return new ioredis.Redis({
        ...single,
        sentinels: target.nodes,
        name: target.masterName,
        password: target.password,
        sentinelPassword: target.sentinelPassword,
        db: target.db,
        // Reconnect as soon as the sentinels announce a new master, not when the old one times out.
        failoverDetector: true,
        sentinelRetryStrategy: backoff,
      });
    case 'cluster':
      return new ioredis.Cluster(target.nodes, {
        lazyConnect,
        enableOfflineQueue: false,
        // Node connections retry nothing themselves: the cluster decides where a command goes next.
        redisOptions: { ...connection, password: target.password },
        clusterRetryStrategy: backoff,
        // A command that meets a moved slot or a failing-over master is redirected, a few times.
        maxRedirections: 4,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: 1000,
        slotsRefreshInterval: 2000,
        // Commands issued together go to each slot's node as one pipeline.
        enableAutoPipelining: true,
        shardedSubscribers: options.shardedSubscribers ?? false,
      } satisfies ClusterOptions);
  }
}

function watchOutages(client: RedisClient, where: string, logger: RedisLogger | undefined): void {
  let failing = false;
  client.on('error', (err: Error) => {
    if (failing) return;
    failing = true;
    logger?.warn({ redis: where, err: err.message }, 'redis unavailable; retrying in background');
  });
  // A killed server closes the socket without an 'error'; the reconnect is the sign of an outage.
  client.on('reconnecting', () => {
    if (failing) return;
    failing = true;
    logger?.warn({ redis: where }, 'redis connection lost; reconnecting in background');
  });
  // A cluster reports a lost node as a node error, not as its own.
  client.on('node error', (err: Error) => {
    if (failing) return;
    failing = true;
    logger?.warn({ redis: where, err: err.message }, 'a redis cluster node is unavailable');
  });
  client.on('ready', () => {
    if (!failing) return;
    failing = false;
    logger?.info({ redis: where }, 'redis available again');
  });
}
