import { GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from '../data-plane/exchange.js';
import { prepareResponse } from '../data-plane/direct-response.js';
import { sendJson } from '../data-plane/generated-json.js';
import { sendError, sendPrepared } from '../data-plane/respond.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import {
  builtInRoute,
  type CompiledRoute,
  type RouteHandler,
} from '../data-plane/compiled-route.js';

const HEALTHY_BODY = { status: 'ok' };
const READY_BODY = { status: 'ready' };
const HEALTHY = prepareResponse({ status: 200, body: HEALTHY_BODY });
const READY = prepareResponse({ status: 200, body: READY_BODY });

/**
 * GET /health (the process is alive) and GET /ready (a config is loaded, the gateway is not
 * draining, and every Redis the config cannot work without is connected).
 */
export function createBuiltInRoutes(
  /** Why the gateway is not ready, or null when it is. */
  notReadyBecause: () => string | null,
  /** `response_envelope`: the answers carry a timestamp and request id, so are made each time. */
  envelope: boolean,
  /** Puts the gateway-wide filters (security headers) in front of a handler. */
  withGatewayFilters: (terminal: RouteHandler) => RouteHandler,
): Array<{ route: CompiledRoute; pattern: PathPattern }> {
  const builtIn = (
    path: string,
    answer: (ex: Exchange) => void,
  ): { route: CompiledRoute; pattern: PathPattern } => ({
    pattern: parsePathPattern(path),
    route: builtInRoute({
      name: `built-in ${path}`,
      path,
      methods: ['GET', 'HEAD'],
      filters: [],
      handle: withGatewayFilters(answer),
      envelope,
    }),
  });
  return [
    builtIn(
      '/health',
      envelope
        ? function health(ex) {
            sendJson(ex, 200, HEALTHY_BODY);
          }
        : function health(ex) {
            sendPrepared(ex, HEALTHY);
          },
    ),
    builtIn('/ready', function ready(ex) {
      const reason = notReadyBecause();
      if (reason !== null) sendError(ex, new GatewayError('SERVICE_UNAVAILABLE', reason));
      else if (envelope) sendJson(ex, 200, READY_BODY);
      else sendPrepared(ex, READY);
    }),
  ];
}
