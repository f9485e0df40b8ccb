/** The usage window: the last 15 minutes, in one-minute buckets. */
export const WINDOW_MINUTES = 15;
export const MINUTE_MS = 60_000;

/**
 * Latency histogram bins: bin 0 holds up to 0.1 ms, bin i the latencies in
 * (0.1 × 1.5^(i−1), 0.1 × 1.5^i] ms, and the last one everything above ~19 s. Percentiles are
 * interpolated within their bin: estimates, off by at most the bin's width.
 */
const BINS = 32;
const BASE_MS = 0.1;
const GROWTH = 1.5;
const LOG_GROWTH = Math.log(GROWTH);
/** Per minute: requests, 4xx, 5xx, then the bins. */
const FIELDS = 3 + BINS;

export interface UsageSummary {
  requests: number;
  client_errors: number;
  server_errors: number;
  p50_ms: number;
  p95_ms: number;
}

/**
 * Request counts and a latency histogram per minute, in a ring of WINDOW_MINUTES minutes: fixed
 * typed arrays (~2 KB), nothing allocated per request. A minute's slot is reset when it is
 * reused, so old minutes fall out of the window without a timer.
 */
export class UsageSeries {
  private readonly minutes = new Float64Array(WINDOW_MINUTES).fill(-1);
  private readonly counts = new Uint32Array(WINDOW_MINUTES * FIELDS);
  /** The last minute with a request; a series idle for a whole window can be dropped. */
  lastMinute = -1;

  record(minute: number, status: number, ms: number): void {
    const slot = minute % WINDOW_MINUTES;
    const base = slot * FIELDS;
    const c = this.counts;
    if (this.minutes[slot] !== minute) {
      this.minutes[slot] = minute;
      c.fill(0, base, base + FIELDS);
    }
    this.lastMinute = minute;
    c[base]! += 1;
    if (status >= 500) c[base + 2]! += 1;
    else if (status >= 400) c[base + 1]! += 1;
    c[base + 3 + bin(ms)]! += 1;
  }

  /** The window ending with `minute`; null when it holds no request. */
  summary(minute: number): UsageSummary | null {
    const totals = new Float64Array(FIELDS);
    for (let slot = 0; slot < WINDOW_MINUTES; slot++) {
      const at = this.minutes[slot] as number;
      if (at > minute || at <= minute - WINDOW_MINUTES) continue;
      for (let f = 0; f < FIELDS; f++) totals[f]! += this.counts[slot * FIELDS + f] as number;
    }
    const requests = totals[0] as number;
    if (requests === 0) return null;
    const bins = totals.subarray(3);
    return {
      requests,
      client_errors: totals[1] as number,
      server_errors: totals[2] as number,
      p50_ms: percentile(bins, requests, 0.5),
      p95_ms: percentile(bins, requests, 0.95),
    };
  }
}

function bin(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  const i = 1 + Math.floor(Math.log(ms / BASE_MS) / LOG_GROWTH);
  return i < BINS ? i : BINS - 1;
}

/** The q-quantile, interpolated linearly within its bin; rounded to 0.01 ms. */
function percentile(bins: Float64Array, total: number, q: number): number {
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < BINS; i++) {
    const count = bins[i] as number;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : BASE_MS * GROWTH ** (i - 1);
      const upper = i === BINS - 1 ? lower : BASE_MS * GROWTH ** i;
      const value = lower + (upper - lower) * ((rank - below) / count);
      return Math.round(value * 100) / 100;
    }
    below += count;
  }
  return 0;
}
