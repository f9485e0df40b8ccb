import type { GatewaySocket, SocketSession } from '../socket-session.js';

/** The close code of an upgrade whose credential was refused in band (HTTP 401's number). */
export const REFUSED_CREDENTIAL_CLOSE = 4401;

/**
 * A hub upgrade accepted only to say why it is refused (websocket.server.refused_upgrade:
 * close): one error message, then close 4401 with the error's code as the reason. A browser sees
 * a refused HTTP upgrade as close 1006, the same as a network drop; this it can tell apart, and
 * stop retrying. Nothing the client sends is read.
 */
export class RefusedUpgradeSession implements SocketSession {
  constructor(
    readonly configKey: string,
    /** The error message, encoded in the route's message format. */
    private readonly errorMessage: string,
    /** UNAUTHORIZED or TOKEN_EXPIRED: the close reason. */
    private readonly code: string,
  ) {}

  open(ws: GatewaySocket): void {
    ws.cork(() => {
      ws.send(this.errorMessage, false);
      ws.end(REFUSED_CREDENTIAL_CLOSE, this.code);
    });
  }

  message(): void {}

  drain(): void {}

  close(): void {}

  pong(): void {}
}
