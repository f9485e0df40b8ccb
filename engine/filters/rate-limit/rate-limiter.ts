import { createRequire } from 'node:module';
import type { Cluster, Redis } from 'ioredis';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateDecision, RatePolicy, StoreErrorMode } from '../../data-plane/rate-decision.js';
import { FixedWindowCounter, type CountedWindow } from './fixed-window-counter.js';

// rate-limiter-flexible is loaded by the first limiter with a Redis store, not at start: the
// memory store is the gateway's own counter.
const load = createRequire(import.meta.url);

export interface RateLimiterLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RateLimiterSettings {
  /**
   * Names the counter, derived from the config (route name + policy, a tier, ...), never from the
   * instance: every instance must build the same id so that they count together.
   */
  id: string;
  /** Requests allowed per window. */
  points: number;
  /** Window length in whole seconds. */
  durationSeconds: number;
  /** 'memory' counts in this process only; `{ redis }` counts across every instance. */
  store: 'memory' | { redis: Redis | Cluster };
  /** Prefix of every store key; default "gatewayd:rl". Keys are `${keyPrefix}:${id}:${clientKey}`. */
  keyPrefix?: string;
  /** Redis store only; default 'local'. See the overshoot notes on createRateLimiter. */
  onStoreError?: StoreErrorMode;
  /** How many instances share the limit; 'local' admits ceil(points / instanceCount). Default 1. */
  instanceCount?: number;
  /** Retry-After given by 'deny' while the store is down; default 5 s. */
  storeDownRetryAfterSeconds?: number;
  /** Told once when the store starts failing and once when it answers again. */
  logger?: RateLimiterLogger;
}

export interface RateLimiter {
  readonly policy: RatePolicy;
  /**
   * Counts one request for `clientKey`; never rejects because of the store (see onStoreError).
   * A memory limiter decides at once; a Redis one answers a promise.
   */
  consume(clientKey: string): RateDecision | Promise<RateDecision>;
}

export const DEFAULT_KEY_PREFIX = 'gatewayd:rl';

/**
 * Builds a fixed-window limiter once, at compile time. Counting is exact: with Redis each
 * consume is one atomic Lua call (SET NX EX + INCRBY + PTTL), so N concurrent requests across any
 * number of instances sharing the Redis get exactly `points` admissions per window.
 *
 * With Redis the client must fail fast when disconnected (see state/redis-connection.ts) and the
 * limiter checks the connection state before each call (`rejectIfRedisNotReady`), so a Redis outage
 * costs no waiting: the decision comes from `onStoreError` at once.
 * - 'local': each instance counts in its own memory with a limit of ceil(points / N), N being
 *   `instanceCount`. Worst case within one window across N instances: N * ceil(points / N)
 *   <= points + N - 1 admissions from the fallback, plus whatever Redis admitted in that window
 *   before it failed (up to `points` more), so at most 2 * points + N - 1 in the window of the
 *   outage. If instanceCount is set lower than the real number of instances, the bound grows
 *   accordingly (real N * ceil(points / instanceCount)).
 * - 'allow': no limit at all while Redis is down (unbounded overshoot); favours availability.
 * - 'deny': every request is refused with a short Retry-After; favours protecting the upstream.
 * When Redis answers again, the limiter uses it at the next request; counts kept locally during
 * the outage are not carried over.
 *
 * A key seen over its limit is also remembered in process memory until its window ends
 * (`inMemoryBlockOnConsumed`), so a client hammering a refused key costs no Redis round trips.
 */
export function createRateLimiter(settings: RateLimiterSettings): RateLimiter {
  const { id, points, durationSeconds, store, logger } = settings;
  const instanceCount = settings.instanceCount ?? 1;
  checkWhole('points', points);
  checkWhole('durationSeconds', durationSeconds);
  checkWhole('instanceCount', instanceCount);
  const policy: RatePolicy = Object.freeze({ id, points, durationSeconds });
  const keyPrefix = `${settings.keyPrefix ?? DEFAULT_KEY_PREFIX}:${id}`;

  if (store === 'memory') {
    const memory = new FixedWindowCounter(durationSeconds * 1000);
    return {
      policy,
      consume: function consumeMemory(clientKey: string): RateDecision {
        return windowDecision(policy, points, memory.count(clientKey), undefined);
      },
    };
  }

  const client = store.redis;
  // A lazyConnect client never connects on its own here: not-ready calls are refused before
  // they are sent, so no command would ever trigger the connection.
  if (client.status === 'wait') client.connect().catch(() => {});
  const { RateLimiterRedis, RateLimiterRes } = load(
    'rate-limiter-flexible',
  ) as typeof import('rate-limiter-flexible');
  const shared = new RateLimiterRedis({
    storeClient: client,
    points,
    duration: durationSeconds,
    keyPrefix,
    rejectIfRedisNotReady: true,
    inMemoryBlockOnConsumed: points + 1,
  });
  const mode = settings.onStoreError ?? 'local';
  const fallback = createFallback(mode, settings, policy, instanceCount);
  let storeDown = false;

  return {
    policy,
    consume: async function consumeShared(clientKey: string): Promise<RateDecision> {
      let res: RateLimiterRes;
      try {
        res = await shared.consume(clientKey);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) {
          if (!storeDown) {
            storeDown = true;
            logger?.warn(
              { limiter: id, err: err instanceof Error ? err.message : String(err) },
              `rate limit store unavailable; fallback "${mode}"`,
            );
          }
          return fallback(clientKey);
        }
        if (storeDown) recovered();
        return refusedDecision(policy, err);
      }
      if (storeDown) recovered();
      return allowedDecision(policy, res);
    },
  };

  function recovered(): void {
    storeDown = false;
    logger?.info({ limiter: id }, 'rate limit store available again');
  }
}

function createFallback(
  mode: StoreErrorMode,
  settings: RateLimiterSettings,
  policy: RatePolicy,
  instanceCount: number,
): (clientKey: string) => Promise<RateDecision> {
  const { points, durationSeconds } = settings;
  if (mode === 'allow') {
    return function allowWhileDown() {
      return Promise.resolve({
        allowed: true,
        policy,
        limit: points,
        remaining: points,
        resetSeconds: durationSeconds,
        degraded: 'allow',
      });
    };
  }
  if (mode === 'deny') {
    const retryAfter = settings.storeDownRetryAfterSeconds ?? 5;
    return function denyWhileDown() {
      return Promise.resolve({
        allowed: false,
        policy,
        limit: points,
        remaining: 0,
        resetSeconds: retryAfter,
        retryAfterSeconds: retryAfter,
        degraded: 'deny',
      });
    };
  }
  const local = new FixedWindowCounter(durationSeconds * 1000);
  const localPoints = Math.ceil(points / instanceCount);
  return function countLocallyWhileDown(clientKey) {
    return Promise.resolve(windowDecision(policy, localPoints, local.count(clientKey), 'local'));
  };
}

/** The decision on a window counted in memory: `allowed` requests pass in each window. */
function windowDecision(
  policy: RatePolicy,
  allowed: number,
  window: CountedWindow,
  degraded: StoreErrorMode | undefined,
): RateDecision {
  const msBeforeNext = window.endsAt - Date.now();
  const decision: RateDecision =
    window.count <= allowed
      ? {
          allowed: true,
          policy,
          limit: policy.points,
          remaining: allowed - window.count,
          resetSeconds: Math.max(0, Math.ceil(msBeforeNext / 1000)),
        }
      : refusal(policy, msBeforeNext);
  if (degraded) decision.degraded = degraded;
  return decision;
}

function refusal(policy: RatePolicy, msBeforeNext: number): RateDecision {
  const resetSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return {
    allowed: false,
    policy,
    limit: policy.points,
    remaining: 0,
    resetSeconds,
    retryAfterSeconds: resetSeconds,
  };
}

function allowedDecision(policy: RatePolicy, res: RateLimiterRes): RateDecision {
  return {
    allowed: true,
    policy,
    limit: policy.points,
    remaining: res.remainingPoints,
    resetSeconds: Math.max(0, Math.ceil(res.msBeforeNext / 1000)),
  };
}

function refusedDecision(policy: RatePolicy, res: RateLimiterRes): RateDecision {
  return refusal(policy, res.msBeforeNext);
}

function checkWhole(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`rate limiter ${name} must be a whole number >= 1, got ${value}`);
  }
}
