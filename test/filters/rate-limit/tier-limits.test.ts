import t from 'tap';
import { createTierLimits } from '../../../engine/filters/rate-limit/tier-limits.js';

const seedTiers = {
  free: '100/hour',
  pro: '1,000/hour',
  enterprise: '10000/hour',
  admin: '100000/hour',
};

t.test('one limiter per tier; absent or unknown tiers get the lowest', async (t) => {
  const result = createTierLimits({
    idPrefix: 'api',
    tiers: seedTiers,
    limiter: { store: 'memory' },
  });
  if (!result.ok) throw new Error(result.problems.join('; '));
  const { tiers } = result;
  t.equal(tiers.limiters.size, 4);
  t.equal(tiers.defaultTier, 'free');
  t.same(tiers.limiterFor('pro').policy, {
    id: 'api:tier=pro',
    points: 1000,
    durationSeconds: 3600,
  });
  t.equal(tiers.limiterFor('Enterprise').policy.points, 10_000, 'tier names ignore case');
  t.equal(tiers.limiterFor('admin').policy.points, 100_000);
  t.equal(tiers.limiterFor(undefined), tiers.limiterFor('free'));
  t.equal(tiers.limiterFor('platinum'), tiers.limiterFor('free'));
});

t.test('a configured default tier is used for unknown tiers', async (t) => {
  const result = createTierLimits({
    idPrefix: 'api',
    tiers: seedTiers,
    defaultTier: 'pro',
    limiter: { store: 'memory' },
  });
  t.ok(result.ok);
  if (result.ok) t.equal(result.tiers.limiterFor(undefined).policy.points, 1000);
});

t.test('tiers count separately, each to its own limit', async (t) => {
  const result = createTierLimits({
    idPrefix: 'api',
    tiers: { free: '2/hour', pro: '3/hour' },
    limiter: { store: 'memory' },
  });
  if (!result.ok) throw new Error(result.problems.join('; '));
  const count = async (tier: string | undefined, n: number) => {
    let allowed = 0;
    for (let i = 0; i < n; i++)
      if ((await result.tiers.limiterFor(tier).consume('u1')).allowed) allowed++;
    return allowed;
  };
  t.equal(await count('free', 5), 2);
  t.equal(await count('pro', 5), 3);
  t.equal(await count(undefined, 5), 0, 'no tier shares the (spent) free bucket');
});

t.test('problems are returned', async (t) => {
  const result = createTierLimits({
    idPrefix: 'api',
    tiers: { free: '100/fortnight', pro: 'lots', Free: '1/s' },
    defaultTier: 'gold',
    limiter: { store: 'memory' },
  });
  t.equal(result.ok, false);
  if (result.ok) return;
  t.match(result.problems, [
    /tier "free": .*unknown time unit/,
    /tier "pro": .*is not a rate/,
    /tier "Free" is listed twice/,
    /default tier "gold" is not one of free, pro, Free/,
  ]);
  const empty = createTierLimits({ idPrefix: 'api', tiers: {}, limiter: { store: 'memory' } });
  t.same(empty, { ok: false, problems: ['no tiers are defined'] });
});
