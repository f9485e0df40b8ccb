import { GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from '../data-plane/exchange.js';
import { prepareResponse } from '../data-plane/direct-response.js';
import { sendError, sendPrepared } from '../data-plane/respond.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import type { CompiledRoute } from './compiled-route.js';

const HEALTHY = prepareResponse({ status: 200, body: { status: 'ok' } });
const READY = prepareResponse({ status: 200, body: { status: 'ready' } });

/**
 * GET /health (the process is alive) and GET /ready (a config is loaded, the gateway is not
 * draining, and every Redis the config cannot work without is connected).
 */
export function createBuiltInRoutes(
  /** Why the gateway is not ready, or null when it is. */
  notReadyBecause: () => string | null,
): Array<{ route: CompiledRoute; pattern: PathPattern }> {
  const builtIn = (
    path: string,
    handle: (ex: Exchange) => void,
  ): { route: CompiledRoute; pattern: PathPattern } => ({
    pattern: parsePathPattern(path),
    route: {
      name: `built-in ${path}`,
      path,
      host: null,
      methods: ['GET', 'HEAD'],
      target: 'built-in',
      filters: [],
      handle,
      configIndex: -1,
      condition: null,
      origin: 'built-in' as const,
      metrics: null,
    },
  });
  return [
    builtIn('/health', function health(ex) {
      sendPrepared(ex, HEALTHY);
    }),
    builtIn('/ready', function ready(ex) {
      const reason = notReadyBecause();
      if (reason === null) sendPrepared(ex, READY);
      else sendError(ex, new GatewayError('SERVICE_UNAVAILABLE', reason));
    }),
  ];
}
