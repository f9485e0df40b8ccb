import { GatewayError } from '../errors/gateway-error.js';
import { judgeApiKey, type ApiKeyInfo, type ApiKeyStore } from '../filters/auth/api-key-store.js';
import { optionalString, requiredString } from './request-fields.js';
import type { UserRecord } from './user-store.js';

/** identity.api_keys, compiled. */
export interface UserApiKeySettings {
  maxPerUser: number;
  maxExpiryDays: number;
  keyPrefix: string;
  /** auth.tiers, lowest first. */
  tiers: readonly string[];
}

/** Who asks: keys are the caller's own, except that an admin may revoke any user's. */
export interface KeyCaller {
  username: string;
  admin: boolean;
}

/** Users' own managed keys, on top of the gateway's key store; bodies are the endpoints' answers. */
export interface UserApiKeys {
  create(user: UserRecord, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  list(username: string): Promise<Record<string, unknown>>;
  revoke(caller: KeyCaller, id: string): Promise<Record<string, unknown>>;
  /** Revokes the user's live keys (only those carrying `role`, when given); returns how many. */
  revokeFor(username: string, role?: string): Promise<number>;
}

const DAY_MS = 86_400_000;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Also for another user's key: a 403 would tell the caller that the id exists. */
const NOT_FOUND = new GatewayError('NOT_FOUND', 'no such API key');

export function createUserApiKeys(
  store: ApiKeyStore,
  s: UserApiKeySettings,
  now: () => number,
): UserApiKeys {
  function keyTier(user: UserRecord, requested: string | undefined): string | undefined {
    if (requested === undefined || requested === user.tier) return user.tier;
    const rank = s.tiers.indexOf(requested);
    if (rank < 0) {
      throw new GatewayError(
        'BAD_REQUEST',
        s.tiers.length === 0
          ? 'tier: no tiers are configured (auth.tiers)'
          : `tier: one of ${s.tiers.join(', ')}`,
      );
    }
    // An unknown or absent tier of the user ranks below every tier, as on routes.
    if (rank > s.tiers.indexOf(user.tier ?? '')) {
      throw new GatewayError(
        'FORBIDDEN',
        `a key cannot have a tier above yours ('${user.tier ?? 'none'}')`,
      );
    }
    return requested;
  }

  function keyRoles(user: UserRecord, raw: unknown): string[] {
    if (raw === undefined || raw === null) return [...user.roles];
    if (!Array.isArray(raw) || !raw.every((r) => typeof r === 'string')) {
      throw new GatewayError('BAD_REQUEST', 'roles: a list of strings');
    }
    if (raw.some((r) => !user.roles.includes(r))) {
      throw new GatewayError('FORBIDDEN', 'a key cannot have roles that you do not have');
    }
    return [...new Set(raw as string[])];
  }

  /**
   * Every key expires: at most max_expiry_days ahead, which is also the default. A lifetime is
   * counted from the key's creation time, so `expires_days: 365` is exactly a year after it.
   */
  function expiry(
    body: Record<string, unknown>,
    at: number,
  ): { expiresAt: number } | { lifetimeMs: number } {
    const days = body.expires_days ?? undefined;
    const until = body.expires_at ?? undefined;
    const latest = at + s.maxExpiryDays * DAY_MS;
    const range = `from 1 to ${s.maxExpiryDays} days (identity.api_keys.max_expiry_days)`;
    if (days !== undefined && until !== undefined) {
      throw new GatewayError('BAD_REQUEST', 'give expires_days or expires_at, not both');
    }
    if (until !== undefined) {
      const when = typeof until === 'string' ? Date.parse(until) : Number.NaN;
      if (!Number.isFinite(when)) {
        throw new GatewayError('BAD_REQUEST', 'expires_at: an ISO 8601 date-time');
      }
      if (when <= at || when > latest) {
        throw new GatewayError('BAD_REQUEST', `expires_at: ${range} ahead`);
      }
      return { expiresAt: when };
    }
    if (days === undefined) return { lifetimeMs: s.maxExpiryDays * DAY_MS };
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > s.maxExpiryDays) {
      throw new GatewayError('BAD_REQUEST', `expires_days: a whole number ${range}`);
    }
    return { lifetimeMs: days * DAY_MS };
  }

  function view(info: ApiKeyInfo, at: number): Record<string, unknown> {
    const verdict = judgeApiKey(info, at);
    return {
      id: info.id,
      name: info.name,
      tier: info.tier ?? null,
      roles: info.roles,
      created_at: iso(info.createdAt),
      expires_at: iso(info.expiresAt),
      revoked_at: iso(info.revokedAt),
      status: verdict.ok ? 'active' : verdict.reason,
    };
  }

  async function liveKeys(username: string, at: number): Promise<ApiKeyInfo[]> {
    return (await store.listByOwner(username)).filter((k) => judgeApiKey(k, at).ok);
  }

  return {
    async create(user, body) {
      const name = requiredString(body, 'name', 128);
      const tier = keyTier(user, optionalString(body, 'tier', 64));
      const roles = keyRoles(user, body.roles);
      const at = now();
      const expires = expiry(body, at);
      // Two concurrent creates may both pass: the cap is a guard against hoarding, not a quota.
      if ((await liveKeys(user.username, at)).length >= s.maxPerUser) {
        throw new GatewayError(
          'FORBIDDEN',
          `you have ${s.maxPerUser} live API keys, the most allowed; revoke one first`,
        );
      }
      const created = await store.create({
        name,
        tier,
        roles,
        owner: user.username,
        ...expires,
        keyPrefix: s.keyPrefix,
      });
      return {
        api_key: created.key,
        id: created.id,
        name: created.name,
        tier: created.tier ?? null,
        roles: created.roles,
        created_at: iso(created.createdAt),
        expires_at: iso(created.expiresAt),
      };
    },

    async list(username) {
      const at = now();
      const keys = await store.listByOwner(username);
      return { api_keys: keys.map((k) => view(k, at)), total: keys.length };
    },

    async revoke(caller, id) {
      if (!KEY_ID.test(id)) throw NOT_FOUND;
      const info = await store.get(id);
      // Keys made through the admin API have no owner: they are revoked there only.
      if (info === null || info.owner === undefined) throw NOT_FOUND;
      if (info.owner !== caller.username && !caller.admin) throw NOT_FOUND;
      await store.revoke(id);
      return { message: 'API key revoked', id, name: info.name };
    },

    async revokeFor(username, role) {
      const keys = await liveKeys(username, now());
      const doomed = keys.filter((k) => role === undefined || k.roles.includes(role));
      for (const k of doomed) await store.revoke(k.id);
      return doomed.length;
    },
  };
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
