import type { Exchange } from '../data-plane/exchange.js';
import type { Logger } from './logger.js';
import { NO_VALUE } from './no-value.js';

/**
 * One line per finished request, with the route's name and the caller's subject, never the raw
 * credentials, headers or query string. Route and upstream are always there (NO_VALUE when there
 * is none, as in the metrics); other fields without a value (no auth, no rate limit, tracing off)
 * are left out.
 *
 * Its lines skip the logger's redaction: they hold none of the redacted fields, and pino's redact
 * re-reads every path for every line (about 70 KB of garbage per request). The level stays the
 * logger's, which a reload may change.
 */
export function createAccessLog(logger: Logger): (ex: Exchange, durationMs: number) => void {
  const lines = logger.child({}, { redact: [], level: 'info' });
  return function logAccess(ex, durationMs) {
    if (!logger.isLevelEnabled('info')) return;
    const limit = ex.rateLimit;
    lines.info(
      {
        request_id: ex.requestId,
        trace_id: ex.trace?.traceId,
        method: ex.method,
        path: ex.path,
        route: ex.routeName || NO_VALUE,
        upstream: ex.upstreamName || NO_VALUE,
        status: ex.reportedStatus,
        cut: ex.cut ? true : undefined,
        // To the microsecond: the figure the metrics and the span were given.
        duration_ms: Math.round(durationMs * 1000) / 1000,
        bytes_in: ex.bytesIn,
        bytes_out: ex.bytesOut,
        client: ex.peerAddress,
        subject: ex.identity?.subject,
        auth_method: ex.identity?.method,
        retries: ex.retries,
        rate_limit: limit === null ? undefined : limit.allowed ? 'allowed' : 'refused',
        rate_limit_fallback: limit?.degraded,
      },
      'request',
    );
  };
}
