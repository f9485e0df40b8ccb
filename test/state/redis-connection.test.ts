import t from 'tap';
import { closedPort } from '../helpers/free-port.js';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createRedisClient } from '../../engine/state/redis-connection.js';
import { redactRedisUrl } from '../../engine/state/redis-target.js';
import { startRedis } from '../helpers/redis.js';

/** Records log calls. */
function fakeLogger() {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return {
    lines,
    warn: (obj: object, msg: string) => lines.push({ level: 'warn', obj, msg }),
    info: (obj: object, msg: string) => lines.push({ level: 'info', obj, msg }),
  };
}

t.test('redactRedisUrl hides the password only', async (t) => {
  t.equal(redactRedisUrl('redis://user:s3cret@redis:6379/2'), 'redis://user:***@redis:6379/2');
  t.equal(redactRedisUrl('redis://:s3cret@redis:6379'), 'redis://:***@redis:6379');
  t.equal(redactRedisUrl('redis://redis:6379'), 'redis://redis:6379');
  t.equal(redactRedisUrl('not a url'), '(unparseable redis url)');
});

t.test(
  'an unreachable Redis: commands fail at once, errors are logged once, redacted',
  async (t) => {
    const logger = fakeLogger();
    const url = `redis://user:s3cret@127.0.0.1:${await closedPort()}`;
    const client = createRedisClient(url, logger, { maxReconnectDelayMs: 20 });
    t.teardown(() => client.disconnect());
    // Several reconnect attempts fail; each emits 'error'. Wait for a few, bounded.
    let errors = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reconnect errors')), 5000);
      client.on('error', () => {
        if (++errors === 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const start = performance.now();
    await t.rejects(client.get('k'), /enableOfflineQueue|Stream isn't writeable/);
    t.ok(performance.now() - start < 50, 'rejected without waiting');
    t.equal(logger.lines.length, 1, 'one warning per outage, not one per attempt');
    const line = JSON.stringify(logger.lines[0]);
    t.notMatch(line, /s3cret/);
    t.match(line, /\*\*\*/);
  },
);

t.test('lazyConnect waits for connect()', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const client = createRedisClient(redis.url, undefined, { lazyConnect: true });
  t.teardown(() => client.disconnect());
  t.equal(client.status, 'wait');
  await client.connect();
  t.equal(await client.ping(), 'PONG');
});

t.test('a command in flight when Redis dies is rejected at once, not replayed', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) {
    t.pass('REDIS_URL given', { skip: 'cannot stop a shared Redis' });
    return;
  }
  const logger = fakeLogger();
  const client = createRedisClient(redis.url, logger, {
    commandTimeoutMs: 10_000,
    maxReconnectDelayMs: 50,
  });
  t.teardown(() => client.disconnect());
  await once(client, 'ready');
  const blocked = client.blpop('gatewayd:test:never', 5);
  const settled = blocked.then(
    () => 'resolved',
    (err: Error) => err.message,
  );
  const start = performance.now();
  await redis.stop();
  const outcome = await settled;
  const ms = performance.now() - start;
  t.not(outcome, 'resolved');
  t.ok(ms < 1000, `in-flight command settled ${ms.toFixed(0)} ms after the kill`);

  await redis.restart();
  if (client.status !== 'ready') await once(client, 'ready', { signal: AbortSignal.timeout(5000) });
  t.equal(await client.ping(), 'PONG', 'reconnected on its own');
  t.same(
    logger.lines.map((l) => l.level),
    ['warn', 'info'],
    'outage and recovery logged once each',
  );
});

t.test('a stalled Redis: commands time out', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) {
    t.pass('REDIS_URL given', { skip: 'cannot pause a shared Redis' });
    return;
  }
  const client = createRedisClient(redis.url, undefined, { commandTimeoutMs: 100 });
  t.teardown(() => client.disconnect());
  await once(client, 'ready');
  redis.pause();
  const start = performance.now();
  await t.rejects(client.get('k'), /timed out/);
  const ms = performance.now() - start;
  t.ok(ms < 500, `timed out after ${ms.toFixed(0)} ms`);
  redis.resume();
});
