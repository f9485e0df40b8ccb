import type { RouteConfig, UpstreamConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { duration } from '../config/units.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import type { RequestSeries } from '../data-plane/exchange.js';
import type { RequestHeaderPolicy } from '../data-plane/forward-headers.js';
import { createHashKeyReader } from '../data-plane/hash-key.js';
import type { PathRewriter } from '../data-plane/path-rewriter.js';
import type { WebSocketRouteMetrics } from '../observability/metrics/websocket-metrics.js';
import type { Endpoint } from '../upstream/endpoint.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { createSocketIoRoute } from '../websocket/socket-io/create-socket-io-route.js';
import { EndpointPin } from '../websocket/socket-io/endpoint-pin.js';
import { createSocketIoHandshake } from '../websocket/socket-io/socket-io-handshake.js';
import type { ServerSettings } from './server-settings.js';
import { createSocketProxyRoute, type SocketCredentialPlaces } from './socket-proxy-route.js';

export interface SocketIoRouteConfig {
  rc: RouteConfig;
  rewrite: PathRewriter;
  settings: ServerSettings;
  group: UpstreamGroup;
  upstream: UpstreamConfig;
  headerPolicy: RequestHeaderPolicy;
  credentials: SocketCredentialPlaces;
  metrics: WebSocketRouteMetrics | null;
  /** The route's request series for its upstream; null when metrics are off. */
  requestSeries: RequestSeries | null;
  /** The route's HTTP proxy step to its upstream, with `affinity` ahead of the balancer. */
  polling: (affinity: () => Endpoint | null) => { handle: RouteHandler; filters: string[] };
}

/**
 * A `websocket: socket.io` route: engine.io's long-polling requests through the HTTP proxy, its
 * upgrade through the WebSocket proxy, and every request of one session on one endpoint.
 */
export function createSocketIoRouteHandler(c: SocketIoRouteConfig): {
  handle: RouteHandler;
  filters: string[];
  socketKey: string;
  servesPlain: true;
} {
  const { rc, settings, group, upstream } = c;
  const pin = new EndpointPin();
  const polling = c.polling(pin.affinity);
  const upgrade = createSocketProxyRoute(
    rc,
    c.rewrite,
    settings,
    group,
    upstream,
    c.headerPolicy,
    c.credentials,
    c.metrics,
    pin.affinity,
  );
  const balancer = upstream.load_balancer?.type ?? CONFIG_DEFAULTS.upstreams.load_balancer.type;
  const hashKey =
    balancer === 'ConsistentHash'
      ? createHashKeyReader(
          upstream.load_balancer?.hash_on ?? CONFIG_DEFAULTS.upstreams.load_balancer.hash_on,
          settings.trustProxy,
        )
      : null;
  const timeoutMs = rc.timeout
    ? duration(rc.timeout, CONFIG_DEFAULTS.server.timeouts.upstream_timeout)
    : settings.upstreamTimeoutMs;
  const handshake = createSocketIoHandshake({
    group,
    timeoutMs,
    preserveHost: rc.preserve_host ?? CONFIG_DEFAULTS.routes.preserve_host,
    isTrustedProxy: settings.trustProxy,
    headerPolicy: c.headerPolicy,
    metrics: c.requestSeries,
  });
  const handle = createSocketIoRoute({
    group,
    rewrite: c.rewrite,
    hashKey,
    credentialQueryParam: c.credentials.queryParam,
    handshake,
    polling: polling.handle,
    upgrade: upgrade.handle,
    pin,
  });
  return {
    handle,
    filters: [
      'socket.io sessions pinned by sid',
      ...polling.filters.map((f) => `polling: ${f}`),
      ...upgrade.filters.map((f) => `upgrade: ${f}`),
    ],
    socketKey: upgrade.socketKey,
    servesPlain: true,
  };
}
