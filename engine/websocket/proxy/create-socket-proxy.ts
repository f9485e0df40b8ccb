import type { WebSocketRouteMetrics } from '../../observability/metrics/websocket-metrics.js';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { WebSocket } from 'ws';
import type { RouteHandler } from '../../data-plane/compiled-route.js';
import type { PathRewriter } from '../../data-plane/path-rewriter.js';
import type { TrustMatcher } from '../../data-plane/trust-proxy.js';
import type { Exchange } from '../../data-plane/exchange.js';
import type { RequestHeaderPolicy } from '../../data-plane/forward-headers.js';
import { sendError } from '../../data-plane/respond.js';
import { breakerRefusal, noHealthyEndpoint } from '../../data-plane/upstream-error.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Endpoint } from '../../upstream/endpoint.js';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';
import type { UpstreamTls } from '../../upstream/upstream-tls.js';
import { acceptUpgrade } from '../accept-upgrade.js';
import { connectWithin, CONNECT_TIMEOUT } from './connect-within.js';
import { ProxySession } from './proxy-session.js';
import { upstreamHandshake, type HandshakeOptions } from './upstream-handshake.js';

// ws (the upstream side's client) is loaded by the first proxy route, not at every start.
const load = createRequire(import.meta.url);

export interface SocketProxyOptions {
  group: UpstreamGroup;
  rewrite: PathRewriter;
  configKey: string;
  /** The route's WebSocket series; null when metrics are off. */
  metrics: WebSocketRouteMetrics | null;
  maxMessageBytes: number;
  upstreamBufferLimit: number;
  /** Bounds the whole opening handshake with the upstream (connect and 101). */
  handshakeTimeoutMs: number;
  connectTimeoutMs: number;
  /** The upstream's TLS settings for wss:// (https://) endpoints. */
  tls: UpstreamTls | null;
  preserveHost: boolean;
  isTrustedProxy: TrustMatcher;
  headerPolicy: RequestHeaderPolicy;
  /** Where the credential may travel on an upgrade; removed before the upstream sees it. */
  credentialQueryParam: string | null;
  credentialProtocolPrefix: string | null;
  /** The ConsistentHash key of a request; null when the upstream does not hash. */
  hashKey: ((ex: Exchange) => string | null) | null;
  /** The endpoint the upgrade is bound to (a socket.io session's); null lets the balancer pick. */
  affinity?: () => Endpoint | null;
}

/**
 * The terminal step of a `websocket: proxy` route, run after the route's checks: open the
 * upstream WebSocket first, and only once it is open complete the client's handshake with the
 * subprotocol the upstream chose. A refusing or unreachable upstream gets the client an HTTP
 * error (502, 503, 504) instead of a WebSocket that closes at once.
 */
export function createSocketProxy(o: SocketProxyOptions): RouteHandler {
  const { WebSocket: UpstreamSocket } = load('ws') as typeof import('ws');
  const group = o.group;
  const handshake: HandshakeOptions = {
    preserveHost: o.preserveHost,
    isTrustedProxy: o.isTrustedProxy,
    headerPolicy: o.headerPolicy,
    credentialQueryParam: o.credentialQueryParam,
    credentialProtocolPrefix: o.credentialProtocolPrefix,
  };
  const plain = connectWithin(o.connectTimeoutMs, false, null);
  const secure = connectWithin(o.connectTimeoutMs, true, o.tls);

  return function socketProxy(ex, params, wildcard) {
    ex.upstreamName = group.name;
    const endpoint = o.affinity?.() ?? group.pick(o.hashKey === null ? null : o.hashKey(ex), null);
    if (endpoint === null) {
      sendError(ex, noHealthyEndpoint(group.name));
      return;
    }
    const refusal = breakerRefusal(group);
    if (refusal !== null) {
      sendError(ex, refusal);
      return;
    }
    const request = upstreamHandshake(ex, o.rewrite(ex.path, params, wildcard), handshake);
    const isSecure = endpoint.origin.startsWith('https:');
    let upstream: WebSocket;
    try {
      upstream = new UpstreamSocket(
        `${isSecure ? 'wss' : 'ws'}${endpoint.origin.slice(isSecure ? 5 : 4)}${request.path}`,
        request.protocols,
        {
          headers: request.headers,
          handshakeTimeout: o.handshakeTimeoutMs,
          createConnection: isSecure ? secure : plain,
          perMessageDeflate: false,
          maxPayload: o.maxMessageBytes,
          followRedirects: false,
        },
      );
    } catch {
      // ws refuses subprotocols that are not tokens or appear twice.
      group.breaker?.release();
      sendError(ex, new GatewayError('BAD_REQUEST', 'the Sec-WebSocket-Protocol list is invalid'));
      return;
    }
    new UpstreamAttempt(ex, o, endpoint, upstream).start();
  };
}

/** The opening handshake with one endpoint, and its bookkeeping in the breaker and health. */
class UpstreamAttempt {
  private settled = false;

  constructor(
    private readonly ex: Exchange,
    private readonly o: SocketProxyOptions,
    private readonly endpoint: Endpoint,
    private readonly upstream: WebSocket,
  ) {}

  start(): void {
    const { ex, upstream, endpoint } = this;
    endpoint.health.inFlight++;
    ex.onAbort = () => {
      if (!this.settle(null)) return;
      endpoint.health.inFlight--;
      upstream.terminate();
    };
    upstream.once('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (!this.settle(status >= 500)) return;
      upstream.terminate();
      this.fail(
        new GatewayError(
          'BAD_GATEWAY',
          `upstream "${this.o.group.name}" refused the WebSocket upgrade (status ${status})`,
        ),
      );
    });
    upstream.on('error', (err: Error & { code?: string }) => {
      if (!this.settle(true)) return;
      this.fail(this.errorFor(err));
    });
    upstream.once('open', () => this.opened());
  }

  private opened(): void {
    const { ex, upstream, endpoint } = this;
    if (!this.settle(false)) return;
    ex.onAbort = null;
    const session = new ProxySession(upstream, {
      configKey: this.o.configKey,
      metrics: this.o.metrics,
      maxMessageBytes: this.o.maxMessageBytes,
      upstreamBufferLimit: this.o.upstreamBufferLimit,
      onEnd: () => endpoint.health.inFlight--,
    });
    if (ex.aborted || ex.finished) {
      upstream.close(1001, 'client went away');
      return;
    }
    acceptUpgrade(ex, session, upstream.protocol);
  }

  /**
   * Records the outcome once: `failed` true or false for the breaker and outlier detection, null
   * when the client went away first. Returns false when an outcome was already recorded.
   */
  private settle(failed: boolean | null): boolean {
    if (this.settled) return false;
    this.settled = true;
    const { group } = this.o;
    const breaker = group.breaker;
    if (failed === null) breaker?.release();
    else if (failed) breaker?.onFailure();
    else breaker?.onSuccess();
    if (failed !== null) group.recordResult(this.endpoint, failed);
    return true;
  }

  private fail(err: GatewayError): void {
    this.endpoint.health.inFlight--;
    this.ex.onAbort = null;
    sendError(this.ex, err);
  }

  private errorFor(err: Error & { code?: string }): GatewayError {
    const name = this.o.group.name;
    if (err.message === CONNECT_TIMEOUT) {
      return new GatewayError(
        'UPSTREAM_TIMEOUT',
        `could not connect to upstream "${name}" in time`,
      );
    }
    // ws reports its handshake timeout by this message only (no error code).
    if (err.message === 'Opening handshake has timed out') {
      return new GatewayError(
        'UPSTREAM_TIMEOUT',
        `upstream "${name}" did not complete the WebSocket handshake within ${this.o.handshakeTimeoutMs} ms`,
      );
    }
    return new GatewayError(
      'BAD_GATEWAY',
      `upstream "${name}" is unreachable or refused the WebSocket (${err.code ?? 'handshake failed'})`,
    );
  }
}
