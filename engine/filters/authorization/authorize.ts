import { GatewayError } from '../../errors/gateway-error.js';
import type { Identity } from '../../data-plane/identity.js';

export interface AuthorizerSettings {
  /** The identity needs at least one of these. */
  requiredRoles?: readonly string[];
  /** The identity needs every one of these. */
  requiredPermissions?: readonly string[];
  /** The identity's tier must rank at or above this one in `tiers`. */
  requiredTier?: string;
  /** Tier names, lowest first, e.g. ['free', 'pro', 'enterprise', 'admin']. */
  tiers?: readonly string[];
  /** The route's name, for the tier message ("Module 'drone-system' requires ..."). */
  moduleName?: string;
}

/** Null when the identity may pass, else the 403 to answer. */
export type Authorizer = (identity: Identity) => GatewayError | null;

/**
 * Compiles a route's role, permission and tier requirements into one check; null when the
 * route requires nothing, so the pipeline can skip the step.
 */
export function createAuthorizer(settings: AuthorizerSettings): Authorizer | null {
  const roles = [...(settings.requiredRoles ?? [])];
  const permissions = [...(settings.requiredPermissions ?? [])];
  const tiers = settings.tiers ?? [];
  const { requiredTier } = settings;
  const minRank = requiredTier === undefined ? -1 : tiers.indexOf(requiredTier);
  if (requiredTier !== undefined && minRank < 0) {
    throw new RangeError(
      `authorization: tier ${JSON.stringify(requiredTier)} is not one of the tiers [${tiers.join(', ')}]`,
    );
  }
  if (roles.length === 0 && permissions.length === 0 && requiredTier === undefined) return null;

  const rolesMessage = `Requires one of the roles: ${roles.join(', ')}`;
  const tierSubject =
    settings.moduleName === undefined ? 'This route' : `Module '${settings.moduleName}'`;

  return function authorize(identity) {
    if (roles.length > 0 && !roles.some((role) => identity.roles.includes(role))) {
      return new GatewayError('FORBIDDEN', rolesMessage);
    }
    if (permissions.length > 0) {
      const missing = permissions.filter((p) => !identity.permissions.includes(p));
      if (missing.length > 0) {
        return new GatewayError('FORBIDDEN', `Missing permissions: ${missing.join(', ')}`);
      }
    }
    // An unknown or absent tier ranks below the lowest one.
    if (requiredTier !== undefined && tiers.indexOf(identity.tier ?? '') < minRank) {
      return new GatewayError(
        'TIER_REQUIRED',
        `${tierSubject} requires '${requiredTier}' tier. Your tier: '${identity.tier ?? 'none'}'`,
      );
    }
    return null;
  };
}
