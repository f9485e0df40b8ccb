import type { WebSocket } from 'uWebSockets.js';

/** What uWS keeps per connection: the session that handles it. */
export interface SocketData {
  readonly session: SocketSession;
  /** uWS throws on any call to a closed socket; set before the session's close runs. */
  closed: boolean;
  /** For the open and close log lines: the upgrade's route, request and caller. */
  readonly route: string;
  readonly requestId: string;
  /** The subject authenticated at the upgrade; null for an anonymous connection. */
  readonly user: string | null;
  /** performance.now() at the handshake. */
  readonly since: number;
}

export type GatewaySocket = WebSocket<SocketData>;

/**
 * One accepted WebSocket connection's behaviour (a proxied connection, a hub client). uWS hands
 * message data as ArrayBuffers valid only during the call: copy what must outlive it.
 */
export interface SocketSession {
  /**
   * The fingerprint of the config this connection depends on (its route). A reload whose table
   * no longer has it closes the connection with 1012, spread over the close window.
   */
  readonly configKey: string;
  open(ws: GatewaySocket): void;
  message(ws: GatewaySocket, data: ArrayBuffer, isBinary: boolean): void;
  /** The socket's send buffer has room again. */
  drain(ws: GatewaySocket): void;
  close(ws: GatewaySocket, code: number, reason: ArrayBuffer): void;
  pong(ws: GatewaySocket, data: ArrayBuffer): void;
}
