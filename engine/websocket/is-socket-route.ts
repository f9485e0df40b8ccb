import type { RouteConfig } from '../config/gateway-config.js';

/**
 * A route that serves WebSocket upgrades only: it reads credentials from the places only
 * upgrades use (auth.websocket) and answers a plain request with 426.
 */
export function isSocketRoute(rc: RouteConfig): boolean {
  return rc.websocket !== undefined || rc.handler === 'websocket';
}
