import type { RawData, WebSocket } from 'ws';
import type { WebSocketRouteMetrics } from '../../observability/metrics/websocket-metrics.js';
import type { GatewaySocket, SocketSession } from '../socket-session.js';
import {
  closeForClient,
  closeForUpstream,
  GOING_AWAY,
  MESSAGE_TOO_BIG,
  TRY_AGAIN_LATER,
  type WireClose,
} from './close-codes.js';

export interface ProxySessionOptions {
  configKey: string;
  metrics: WebSocketRouteMetrics | null;
  /** Largest message either way; a larger one from the client closes it with 1009. */
  maxMessageBytes: number;
  /**
   * Client → upstream: the most the upstream connection may hold unsent. uWS cannot stop reading
   * a client, so a client that outruns the upstream by more is closed with 1013.
   */
  upstreamBufferLimit: number;
  /** Called once when the proxied connection is over, whichever side ended it. */
  onEnd: () => void;
}

/**
 * Upstream → client: the upstream is paused while the client's send buffer holds more than this,
 * and resumed once it is down to half.
 */
export const CLIENT_HIGH_WATER = 1024 * 1024;

/** ws's `WebSocket.OPEN`, as a literal: ws itself loads only with the first proxy route. */
const UPSTREAM_OPEN = 1;

/**
 * One proxied WebSocket connection: frames relayed as they are (text stays text, binary stays
 * binary), backpressure in both directions, and each side's close passed to the other. It is
 * created once the upstream connection is open and before the client's handshake completes, so
 * the upstream is paused until the client side opens.
 */
export class ProxySession implements SocketSession {
  readonly configKey: string;
  private client: GatewaySocket | null = null;
  private clientClosed = false;
  /** The gateway ended the client connection (too big, too fast): the upstream hears 1001. */
  private endedByGateway: string | null = null;
  /** The upstream closed before the client side had opened. */
  private pendingClose: WireClose | null = null;
  private upstreamPaused = true;
  private ended = false;
  private openedAt = 0;

  constructor(
    private readonly upstream: WebSocket,
    private readonly o: ProxySessionOptions,
  ) {
    this.configKey = o.configKey;
    upstream.pause();
    upstream.on('message', this.onUpstreamMessage);
    upstream.on('close', this.onUpstreamClose);
    // After the handshake an error is always followed by 'close', which does the work.
    upstream.on('error', () => {});
  }

  open(ws: GatewaySocket): void {
    this.client = ws;
    this.openedAt = performance.now();
    this.o.metrics?.connectionOpened();
    if (this.pendingClose !== null) {
      endClient(ws, this.pendingClose);
      return;
    }
    this.upstreamPaused = false;
    this.upstream.resume();
  }

  message(ws: GatewaySocket, data: ArrayBuffer, isBinary: boolean): void {
    if (data.byteLength > this.o.maxMessageBytes) {
      this.endByGateway(ws, MESSAGE_TOO_BIG, 'message too big');
      return;
    }
    this.o.metrics?.messageReceived(data.byteLength);
    const upstream = this.upstream;
    if (upstream.readyState !== UPSTREAM_OPEN) return;
    // uWS reuses `data` after this call returns: the upstream gets its own copy.
    upstream.send(Buffer.from(new Uint8Array(data)), { binary: isBinary });
    if (upstream.bufferedAmount > this.o.upstreamBufferLimit) {
      this.endByGateway(ws, TRY_AGAIN_LATER, 'upstream is not keeping up');
    }
  }

  drain(ws: GatewaySocket): void {
    if (this.upstreamPaused && ws.getBufferedAmount() <= CLIENT_HIGH_WATER / 2) {
      this.upstreamPaused = false;
      this.upstream.resume();
    }
  }

  close(_ws: GatewaySocket, code: number, reason: ArrayBuffer): void {
    this.clientClosed = true;
    this.client = null;
    this.o.metrics?.connectionClosed((performance.now() - this.openedAt) / 1000);
    const upstream = this.upstream;
    if (upstream.readyState === UPSTREAM_OPEN) {
      const wire =
        this.endedByGateway !== null
          ? { code: GOING_AWAY, reason: this.endedByGateway }
          : closeForUpstream(code, Buffer.from(reason).toString());
      // A paused upstream would never read the close handshake's answer.
      upstream.resume();
      if (wire.code === undefined) upstream.close();
      else upstream.close(wire.code, wire.reason);
    }
    this.end();
  }

  pong(): void {}

  private endByGateway(ws: GatewaySocket, code: number, reason: string): void {
    this.endedByGateway = reason;
    ws.end(code, reason);
  }

  private readonly onUpstreamMessage = (data: RawData, isBinary: boolean): void => {
    const client = this.client;
    if (client === null || this.clientClosed) return;
    // binaryType is 'nodebuffer': a fragmented message arrives joined into one Buffer.
    client.cork(() => client.send(data as Buffer, isBinary));
    this.o.metrics?.messageSent((data as Buffer).length);
    if (!this.upstreamPaused && client.getBufferedAmount() > CLIENT_HIGH_WATER) {
      this.upstreamPaused = true;
      this.upstream.pause();
    }
  };

  private readonly onUpstreamClose = (code: number, reason: Buffer): void => {
    this.end();
    if (this.clientClosed) return;
    const wire = closeForClient(code, reason.toString());
    if (this.client === null) this.pendingClose = wire;
    else endClient(this.client, wire);
  };

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.o.onEnd();
  }
}

function endClient(ws: GatewaySocket, wire: WireClose): void {
  if (ws.getUserData().closed) return;
  ws.cork(() => {
    if (wire.code === undefined) ws.end();
    else ws.end(wire.code, wire.reason);
  });
}
