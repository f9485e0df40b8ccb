import type { GatewayConfig, RouteConfig } from '../../config/gateway-config.js';

/** Where a WebSocket route's allowed origins come from, for messages and `gatewayd routes`. */
export type SocketOriginSource =
  | 'route allowed_origins'
  | 'websocket.server.allowed_origins'
  | 'route cors'
  | 'middleware.cors'
  | 'default';

export interface SocketOriginSettings {
  /** The origins a browser's upgrade may come from besides the gateway's own; empty: none. */
  readonly origins: readonly string[];
  readonly source: SocketOriginSource;
}

/** A route that serves WebSocket upgrades (a proxy or the hub). */
export function servesUpgrades(route: RouteConfig): boolean {
  return route.websocket !== undefined || route.handler === 'websocket';
}

/**
 * The Origin policy of a WebSocket route: its own `allowed_origins`; for the hub,
 * websocket.server.allowed_origins; else the CORS origins the route answers browsers with;
 * else the gateway's own origin only. Shared by the checks and the filter, so `gatewayd check`
 * judges the list the gateway enforces.
 */
export function socketOriginSettings(
  route: RouteConfig,
  config: GatewayConfig,
): SocketOriginSettings {
  if (route.allowed_origins !== undefined) {
    return { origins: route.allowed_origins, source: 'route allowed_origins' };
  }
  const server = config.websocket?.server?.allowed_origins;
  if (route.handler === 'websocket' && server !== undefined) {
    return { origins: server, source: 'websocket.server.allowed_origins' };
  }
  if (route.cors !== undefined && route.cors !== false) {
    return { origins: route.cors.allowed_origins, source: 'route cors' };
  }
  const cors = config.middleware?.cors;
  if (route.cors === undefined && cors !== undefined) {
    return { origins: cors.allowed_origins, source: 'middleware.cors' };
  }
  return { origins: [], source: 'default' };
}
