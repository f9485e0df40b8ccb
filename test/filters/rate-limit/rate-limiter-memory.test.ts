import t from 'tap';
import { performance } from 'node:perf_hooks';
import { createRateLimiter } from '../../../engine/filters/rate-limit/rate-limiter.js';

t.test('exact under 200 concurrent consumes: limit 50 admits exactly 50', async (t) => {
  const limiter = createRateLimiter({
    id: 'mem',
    points: 50,
    durationSeconds: 60,
    store: 'memory',
  });
  const decisions = await Promise.all(Array.from({ length: 200 }, () => limiter.consume('c1')));
  const allowed = decisions.filter((d) => d.allowed);
  t.equal(allowed.length, 50);
  t.same(
    allowed.map((d) => d.remaining).sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
    'each admission saw a distinct remaining count',
  );
  const refused = decisions.filter((d) => !d.allowed);
  t.ok(
    refused.every(
      (d) => d.remaining === 0 && d.retryAfterSeconds! >= 1 && d.retryAfterSeconds! <= 60,
    ),
  );
  t.ok(decisions.every((d) => d.limit === 50 && d.degraded === undefined));
  t.ok(decisions.every((d) => d.resetSeconds >= 1 && d.resetSeconds <= 60));
});

t.test('clients and limiters count separately', async (t) => {
  const a = createRateLimiter({ id: 'a', points: 1, durationSeconds: 60, store: 'memory' });
  const b = createRateLimiter({ id: 'b', points: 1, durationSeconds: 60, store: 'memory' });
  t.equal((await a.consume('x')).allowed, true);
  t.equal((await a.consume('x')).allowed, false);
  t.equal((await a.consume('y')).allowed, true);
  t.equal((await b.consume('x')).allowed, true);
});

t.test('the window resets', async (t) => {
  const limiter = createRateLimiter({ id: 'w', points: 1, durationSeconds: 1, store: 'memory' });
  t.equal((await limiter.consume('x')).allowed, true);
  const refused = await limiter.consume('x');
  t.equal(refused.allowed, false);
  t.equal(refused.retryAfterSeconds, 1);
  // The window is one second: wait it out (bounded by the window itself, there is no event).
  await new Promise((resolve) => setTimeout(resolve, 1100));
  t.equal((await limiter.consume('x')).allowed, true);
});

t.test('settings are checked when the limiter is built', async (t) => {
  const base = { id: 'bad', durationSeconds: 60, store: 'memory' as const };
  t.throws(() => createRateLimiter({ ...base, points: 0 }), /points must be a whole number >= 1/);
  t.throws(() => createRateLimiter({ ...base, points: 1.5 }), /points/);
  t.throws(() => createRateLimiter({ ...base, points: 1, durationSeconds: 0 }), /durationSeconds/);
  t.throws(() => createRateLimiter({ ...base, points: 1, instanceCount: 0 }), /instanceCount/);
});

t.test('memory consume latency', async (t) => {
  const limiter = createRateLimiter({
    id: 'lat',
    points: 1e9,
    durationSeconds: 60,
    store: 'memory',
  });
  const n = 20_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) await limiter.consume(`c${i % 100}`);
  const perCall = ((performance.now() - start) / n) * 1000;
  t.comment(`memory consume: ${perCall.toFixed(2)} µs per call (sequential, ${n} calls)`);
  t.ok(perCall < 1000, 'well under a millisecond');
});
