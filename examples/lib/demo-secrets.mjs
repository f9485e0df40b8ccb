// @ts-check
// Secrets the example runner makes up for one run: nothing shipped in the repository is a key,
// a password or a signing secret anyone could reuse.
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/** A random secret of `bytes` bytes, base64url (safe in a shell and in a URL). */
export function randomSecret(bytes = 32) {
  return randomBytes(bytes).toString('base64url');
}

/**
 * An HS256 JWT over `claims`, valid for `lifetime` (e.g. "12h").
 * @param {string} secret
 * @param {Record<string, unknown> & { sub: string }} claims
 * @param {{ issuer?: string, audience?: string, lifetime?: string }} [options]
 */
export function signDemoToken(secret, claims, options = {}) {
  const { sub, ...rest } = claims;
  let jwt = new SignJWT(rest)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.lifetime ?? '12h');
  if (options.issuer !== undefined) jwt = jwt.setIssuer(options.issuer);
  if (options.audience !== undefined) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
