import type { UsageEntry, UsageTableReport } from '../observability/usage-recorder.js';
import { MAX_TRACKED } from '../observability/usage-recorder.js';
import { MINUTE_MS, WINDOW_MINUTES } from '../observability/usage-series.js';
import { isoTime, type AdminRequest, type AdminResource } from './admin-http.js';
import { GatewayError } from '../errors/gateway-error.js';
import {
  ANALYTICS_WINDOWS,
  bucketOf,
  type AnalyticsWindow,
} from '../observability/usage-analytics.js';

/**
 * GET /admin/usage: requests, 4xx, 5xx and latency p50/p95 over the last 15 minutes, per route,
 * per API key and per user (JWT subject), busiest first. This process's traffic only.
 */
export const usageResource: AdminResource = [
  ['GET', '/admin/usage', usage],
  ['GET', '/admin/usage/modules', modules],
];

async function usage({ ctx }: AdminRequest) {
  const report = ctx.usage.report();
  return {
    status: 200,
    body: {
      window: {
        minutes: WINDOW_MINUTES,
        bucket_seconds: MINUTE_MS / 1000,
        from: isoTime(report.from),
        to: isoTime(report.to),
      },
      routes: entries(report.routes, 'route'),
      api_keys: entries(report.apiKeys, 'id'),
      users: entries(report.users, 'subject'),
      tracking: {
        max_per_kind: MAX_TRACKED,
        tracked: {
          routes: report.routes.tracked,
          api_keys: report.apiKeys.tracked,
          users: report.users.tracked,
        },
        untracked: {
          routes: report.routes.untracked,
          api_keys: report.apiKeys.untracked,
          users: report.users.untracked,
        },
      },
    },
  };
}

function entries(table: UsageTableReport, keyName: string): Array<Record<string, unknown>> {
  return table.entries.map(({ key, ...summary }: UsageEntry) => ({ [keyName]: key, ...summary }));
}

/**
 * GET /admin/usage/modules?window=hour|day|month (default day): requests and errors per route
 * and caller in the current UTC hour, day or month, with the routes' display names and
 * categories; from Redis (every instance's traffic) when the config has a redis block.
 */
async function modules({ req, ctx }: AdminRequest) {
  const asked = new URL(req.url ?? '/', 'http://admin').searchParams.get('window') ?? 'day';
  if (!(ANALYTICS_WINDOWS as readonly string[]).includes(asked)) {
    throw new GatewayError('BAD_REQUEST', `window must be one of ${ANALYTICS_WINDOWS.join(', ')}`);
  }
  const window = asked as AnalyticsWindow;
  const analytics = ctx.table().analytics;
  if (analytics === null) return { status: 200, body: { window, bucket: null, entries: [] } };
  const now = Date.now();
  const entries = await analytics.store.read(window, now);
  return {
    status: 200,
    body: {
      window,
      bucket: bucketOf(window, now),
      store: analytics.store.backend,
      entries: entries.map((e) => ({
        route: e.route,
        ...analytics.labels.get(e.route),
        caller: e.caller,
        requests: e.requests,
        errors: e.errors,
      })),
    },
  };
}
