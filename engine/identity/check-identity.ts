import { createPrivateKey, createPublicKey } from 'node:crypto';
import { ConfigCode } from '../errors/config-codes.js';
import {
  DEFAULT_PREFIXES,
  IDENTITY_ENDPOINTS,
  identityApiKeysEnabled,
  resolveIdentityEndpoints,
} from './identity-endpoints.js';
import { parsePasswordHash } from './password-hash.js';
import { parsePathPattern, PatternError } from '../router/path-pattern.js';
import { jwtAlgorithms } from '../filters/access-control-settings.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import { suggestionHint } from '../config/did-you-mean.js';
import type { GatewayConfig, IdentityConfig, JwtConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** Claims every identity token carries, whatever the user. */
const ALWAYS_ISSUED = ['sub', 'iat', 'exp', 'jti', 'sid'];

/**
 * Checks of the identity block the schema cannot express: above all, that the tokens it issues
 * are ones auth.jwt accepts (key, algorithm, issuer, audience, required claims).
 */
export function checkIdentity(config: GatewayConfig): PathProblem[] {
  const identity = config.identity;
  const jwt = config.auth?.jwt;
  const problems: PathProblem[] = [];
  const active = identity !== undefined && identity.enabled !== false;
  if (jwt?.require_session === true && !active) {
    problems.push({
      ...error(['auth', 'jwt', 'require_session']),
      message: 'auth.jwt.require_session needs the identity module, whose sessions it checks',
      hint: 'add an identity: block (or enable it), or remove require_session',
    });
  }
  if (!active) return problems;
  if (jwt === undefined) {
    problems.push({
      ...error(['identity']),
      message: 'identity issues JWTs, but there is no auth.jwt block to verify them',
      hint: 'add auth: { jwt: { secret: "${JWT_SECRET}", algorithm: HS256 } }',
      atKey: true,
    });
  } else {
    problems.push(...checkSigning(identity, jwt), ...checkClaims(identity, jwt));
  }
  if (identity.store === 'redis' && config.redis === undefined) {
    problems.push({
      severity: 'error',
      code: ConfigCode.REDIS_REQUIRED,
      message: 'identity.store is redis, but there is no top-level redis block',
      hint: 'add redis: { url: "redis://host:6379" }, or store: memory to keep users on this instance only',
      path: ['identity', 'store'],
    });
  }
  problems.push(...checkBootstrap(config, identity), ...checkPaths(identity));
  if (identityApiKeysEnabled(identity) && config.auth?.api_keys?.store === undefined) {
    problems.push({
      ...error(['identity', 'api_keys']),
      message:
        'identity.api_keys lets users make managed API keys, but auth.api_keys.store is not set: there is nowhere to keep them, nor to check them',
      hint: 'add auth: { api_keys: { store: redis } } (or memory, for one instance)',
      atKey: true,
    });
  }
  const tiers = config.auth?.tiers;
  const tier = identity.registration?.default_tier;
  if (tier !== undefined && tiers !== undefined && !tiers.includes(tier)) {
    problems.push(unknownTier(tier, tiers, ['identity', 'registration', 'default_tier']));
  }
  return problems;
}

function checkSigning(identity: IdentityConfig, jwt: JwtConfig): PathProblem[] {
  const at = ['identity', 'token'];
  const privateKey = identity.token?.private_key;
  const algorithms = jwtAlgorithms(jwt);
  const problems: PathProblem[] = [];
  const algorithm = identity.token?.algorithm;
  if (algorithm !== undefined && !algorithms.includes(algorithm)) {
    problems.push({
      ...error([...at, 'algorithm']),
      message: `identity.token.algorithm ${algorithm} is not one auth.jwt accepts (${algorithms.join(', ') || 'none'})`,
      hint: 'sign with an algorithm auth.jwt lists, or add it there',
    });
  }
  if (jwt.jwks_url !== undefined) {
    problems.push({
      ...error(['identity']),
      message:
        'identity cannot sign tokens that auth.jwt.jwks_url verifies: the gateway does not hold that key set',
      hint: 'verify with secret (HS256) or public_key, and give identity.token.private_key for public_key',
      atKey: true,
    });
  } else if (jwt.secret !== undefined && privateKey !== undefined) {
    problems.push({
      ...error([...at, 'private_key']),
      message:
        'identity.token.private_key is not used: auth.jwt.secret signs and verifies HS* tokens',
      hint: 'remove private_key, or verify with auth.jwt.public_key instead of secret',
    });
  } else if (jwt.public_key !== undefined) {
    if (privateKey === undefined) {
      problems.push({
        ...error(at),
        message: 'auth.jwt verifies with a public key, so identity needs its private key to sign',
        hint: 'add identity.token.private_key: ${JWT_PRIVATE_KEY} (the PEM of the pair of auth.jwt.public_key)',
        atKey: true,
      });
    } else {
      problems.push(...checkKeyPair(privateKey, jwt.public_key));
    }
  }
  return problems;
}

/** The private key must be the pair of auth.jwt.public_key, or no issued token would verify. */
function checkKeyPair(privatePem: string, publicPem: string): PathProblem[] {
  const at = ['identity', 'token', 'private_key'];
  let derived: string;
  try {
    derived = createPublicKey(createPrivateKey(privatePem))
      .export({ type: 'spki', format: 'pem' })
      .toString();
  } catch {
    return [
      {
        ...error(at),
        // The key itself is never quoted: messages reach logs.
        message: 'identity.token.private_key is not a PEM private key',
        hint: 'paste the whole block from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----, or read it from the environment',
      },
    ];
  }
  let expected: string;
  try {
    expected = createPublicKey(publicPem).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    // auth.jwt's own check reports an unusable public key.
    return [];
  }
  if (derived === expected) return [];
  return [
    {
      ...error(at),
      message:
        'identity.token.private_key is not the pair of auth.jwt.public_key: its tokens would be refused',
      hint: '`openssl pkey -in private.pem -pubout` prints the public key that belongs in auth.jwt.public_key',
    },
  ];
}

function checkClaims(identity: IdentityConfig, jwt: JwtConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const token = identity.token ?? {};
  if (token.issuer !== undefined && jwt.issuer !== undefined && token.issuer !== jwt.issuer) {
    problems.push({
      ...error(['identity', 'token', 'issuer']),
      message: `identity.token.issuer "${token.issuer}" is not auth.jwt.issuer "${jwt.issuer}": its tokens would be refused`,
      hint: 'leave identity.token.issuer out: it defaults to auth.jwt.issuer',
    });
  }
  const accepted = jwt.audience === undefined ? undefined : [jwt.audience].flat();
  const issued = token.audience === undefined ? undefined : [token.audience].flat();
  if (accepted !== undefined && issued !== undefined && !issued.some((a) => accepted.includes(a))) {
    problems.push({
      ...error(['identity', 'token', 'audience']),
      message: `identity.token.audience names none of auth.jwt.audience (${accepted.join(', ')}): its tokens would be refused`,
      hint: 'leave identity.token.audience out: it defaults to auth.jwt.audience',
    });
  }
  // Tier and email are carried when the user has them: requiring them is the config's choice.
  const issuable = new Set([
    ...ALWAYS_ISSUED,
    jwt.claims?.roles ?? CONFIG_DEFAULTS.auth.jwt.claims.roles,
    jwt.claims?.tier ?? CONFIG_DEFAULTS.auth.jwt.claims.tier,
    jwt.claims?.email ?? CONFIG_DEFAULTS.auth.jwt.claims.email,
  ]);
  if ((token.issuer ?? jwt.issuer) !== undefined) issuable.add('iss');
  if ((token.audience ?? jwt.audience) !== undefined) issuable.add('aud');
  (jwt.required_claims ?? []).forEach((claim, i) => {
    if (issuable.has(claim)) return;
    problems.push({
      ...error(['auth', 'jwt', 'required_claims', i]),
      message: `auth.jwt requires the "${claim}" claim, which identity tokens never carry: they would all be refused`,
      hint: `identity tokens carry ${[...issuable].join(', ')}`,
    });
  });
  return problems;
}

function checkBootstrap(config: GatewayConfig, identity: IdentityConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const users = identity.bootstrap_users ?? [];
  const minLength = identity.password?.min_length ?? CONFIG_DEFAULTS.identity.password.min_length;
  const tiers = config.auth?.tiers;
  users.forEach((u, i) => {
    const at = ['identity', 'bootstrap_users', i];
    const label = `bootstrap user "${u.username}"`;
    const same = users.findIndex((o) => o.username.toLowerCase() === u.username.toLowerCase());
    if (same < i) {
      problems.push({
        ...error([...at, 'username']),
        message: `${label} is listed twice (also identity.bootstrap_users[${same}]; usernames ignore case)`,
        hint: 'keep one entry per user',
      });
    }
    if ((u.password === undefined) === (u.password_hash === undefined)) {
      problems.push({
        ...error(at),
        message: `${label} needs exactly one of password and password_hash`,
        hint: 'password_hash: from `gatewayd hash-password`, or password: ${ADMIN_PASSWORD} from the environment',
      });
    } else if (u.password_hash !== undefined) {
      const parsed = parsePasswordHash(u.password_hash);
      if ('problem' in parsed) {
        problems.push({
          ...error([...at, 'password_hash']),
          message: `${label}: password_hash ${parsed.problem}`,
          hint: 'echo -n "$PASSWORD" | npx gatewayd hash-password',
        });
      }
    } else if ((u.password as string).length < minLength) {
      problems.push({
        ...error([...at, 'password']),
        // Its length only: the password itself never reaches a message.
        message: `${label}: the password is ${(u.password as string).length} characters; identity.password.min_length is ${minLength}`,
        hint: 'use a longer password',
      });
    }
    if (u.tier !== undefined && tiers !== undefined && !tiers.includes(u.tier)) {
      problems.push(unknownTier(u.tier, tiers, [...at, 'tier']));
    }
  });
  return problems;
}

/** Each endpoint's path must parse and have exactly the parameters its handler reads. */
function checkPaths(identity: IdentityConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const endpoint of resolveIdentityEndpoints(identity)) {
    const at = endpoint.configured
      ? ['identity', 'paths', endpoint.name]
      : ['identity', 'paths', IDENTITY_ENDPOINTS[endpoint.name].base];
    let names: readonly string[];
    try {
      const pattern = parsePathPattern(endpoint.path);
      if (pattern.hasWildcard) names = ['*'];
      else names = pattern.paramNames;
    } catch (err) {
      if (!(err instanceof PatternError)) throw err;
      problems.push({
        ...error(at),
        code: ConfigCode.PATH_PATTERN,
        message: `identity endpoint ${endpoint.name}: ${err.message}`,
        hint: err.hint,
      });
      continue;
    }
    const want = endpoint.params;
    if (names.length !== want.length || names.some((n, i) => n !== want[i])) {
      problems.push({
        ...error(at),
        message: `identity endpoint ${endpoint.name} (${endpoint.path}) must have ${want.length === 0 ? 'no parameters' : want.map((n) => `{${n}}`).join(', ')}`,
        hint: `e.g. ${endpoint.method} ${DEFAULT_PREFIXES[IDENTITY_ENDPOINTS[endpoint.name].base] + IDENTITY_ENDPOINTS[endpoint.name].suffix}`,
      });
    }
  }
  return problems;
}

function unknownTier(tier: string, tiers: readonly string[], path: ConfigPath): PathProblem {
  return {
    severity: 'warning',
    code: ConfigCode.UNKNOWN_TIER,
    message: `tier "${tier}" is not one of auth.tiers; it ranks below every tier`,
    hint: suggestionHint(tier, [...tiers], 'tiers'),
    path,
  };
}

function error(path: ConfigPath): Pick<PathProblem, 'severity' | 'code' | 'path'> {
  return { severity: 'error', code: ConfigCode.IDENTITY, path };
}
