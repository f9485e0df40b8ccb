import { finish } from '../data-plane/respond.js';
import type { Exchange } from '../data-plane/exchange.js';
import type { SocketData, SocketSession } from './socket-session.js';

/**
 * Completes a WebSocket handshake the route's checks have let through: 101 with the chosen
 * subprotocol (or none), after which uWS calls the session's `open`. Safe to call after an
 * asynchronous check: it corks, and it does nothing when the client has already gone away.
 */
export function acceptUpgrade(ex: Exchange, session: SocketSession, protocol: string): void {
  const context = ex.upgradeContext;
  if (ex.aborted || ex.finished || context === null) return;
  const userData: SocketData = {
    session,
    closed: false,
    route: ex.routeName,
    requestId: ex.requestId,
    user: ex.identity?.subject ?? null,
    since: performance.now(),
  };
  ex.res.cork(() => {
    // A header written before any status makes uWS send "200 OK"; upgrade() keeps this one.
    ex.res.writeStatus('101 Switching Protocols');
    ex.res.writeHeader('x-request-id', ex.requestId);
    ex.res.upgrade(
      userData,
      ex.header('sec-websocket-key') ?? '',
      protocol,
      // Compression is off: no extension is accepted.
      '',
      context,
    );
  });
  finish(ex, 101, 0);
}
