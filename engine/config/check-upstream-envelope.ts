import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { RouteConfig } from './gateway-config.js';

/**
 * `upstream_envelope` wraps what an upstream answers over HTTP: on a route the gateway answers
 * itself (a handler, a direct response, a redirect) or on a WebSocket route it would never apply.
 */
export function checkUpstreamEnvelope(
  route: RouteConfig,
  at: ConfigPath,
  label: string,
): PathProblem[] {
  if (route.upstream_envelope === undefined) return [];
  const proxied = route.upstream !== undefined || route.upstreams !== undefined;
  if (proxied && route.websocket === undefined) return [];
  return [
    {
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      message: `${label} has upstream_envelope but no HTTP upstream answers on it`,
      hint: 'remove upstream_envelope; response_envelope: true shapes what the gateway answers itself',
      path: [...at, 'upstream_envelope'],
      atKey: true,
    },
  ];
}
