import type { Cluster, Redis } from 'ioredis';
import { deleteEach, getEach, scanKeys } from '../state/redis-keys.js';
import type { SessionRecord, SessionStore } from './session-store.js';

/**
 * Sessions shared by every instance. Each is one Redis string, `<prefix>session:<id>`, that
 * Redis itself expires (PX), plus a set per user, `<prefix>user-sessions:<username>`, of the ids
 * to end when the user is deleted (it expires with the user's last session).
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'gatewayd:identity:',
    private readonly now: () => number = Date.now,
  ) {}

  async create(s: SessionRecord): Promise<void> {
    const ttl = this.ttl(s);
    const index = this.userKey(s.username);
    // The session first, then its index in one transaction on the index key alone: the two keys
    // may live in different slots of a Cluster. A session without its index entry only escapes a
    // user's deletion until it expires; an index entry without a session is never written.
    await this.redis.set(this.sessionKey(s.id), JSON.stringify(s), 'PX', ttl);
    await this.redis
      .multi()
      .sadd(index, s.id)
      // GT: the index lives as long as the longest of the user's sessions.
      .pexpire(index, ttl, 'GT')
      .pexpire(index, ttl, 'NX')
      .exec();
  }

  async get(id: string): Promise<SessionRecord | null> {
    const json = await this.redis.get(this.sessionKey(id));
    return json === null ? null : (JSON.parse(json) as SessionRecord);
  }

  async update(s: SessionRecord): Promise<boolean> {
    const ttl = this.ttl(s);
    // XX: an ended session is not brought back by a late update.
    const set = await this.redis.set(this.sessionKey(s.id), JSON.stringify(s), 'PX', ttl, 'XX');
    if (set === null) return false;
    const index = this.userKey(s.username);
    await this.redis.pexpire(index, ttl, 'GT');
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const json = await this.redis.getdel(this.sessionKey(id));
    if (json === null) return false;
    await this.redis.srem(this.userKey((JSON.parse(json) as SessionRecord).username), id);
    return true;
  }

  async deleteForUser(username: string): Promise<string[]> {
    const index = this.userKey(username);
    const ids = await this.redis.smembers(index);
    await deleteEach(
      this.redis,
      ids.map((id) => this.sessionKey(id)),
    );
    await this.redis.del(index);
    return ids;
  }

  async list(): Promise<SessionRecord[]> {
    const keys = await scanKeys(this.redis, `${this.prefix}session:*`);
    const values = await getEach(this.redis, keys);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as SessionRecord);
  }

  private ttl(s: SessionRecord): number {
    return Math.max(1, s.expiresAt - this.now());
  }

  private sessionKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private userKey(username: string): string {
    return `${this.prefix}user-sessions:${username}`;
  }
}
