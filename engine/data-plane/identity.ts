/**
 * Who a request is, once a JWT or an API key has been verified. Providers build it once per
 * credential (and cache it), so it is read-only: every later filter (authorizer, rate limiter,
 * context headers) reads the same object.
 */
export interface Identity {
  /** The user (JWT `sub`, or the client id of a machine token) or the API key's name or id. */
  readonly subject: string;
  readonly clientId?: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly tier?: string;
  readonly email?: string;
  readonly method: 'jwt' | 'api_key';
  /** When the credential stops being valid, epoch ms. */
  readonly expiresAt?: number;
  /** The verified JWT claims, for filters that need more than the fields above. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * Which API key a request used: a managed key's id (its clientId: its subject may be the owner
 * user), a static key's name; undefined for a JWT. Rate limits and usage count per key with it.
 */
export function apiKeyIdOf(identity: Identity): string | undefined {
  return identity.method === 'api_key' ? (identity.clientId ?? identity.subject) : undefined;
}
