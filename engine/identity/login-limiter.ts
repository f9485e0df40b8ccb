import { createRequire } from 'node:module';
import type { Cluster, Redis } from 'ioredis';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

// Loaded when a config has identity, not at every start.
const load = createRequire(import.meta.url);

export interface LoginLimiterSettings {
  /** Attempts per username per window. */
  attempts: number;
  /** Attempts per client address per window (many usernames from one address). */
  ipAttempts: number;
  windowSeconds: number;
  store: 'memory' | { redis: Redis | Cluster };
}

export type LoginAdmission = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Counts login attempts by username and by client address (rate-limiter-flexible, in memory or
 * in Redis shared by every instance). An attempt is counted before the password is checked, so
 * that concurrent guesses cannot slip past the limit; a successful login gives its attempts
 * back, so that only failures add up. A store error rejects: logins then fail closed (503).
 */
export interface LoginLimiter {
  admit(username: string, address: string): Promise<LoginAdmission>;
  succeeded(username: string, address: string): Promise<void>;
}

export function createLoginLimiter(s: LoginLimiterSettings): LoginLimiter {
  const { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } = load(
    'rate-limiter-flexible',
  ) as typeof import('rate-limiter-flexible');
  const make = (points: number, keyPrefix: string): RateLimiterAbstract =>
    s.store === 'memory'
      ? new RateLimiterMemory({ points, duration: s.windowSeconds, keyPrefix })
      : new RateLimiterRedis({
          storeClient: s.store.redis,
          points,
          duration: s.windowSeconds,
          keyPrefix,
          rejectIfRedisNotReady: true,
        });
  const byUser = make(s.attempts, 'gatewayd:identity:login:user');
  const byAddress = make(s.ipAttempts, 'gatewayd:identity:login:ip');

  return {
    async admit(username, address) {
      const results = await Promise.allSettled([
        byUser.consume(username),
        byAddress.consume(address),
      ]);
      let retryAfterMs = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
        retryAfterMs = Math.max(retryAfterMs, r.reason.msBeforeNext);
      }
      if (retryAfterMs === 0) return { ok: true };
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    },
    async succeeded(username, address) {
      await Promise.all([byUser.delete(username), byAddress.reward(address, 1)]);
    },
  };
}
