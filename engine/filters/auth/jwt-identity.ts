import type { JWTPayload } from 'jose';
import { AuthFailure } from './auth-failure.js';
import type { Identity } from '../../data-plane/identity.js';

/** Where each Identity field is read from; unset names fall back to the common claim names. */
export interface ClaimNames {
  /** Default: `roles`, then `role`. */
  rolesClaim?: string;
  /** Default: `permissions`. The space-separated `scope` claim is always added. */
  permissionsClaim?: string;
  /** Default: `tier`. */
  tierClaim?: string;
  /** Default: `email`. */
  emailClaim?: string;
  /** Default: `client_id`, then `azp`. */
  clientIdClaim?: string;
}

type ClaimReader = (claims: JWTPayload) => unknown;

/**
 * Compiles the claim names into the function that turns a verified payload into an Identity.
 * A name is looked up as a top-level claim first, then as a dotted path into nested objects
 * (Keycloak's `realm_access.roles`), so namespaced names with dots (Auth0's
 * `https://example.com/roles`) work too.
 */
export function createIdentityMapper(names: ClaimNames): (claims: JWTPayload) => Identity {
  const roles = firstOf(names.rolesClaim ? [names.rolesClaim] : ['roles', 'role']);
  const permissions = claimReader(names.permissionsClaim ?? 'permissions');
  const tier = claimReader(names.tierClaim ?? 'tier');
  const email = claimReader(names.emailClaim ?? 'email');
  const clientId = firstOf(names.clientIdClaim ? [names.clientIdClaim] : ['client_id', 'azp']);

  return function identityFromClaims(claims) {
    const client = stringOrUndefined(clientId(claims));
    // A machine token (client credentials) may carry only its client id.
    const subject = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : client;
    if (subject === undefined) {
      throw new AuthFailure('missing_claim', 'Token has no subject');
    }
    const granted = toList(permissions(claims));
    for (const scope of toList(claims.scope)) if (!granted.includes(scope)) granted.push(scope);
    return Object.freeze({
      subject,
      clientId: client,
      roles: Object.freeze(toList(roles(claims))),
      permissions: Object.freeze(granted),
      tier: stringOrUndefined(tier(claims)),
      email: stringOrUndefined(email(claims)),
      method: 'jwt',
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
      claims: Object.freeze(claims),
    });
  };
}

function claimReader(name: string): ClaimReader {
  const path = name.split('.');
  if (path.length === 1) return (claims) => claims[name];
  return function nestedClaim(claims) {
    if (Object.hasOwn(claims, name)) return claims[name];
    let value: unknown = claims;
    for (const key of path) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
        return undefined;
      }
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
}

/** The first of several claims that is present. */
function firstOf(names: string[]): ClaimReader {
  const readers = names.map(claimReader);
  return function firstPresent(claims) {
    for (const read of readers) {
      const value = read(claims);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

/** A list claim: an array of strings, or one string of space- or comma-separated entries. */
function toList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((s) => s !== '');
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string' && v !== '');
  }
  return [];
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
