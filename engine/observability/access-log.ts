import type { Exchange } from '../data-plane/exchange.js';
import type { Logger } from './logger.js';

/**
 * One line per finished request, with the route's name and the caller's subject, never the raw
 * credentials, headers or query string. Fields without a value (no auth, no rate limit, tracing
 * off) are left out.
 *
 * Its lines skip the logger's redaction: they hold none of the redacted fields, and pino's redact
 * re-reads every path for every line (about 70 KB of garbage per request). The level stays the
 * logger's, which a reload may change.
 */
export function createAccessLog(logger: Logger): (ex: Exchange) => void {
  const lines = logger.child({}, { redact: [], level: 'info' });
  return function logAccess(ex) {
    if (!logger.isLevelEnabled('info')) return;
    const limit = ex.rateLimit;
    lines.info(
      {
        request_id: ex.requestId,
        trace_id: ex.trace?.traceId,
        method: ex.method,
        path: ex.path,
        route: ex.routeName,
        upstream: ex.upstreamName,
        status: ex.reportedStatus,
        cut: ex.cut ? true : undefined,
        duration_ms: Math.round((performance.now() - ex.startedAt) * 100) / 100,
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
