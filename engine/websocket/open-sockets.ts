import type { GatewaySocket } from './socket-session.js';

/** WebSocket close code 1012 "service restart": the client should reconnect (RFC 6455 7.4.1). */
export const SERVICE_RESTART = 1012;
export const GOING_AWAY = 1001;

/**
 * Every open WebSocket connection of this process, so reloads and shutdowns can reach them.
 * Connections outlive route tables: a reload leaves them alone unless their route went away.
 */
export class OpenSockets {
  private readonly sockets = new Set<GatewaySocket>();

  get size(): number {
    return this.sockets.size;
  }

  add(ws: GatewaySocket): void {
    this.sockets.add(ws);
  }

  delete(ws: GatewaySocket): void {
    this.sockets.delete(ws);
  }

  [Symbol.iterator](): IterableIterator<GatewaySocket> {
    return this.sockets.values();
  }

  /**
   * Closes with 1012 the connections whose config is not in `live`, each at a random moment
   * within `windowMs`, so their clients do not all reconnect in the same instant.
   */
  closeStale(live: ReadonlySet<string>, windowMs: number): number {
    const stale = [...this.sockets].filter((ws) => !live.has(ws.getUserData().session.configKey));
    closeSpread(stale, SERVICE_RESTART, 'configuration changed', windowMs);
    return stale.length;
  }

  closeAll(code: number, reason: string): void {
    for (const ws of [...this.sockets]) closeSocket(ws, code, reason);
  }
}

/** Closes each socket at a random moment within `windowMs`. */
export function closeSpread(
  sockets: readonly GatewaySocket[],
  code: number,
  reason: string,
  windowMs: number,
): void {
  for (const ws of sockets) {
    if (windowMs <= 0) closeSocket(ws, code, reason);
    else setTimeout(() => closeSocket(ws, code, reason), Math.random() * windowMs).unref();
  }
}

/** Sends a close frame unless the connection is already gone. */
export function closeSocket(ws: GatewaySocket, code: number, reason: string): void {
  if (ws.getUserData().closed) return;
  ws.end(code, reason);
}
