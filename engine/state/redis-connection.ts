import { Redis, type RedisOptions } from 'ioredis';

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
 *   connection) is logged at warn, repeats are not, and the recovery is logged at info. The URL is
 *   logged without its password.
 */
export function createRedisClient(
  url: string,
  logger?: RedisLogger,
  options: RedisClientOptions = {},
): Redis {
  const maxDelay = options.maxReconnectDelayMs ?? 2000;
  const redisOptions: RedisOptions = {
    lazyConnect: options.lazyConnect ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 5000,
    connectionName: options.connectionName ?? 'gatewayd',
    retryStrategy: (times) =>
      Math.min(50 * 2 ** Math.min(times - 1, 16), maxDelay) + Math.floor(Math.random() * 100),
  };
  const client = new Redis(url, redisOptions);
  const where = redactRedisUrl(url);
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
  client.on('ready', () => {
    if (!failing) return;
    failing = false;
    logger?.info({ redis: where }, 'redis available again');
  });
  return client;
}

/** `url` with any password replaced by "***" (for logs and error messages). */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable redis url)';
  }
}
