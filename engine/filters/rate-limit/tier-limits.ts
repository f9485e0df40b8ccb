import { parseRate, type Rate } from './rate.js';
import { createRateLimiter, type RateLimiter, type RateLimiterSettings } from './rate-limiter.js';

export interface TierLimitsSettings {
  /** Prefix of each tier limiter's id (e.g. "tiers" or a route name); ids are `${idPrefix}:tier=<tier>`. */
  idPrefix: string;
  /** Tier name to rate, e.g. `{ free: '100/hour', pro: '1000/hour' }`. Names match case-insensitively. */
  tiers: Readonly<Record<string, string | number>>;
  /** The tier of requests with no tier or an unknown one; default: the tier with the lowest rate. */
  defaultTier?: string;
  /** Store, fallback and logging, shared by every tier's limiter. */
  limiter: Omit<RateLimiterSettings, 'id' | 'points' | 'durationSeconds'>;
  /** Builds each tier's limiter; the gateway passes one that reuses limiters across reloads. */
  createLimiter?: (settings: RateLimiterSettings) => RateLimiter;
}

export interface TierLimits {
  /** The limiter for `tier`; no tier or an unknown one gets the default tier's. */
  limiterFor(tier: string | undefined): RateLimiter;
  readonly limiters: ReadonlyMap<string, RateLimiter>;
  readonly defaultTier: string;
}

export type TierLimitsResult = { ok: true; tiers: TierLimits } | { ok: false; problems: string[] };

/**
 * One limiter per tier, built once (seed 004: free 100/hour, pro 1,000, enterprise 10,000,
 * admin 100,000). Each tier counts in its own bucket, so a client moving to another tier starts
 * that tier's window afresh. Problems (bad rates, an unknown default tier) are returned, not thrown.
 */
export function createTierLimits(settings: TierLimitsSettings): TierLimitsResult {
  const problems: string[] = [];
  const rates = new Map<string, Rate>();
  const names = new Set<string>();
  for (const [name, spec] of Object.entries(settings.tiers)) {
    const tier = name.toLowerCase();
    if (names.has(tier)) problems.push(`tier "${name}" is listed twice (names ignore case)`);
    names.add(tier);
    const parsed = parseRate(spec);
    if (parsed.ok) rates.set(tier, parsed.rate);
    else problems.push(`tier "${name}": ${parsed.problem}`);
  }
  if (rates.size === 0 && problems.length === 0) problems.push('no tiers are defined');

  let defaultTier = settings.defaultTier?.toLowerCase();
  if (defaultTier !== undefined && !names.has(defaultTier)) {
    problems.push(
      `default tier "${settings.defaultTier}" is not one of ${Object.keys(settings.tiers).join(', ')}`,
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  defaultTier ??= lowestTier(rates);

  const limiters = new Map<string, RateLimiter>();
  const create = settings.createLimiter ?? createRateLimiter;
  for (const [tier, rate] of rates) {
    limiters.set(
      tier,
      create({
        ...settings.limiter,
        id: `${settings.idPrefix}:tier=${tier}`,
        points: rate.points,
        durationSeconds: rate.durationSeconds,
      }),
    );
  }
  const fallback = limiters.get(defaultTier)!;

  return {
    ok: true,
    tiers: {
      limiters,
      defaultTier,
      limiterFor: function limiterForTier(tier) {
        if (tier === undefined) return fallback;
        return limiters.get(tier) ?? limiters.get(tier.toLowerCase()) ?? fallback;
      },
    },
  };
}

/** The tier allowing the fewest requests per second (the first listed on a tie). */
function lowestTier(rates: ReadonlyMap<string, Rate>): string {
  let lowest = '';
  let lowestPerSecond = Infinity;
  for (const [tier, rate] of rates) {
    const perSecond = rate.points / rate.durationSeconds;
    if (perSecond < lowestPerSecond) {
      lowest = tier;
      lowestPerSecond = perSecond;
    }
  }
  return lowest;
}
