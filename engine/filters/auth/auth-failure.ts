import { GatewayError } from '../../errors/gateway-error.js';

/**
 * Why a credential was refused. Stable strings: logs and metrics key on them. All of them mean
 * "not authenticated", so every one becomes a 401 (authorization failures are 403s, built by the
 * authorizer, not here).
 */
export type AuthFailureReason =
  /** The request carries no token or key at all. */
  | 'missing_credentials'
  /** Not a compact JWS, bad base64url or JSON, or an unsupported header (`crit`, `b64`). */
  | 'malformed'
  /** Longer than the configured maximum; refused before any parsing or crypto. */
  | 'too_large'
  /** The header's `alg` (including `none`) is not in the configured allow-list. */
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_issuer'
  | 'bad_audience'
  | 'missing_claim'
  /** A registered claim has the wrong type (`exp` as a string, for example). */
  | 'invalid_claim'
  /** No key verifies it: an unknown JWT `kid`, or an API key nobody issued. */
  | 'unknown_key'
  /** The JWKS was never fetched successfully, so no JWT can be checked. */
  | 'jwks_unavailable'
  | 'revoked';

/** Every reason once; a Record, so a reason added to the type must be added here too. */
const REASONS: Record<AuthFailureReason, true> = {
  missing_credentials: true,
  malformed: true,
  too_large: true,
  algorithm_not_allowed: true,
  bad_signature: true,
  expired: true,
  not_yet_valid: true,
  bad_issuer: true,
  bad_audience: true,
  missing_claim: true,
  invalid_claim: true,
  unknown_key: true,
  jwks_unavailable: true,
  revoked: true,
};

/** The reasons a route's auth failure counters start at 0 with. */
export const AUTH_FAILURE_REASONS = Object.keys(REASONS) as readonly AuthFailureReason[];

/**
 * A refused credential. The message is safe to send to the client: it never contains the token
 * or key, only what kind of check failed.
 */
export class AuthFailure extends Error {
  readonly reason: AuthFailureReason;

  constructor(reason: AuthFailureReason, message: string) {
    super(message);
    this.name = 'AuthFailure';
    this.reason = reason;
  }

  /**
   * The 401 response, with the RFC 6750 challenge: `error="invalid_token"` only when a credential
   * was presented, as the RFC asks.
   */
  toGatewayError(): GatewayError {
    const challenge =
      this.reason === 'missing_credentials'
        ? 'Bearer realm="gatewayd"'
        : 'Bearer realm="gatewayd", error="invalid_token"';
    return new GatewayError('UNAUTHORIZED', this.message, [['www-authenticate', challenge]]);
  }
}
