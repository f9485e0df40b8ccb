import type { AccessControl } from '../compile/access-control.js';
import { builtInRoute, type CompiledRoute, type RouteHandler } from '../compile/compiled-route.js';
import type { IdentityConfig } from '../config/gateway-config.js';
import { createGuardedHandler } from '../data-plane/route-guards.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import { resolveIdentityEndpoints, type ResolvedEndpoint } from './identity-endpoints.js';
import type { IdentityEndpointName } from './identity-endpoints.js';

export interface IdentityRoute {
  route: CompiledRoute;
  pattern: PathPattern;
  endpoint: ResolvedEndpoint;
}

/**
 * The identity endpoints as routes of the table. They pass through the gateway-wide guards like
 * any route (IP filter, CORS, security headers, and a `route_limits` entry on their path, so
 * `route_limits: { /auth/login: 10 }` works), but not through the auth step: each endpoint
 * checks its own token.
 */
export function createIdentityRoutes(
  identity: IdentityConfig,
  handlers: Record<IdentityEndpointName, RouteHandler>,
  guardsFor: AccessControl['guardsFor'],
  /** `response_envelope`, for the routes (sendJson and sendError read it there). */
  envelope: boolean,
): IdentityRoute[] {
  return resolveIdentityEndpoints(identity).map((endpoint) => {
    const name = `identity ${endpoint.name}`;
    const guarded = guardsFor({ path: endpoint.path, methods: [endpoint.method] }, name);
    const handle = handlers[endpoint.name];
    return {
      endpoint,
      pattern: parsePathPattern(endpoint.path),
      route: builtInRoute({
        name,
        path: endpoint.path,
        methods: [endpoint.method],
        filters: [...(guarded?.filters ?? []), name],
        handle: guarded === null ? handle : createGuardedHandler(guarded.guards, handle),
        envelope,
      }),
    };
  });
}
