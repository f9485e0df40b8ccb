import { Redis } from 'ioredis';
import t from 'tap';
import { createApiKeyProvider } from '../../../engine/filters/auth/api-key-provider.js';
import { RedisApiKeyStore } from '../../../engine/filters/auth/redis-api-key-store.js';
import { startRedis } from '../../helpers/redis.js';
import { apiKeyStoreSuite } from './fixtures/api-key-store-suite.js';
import { reasonOf } from './fixtures/reason.js';
import { T0 } from './fixtures/tokens.js';
import { pick } from '../../helpers/pick.js';

const redisServer = await startRedis(t);
if (redisServer !== null) {
  const client = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  t.teardown(() => client.quit());
  let run = 0;
  /** A fresh prefix per case, so cases (and other suites on a shared REDIS_URL) never meet. */
  const prefix = () => `test:apikeys:${process.pid}:${++run}:`;

  /** Every key and value under a prefix, as text. */
  async function dump(p: string): Promise<string> {
    const keys = await client.keys(`${p}*`);
    // Records and ids are hashes, owner indexes sets.
    const values = await Promise.all(
      keys.map(async (k) =>
        (await client.type(k)) === 'set' ? client.smembers(k) : client.hgetall(k),
      ),
    );
    return JSON.stringify([keys, values]);
  }

  t.test('RedisApiKeyStore', async (t) => {
    apiKeyStoreSuite(t, async (clock) => {
      const p = prefix();
      t.teardown(async () => {
        const keys = await client.keys(`${p}*`);
        if (keys.length > 0) await client.del(...keys);
      });
      return { store: new RedisApiKeyStore(client, p, () => clock.ms), clock, dump: () => dump(p) };
    });
  });

  t.test('a key is shared by two stores on one Redis (two instances)', async (t) => {
    const p = prefix();
    const admin = new RedisApiKeyStore(client, p, () => T0);
    const other = createApiKeyProvider({ store: new RedisApiKeyStore(client, p, () => T0) });
    const created = await admin.create({ name: 'shared', tier: 'enterprise', roles: ['r'] });
    const expected = { subject: created.id, tier: 'enterprise', roles: ['r'] };
    t.same(pick(await other.verify(created.key), expected), expected);
    await admin.revoke(created.id);
    t.equal(await reasonOf(other.verify(created.key)), 'revoked');
  });
}
