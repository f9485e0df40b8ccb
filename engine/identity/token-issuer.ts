import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SessionRecord } from './session-store.js';
import type { UserRecord } from './user-store.js';

export interface TokenIssuerSettings {
  /** auth.jwt.secret for HS*, or identity.token.private_key (PEM) for the others. */
  secret?: string;
  privateKey?: string;
  algorithm: string;
  issuer?: string;
  audience?: string | string[];
  ttlMs: number;
  /** Where the verifier reads roles, tier and email (auth.jwt.claims); defaults as jwt-identity.ts. */
  rolesClaim?: string;
  tierClaim?: string;
  emailClaim?: string;
}

export interface IssuedToken {
  token: string;
  /** Seconds, as OAuth's `expires_in`. */
  expiresIn: number;
}

export type TokenIssuer = (user: UserRecord, session: SessionRecord) => Promise<IssuedToken>;

/**
 * Signs the gateway's own access tokens with jose, with the key, algorithm, issuer and audience
 * the `auth.jwt` verifier checks and the claim names it reads, so that they pass the gateway's
 * auth step on every route. A token never outlives its session.
 */
export function createTokenIssuer(
  s: TokenIssuerSettings,
  now: () => number = Date.now,
): TokenIssuer {
  const key: Uint8Array | KeyObject =
    s.privateKey !== undefined
      ? createPrivateKey(s.privateKey)
      : new TextEncoder().encode(s.secret ?? '');
  const rolesClaim = s.rolesClaim ?? 'roles';
  const tierClaim = s.tierClaim ?? 'tier';
  const emailClaim = s.emailClaim ?? 'email';
  return async function issueToken(user, session) {
    const at = now();
    const expiresAt = Math.min(at + s.ttlMs, session.expiresAt);
    const exp = Math.floor(expiresAt / 1000);
    const iat = Math.floor(at / 1000);
    const claims: Record<string, unknown> = { [rolesClaim]: [...user.roles], sid: session.id };
    if (user.tier !== undefined) claims[tierClaim] = user.tier;
    if (user.email !== undefined) claims[emailClaim] = user.email;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: s.algorithm, typ: 'JWT' })
      .setSubject(user.username)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID());
    if (s.issuer !== undefined) jwt.setIssuer(s.issuer);
    if (s.audience !== undefined) jwt.setAudience(s.audience);
    return { token: await jwt.sign(key), expiresIn: Math.max(0, exp - iat) };
  };
}
