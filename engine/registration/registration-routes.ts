import type { ChainBuilder } from '../data-plane/filter-chain.js';
import { builtInRoute, type CompiledRoute } from '../data-plane/compiled-route.js';
import type { ConfigPath } from '../config/config-problem.js';
import { parsePathPattern, type PathPattern } from '../router/path-pattern.js';
import type { RegistrationHandlers } from './registration-handlers.js';
import { REGISTRATION_ENDPOINTS, type RegistrationSettings } from './registration-settings.js';

/**
 * The endpoints as routes of the table, behind the filters of a route with `auth: [jwt]` and
 * `required_roles` (plus the gateway-wide IP filter, CORS, security headers and rate limits).
 */
export function createRegistrationRoutes(
  settings: RegistrationSettings,
  handlers: RegistrationHandlers,
  chainFor: ChainBuilder,
  /** The gateway's `response_envelope`: the shape of these endpoints' answers. */
  envelope: boolean,
): Array<{ route: CompiledRoute; pattern: PathPattern; at: ConfigPath }> {
  return REGISTRATION_ENDPOINTS.map(({ key, method }) => {
    const path = settings[key];
    const name = `route_registration ${key}`;
    const chain = chainFor(
      {
        path,
        methods: [method],
        auth_required: true,
        auth: ['jwt'],
        required_roles: [...settings.requiredRoles],
      },
      name,
      handlers[key],
    );
    return {
      pattern: parsePathPattern(path),
      at: ['route_registration', 'paths', key],
      route: builtInRoute({
        name,
        path,
        methods: [method],
        filters: [...chain.descriptions, name],
        handle: chain.handle,
        envelope,
      }),
    };
  });
}
