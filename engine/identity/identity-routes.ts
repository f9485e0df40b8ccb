import type { ChainBuilder } from '../data-plane/filter-chain.js';
import {
  builtInRoute,
  type CompiledRoute,
  type RouteHandler,
} from '../data-plane/compiled-route.js';
import type { IdentityConfig } from '../config/gateway-config.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import { resolveIdentityEndpoints, type ResolvedEndpoint } from './identity-endpoints.js';
import type { IdentityEndpointName } from './identity-endpoints.js';

export interface IdentityRoute {
  route: CompiledRoute;
  pattern: PathPattern;
  endpoint: ResolvedEndpoint;
}

/**
 * The identity endpoints as routes of the table. They pass through the gateway-wide filters like
 * any route (IP filter, CORS, security headers, and a `route_limits` entry on their path, so
 * `route_limits: { /auth/login: 10 }` works), but not through the auth step: each endpoint
 * checks its own token.
 */
export function createIdentityRoutes(
  identity: IdentityConfig,
  handlers: Record<IdentityEndpointName, RouteHandler>,
  chainFor: ChainBuilder,
  /** `response_envelope`, for the routes (sendJson and sendError read it there). */
  envelope: boolean,
): IdentityRoute[] {
  return resolveIdentityEndpoints(identity).map((endpoint) => {
    const name = `identity ${endpoint.name}`;
    const chain = chainFor(
      { path: endpoint.path, methods: [endpoint.method] },
      name,
      handlers[endpoint.name],
    );
    return {
      endpoint,
      pattern: parsePathPattern(endpoint.path),
      route: builtInRoute({
        name,
        path: endpoint.path,
        methods: [endpoint.method],
        filters: [...chain.descriptions, name],
        handle: chain.handle,
        envelope,
      }),
    };
  });
}
