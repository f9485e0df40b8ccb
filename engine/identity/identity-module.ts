import type { Cluster, Redis } from 'ioredis';
import { jwtAlgorithms } from '../filters/access-control-settings.js';
import type { GatewayConfig, IdentityConfig, JwtConfig } from '../config/gateway-config.js';
import type { Share } from '../state/shared-objects.js';
import { duration } from '../config/units.js';
import type { SharedRedis } from '../state/shared-redis.js';
import { redisTargetKey, redisTargetOf } from '../state/redis-target.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_API_KEY_PREFIX } from '../filters/auth/hash-api-key.js';
import { bootstrapUsers } from './bootstrap-users.js';
import { identityApiKeysEnabled } from './identity-endpoints.js';
import { createLoginLimiter, type LoginLimiter } from './login-limiter.js';
import { MemorySessionStore } from './memory-session-store.js';
import { MemoryUserStore } from './memory-user-store.js';
import { DEFAULT_SCRYPT, type ScryptParams } from './password-hash.js';
import { RedisSessionStore } from './redis-session-store.js';
import { RedisUserStore } from './redis-user-store.js';
import { createSessionCheck, type SessionCheck } from './session-check.js';
import type { SessionStore } from './session-store.js';
import { createTokenIssuer, type TokenIssuer } from './token-issuer.js';
import type { UserApiKeySettings } from './user-api-keys.js';
import type { UserStore } from './user-store.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

const I = CONFIG_DEFAULTS.identity;

/** Everything the identity endpoints and require_session need, compiled once per table. */
export interface IdentityModule {
  users: UserStore;
  sessions: SessionStore;
  sessionCheck: SessionCheck;
  limiter: LoginLimiter;
  issue: TokenIssuer;
  adminRoles: readonly string[];
  defaultRoles: readonly string[];
  defaultTier: string | undefined;
  minPasswordLength: number;
  scrypt: ScryptParams;
  sessionTtlMs: number;
  slidingRefresh: boolean;
  /** identity.api_keys; null when the endpoints are off. */
  apiKeys: UserApiKeySettings | null;
  /** Settles once the bootstrap users have been written (or the first attempt failed). */
  ready: Promise<void>;
}

/** How long the first bootstrap waits for Redis; later attempts follow every RETRY_MS. */
const REDIS_WAIT_MS = 2000;
const RETRY_MS = 2000;

/**
 * The identity block → its stores, issuer and limiter. Stores and limiters are shared objects,
 * so users, sessions and attempt counts kept in memory survive reloads. Null when the block is
 * absent or disabled. The config checks have refused a block that cannot work (no auth.jwt,
 * redis without a redis block, a private key that does not fit), so nothing is checked here.
 */
export function compileIdentity(
  config: GatewayConfig,
  share: Share,
  redis: SharedRedis,
  logger: Logger,
  offline: boolean,
): IdentityModule | null {
  const identity = config.identity;
  const jwt = config.auth?.jwt;
  if (identity === undefined || identity.enabled === false || jwt === undefined) return null;
  const target = identity.store === 'redis' ? redisTargetOf(config) : undefined;
  const client = target === undefined ? null : redis.client(target);
  const where = target === undefined ? 'memory' : `redis ${redisTargetKey(target)}`;

  const users = share(`identity users ${where}`, () =>
    client === null ? new MemoryUserStore() : new RedisUserStore(client),
  );
  const sessions = share(`identity sessions ${where}`, () =>
    client === null ? new MemorySessionStore() : new RedisSessionStore(client),
  );
  const checkMs = duration(identity.sessions?.check_cache, I.sessions.check_cache);
  const sessionCheck = share(`identity session-check ${where} ${checkMs}`, () =>
    createSessionCheck(sessions, checkMs),
  );
  const rl = identity.login_rate_limit ?? {};
  const limits = {
    attempts: rl.attempts ?? I.login_rate_limit.attempts,
    ipAttempts: rl.ip_attempts ?? I.login_rate_limit.ip_attempts,
    windowSeconds: Math.max(1, Math.ceil(duration(rl.window, I.login_rate_limit.window) / 1000)),
  };
  const limiter = share(`identity login-limiter ${where} ${JSON.stringify(limits)}`, () =>
    createLoginLimiter({
      ...limits,
      store: client === null || offline ? 'memory' : { redis: client },
    }),
  );
  const scrypt = { ...DEFAULT_SCRYPT, ln: identity.password?.scrypt_cost ?? DEFAULT_SCRYPT.ln };
  const defaultRoles = identity.registration?.default_roles ?? I.registration.default_roles;
  const bootstrap = share(
    `identity bootstrap ${where} ${JSON.stringify([identity.bootstrap_users ?? [], defaultRoles, scrypt])}`,
    () =>
      offline || (identity.bootstrap_users ?? []).length === 0
        ? { ready: Promise.resolve(), stop: () => {} }
        : startBootstrap(identity, users, client, defaultRoles, scrypt, logger),
    (b) => b.stop(),
  );

  return {
    users,
    sessions,
    sessionCheck,
    limiter,
    issue: createTokenIssuer(issuerSettings(identity, jwt)),
    adminRoles: identity.admin_roles ?? I.admin_roles,
    defaultRoles,
    defaultTier: identity.registration?.default_tier,
    minPasswordLength: identity.password?.min_length ?? I.password.min_length,
    scrypt,
    sessionTtlMs: duration(identity.sessions?.ttl, I.sessions.ttl),
    slidingRefresh: identity.sessions?.refresh ?? I.sessions.refresh,
    apiKeys: identityApiKeysEnabled(identity)
      ? {
          maxPerUser: identity.api_keys?.max_per_user ?? I.api_keys.max_per_user,
          maxExpiryDays: identity.api_keys?.max_expiry_days ?? I.api_keys.max_expiry_days,
          keyPrefix: identity.api_keys?.key_prefix ?? DEFAULT_API_KEY_PREFIX,
          tiers: config.auth?.tiers ?? [],
        }
      : null,
    ready: bootstrap.ready,
  };
}

function issuerSettings(identity: IdentityConfig, jwt: JwtConfig) {
  const token = identity.token ?? {};
  return {
    secret: token.private_key === undefined ? jwt.secret : undefined,
    privateKey: token.private_key,
    algorithm: token.algorithm ?? (jwtAlgorithms(jwt)[0] as string),
    issuer: token.issuer ?? jwt.issuer,
    audience: token.audience ?? jwt.audience,
    ttlMs: duration(token.ttl, I.token.ttl),
    rolesClaim: jwt.claims?.roles,
    tierClaim: jwt.claims?.tier,
    emailClaim: jwt.claims?.email,
  };
}

/**
 * Writes the bootstrap users once Redis is there, retrying until it works: a gateway started
 * while Redis is down gets its admin as soon as Redis is back.
 */
function startBootstrap(
  identity: IdentityConfig,
  users: UserStore,
  client: Redis | Cluster | null,
  defaultRoles: readonly string[],
  scrypt: ScryptParams,
  logger: Logger,
): { ready: Promise<void>; stop: () => void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const settings = { users: identity.bootstrap_users ?? [], defaultRoles, scrypt };
  const attempt = async (): Promise<void> => {
    try {
      await bootstrapUsers(users, settings);
      logger.info({ users: settings.users.length }, 'identity bootstrap users written');
    } catch (err) {
      logger.warn(
        { err: err instanceof Error ? err.message : String(err), retry_ms: RETRY_MS },
        'identity bootstrap users could not be written; retrying',
      );
      if (!stopped) {
        timer = setTimeout(() => void attempt(), RETRY_MS);
        timer.unref();
      }
    }
  };
  const ready = waitForRedis(client).then(attempt);
  return {
    ready,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function waitForRedis(client: Redis | Cluster | null): Promise<void> {
  if (client === null || client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, REDIS_WAIT_MS);
    timer.unref();
    client.once('ready', done);
    function done() {
      clearTimeout(timer);
      client?.off('ready', done);
      resolve();
    }
  });
}
