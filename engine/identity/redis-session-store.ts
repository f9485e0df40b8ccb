import type { Cluster, Redis } from 'ioredis';
import { deleteEach, getEach, scanKeys } from '../state/redis-keys.js';
import { sessionEnd, type SessionRecord, type SessionStore } from './session-store.js';

/** Sets idleUntil in the stored JSON and the key's expiry to match, in one step. */
const TOUCH = `
local json = redis.call('GET', KEYS[1])
if not json then return 0 end
local s = cjson.decode(json)
s.idleUntil = tonumber(ARGV[1])
local ttl = math.max(1, math.min(s.expiresAt, s.idleUntil) - tonumber(ARGV[2]))
redis.call('SET', KEYS[1], cjson.encode(s), 'PX', ttl)
return 1
`;

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
    if (json === null) return null;
    const s = JSON.parse(json) as SessionRecord;
    // The key's expiry is rounded to a millisecond and may not have struck yet: the record decides.
    return sessionEnd(s) <= this.now() ? null : s;
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

  async touch(id: string, idleUntil: number): Promise<void> {
    await this.redis.eval(TOUCH, 1, this.sessionKey(id), idleUntil, this.now());
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
    return Math.max(1, sessionEnd(s) - this.now());
  }

  private sessionKey(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  private userKey(username: string): string {
    return `${this.prefix}user-sessions:${username}`;
  }
}
