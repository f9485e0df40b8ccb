import type { Cluster, Redis } from 'ioredis';
import {
  byCreation,
  judgeApiKey,
  mintApiKey,
  type ApiKeyInfo,
  type ApiKeyLookup,
  type ApiKeyStore,
  type CreatedApiKey,
  type NewApiKey,
} from './api-key-store.js';
import { hashApiKey } from './hash-api-key.js';

/**
 * Managed keys shared by every instance through Redis, in two Redis hashes:
 * `<prefix>records` maps `sha256:<hex>` → the record's JSON (a lookup is one HGET), and
 * `<prefix>ids` maps id → hash (for revoke), and the set `<prefix>owner:<owner>` holds the ids of
 * one identity user's keys (their list, and their revocation when the user is deleted). No
 * command touches two keys, so it works on Redis Cluster as is. Redis errors reject as they are:
 * a store outage is not a bad credential.
 */
export class RedisApiKeyStore implements ApiKeyStore {
  private readonly records: string;
  private readonly ids: string;
  private readonly ownerPrefix: string;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix = 'gatewayd:apikeys:',
    private readonly now: () => number = Date.now,
  ) {
    this.records = `${prefix}records`;
    this.ids = `${prefix}ids`;
    this.ownerPrefix = `${prefix}owner:`;
  }

  async create(input: NewApiKey): Promise<CreatedApiKey> {
    const { key, hash, info } = mintApiKey(input, this.now());
    // Record first: if the process dies before the id is written, the orphan record belongs to
    // a key nobody was ever given.
    await this.redis.hset(this.records, hash, JSON.stringify(info));
    await this.redis.hset(this.ids, info.id, hash);
    if (info.owner !== undefined) await this.redis.sadd(this.ownerPrefix + info.owner, info.id);
    return { ...info, key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const all = await this.redis.hvals(this.records);
    return all.map(parseInfo).sort(byCreation);
  }

  async listByOwner(owner: string): Promise<ApiKeyInfo[]> {
    const ids = await this.redis.smembers(this.ownerPrefix + owner);
    if (ids.length === 0) return [];
    const hashes = (await this.redis.hmget(this.ids, ...ids)).filter((h) => h !== null);
    if (hashes.length === 0) return [];
    const records = await this.redis.hmget(this.records, ...hashes);
    return records
      .filter((r) => r !== null)
      .map(parseInfo)
      .sort(byCreation);
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    const hash = await this.redis.hget(this.ids, id);
    const stored = hash === null ? null : await this.redis.hget(this.records, hash);
    return stored === null ? null : parseInfo(stored);
  }

  async revoke(id: string): Promise<boolean> {
    const hash = await this.redis.hget(this.ids, id);
    if (hash === null) return false;
    const stored = await this.redis.hget(this.records, hash);
    if (stored === null) return false;
    const info = parseInfo(stored);
    // Records change only here, and two revocations agree, so no transaction is needed.
    if (info.revokedAt === undefined) {
      await this.redis.hset(this.records, hash, JSON.stringify({ ...info, revokedAt: this.now() }));
    }
    return true;
  }

  async lookup(key: string): Promise<ApiKeyLookup> {
    const stored = await this.redis.hget(this.records, hashApiKey(key));
    return stored === null
      ? { ok: false, reason: 'unknown_key' }
      : judgeApiKey(parseInfo(stored), this.now());
  }
}

function parseInfo(json: string): ApiKeyInfo {
  return JSON.parse(json) as ApiKeyInfo;
}
