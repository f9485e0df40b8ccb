import { createPublicKey, type KeyObject } from 'node:crypto';
import { jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { AuthFailure } from './auth-failure.js';
import type { Identity } from '../../data-plane/identity.js';
import { JwksCache } from './jwks-cache.js';
import { createIdentityMapper, type ClaimNames } from './jwt-identity.js';
import { LruCache } from './lru-cache.js';

export interface JwtProviderSettings extends ClaimNames {
  /** Exactly one key source: an HMAC secret (HS* only), ... */
  secret?: string | Uint8Array;
  /** ... a PEM public key or certificate (RS*, PS*, ES*, EdDSA), ... */
  publicKey?: string;
  /** ... or a JWKS URL (asymmetric algorithms only). */
  jwksUrl?: string;
  /** The accepted `alg` values. The token's own header is never trusted to choose. */
  algorithms: string[];
  issuer?: string | string[];
  /** The token must name at least one of these in `aud`. */
  audience?: string | string[];
  /** Clock skew allowed on `exp` and `nbf`. Default 0. */
  leewaySeconds?: number;
  /** Claims that must be present. Default ['sub']. */
  requiredClaims?: string[];
  /** Longer tokens are refused before any parsing or crypto. Default 8 KiB. */
  maxTokenBytes?: number;
  /** Verified tokens kept, so repeat requests skip the signature check. Default 10,000; 0 = off. */
  cacheSize?: number;
  /** Longest a verified token is trusted without re-verification (also capped by `exp`). */
  cacheTtlMs?: number;
  jwksTimeoutMs?: number;
  /** Minimum time between two JWKS fetches. Default 30 s. */
  jwksCooldownMs?: number;
  /** JWKS age after which it is refreshed in the background. Default 10 min. */
  jwksMaxAgeMs?: number;
  /** Told about failed JWKS fetches, for the log. */
  onJwksError?: (error: Error) => void;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

export interface JwtProvider {
  /** The token's identity; rejects with an AuthFailure. */
  verify(token: string): Promise<Identity>;
  /** The identity of a token verified before and still valid, without any work; else null. */
  known(token: string): Identity | null;
}

const HMAC = new Set(['HS256', 'HS384', 'HS512']);
/** What each asymmetric algorithm needs of a PEM key: its type and, for EC, its curve. */
const KEY_FIT: Record<string, { types: string[]; curve?: string }> = {
  RS256: { types: ['rsa'] },
  RS384: { types: ['rsa'] },
  RS512: { types: ['rsa'] },
  PS256: { types: ['rsa', 'rsa-pss'] },
  PS384: { types: ['rsa', 'rsa-pss'] },
  PS512: { types: ['rsa', 'rsa-pss'] },
  ES256: { types: ['ec'], curve: 'prime256v1' },
  ES384: { types: ['ec'], curve: 'secp384r1' },
  ES512: { types: ['ec'], curve: 'secp521r1' },
  EdDSA: { types: ['ed25519'] },
  Ed25519: { types: ['ed25519'] },
};

const DEFAULTS = {
  leewaySeconds: 0,
  requiredClaims: ['sub', 'exp'],
  maxTokenBytes: 8 * 1024,
  cacheSize: 10_000,
  cacheTtlMs: 60_000,
  jwksTimeoutMs: 5_000,
  jwksCooldownMs: 30_000,
  jwksMaxAgeMs: 10 * 60_000,
  jwksMaxBytes: 1024 * 1024,
};

type VerifyJws = (token: string, options: JWTVerifyOptions) => Promise<JWTPayload>;

interface CachedToken {
  identity: Identity;
  /** Epoch ms after which the token must be verified again. */
  validUntil: number;
}

/**
 * Compiles one JWT configuration into a verifier. Everything is decided here (key import,
 * algorithm list, claim readers); a request costs one cache lookup, or one jose verification.
 */
export function createJwtProvider(settings: JwtProviderSettings): JwtProvider {
  const now = settings.now ?? Date.now;
  const leewaySeconds = settings.leewaySeconds ?? DEFAULTS.leewaySeconds;
  const maxTokenBytes = settings.maxTokenBytes ?? DEFAULTS.maxTokenBytes;
  const cacheSize = settings.cacheSize ?? DEFAULTS.cacheSize;
  const cacheTtlMs = settings.cacheTtlMs ?? DEFAULTS.cacheTtlMs;
  checkNumber('leewaySeconds', leewaySeconds, 0);
  checkNumber('maxTokenBytes', maxTokenBytes, 1);
  checkNumber('cacheSize', cacheSize, 0);
  checkNumber('cacheTtlMs', cacheTtlMs, 0);

  const verifyJws = compileKeySource(settings, now);
  const toIdentity = createIdentityMapper(settings);
  const cache = cacheSize > 0 ? new LruCache<string, CachedToken>(cacheSize) : null;
  const baseOptions: JWTVerifyOptions = {
    algorithms: settings.algorithms,
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: leewaySeconds,
    requiredClaims: settings.requiredClaims ?? DEFAULTS.requiredClaims,
  };

  return {
    known(token) {
      const cached = cache?.get(token);
      return cached !== undefined && cached.validUntil > now() ? cached.identity : null;
    },
    async verify(token) {
      if (token.length > maxTokenBytes) {
        throw new AuthFailure('too_large', 'Token is too large');
      }
      const at = now();
      const cached = cache?.get(token);
      if (cached !== undefined) {
        if (cached.validUntil > at) return cached.identity;
        cache?.delete(token);
      }
      let payload: JWTPayload;
      try {
        payload = await verifyJws(token, { ...baseOptions, currentDate: new Date(at) });
      } catch (err) {
        throw toAuthFailure(err);
      }
      const identity = toIdentity(payload);
      if (cache !== null) {
        const expiry =
          typeof payload.exp === 'number' ? (payload.exp + leewaySeconds) * 1000 : Infinity;
        const validUntil = Math.min(expiry, at + cacheTtlMs);
        if (validUntil > at) cache.set(token, { identity, validUntil });
      }
      return identity;
    },
  };
}

/** The one key source, checked against the algorithm list so a mismatch fails at load. */
function compileKeySource(settings: JwtProviderSettings, now: () => number): VerifyJws {
  const { secret, publicKey, jwksUrl, algorithms } = settings;
  const sources = [secret, publicKey, jwksUrl].filter((s) => s !== undefined).length;
  if (sources !== 1) {
    throw new RangeError('jwt: give exactly one of secret, publicKey or jwksUrl');
  }
  if (algorithms.length === 0) throw new RangeError('jwt: algorithms must not be empty');
  for (const alg of algorithms) {
    if (!HMAC.has(alg) && !Object.hasOwn(KEY_FIT, alg)) {
      throw new RangeError(`jwt: unsupported algorithm ${JSON.stringify(alg)}`);
    }
  }
  // Mixing families is what lets an HS256 token "signed" with a public key pass: refuse it.
  const symmetric = algorithms.filter((alg) => HMAC.has(alg));
  if (secret !== undefined) {
    if (symmetric.length !== algorithms.length) {
      throw new RangeError('jwt: a secret only verifies HS256, HS384 or HS512');
    }
    const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (key.length === 0) throw new RangeError('jwt: secret must not be empty');
    return withKey(key);
  }
  if (symmetric.length > 0) {
    throw new RangeError(`jwt: ${symmetric.join(', ')} needs a secret, not a public key`);
  }
  if (publicKey !== undefined) return withKey(importPublicKey(publicKey, algorithms));
  const jwks = new JwksCache({
    url: jwksUrl as string,
    timeoutMs: settings.jwksTimeoutMs ?? DEFAULTS.jwksTimeoutMs,
    cooldownMs: settings.jwksCooldownMs ?? DEFAULTS.jwksCooldownMs,
    maxAgeMs: settings.jwksMaxAgeMs ?? DEFAULTS.jwksMaxAgeMs,
    maxBytes: DEFAULTS.jwksMaxBytes,
    now,
    onError: settings.onJwksError ?? (() => {}),
  });
  return async function verifyWithJwks(token, options) {
    try {
      return (await jwtVerify(token, jwks.getKey, options)).payload;
    } catch (err) {
      if (!isMultipleKeys(err)) throw err;
      // A token without `kid` that several keys could have signed: jose leaves trying each
      // candidate to the caller.
      for await (const candidate of err) {
        try {
          return (await jwtVerify(token, candidate, options)).payload;
        } catch (inner) {
          if (codeOf(inner) !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw inner;
        }
      }
      throw new AuthFailure('bad_signature', 'Token signature is invalid');
    }
  };
}

function withKey(key: Uint8Array | KeyObject): VerifyJws {
  return async function verifyWithKey(token, options) {
    return (await jwtVerify(token, key, options)).payload;
  };
}

function importPublicKey(pem: string, algorithms: string[]): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new RangeError('jwt: publicKey is not a PEM public key or certificate');
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  for (const alg of algorithms) {
    const fit = KEY_FIT[alg] as { types: string[]; curve?: string };
    if (!fit.types.includes(type) || (fit.curve !== undefined && fit.curve !== curve)) {
      throw new RangeError(
        `jwt: the ${type} publicKey${curve ? ` (${curve})` : ''} cannot verify ${alg}`,
      );
    }
  }
  // jose refuses shorter RSA keys at verification time; say so at load instead.
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < 2048) {
    throw new RangeError(`jwt: RSA publicKey has ${bits} bits; at least 2048 are required`);
  }
  return key;
}

/** jose's errors by code, as the reasons callers and logs key on. */
function toAuthFailure(err: unknown): AuthFailure {
  if (err instanceof AuthFailure) return err;
  switch (codeOf(err)) {
    case 'ERR_JWT_EXPIRED':
      return new AuthFailure('expired', 'Token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimFailure(err as { claim: string; reason: string });
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthFailure('bad_signature', 'Token signature is invalid');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthFailure('algorithm_not_allowed', 'Token algorithm is not allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new AuthFailure('unknown_key', 'Token signing key is not known');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new AuthFailure('malformed', 'Token is malformed');
    default:
      // Key-type mismatches and the like: the token cannot be verified, whatever the cause.
      return new AuthFailure('bad_signature', 'Token could not be verified');
  }
}

function claimFailure({ claim, reason }: { claim: string; reason: string }): AuthFailure {
  if (reason === 'missing') {
    return new AuthFailure('missing_claim', `Token is missing the "${claim}" claim`);
  }
  if (reason === 'check_failed') {
    if (claim === 'nbf') return new AuthFailure('not_yet_valid', 'Token is not valid yet');
    if (claim === 'iss') return new AuthFailure('bad_issuer', 'Token issuer is not accepted');
    if (claim === 'aud') return new AuthFailure('bad_audience', 'Token audience is not accepted');
  }
  return new AuthFailure('invalid_claim', `Token claim "${claim}" is invalid`);
}

function isMultipleKeys(err: unknown): err is AsyncIterable<CryptoKey> {
  return codeOf(err) === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS';
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

function checkNumber(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`jwt: ${name} must be a number >= ${min}, got ${value}`);
  }
}
