import type { Exchange } from '../data-plane/exchange.js';
import type { Logger } from './logger.js';

/**
 * One line per finished request, with the route's name and the caller's subject, never the raw
 * credentials, headers or query string. Fields without a value (no auth, no rate limit, tracing
 * off) are left out.
 */
export function createAccessLog(logger: Logger): (ex: Exchange) => void {
  return function logAccess(ex) {
    const limit = ex.rateLimit;
    logger.info(
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
