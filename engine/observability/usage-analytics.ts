import type { Exchange } from '../data-plane/exchange.js';
import { apiKeyIdOf, type Identity } from '../data-plane/identity.js';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** The windows usage is counted over: the current UTC hour, day and month. */
export const ANALYTICS_WINDOWS = ['hour', 'day', 'month'] as const;
export type AnalyticsWindow = (typeof ANALYTICS_WINDOWS)[number];

/** One hash tag: on a Redis Cluster every bucket is in one slot, so one pipeline sends them all. */
const KEY_PREFIX = '{gatewayd:usage}:';
/** Each window's counters outlive it long enough to read the one before. */
const TTL_SECONDS: Readonly<Record<AnalyticsWindow, number>> = {
  hour: 2 * 24 * 3600,
  day: 62 * 24 * 3600,
  month: 400 * 24 * 3600,
};
const HOUR_MS = 3600_000;
/** Counts are sent to Redis in one pipeline this often, not once per request. */
export const FLUSH_MS = 1000;

/** The caller as analytics name it: by API key when one was used, else by user. */
export function callerKey(identity: Identity | null): string {
  if (identity === null) return 'anonymous';
  const keyId = apiKeyIdOf(identity);
  return keyId === undefined ? `user:${identity.subject}` : `api_key:${keyId}`;
}

/** "2026-12-05T14" / "2026-12-05" / "2026-12": the window's bucket for an instant (UTC). */
export function bucketOf(window: AnalyticsWindow, now: number): string {
  const iso = new Date(now).toISOString();
  return window === 'hour'
    ? iso.slice(0, 13)
    : window === 'day'
      ? iso.slice(0, 10)
      : iso.slice(0, 7);
}

export interface AnalyticsEntry {
  route: string;
  caller: string;
  requests: number;
  errors: number;
}

/** A counter's hash field: route and caller, which may hold any character, as a JSON pair. */
function field(route: string, caller: string): string {
  return JSON.stringify([route, caller]);
}

/**
 * Requests and errors (4xx and 5xx) per route and caller over the current hour, day and month.
 * With Redis, counts are added in memory and sent every FLUSH_MS as HINCRBY on one hash per
 * window bucket (`gatewayd:usage:<window>:<bucket>`, expiring after the window has passed), so
 * every instance adds to the same counters and a restart loses at most the last second; reads
 * come from Redis. Without Redis the process keeps the counters itself.
 */
export class UsageAnalytics {
  /** Counts not yet in Redis (or, without Redis, all of them): bucket key → field → [requests, errors]. */
  private readonly counts = new Map<string, Map<string, [number, number]>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis | Cluster | null,
    private readonly logger: Logger,
  ) {}

  /** Where the counters are: shared in Redis, or this process's own. */
  get backend(): 'redis' | 'memory' {
    return this.redis === null ? 'memory' : 'redis';
  }

  record(ex: Exchange, now = Date.now()): void {
    const f = field(ex.routeName, callerKey(ex.identity));
    const error = ex.reportedStatus >= 400 ? 1 : 0;
    if (now >= this.keysUntil || now < this.keysFrom) this.bucketKeysAt(now);
    for (const [window, key] of this.keys) {
      let fields = this.counts.get(key);
      if (fields === undefined) {
        // Without Redis a new bucket replaces the window's last one: only the current one is read.
        if (this.redis === null) this.dropWindow(window);
        this.counts.set(key, (fields = new Map()));
      }
      const count = fields.get(f);
      if (count === undefined) fields.set(f, [1, error]);
      else {
        count[0]++;
        count[1] += error;
      }
    }
    if (this.redis !== null && this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** The three buckets' keys change only on the hour: made once an hour, not per request. */
  private keys: Array<[AnalyticsWindow, string]> = [];
  private keysFrom = 0;
  private keysUntil = 0;

  private bucketKeysAt(now: number): void {
    this.keysFrom = now - (now % HOUR_MS);
    this.keysUntil = this.keysFrom + HOUR_MS;
    this.keys = ANALYTICS_WINDOWS.map((w) => [w, `${KEY_PREFIX}${w}:${bucketOf(w, now)}`]);
  }

  private dropWindow(window: AnalyticsWindow): void {
    const prefix = `${KEY_PREFIX}${window}:`;
    for (const key of this.counts.keys()) if (key.startsWith(prefix)) this.counts.delete(key);
  }

  /** This window's counters now, busiest first. */
  async read(window: AnalyticsWindow, now = Date.now()): Promise<AnalyticsEntry[]> {
    const key = `${KEY_PREFIX}${window}:${bucketOf(window, now)}`;
    const totals = new Map<string, [number, number]>();
    if (this.redis === null) {
      for (const [f, c] of this.counts.get(key) ?? []) totals.set(f, [c[0], c[1]]);
    } else {
      await this.flush();
      for (const [name, value] of Object.entries(await this.redis.hgetall(key))) {
        const errors = name.startsWith('e');
        const f = name.slice(1);
        const total = totals.get(f) ?? [0, 0];
        total[errors ? 1 : 0] += Number(value);
        totals.set(f, total);
      }
    }
    const entries: AnalyticsEntry[] = [];
    for (const [f, [requests, errors]] of totals) {
      const [route, caller] = JSON.parse(f) as [string, string];
      entries.push({ route, caller, requests, errors });
    }
    return entries.sort((a, b) => b.requests - a.requests || (a.route < b.route ? -1 : 1));
  }

  /** Sends what was counted since the last flush; a failed flush is logged, its counts dropped. */
  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.redis === null || this.counts.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, fields] of this.counts) {
      for (const [f, [requests, errors]] of fields) {
        pipeline.hincrby(key, `r${f}`, requests);
        if (errors > 0) pipeline.hincrby(key, `e${f}`, errors);
      }
      const window = key.slice(KEY_PREFIX.length, key.indexOf(':', KEY_PREFIX.length));
      pipeline.expire(key, TTL_SECONDS[window as AnalyticsWindow]);
    }
    this.counts.clear();
    try {
      await pipeline.exec();
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'usage analytics: counts not saved in Redis',
      );
    }
  }

  /** Sends the last counts and stops the timer (the table that used it is gone). */
  async close(): Promise<void> {
    await this.flush();
  }
}
