import { authRequirement } from '../access-control-settings.js';
import type { RequestStep } from '../../data-plane/filter-chain.js';
import type { Identity } from '../../data-plane/identity.js';
import type { FilterFactory } from '../filter-factory.js';
import { createAuthorizer } from './authorize.js';

/**
 * `required_roles`, `required_permissions`, `required_tier`: what the verified caller must
 * have. Listed in `gatewayd routes` with the auth step it follows.
 */
export const authorization: FilterFactory = {
  name: 'authorization',
  build({ route, table }) {
    if (authRequirement(route) === undefined) return null;
    const authorize = createAuthorizer({
      requiredRoles: route.required_roles,
      requiredPermissions: route.required_permissions,
      requiredTier: route.required_tier,
      tiers: table.config.auth?.tiers,
      moduleName: route.name ?? route.path,
    });
    if (authorize === null) return null;
    // Auth runs first on this route and refuses requests without an identity.
    const checkCaller: RequestStep = (ex) => authorize(ex.identity as Identity);
    return {
      descriptions: [],
      request: checkCaller,
      response: null,
      ownsResponseHeader: null,
      upstreamHeaders: null,
    };
  },
};
