import type { Cluster, Redis } from 'ioredis';
import type { UserRecord, UserStore } from './user-store.js';

/**
 * Users shared by every instance: one Redis hash, username → the record's JSON. Creation is
 * HSETNX, so two instances registering one name at once cannot both succeed. Every command
 * touches one key, so it works on Redis Cluster as is.
 */
export class RedisUserStore implements UserStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis | Cluster,
    prefix = 'gatewayd:identity:',
  ) {
    this.key = `${prefix}users`;
  }

  async get(username: string): Promise<UserRecord | null> {
    const json = await this.redis.hget(this.key, username);
    return json === null ? null : (JSON.parse(json) as UserRecord);
  }

  async create(user: UserRecord): Promise<boolean> {
    return (await this.redis.hsetnx(this.key, user.username, JSON.stringify(user))) === 1;
  }

  async put(user: UserRecord): Promise<void> {
    await this.redis.hset(this.key, user.username, JSON.stringify(user));
  }

  async delete(username: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, username)) === 1;
  }

  async list(): Promise<UserRecord[]> {
    return (await this.redis.hvals(this.key)).map((json) => JSON.parse(json) as UserRecord);
  }
}
