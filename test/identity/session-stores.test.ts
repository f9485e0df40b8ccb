import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { MemorySessionStore } from '../../engine/identity/memory-session-store.js';
import { RedisSessionStore } from '../../engine/identity/redis-session-store.js';
import type { SessionRecord, SessionStore } from '../../engine/identity/session-store.js';
import { createRedisClient } from '../../engine/state/redis-connection.js';
import { startRedis } from '../helpers/redis.js';

function session(idleInMs: number): SessionRecord {
  const at = Date.now();
  return {
    id: randomUUID(),
    username: 'walker',
    createdAt: at,
    expiresAt: at + 3_600_000,
    idleUntil: at + idleInMs,
    data: { theme: 'dark' },
  };
}

/** The same contract for both stores: idleUntil ends a session; touch moves it and nothing else. */
async function idleContract(t: Test, store: SessionStore): Promise<void> {
  const idle = session(-1);
  await store.create(idle);
  t.equal(await store.get(idle.id), null, 'a session past its idleUntil has ended');

  const live = session(60_000);
  await store.create(live);
  const later = Date.now() + 120_000;
  await store.touch(live.id, later);
  t.same(await store.get(live.id), { ...live, idleUntil: later }, 'only idleUntil moved');
  await store.touch('no-such-session', later);
  t.equal(await store.get('no-such-session'), null, 'touch never creates a session');
}

t.test('memory store', (t) => idleContract(t, new MemorySessionStore()));

t.test('redis store: touch also moves the key expiry', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const client = createRedisClient(redis.url, undefined, { lazyConnect: true });
  t.teardown(() => client.disconnect());
  await client.connect();
  const prefix = `test:${randomUUID()}:`;
  await idleContract(t, new RedisSessionStore(client, prefix));
  const s = session(1000);
  const store = new RedisSessionStore(client, prefix);
  await store.create(s);
  t.ok((await client.pttl(`${prefix}session:${s.id}`)) <= 1000, 'expires with its idleUntil');
  await store.touch(s.id, Date.now() + 90_000);
  const pttl = await client.pttl(`${prefix}session:${s.id}`);
  t.ok(pttl > 80_000 && pttl <= 90_000, `renewed expiry ${pttl} ms`);
});
