import type { HttpRequest, HttpResponse, WebSocketBehavior } from 'uWebSockets.js';
import type { us_socket_context_t } from 'uWebSockets.js';
import { nativeUws } from '../native/uws-binding.js';
import { MAX_MESSAGE_BYTES } from './message-limit.js';
import type { Logger } from '../observability/logger.js';
import type { OpenSockets } from './open-sockets.js';
import type { SocketData } from './socket-session.js';

export { MAX_MESSAGE_BYTES } from './message-limit.js';

/**
 * The one uWS WebSocket behaviour of the listener. Upgrade requests go through the same
 * matching and route checks as any request (`onUpgrade`); a route that accepts the upgrade
 * attaches its session, to which every later event is handed. Timeouts and pings are the
 * sessions' business (a proxy has none of its own, the hub has configured ones), so uWS's are off.
 */
export function createSocketBehavior(
  sockets: OpenSockets,
  onUpgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => void,
  logger: Logger,
): WebSocketBehavior<SocketData> {
  return {
    compression: nativeUws().DISABLED,
    maxPayloadLength: MAX_MESSAGE_BYTES,
    idleTimeout: 0,
    sendPingsAutomatically: false,
    // Sessions watch getBufferedAmount themselves; uWS must never drop or close on its own.
    maxBackpressure: 1024 * 1024 * 1024,
    closeOnBackpressureLimit: 0,
    upgrade: onUpgrade,
    open(ws) {
      sockets.add(ws);
      const data = ws.getUserData();
      logger.info(
        { route: data.route, user: data.user, request_id: data.requestId },
        'websocket opened',
      );
      data.session.open(ws);
    },
    message(ws, data, isBinary) {
      ws.getUserData().session.message(ws, data, isBinary);
    },
    drain(ws) {
      ws.getUserData().session.drain(ws);
    },
    pong(ws, data) {
      ws.getUserData().session.pong(ws, data);
    },
    close(ws, code, reason) {
      const userData = ws.getUserData();
      userData.closed = true;
      sockets.delete(ws);
      userData.session.close(ws, code, reason);
      logger.info(
        {
          route: userData.route,
          user: userData.user,
          request_id: userData.requestId,
          code,
          duration_ms: Math.round(performance.now() - userData.since),
        },
        'websocket closed',
      );
    },
  };
}
