import t from 'tap';
import { GatewayError } from '../../../engine/errors/gateway-error.js';
import { createRateLimitHeaders } from '../../../engine/filters/rate-limit/rate-limit-headers.js';

const now = 1_699_367_000_500; // ms
const headers = createRateLimitHeaders({ id: 'orders:free', points: 100, durationSeconds: 3600 });

t.test('an allowed request gets the counters and the IETF pair', async (t) => {
  const list = headers.forDecision(
    { allowed: true, limit: 100, remaining: 95, resetSeconds: 999 },
    now,
  );
  t.same(Object.fromEntries(list), {
    'x-ratelimit-limit': '100',
    'x-ratelimit-remaining': '95',
    'x-ratelimit-reset': String(1_699_367_001 + 999), // epoch seconds, rounded up
    'ratelimit-policy': '"orders:free";q=100;w=3600',
    ratelimit: '"orders:free";r=95;t=999',
  });
});

t.test('a refusal is a RATE_LIMITED GatewayError with Retry-After', async (t) => {
  const err = headers.refusal(
    { allowed: false, limit: 100, remaining: 0, resetSeconds: 42, retryAfterSeconds: 42 },
    now,
  );
  t.ok(err instanceof GatewayError);
  t.equal(err.code, 'RATE_LIMITED');
  t.equal(err.status, 429);
  t.match(err.message, /100 requests per 3600 s exceeded; retry in 42 s/);
  const h = Object.fromEntries(err.headers);
  t.equal(h['retry-after'], '42');
  t.equal(h['x-ratelimit-remaining'], '0');
  t.equal(h['x-ratelimit-reset'], String(1_699_367_001 + 42));
  t.equal(h.ratelimit, '"orders:free";r=0;t=42');
});

t.test('fallback decisions', async (t) => {
  const allow = headers.forDecision(
    { allowed: true, limit: 100, remaining: 100, resetSeconds: 3600, degraded: 'allow' },
    now,
  );
  t.same(allow, [['ratelimit-policy', '"orders:free";q=100;w=3600']], 'no made-up counters');
  const deny = headers.refusal(
    {
      allowed: false,
      limit: 100,
      remaining: 0,
      resetSeconds: 5,
      retryAfterSeconds: 5,
      degraded: 'deny',
    },
    now,
  );
  t.match(deny.message, /cannot be checked right now; retry in 5 s/);
  t.equal(Object.fromEntries(deny.headers)['retry-after'], '5');
});

t.test('policy ids are quoted structured-field strings', async (t) => {
  const odd = createRateLimitHeaders({ id: 'a"b\\c\n', points: 1, durationSeconds: 1 });
  const list = odd.forDecision({ allowed: true, limit: 1, remaining: 0, resetSeconds: 1 }, now);
  t.equal(Object.fromEntries(list)['ratelimit-policy'], '"a\\"b\\\\c";q=1;w=1');
});
