import type { RouteHandler } from '../data-plane/compiled-route.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';

const UPGRADE_REQUIRED = new GatewayError(
  'UPGRADE_REQUIRED',
  'this route serves WebSocket connections only; send a WebSocket upgrade request',
  [['upgrade', 'websocket']],
);

/**
 * The first step of a WebSocket route: a request that is not a WebSocket upgrade gets 426 before
 * any check runs, since nothing it could pass would let it through.
 */
export function requireUpgrade(next: RouteHandler): RouteHandler {
  return function upgradeOnly(ex, params, wildcard) {
    if (ex.upgradeContext === null || ex.header('sec-websocket-key') === undefined) {
      sendError(ex, UPGRADE_REQUIRED);
      return;
    }
    next(ex, params, wildcard);
  };
}
