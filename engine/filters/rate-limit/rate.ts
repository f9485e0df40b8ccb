/** A rate: `points` requests per window of `durationSeconds`. */
export interface Rate {
  readonly points: number;
  readonly durationSeconds: number;
}

export type RateResult = { ok: true; rate: Rate } | { ok: false; problem: string };

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
};

/** "<count>/<multiplier?><unit>": "100/hour", "10/s", "5/10s", "1,000/hour", "20 / 5 minutes". */
const RATE = /^(\d{1,3}(?:,\d{3})+|\d+) *\/ *(\d+)? *([a-z]+)$/i;
const BARE = /^\d+$/;
const EXAMPLES = 'write it as "<requests>/<window>", e.g. "100/hour", "10/s" or "5/10s"';

/**
 * Reads a rate as the config writes it. A bare number ("1000" or 1000, as in seed 001's
 * `default_limit: 1000` and `"/auth/login": 10`) means requests per minute: the seed gives no
 * unit, per-minute is the common gateway default for such counts, and it makes the login limit
 * (10 per minute) a brute-force guard rather than a lockout.
 *
 * Windows are whole seconds (the Redis store expires keys in seconds); sub-second windows and a
 * zero count are refused. Problems are returned, not thrown, so the config checker reports them.
 */
export function parseRate(input: string | number): RateResult {
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input > 0
      ? { ok: true, rate: { points: input, durationSeconds: 60 } }
      : { ok: false, problem: `${input} is not a positive whole number of requests; ${EXAMPLES}` };
  }
  const text = input.trim();
  if (BARE.test(text)) return parseRate(Number(text));

  const match = RATE.exec(text);
  if (!match) return { ok: false, problem: `"${input}" is not a rate; ${EXAMPLES}` };
  const points = Number(match[1]!.replaceAll(',', ''));
  const multiplier = match[2] === undefined ? 1 : Number(match[2]);
  const unit = match[3]!.toLowerCase();
  const unitSeconds = UNIT_SECONDS[unit];

  if (unitSeconds === undefined) {
    const hint = unit === 'ms' ? 'windows shorter than a second are not supported' : EXAMPLES;
    return { ok: false, problem: `"${input}" has an unknown time unit "${match[3]}"; ${hint}` };
  }
  if (!Number.isSafeInteger(points) || points <= 0) {
    return { ok: false, problem: `"${input}" must allow at least 1 request per window` };
  }
  if (multiplier <= 0) return { ok: false, problem: `"${input}" has an empty window` };
  const durationSeconds = multiplier * unitSeconds;
  if (!Number.isSafeInteger(durationSeconds)) {
    return { ok: false, problem: `"${input}" has a window that is too long` };
  }
  return { ok: true, rate: { points, durationSeconds } };
}

/** A rate written back the way it reads best: "100/hour", "5/10s". */
export function formatRate(rate: Rate): string {
  const { points, durationSeconds: d } = rate;
  if (d === 1) return `${points}/s`;
  if (d === 60) return `${points}/minute`;
  if (d === 3600) return `${points}/hour`;
  if (d === 86_400) return `${points}/day`;
  return `${points}/${d}s`;
}
