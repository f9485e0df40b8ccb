import type { RouteHandler } from '../data-plane/compiled-route.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import { sendJson } from '../data-plane/generated-json.js';
import type { UsageRecorder } from '../observability/usage-recorder.js';
import { MINUTE_MS, WINDOW_MINUTES } from '../observability/usage-series.js';
import {
  ANALYTICS_WINDOWS,
  bucketOf,
  callerKey,
  type UsageAnalytics,
} from '../observability/usage-analytics.js';
import type { RouteLabel } from './route-catalog.js';
import type { Logger } from '../observability/logger.js';

const NO_CALLER = new GatewayError(
  'UNAUTHORIZED',
  'this endpoint reports the usage of an authenticated caller',
);

/**
 * Seed 004's `GET /analytics/usage`: the authenticated caller's own requests, 4xx, 5xx and
 * latency p50/p95 over the usage window, from the same recorder as `GET /admin/usage`: by API
 * key when the caller used one, else by user (JWT subject). Totals only: the recorder keeps
 * series per route and per caller, not per caller and route. The request asking is not counted
 * yet (it is recorded when it finishes), and each process counts its own traffic.
 */
export function createCallerUsage(
  usage: UsageRecorder,
  analytics: UsageAnalytics,
  labels: () => ReadonlyMap<string, RouteLabel>,
  logger: Logger,
): RouteHandler {
  return function callerUsage(ex) {
    // The config checks make sure the route authenticates, so the guard has set the identity.
    const identity = ex.identity;
    if (identity === null) {
      sendError(ex, NO_CALLER);
      return;
    }
    const report = usage.callerReport(identity);
    const body = {
      caller: {
        kind: identity.method === 'api_key' ? 'api_key' : 'user',
        id: identity.subject,
        tier: identity.tier ?? null,
      },
      window: {
        minutes: WINDOW_MINUTES,
        bucket_seconds: MINUTE_MS / 1000,
        from: new Date(report.from).toISOString(),
        to: new Date(report.to).toISOString(),
      },
      requests: report.summary?.requests ?? 0,
      client_errors: report.summary?.client_errors ?? 0,
      server_errors: report.summary?.server_errors ?? 0,
      p50_ms: report.summary?.p50_ms ?? 0,
      p95_ms: report.summary?.p95_ms ?? 0,
    };
    const caller = callerKey(identity);
    const now = Date.now();
    Promise.all(ANALYTICS_WINDOWS.map((w) => analytics.read(w, now))).then(
      (windows) => {
        const modules: Record<string, unknown> = {};
        ANALYTICS_WINDOWS.forEach((w, i) => {
          modules[w] = {
            bucket: bucketOf(w, now),
            routes: (windows[i] ?? [])
              .filter((e) => e.caller === caller)
              .map((e) => ({
                route: e.route,
                ...labels().get(e.route),
                requests: e.requests,
                errors: e.errors,
              })),
          };
        });
        sendJson(ex, 200, { ...body, modules });
      },
      (err: unknown) => {
        // Redis away: the process's own figures still answer; the per-route windows say why not.
        logger.warn({ err: (err as Error).message }, 'usage analytics: Redis did not answer');
        sendJson(ex, 200, { ...body, modules: null });
      },
    );
  };
}
