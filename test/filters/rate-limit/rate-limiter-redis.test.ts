import t from 'tap';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { RateDecision } from '../../../engine/data-plane/rate-decision.js';
import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterSettings,
} from '../../../engine/filters/rate-limit/rate-limiter.js';
import { createRedisClient } from '../../../engine/state/redis-connection.js';
import { startRedis, type RedisHandle } from '../../helpers/redis.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

/** A client to `redis` that is ready (bounded wait) and disconnected at teardown. */
async function readyClient(
  t: Tap,
  redis: RedisHandle,
  options: Parameters<typeof createRedisClient>[2] = {},
): Promise<Redis> {
  const client = createRedisClient(redis.url, undefined, { maxReconnectDelayMs: 50, ...options });
  t.teardown(() => client.disconnect());
  await waitReady(client);
  return client;
}

async function waitReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  await once(client, 'ready', { signal: AbortSignal.timeout(5000) });
}

/** A fresh id per test, so tests never share counters (even on a shared REDIS_URL). */
function uniqueId(name: string): string {
  return `test:${name}:${randomUUID()}`;
}

function limiterOn(
  client: Redis,
  settings: Partial<RateLimiterSettings> & Pick<RateLimiterSettings, 'id'>,
): RateLimiter {
  return createRateLimiter({
    points: 50,
    durationSeconds: 60,
    store: { redis: client },
    ...settings,
  });
}

function countAllowed(decisions: RateDecision[]): number {
  return decisions.filter((d) => d.allowed).length;
}

/** Consumes `n` times in sequence, timing each call. */
async function timedConsumes(limiter: RateLimiter, key: string, n: number) {
  const decisions: RateDecision[] = [];
  let maxMs = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    decisions.push(await limiter.consume(key));
    maxMs = Math.max(maxMs, performance.now() - start);
  }
  return { decisions, maxMs };
}

t.test('exact under 200 concurrent consumes: limit 50 admits exactly 50', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const client = await readyClient(t, redis);
  const id = uniqueId('exact');
  const limiter = limiterOn(client, { id });
  const decisions = await Promise.all(Array.from({ length: 200 }, () => limiter.consume('c1')));
  t.equal(countAllowed(decisions), 50);
  t.same(
    decisions
      .filter((d) => d.allowed)
      .map((d) => d.remaining)
      .sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  t.ok(
    decisions.every((d) => d.degraded === undefined),
    'all from Redis',
  );
  t.ok(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds! >= 1));
  t.equal(await client.exists(`gatewayd:rl:${id}:c1`), 1, 'key is gatewayd:rl:<id>:<client>');
  const ttl = await client.ttl(`gatewayd:rl:${id}:c1`);
  t.ok(ttl > 0 && ttl <= 60, `window expires in Redis (ttl ${ttl})`);
});

t.test('two instances (two clients) sharing Redis admit exactly the limit in total', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const [a, b] = [await readyClient(t, redis), await readyClient(t, redis)];
  const id = uniqueId('shared');
  const limiters = [limiterOn(a, { id, instanceCount: 2 }), limiterOn(b, { id, instanceCount: 2 })];
  const decisions = await Promise.all(
    Array.from({ length: 200 }, (_, i) => limiters[i % 2]!.consume('c1')),
  );
  t.equal(countAllowed(decisions), 50);
  t.ok(countAllowed(decisions.filter((_, i) => i % 2 === 0)) > 0, 'instance A admitted some');
  t.ok(countAllowed(decisions.filter((_, i) => i % 2 === 1)) > 0, 'instance B admitted some');
  // Another client key is a separate bucket.
  t.equal((await limiters[1]!.consume('c2')).allowed, true);
});

t.test('Redis consume latency vs memory', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const client = await readyClient(t, redis);
  const viaRedis = limiterOn(client, { id: uniqueId('lat'), points: 1e9 });
  const n = 2000;
  let start = performance.now();
  for (let i = 0; i < n; i++) await viaRedis.consume(`c${i % 100}`);
  const sequential = ((performance.now() - start) / n) * 1000;
  start = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => viaRedis.consume(`c${i % 100}`)));
  const concurrent = ((performance.now() - start) / n) * 1000;
  t.comment(
    `redis consume: ${sequential.toFixed(0)} µs per call sequential, ` +
      `${concurrent.toFixed(1)} µs per call with ${n} in flight`,
  );
  t.ok(sequential < 5000);
});

t.test('a refused key is held in memory: no more Redis round trips for it', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const client = await readyClient(t, redis);
  const id = uniqueId('block');
  const limiter = limiterOn(client, { id, points: 2 });
  for (let i = 0; i < 3; i++) await limiter.consume('c1');
  const key = `gatewayd:rl:${id}:c1`;
  t.equal(await client.get(key), '3');
  const refused = await Promise.all(Array.from({ length: 20 }, () => limiter.consume('c1')));
  t.equal(countAllowed(refused), 0);
  t.equal(await client.get(key), '3', 'refusals after the first did not reach Redis');
});

t.test('Redis killed mid-run, then back', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) {
    t.pass('REDIS_URL given', { skip: 'cannot kill a shared Redis' });
    return;
  }
  const client = await readyClient(t, redis);
  const warnings: string[] = [];
  const logger = { warn: (_: object, m: string) => warnings.push(m), info: () => {} };
  const local = limiterOn(client, {
    id: uniqueId('local'),
    points: 10,
    instanceCount: 2,
    onStoreError: 'local',
    logger,
  });
  const allow = limiterOn(client, { id: uniqueId('allow'), points: 3, onStoreError: 'allow' });
  const deny = limiterOn(client, { id: uniqueId('deny'), points: 3, onStoreError: 'deny' });

  // Before: Redis counts.
  const before = await timedConsumes(local, 'c1', 3);
  t.same(
    before.decisions.map((d) => d.remaining),
    [9, 8, 7],
  );
  t.ok(before.decisions.every((d) => d.degraded === undefined));

  await redis.stop();

  // 'local': the insurance limit is ceil(10 / 2) = 5 per instance.
  const down = await timedConsumes(local, 'c1', 8);
  t.equal(countAllowed(down.decisions), 5, 'local fallback admits ceil(points / instances)');
  t.ok(down.decisions.every((d) => d.degraded === 'local'));
  t.ok(
    down.decisions.every((d) => d.limit === 10),
    'reports the policy limit',
  );
  t.ok(down.maxMs < 100, `local fallback: slowest consume ${down.maxMs.toFixed(2)} ms`);
  t.same(warnings, ['rate limit store unavailable; fallback "local"'], 'warned once');

  const allowed = await timedConsumes(allow, 'c1', 10);
  t.equal(countAllowed(allowed.decisions), 10, "'allow' lets everything through");
  t.ok(allowed.decisions.every((d) => d.degraded === 'allow'));
  t.ok(allowed.maxMs < 100, `allow fallback: slowest consume ${allowed.maxMs.toFixed(2)} ms`);

  const denied = await timedConsumes(deny, 'c1', 5);
  t.equal(countAllowed(denied.decisions), 0, "'deny' refuses everything");
  t.ok(denied.decisions.every((d) => d.degraded === 'deny' && d.retryAfterSeconds === 5));
  t.ok(denied.maxMs < 100, `deny fallback: slowest consume ${denied.maxMs.toFixed(2)} ms`);
  t.comment(
    `fallback latency while Redis is down (max): local ${down.maxMs.toFixed(2)} ms, ` +
      `allow ${allowed.maxMs.toFixed(2)} ms, deny ${denied.maxMs.toFixed(2)} ms`,
  );

  // Back: the client reconnects on its own; the limiters use Redis again (a fresh, empty Redis).
  await redis.restart();
  const reconnectStart = performance.now();
  await waitReady(client);
  t.comment(`reconnected ${(performance.now() - reconnectStart).toFixed(0)} ms after restart`);
  const after = await local.consume('c1');
  t.equal(after.degraded, undefined, 'local limiter back on Redis');
  t.equal(after.remaining, 9, 'counting in Redis afresh');
  t.equal((await allow.consume('c1')).degraded, undefined);
  const denyAfter = await deny.consume('c1');
  t.equal(denyAfter.degraded, undefined);
  t.equal(denyAfter.allowed, true);
});

t.test(
  'a stalled Redis: consume resolves after the command timeout, with the fallback',
  async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    if (!redis.controllable) {
      t.pass('REDIS_URL given', { skip: 'cannot pause a shared Redis' });
      return;
    }
    const client = await readyClient(t, redis, { commandTimeoutMs: 100 });
    const limiter = limiterOn(client, { id: uniqueId('stall'), points: 5, onStoreError: 'local' });
    redis.pause();
    const start = performance.now();
    const decision = await limiter.consume('c1');
    const ms = performance.now() - start;
    redis.resume();
    t.equal(decision.degraded, 'local');
    t.equal(decision.allowed, true);
    t.ok(
      ms < 500,
      `stalled Redis: consume resolved in ${ms.toFixed(0)} ms (command timeout 100 ms)`,
    );
  },
);

t.test('a limiter on a lazyConnect client connects it', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const client = createRedisClient(redis.url, undefined, { lazyConnect: true });
  t.teardown(() => client.disconnect());
  const limiter = limiterOn(client, { id: uniqueId('lazy'), onStoreError: 'deny' });
  await waitReady(client);
  t.equal((await limiter.consume('c1')).degraded, undefined);
});
