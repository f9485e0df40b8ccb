import {
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

  constructor(private readonly now: () => number = Date.now) {}

  async create(input: NewApiKey): Promise<CreatedApiKey> {
    const { key, hash, info } = mintApiKey(input, this.now());
    this.byHash.set(hash, info);
    this.hashById.set(info.id, hash);
    return { ...info, key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return [...this.byHash.values()];
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
}
