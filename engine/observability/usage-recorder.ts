import type { Exchange } from '../data-plane/exchange.js';
import { apiKeyIdOf, type Identity } from '../data-plane/identity.js';
import { NO_VALUE } from './no-value.js';
import { MINUTE_MS, UsageSeries, WINDOW_MINUTES, type UsageSummary } from './usage-series.js';

/**
 * At most this many routes, API keys and users each are tracked at once (a series is ~2 KB, so
 * all three tables stay under ~7 MB). A new one beyond that is counted in the table's
 * "untracked" series until an idle one (no request for a whole window) makes room.
 */
export const MAX_TRACKED = 1000;

export interface UsageEntry extends UsageSummary {
  key: string;
}

export interface UsageTableReport {
  entries: UsageEntry[];
  tracked: number;
  /** Requests of keys beyond MAX_TRACKED, summed; null when there were none in the window. */
  untracked: UsageSummary | null;
}

export interface UsageReport {
  /** Epoch ms of the window's first and last minute. */
  from: number;
  to: number;
  routes: UsageTableReport;
  apiKeys: UsageTableReport;
  users: UsageTableReport;
}

/** Series by key, at most MAX_TRACKED of them. */
class UsageTable {
  private readonly series = new Map<string, UsageSeries>();
  private readonly untracked = new UsageSeries();
  private lastSweep = -1;

  seriesFor(key: string, minute: number): UsageSeries {
    const found = this.series.get(key);
    if (found !== undefined) return found;
    if (this.series.size >= MAX_TRACKED) this.dropIdle(minute);
    if (this.series.size >= MAX_TRACKED) return this.untracked;
    const created = new UsageSeries();
    this.series.set(key, created);
    return created;
  }

  /** One key's window; null when it had no request or is not tracked. */
  summaryOf(key: string, minute: number): UsageSummary | null {
    return this.series.get(key)?.summary(minute) ?? null;
  }

  report(minute: number): UsageTableReport {
    const entries: UsageEntry[] = [];
    for (const [key, series] of this.series) {
      const summary = series.summary(minute);
      if (summary !== null) entries.push({ key, ...summary });
    }
    entries.sort((a, b) => b.requests - a.requests || (a.key < b.key ? -1 : 1));
    return { entries, tracked: this.series.size, untracked: this.untracked.summary(minute) };
  }

  /** At most once a minute: a full table must not cost a scan per request. */
  private dropIdle(minute: number): void {
    if (this.lastSweep === minute) return;
    this.lastSweep = minute;
    for (const [key, series] of this.series) {
      if (series.lastMinute <= minute - WINDOW_MINUTES) this.series.delete(key);
    }
  }
}

/**
 * Usage over the last 15 minutes per route, per API key (a managed key's id, a static key's
 * name) and per user (the subject of a verified JWT), for `GET /admin/usage` and `handler: usage`
 * routes. Fed from every finished exchange: a clock read and up to three map lookups, no
 * allocation once a key is tracked.
 */
export class UsageRecorder {
  private readonly routes = new UsageTable();
  private readonly apiKeys = new UsageTable();
  private readonly users = new UsageTable();

  /** `ms`: the request's one measured duration, the one its log line and metrics report. */
  record(ex: Exchange, ms: number): void {
    const minute = Math.floor(Date.now() / MINUTE_MS);
    const status = ex.reportedStatus;
    this.routes.seriesFor(ex.routeName || NO_VALUE, minute).record(minute, status, ms);
    const identity = ex.identity;
    if (identity === null) return;
    const keyId = apiKeyIdOf(identity);
    if (keyId === undefined)
      this.users.seriesFor(identity.subject, minute).record(minute, status, ms);
    else this.apiKeys.seriesFor(keyId, minute).record(minute, status, ms);
  }

  /** The caller's own usage: by API key for a key's identity, else by user (`handler: usage`). */
  callerReport(
    identity: Identity,
    now = Date.now(),
  ): { from: number; to: number; summary: UsageSummary | null } {
    const minute = Math.floor(now / MINUTE_MS);
    const keyId = apiKeyIdOf(identity);
    return {
      from: (minute - WINDOW_MINUTES + 1) * MINUTE_MS,
      to: now,
      summary:
        keyId === undefined
          ? this.users.summaryOf(identity.subject, minute)
          : this.apiKeys.summaryOf(keyId, minute),
    };
  }

  report(now = Date.now()): UsageReport {
    const minute = Math.floor(now / MINUTE_MS);
    return {
      from: (minute - WINDOW_MINUTES + 1) * MINUTE_MS,
      to: now,
      routes: this.routes.report(minute),
      apiKeys: this.apiKeys.report(minute),
      users: this.users.report(minute),
    };
  }
}
