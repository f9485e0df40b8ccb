import type { Exchange } from '../data-plane/exchange.js';
import type { Logger } from './logger.js';

/** One line per finished request, with the route's name, never the raw credentials. */
export function createAccessLog(logger: Logger): (ex: Exchange) => void {
  return function logAccess(ex) {
    logger.info(
      {
        request_id: ex.requestId,
        method: ex.method,
        path: ex.path,
        route: ex.routeName,
        upstream: ex.upstreamName,
        status: ex.aborted && ex.status === 0 ? 499 : ex.status,
        duration_ms: Math.round((performance.now() - ex.startedAt) * 100) / 100,
        bytes_in: ex.bytesIn,
        bytes_out: ex.bytesOut,
        client: ex.peerAddress,
      },
      'request',
    );
  };
}
