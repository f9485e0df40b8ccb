import { GatewayError } from '../errors/gateway-error.js';
import type { Exchange } from '../data-plane/exchange.js';
import { prepareResponse } from '../data-plane/direct-response.js';
import { sendError, sendPrepared } from '../data-plane/respond.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import type { CompiledRoute } from './compiled-route.js';

const HEALTHY = prepareResponse({ status: 200, body: { status: 'ok' } });
const READY = prepareResponse({ status: 200, body: { status: 'ready' } });

/** GET /health (the process is alive) and GET /ready (a config is loaded and not draining). */
export function createBuiltInRoutes(
  isReady: () => boolean,
): Array<{ route: CompiledRoute; pattern: PathPattern }> {
  const builtIn = (path: string, handle: (ex: Exchange) => void) => ({
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
    },
  });
  return [
    builtIn('/health', function health(ex) {
      sendPrepared(ex, HEALTHY);
    }),
    builtIn('/ready', function ready(ex) {
      if (isReady()) sendPrepared(ex, READY);
      else sendError(ex, new GatewayError('SERVICE_UNAVAILABLE', 'the gateway is shutting down'));
    }),
  ];
}
