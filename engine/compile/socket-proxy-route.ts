import type { WebSocketRouteMetrics } from '../observability/metrics/websocket-metrics.js';
import type { RouteConfig, UpstreamConfig } from '../config/gateway-config.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import type { RequestHeaderPolicy } from '../data-plane/forward-headers.js';
import { createSocketProxy } from '../websocket/proxy/create-socket-proxy.js';
import { socketConfigKey } from '../websocket/socket-config-key.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import type { Endpoint } from '../upstream/endpoint.js';
import { createHashKeyReader } from '../data-plane/hash-key.js';
import type { PathRewriter } from '../data-plane/path-rewriter.js';
import { duration, size } from '../config/units.js';
import type { ServerSettings } from './server-settings.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { compileUpstreamTls } from './upstream-tls-settings.js';

/** Where an upgrade's credential travels besides the headers; null when the route does not read it. */
export interface SocketCredentialPlaces {
  queryParam: string | null;
  protocolPrefix: string | null;
}

/** A message may be up to this large; the client's send buffer towards the upstream 4 times that. */
const BUFFERED_MESSAGES = 4;
const MIN_UPSTREAM_BUFFER = 4 * 1024 * 1024;

/** The handler of a `websocket: proxy` route and the fingerprint its connections carry. */
export function createSocketProxyRoute(
  rc: RouteConfig,
  rewrite: PathRewriter,
  settings: ServerSettings,
  group: UpstreamGroup,
  uc: UpstreamConfig,
  headerPolicy: RequestHeaderPolicy,
  credentials: SocketCredentialPlaces,
  metrics: WebSocketRouteMetrics | null,
  /** Binds an upgrade to an endpoint ahead of the balancer (socket.io sessions). */
  affinity?: () => Endpoint | null,
): { handle: RouteHandler; filters: string[]; socketKey: string } {
  const maxMessageBytes = size(rc.max_message_size, CONFIG_DEFAULTS.routes.max_message_size);
  const handshakeTimeoutMs = rc.timeout
    ? duration(rc.timeout, CONFIG_DEFAULTS.server.timeouts.upstream_timeout)
    : settings.upstreamTimeoutMs;
  const connectTimeoutMs = uc.connect_timeout
    ? duration(uc.connect_timeout, CONFIG_DEFAULTS.server.timeouts.connect_timeout)
    : settings.connectTimeoutMs;
  const balancer = uc.load_balancer?.type ?? CONFIG_DEFAULTS.upstreams.load_balancer.type;
  // The route and its upstream as written: an edit of either closes the route's connections.
  const socketKey = socketConfigKey('proxy', rc, uc);
  const handle = createSocketProxy({
    group,
    rewrite,
    configKey: socketKey,
    metrics,
    maxMessageBytes,
    upstreamBufferLimit: Math.max(BUFFERED_MESSAGES * maxMessageBytes, MIN_UPSTREAM_BUFFER),
    handshakeTimeoutMs,
    connectTimeoutMs,
    tls: compileUpstreamTls(uc.tls),
    preserveHost: rc.preserve_host ?? CONFIG_DEFAULTS.routes.preserve_host,
    isTrustedProxy: settings.trustProxy,
    headerPolicy,
    credentialQueryParam: credentials.queryParam,
    credentialProtocolPrefix: credentials.protocolPrefix,
    hashKey:
      balancer === 'ConsistentHash'
        ? createHashKeyReader(
            uc.load_balancer?.hash_on ?? CONFIG_DEFAULTS.upstreams.load_balancer.hash_on,
            settings.trustProxy,
          )
        : null,
    ...(affinity === undefined ? {} : { affinity }),
  });
  const filters = [
    ...(uc.circuit_breaker ? ['circuit breaker'] : []),
    `websocket proxy ${balancer} handshake_timeout=${handshakeTimeoutMs}ms max_message=${maxMessageBytes}`,
  ];
  return { handle, filters, socketKey };
}
