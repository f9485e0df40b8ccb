import { finish } from '../data-plane/respond.js';
import type { Exchange } from '../data-plane/exchange.js';
import type { SocketData, SocketSession } from './socket-session.js';

/**
 * Completes a WebSocket handshake the route's checks have let through: 101 with the chosen
 * subprotocol (or none), after which uWS calls the session's `open`. Safe to call after an
 * asynchronous check, and a no-op when the client has already gone away.
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
  const res = ex.res;
  const head = () => {
    // A header written before any status makes uWS send "200 OK"; upgrade() keeps this one.
    res.writeStatus('101 Switching Protocols');
    res.writeHeader('x-request-id', ex.requestId);
  };
  // Compression is off: no extension is accepted.
  const upgrade = () =>
    res.upgrade(userData, ex.header('sec-websocket-key') ?? '', protocol, '', context);
  if (ex.inUpgradeCallback) {
    res.cork(() => {
      head();
      upgrade();
    });
  } else {
    // After an asynchronous check, uWS's cork (v20.30 and v20.57 alike) may misread the socket
    // it upgraded as HTTP state and close it: the head goes out corked, the upgrade uncorked (uWS
    // then prints a warning to stderr, and the connection lives).
    res.cork(head);
    upgrade();
  }
  finish(ex, 101, 0);
}
