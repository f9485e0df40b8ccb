import t, { type Test } from 'tap';
import { until } from '../helpers/until.js';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../engine/state/redis-connection.js';
import {
  PresenceTracker,
  type OnlineUser,
  type PresenceConnection,
} from '../../engine/websocket/presence/presence-tracker.js';
import { startRedis } from '../helpers/redis.js';

const quiet = { warn: () => undefined, info: () => undefined };

async function client(t: Test, url: string): Promise<Redis> {
  const c = createRedisClient(url, quiet);
  t.teardown(() => c.disconnect());
  if (c.status !== 'ready') await once(c, 'ready');
  return c;
}

function recorder() {
  const events: string[] = [];
  return {
    events,
    online: (tenant: string, u: OnlineUser) => events.push(`online ${tenant} ${u.userId}`),
    offline: (tenant: string, userId: string) => events.push(`offline ${tenant} ${userId}`),
  };
}

function conn(id: string, userId: string, tenant: string): PresenceConnection {
  return {
    id,
    userId,
    tenant,
    connectedAt: Date.parse('2024-01-15T10:30:00.000Z'),
    domain: 'example.com',
    origin: 'https://example.com',
    url: null,
  };
}

t.test('online users per tenant, in seed 002 layout, across two instances', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const tenant = `t${process.pid}a`;
  const raw = await client(t, redis.url);
  const eventsA = recorder();
  const eventsB = recorder();
  const a = new PresenceTracker(await client(t, redis.url), 'A', 2000, eventsA, quiet);
  const b = new PresenceTracker(await client(t, redis.url), 'B', 2000, eventsB, quiet);
  a.start();
  b.start();
  t.teardown(() => Promise.all([a.stop(), b.stop()]));

  a.connected(conn('s1', 'alice', tenant));
  b.connected(conn('s2', 'bob', tenant));
  await until(async () => (await b.list(tenant)).length === 2);
  const entry = JSON.parse((await raw.hget(`online_users:${tenant}`, 'alice')) as string);
  t.same(entry, {
    sessionId: 's1',
    connectedAt: '2024-01-15T10:30:00.000Z',
    domain: 'example.com',
    origin: 'https://example.com',
    instance: 'A',
  });
  t.same(await b.list(tenant), [
    {
      userId: 'alice',
      sessionId: 's1',
      connectedAt: '2024-01-15T10:30:00.000Z',
      domain: 'example.com',
      origin: 'https://example.com',
    },
    {
      userId: 'bob',
      sessionId: 's2',
      connectedAt: '2024-01-15T10:30:00.000Z',
      domain: 'example.com',
      origin: 'https://example.com',
    },
  ]);
  t.same(eventsA.events, [`online ${tenant} alice`]);

  // A second connection of alice, then the first closes: still online, no event.
  a.connected(conn('s3', 'alice', tenant));
  a.disconnected(conn('s1', 'alice', tenant));
  await until(
    async () => (await a.list(tenant)).find((u) => u.userId === 'alice')?.sessionId === 's3',
  );
  t.same(eventsA.events, [`online ${tenant} alice`], 'online once while any connection is open');
  a.disconnected(conn('s3', 'alice', tenant));
  await until(() => eventsA.events.length === 2);
  t.equal(eventsA.events[1], `offline ${tenant} alice`);
  t.same(
    (await a.list(tenant)).map((u) => u.userId),
    ['bob'],
  );

  // An entry written by someone else (no instance) is listed as it is.
  await raw.hset(
    `online_users:${tenant}`,
    'carol',
    JSON.stringify({ sessionId: 'x', connectedAt: 'z' }),
  );
  t.same(
    (await a.list(tenant)).map((u) => u.userId),
    ['bob', 'carol'],
  );
});

t.test("a stopped instance's users leave the list, with user_offline", async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const tenant = `t${process.pid}b`;
  const eventsA = recorder();
  const a = new PresenceTracker(await client(t, redis.url), 'A2', 2000, eventsA, quiet);
  const b = new PresenceTracker(await client(t, redis.url), 'B2', 2000, recorder(), quiet);
  a.start();
  b.start();
  t.teardown(() => a.stop());
  b.connected(conn('s9', 'dave', tenant));
  await until(async () => (await a.list(tenant)).length === 1);
  await b.stop();
  t.same(await a.list(tenant), [], 'no heartbeat: not listed');
  await until(() => eventsA.events.includes(`offline ${tenant} dave`));
  const raw = await client(t, redis.url);
  t.equal(await raw.hexists(`online_users:${tenant}`, 'dave'), 0, 'and removed from the hash');
});

t.test('entries come back after Redis lost them (restart)', async (t) => {
  const redis = await startRedis(t);
  if (!redis?.controllable) return;
  const tenant = `t${process.pid}c`;
  const a = new PresenceTracker(await client(t, redis.url), 'A3', 300, recorder(), quiet);
  a.start();
  t.teardown(() => a.stop());
  a.connected(conn('s1', 'erin', tenant));
  await until(async () => (await a.list(tenant)).length === 1);
  const raw = await client(t, redis.url);
  await raw.del(`online_users:${tenant}`);
  await until(async () => (await a.list(tenant)).length === 1, 2000);
  t.pass('the heartbeat wrote the entry back');
});
