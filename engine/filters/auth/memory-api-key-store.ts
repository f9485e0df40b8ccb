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

/** The store for one instance without Redis: same contract, gone on restart. */
export class MemoryApiKeyStore implements ApiKeyStore {
  private readonly byHash = new Map<string, ApiKeyInfo>();
  private readonly hashById = new Map<string, string>();
  private readonly idsByOwner = new Map<string, string[]>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(input: NewApiKey): Promise<CreatedApiKey> {
    const { key, hash, info } = mintApiKey(input, this.now());
    this.byHash.set(hash, info);
    this.hashById.set(info.id, hash);
    if (info.owner !== undefined) {
      this.idsByOwner.set(info.owner, [...(this.idsByOwner.get(info.owner) ?? []), info.id]);
    }
    return { ...info, key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return [...this.byHash.values()];
  }

  async listByOwner(owner: string): Promise<ApiKeyInfo[]> {
    const ids = this.idsByOwner.get(owner) ?? [];
    return ids
      .map((id) => this.find(id))
      .filter((i) => i !== null)
      .sort(byCreation);
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    return this.find(id);
  }

  async revoke(id: string): Promise<boolean> {
    const hash = this.hashById.get(id);
    const info = hash === undefined ? undefined : this.byHash.get(hash);
    if (hash === undefined || info === undefined) return false;
    if (info.revokedAt === undefined) this.byHash.set(hash, { ...info, revokedAt: this.now() });
    return true;
  }

  async lookup(key: string): Promise<ApiKeyLookup> {
    const info = this.byHash.get(hashApiKey(key));
    return info === undefined
      ? { ok: false, reason: 'unknown_key' }
      : judgeApiKey(info, this.now());
  }

  private find(id: string): ApiKeyInfo | null {
    const hash = this.hashById.get(id);
    return (hash === undefined ? undefined : this.byHash.get(hash)) ?? null;
  }
}
