import t, { type Test } from 'tap';
import { until } from '../helpers/until.js';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { ChannelMessage } from '../../engine/websocket/hub/channel-message.js';
import { RedisChannelBus } from '../../engine/websocket/hub/redis-channel-bus.js';
import { RedisHistoryStore } from '../../engine/websocket/hub/redis-history-store.js';
import { createRedisClient } from '../../engine/state/redis-connection.js';
import { startRedis } from '../helpers/redis.js';

const quiet = { warn: () => undefined, info: () => undefined };

async function client(t: Test, url: string, options = {}): Promise<Redis> {
  const c = createRedisClient(url, quiet, options);
  t.teardown(() => c.disconnect());
  if (c.status !== 'ready') await once(c, 'ready');
  return c;
}

function message(channel: string, data: unknown): Omit<ChannelMessage, 'seq'> {
  return { channel, data, ts: Date.now(), from: 'alice', targetUser: null };
}

/** Resolves once `count()` reaches `n`, or rejects after `ms`. */

t.test('history: seq per channel, since, limit, keep, JSON round trip', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const store = new RedisHistoryStore(await client(t, redis.url), `test:${process.pid}:a:`);
  const first = await store.append(message('news', { list: [], n: 1.5, s: 'é' }), 3, 60_000);
  t.equal(first.seq, 1);
  t.same(first.data, { list: [], n: 1.5, s: 'é' });
  for (let i = 2; i <= 5; i++) t.equal((await store.append(message('news', i), 3, 60_000)).seq, i);
  t.equal((await store.append(message('other', 'x'), 3, 60_000)).seq, 1, 'seq is per channel');

  const kept = await store.since('news', 0, 10);
  t.same(
    kept.map((m) => m.seq),
    [3, 4, 5],
    'only the last `keep` are stored',
  );
  t.same(kept[2], {
    channel: 'news',
    data: 5,
    seq: 5,
    ts: kept[2]?.ts,
    from: 'alice',
    targetUser: null,
  });
  t.same(
    (await store.since('news', 3, 10)).map((m) => m.seq),
    [4, 5],
    'after seq, oldest first',
  );
  t.same(
    (await store.since('news', 2, 1)).map((m) => m.seq),
    [3],
    'at most limit',
  );
  t.same(await store.since('news', 5, 10), []);
  t.same(await store.since('nothing', 0, 10), []);
  const first2 = (await store.since('news', 0, 10))[0];
  t.same(first2?.data, 3);
});

t.test('history: two instances appending at once never share a seq', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const prefix = `test:${process.pid}:b:`;
  const a = new RedisHistoryStore(await client(t, redis.url), prefix);
  const b = new RedisHistoryStore(await client(t, redis.url), prefix);
  const seqs = await Promise.all(
    Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).append(message('c', i), 200, 60_000)),
  );
  t.same(
    seqs.map((m) => m.seq).sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  const stored = await a.since('c', 0, 1000);
  t.equal(stored.length, 100);
  t.ok(
    stored.every((m, i) => m.seq === i + 1),
    'stored in seq order',
  );
});

t.test('history: messages expire after the ttl; the sequence continues', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const conn = await client(t, redis.url);
  const store = new RedisHistoryStore(conn, `test:${process.pid}:c:`);
  await store.append(message('short', 'old'), 10, 150);
  await sleep(200);
  const fresh = await store.append(message('short', 'new'), 10, 150);
  t.equal(fresh.seq, 2, 'the counter does not start over');
  t.same(
    (await store.since('short', 0, 1)).map((m) => m.data),
    ['new'],
    'an expired message is dropped and does not take the place of a live one',
  );
  await sleep(200);
  t.same(await store.since('short', 0, 10), []);
  t.equal(await conn.exists(`test:${process.pid}:c:{short}:history`), 0, 'the key itself expires');
});

t.test('bus: a message reaches every instance exactly once', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const channel = `test:${process.pid}:bus`;
  const received: ChannelMessage[][] = [[], [], []];
  const buses = await Promise.all(
    received.map(async (into) => {
      const bus = new RedisChannelBus(
        await client(t, redis.url),
        await client(t, redis.url),
        quiet,
        channel,
      );
      t.teardown(() => bus.close());
      bus.onMessage((m) => into.push(m));
      return bus;
    }),
  );
  // Subscriptions are made on 'ready'; wait until all three are in place.
  const probe = await client(t, redis.url);
  for (let i = 0; i < 100; i++) {
    const [, counts] = (await probe.pubsub('NUMSUB', channel)) as [string, number];
    if (Number(counts) === 3) break;
    await sleep(10);
  }
  const msg: ChannelMessage = {
    channel: 'news',
    data: { hello: [] },
    seq: 7,
    ts: 1,
    from: null,
    targetUser: 'bob',
  };
  await buses[0]?.publish(msg);
  await until(() => received.filter((r) => r.length > 0).length >= 3, 3000, 5);
  await sleep(200); // a bounded wait for any duplicate
  t.same(
    received.map((r) => r.length),
    [1, 1, 1],
    'one delivery per instance, the publisher included',
  );
  t.same(received[2]?.[0], msg);
  await probe.publish(channel, 'not json');
  await probe.publish(channel, '{"channel": 1}');
  await buses[1]?.publish({ ...msg, seq: 8 });
  await until(() => (received[0]?.length ?? 0) >= 2, 3000, 5);
  t.same(
    received[0]?.map((m) => m.seq),
    [7, 8],
    'foreign payloads are ignored',
  );
});

t.test('bus: publish fails while Redis is down, delivery resumes after', async (t) => {
  const redis = await startRedis(t);
  if (!redis?.controllable) return;
  const channel = `test:${process.pid}:down`;
  const got: ChannelMessage[] = [];
  const bus = new RedisChannelBus(
    await client(t, redis.url, { maxReconnectDelayMs: 50 }),
    await client(t, redis.url, { maxReconnectDelayMs: 50 }),
    quiet,
    channel,
  );
  t.teardown(() => bus.close());
  bus.onMessage((m) => got.push(m));
  const msg = (seq: number): ChannelMessage => ({
    channel: 'c',
    data: seq,
    seq,
    ts: 1,
    from: null,
    targetUser: null,
  });
  // Until its own subscription is in place the bus refuses: the message would not come back.
  // Then the live path works.
  await t.rejects(bus.publish(msg(0)), /not subscribed yet/, 'refused before the subscription');
  const end = Date.now() + 3000;
  while (got.length === 0 && Date.now() < end) {
    await bus.publish(msg(1)).catch(() => undefined);
    await sleep(20);
  }
  t.ok(got.length > 0, 'delivered before the outage');
  await redis.stop();
  await t.rejects(bus.publish(msg(2)), 'publish rejects while Redis is down');
  await redis.restart();
  got.length = 0;
  const end2 = Date.now() + 5000;
  while (got.length === 0 && Date.now() < end2) {
    await bus.publish(msg(3)).catch(() => undefined);
    await sleep(50);
  }
  t.ok(got.length > 0, 'the subscriber subscribed again after the reconnect');
  t.ok(got.every((m) => m.seq === 3));
});
