import type { RouteHandler } from '../../data-plane/compiled-route.js';
import type { HashKeyReader } from '../../data-plane/hash-key.js';
import type { PathRewriter } from '../../data-plane/path-rewriter.js';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';
import type { EndpointPin } from './endpoint-pin.js';
import { taggedEndpoint } from './endpoint-tag.js';
import { readSessionQuery } from './session-query.js';
import type { createSocketIoHandshake } from './socket-io-handshake.js';

export interface SocketIoRouteParts {
  group: UpstreamGroup;
  rewrite: PathRewriter;
  /** The upstream's ConsistentHash key reader, for the handshake; null when it does not hash. */
  hashKey: HashKeyReader | null;
  /** The query parameter that may carry the client's credential; never sent upstream. */
  credentialQueryParam: string | null;
  handshake: ReturnType<typeof createSocketIoHandshake>;
  /** The HTTP proxy step for long-polling requests; its affinity reads `pin`. */
  polling: RouteHandler;
  /** The WebSocket proxy step for the upgrade; its affinity reads `pin`. */
  upgrade: RouteHandler;
  pin: EndpointPin;
}

/**
 * The terminal step of a `websocket: socket.io` route. The long-polling handshake opens a
 * session and tags its sid with the endpoint; every later request of the session (polls, posts,
 * the upgrade to WebSocket) goes to the endpoint its sid names. When that endpoint is gone or
 * out of service, the balancer chooses, and the endpoint chosen tells the client the session is
 * unknown: socket.io's client then opens a new one.
 */
export function createSocketIoRoute(p: SocketIoRouteParts): RouteHandler {
  const { group, pin } = p;
  return function socketIo(ex, params, wildcard) {
    const session = readSessionQuery(ex.query, p.credentialQueryParam);
    ex.query = session.query;
    const isUpgrade = ex.upgradeContext !== null && ex.header('sec-websocket-key') !== undefined;
    if (isUpgrade) {
      const endpoint = session.tag === null ? null : taggedEndpoint(group, session.tag);
      pin.run(endpoint, () => p.upgrade(ex, params, wildcard));
    } else if (!session.hasSid && ex.method === 'GET') {
      p.handshake(
        ex,
        p.rewrite(ex.path, params, wildcard),
        p.hashKey === null ? null : p.hashKey(ex),
      );
    } else {
      const endpoint = session.tag === null ? null : taggedEndpoint(group, session.tag);
      pin.run(endpoint, () => p.polling(ex, params, wildcard));
    }
  };
}
