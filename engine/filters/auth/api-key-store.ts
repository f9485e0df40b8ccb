import { randomUUID } from 'node:crypto';
import { API_KEY_PREFIX, generateApiKey, hashApiKey } from './hash-api-key.js';
/** A managed API key as stores keep and list it: never the key, never its hash. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly tier?: string;
  readonly roles: readonly string[];
  /** The identity user who made it (identity endpoints); absent for admin API keys. */
  readonly owner?: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly revokedAt?: number;
}

export interface NewApiKey {
  name: string;
  tier?: string;
  roles?: string[];
  owner?: string;
  /** Epoch ms. */
  expiresAt?: number;
  /** Instead of expiresAt: how long after its creation the key expires, in ms. */
  lifetimeMs?: number;
  /** Starts the key; default `gwk_`. Not stored: the key itself never is. */
  keyPrefix?: string;
}

/** What `create` returns: the only time the key itself is ever seen. */
export interface CreatedApiKey extends ApiKeyInfo {
  readonly key: string;
}

export type ApiKeyLookup =
  | { readonly ok: true; readonly info: ApiKeyInfo }
  | { readonly ok: false; readonly reason: 'unknown_key' | 'expired' | 'revoked' };

/**
 * Keys created and revoked at runtime (the admin API). Stores hold only SHA-256 hashes, indexed
 * hash → record, so a lookup is one read and a stolen store yields no usable key.
 */
export interface ApiKeyStore {
  create(input: NewApiKey): Promise<CreatedApiKey>;
  /** Every key, revoked and expired ones included, oldest first. */
  list(): Promise<ApiKeyInfo[]>;
  /** One owner's keys, revoked and expired ones included, oldest first. */
  listByOwner(owner: string): Promise<ApiKeyInfo[]>;
  /** The key with this id, or null. */
  get(id: string): Promise<ApiKeyInfo | null>;
  /** False when no key has this id; revoking twice is not an error. */
  revoke(id: string): Promise<boolean>;
  lookup(key: string): Promise<ApiKeyLookup>;
}

/** The verdict on a found key at `now` (epoch ms): revocation wins over expiry. */
export function judgeApiKey(info: ApiKeyInfo, now: number): ApiKeyLookup {
  if (info.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
  if (info.expiresAt !== undefined && info.expiresAt <= now)
    return { ok: false, reason: 'expired' };
  return { ok: true, info };
}

/**
 * A new key, its hash (what a store keeps) and its record, after checking the input: the part
 * of `create` every store shares.
 */
export function mintApiKey(
  input: NewApiKey,
  now: number,
): { key: string; hash: string; info: ApiKeyInfo } {
  checkNewApiKey(input);
  const key = generateApiKey(input.keyPrefix);
  const info: ApiKeyInfo = {
    id: randomUUID(),
    name: input.name,
    tier: input.tier,
    roles: [...(input.roles ?? [])],
    owner: input.owner,
    createdAt: now,
    expiresAt:
      input.expiresAt ?? (input.lifetimeMs === undefined ? undefined : now + input.lifetimeMs),
  };
  return { key, hash: hashApiKey(key), info };
}

/** Refuses input a store could not keep faithfully. */
function checkNewApiKey(input: NewApiKey): void {
  if (typeof input.name !== 'string' || input.name.trim() === '') {
    throw new RangeError('API key: name must be a non-empty string');
  }
  if (input.expiresAt !== undefined && !Number.isFinite(input.expiresAt)) {
    throw new RangeError('API key: expiresAt must be epoch milliseconds');
  }
  if (
    input.lifetimeMs !== undefined &&
    !(Number.isFinite(input.lifetimeMs) && input.lifetimeMs > 0)
  ) {
    throw new RangeError('API key: lifetimeMs must be a positive number of milliseconds');
  }
  if (input.keyPrefix !== undefined && !API_KEY_PREFIX.test(input.keyPrefix)) {
    throw new RangeError('API key: keyPrefix must be 1 to 16 of A-Z a-z 0-9 _ -');
  }
  if (input.owner !== undefined && (typeof input.owner !== 'string' || input.owner === '')) {
    throw new RangeError('API key: owner must be a non-empty string');
  }
}

/** Oldest first, as `list` and `listByOwner` promise. */
export function byCreation(a: ApiKeyInfo, b: ApiKeyInfo): number {
  return a.createdAt - b.createdAt;
}
