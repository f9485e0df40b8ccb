import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKey } from './hash-api-key.js';
/** A managed API key as stores keep and list it: never the key, never its hash. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly tier?: string;
  readonly roles: readonly string[];
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly revokedAt?: number;
}

export interface NewApiKey {
  name: string;
  tier?: string;
  roles?: string[];
  /** Epoch ms. */
  expiresAt?: number;
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
  const key = generateApiKey();
  const info: ApiKeyInfo = {
    id: randomUUID(),
    name: input.name,
    tier: input.tier,
    roles: [...(input.roles ?? [])],
    createdAt: now,
    expiresAt: input.expiresAt,
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
}
