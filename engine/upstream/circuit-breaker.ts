export type BreakerState = 'closed' | 'open' | 'half_open';

/** Every move a breaker can make, in the order `transitionCounts()` gives their counts. */
export const BREAKER_TRANSITIONS: ReadonlyArray<readonly [BreakerState, BreakerState]> = [
  ['closed', 'open'],
  ['open', 'half_open'],
  ['half_open', 'open'],
  ['half_open', 'closed'],
];

export interface CircuitBreakerSettings {
  /** Consecutive failures that open the circuit (closed → open). */
  failureThreshold: number;
  /** How long the circuit stays open before letting probes through. */
  openMs: number;
  /** Consecutive probe successes in half-open that close the circuit. */
  successThreshold: number;
  /** Probes allowed in flight at once while half-open. */
  halfOpenMaxProbes: number;
  /**
   * Optional failure-rate window: open when, over the last windowMs, at least minRequests
   * finished and failures/total >= failureRate (0..1).
   */
  window?: { windowMs: number; minRequests: number; failureRate: number };
}

export interface BreakerSnapshot {
  state: BreakerState;
  /** Consecutive failures counted while closed; frozen while open or half-open. */
  consecutiveFailures: number;
  /** `now()` when the circuit last opened; null while closed. */
  openedAt: number | null;
  probesInFlight: number;
}

/** Buckets in the failure-rate ring; the window slides in steps of windowMs / BUCKETS. */
const BUCKETS = 10;

/**
 * The circuit breaker of one upstream. Time comes from `now`; one timer, armed while open, makes
 * the open → half-open move when it is due, so the move is logged and counted when it happens
 * and not when someone next looks (`state` and `tryAcquire()` also make it if they come first).
 *
 * Results are not tied to the request that produced them, so results of requests acquired in an
 * earlier state are handled by rule: while open every result is ignored; while half-open a result
 * counts as a probe only if a probe is in flight (and frees its slot); while closed every result
 * counts.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private probesInFlight = 0;
  private probeSuccesses = 0;
  private readonly window: FailureWindow | null;
  private halfOpenTimer: NodeJS.Timeout | null = null;
  private readonly transitions = new Uint32Array(BREAKER_TRANSITIONS.length);

  constructor(
    private readonly settings: CircuitBreakerSettings,
    private readonly onChange: (from: BreakerState, to: BreakerState) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    checkSettings(settings);
    this.window = settings.window ? new FailureWindow(settings.window) : null;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - (this.openedAt as number) >= this.settings.openMs) {
      this.transition('half_open');
    }
    return this.current;
  }

  /** May a request go upstream now? Counts a half-open probe when it returns true. */
  tryAcquire(): boolean {
    switch (this.state) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half_open':
        if (this.probesInFlight >= this.settings.halfOpenMaxProbes) return false;
        this.probesInFlight++;
        return true;
    }
  }

  /** A request that was acquired finished well. */
  onSuccess(): void {
    if (this.current === 'closed') {
      this.consecutiveFailures = 0;
      if (this.window?.record(this.now(), false)) this.open();
    } else if (this.current === 'half_open' && this.probesInFlight > 0) {
      this.probesInFlight--;
      if (++this.probeSuccesses >= this.settings.successThreshold) this.close();
    }
  }

  /** A request that was acquired finished with a failure (the caller decides what that is). */
  onFailure(): void {
    if (this.current === 'closed') {
      this.consecutiveFailures++;
      const rateTripped = this.window?.record(this.now(), true) ?? false;
      if (rateTripped || this.consecutiveFailures >= this.settings.failureThreshold) this.open();
    } else if (this.current === 'half_open' && this.probesInFlight > 0) {
      this.open();
    }
  }

  /**
   * An acquired request ended without a verdict on the upstream (the client went away, or the
   * gateway refused its body): its half-open probe slot is free again, nothing is counted.
   */
  release(): void {
    if (this.current === 'half_open' && this.probesInFlight > 0) this.probesInFlight--;
  }

  /**
   * Whole seconds until probes are allowed again (for Retry-After), at least 1 while open; 0 when
   * not open (including half-open with every probe slot taken).
   */
  retryAfterSeconds(): number {
    if (this.state !== 'open') return 0;
    const remainingMs = (this.openedAt as number) + this.settings.openMs - this.now();
    return Math.max(1, Math.ceil(remainingMs / 1000));
  }

  /** How often each of BREAKER_TRANSITIONS happened, in that order (for the metrics). */
  transitionCounts(): ArrayLike<number> {
    return this.transitions;
  }

  /** The upstream left the config: no timer may outlive it. */
  stop(): void {
    this.clearHalfOpenTimer();
  }

  /** Snapshot for metrics and the admin API. */
  snapshot(): BreakerSnapshot {
    return {
      state: this.state,
      consecutiveFailures: this.consecutiveFailures,
      openedAt: this.openedAt,
      probesInFlight: this.probesInFlight,
    };
  }

  private open(): void {
    this.openedAt = this.now();
    // Probes still in flight finish while open and are ignored, so their slots are gone.
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    this.transition('open');
    this.armHalfOpenTimer(this.settings.openMs);
  }

  /**
   * Fires when half-open is due. Node's timers may fire a little before performance.now() says
   * the time is up, so an early firing waits again for the rest.
   */
  private armHalfOpenTimer(delayMs: number): void {
    this.clearHalfOpenTimer();
    this.halfOpenTimer = setTimeout(() => {
      this.halfOpenTimer = null;
      if (this.state !== 'open') return;
      const remainingMs = (this.openedAt as number) + this.settings.openMs - this.now();
      this.armHalfOpenTimer(Math.max(1, Math.ceil(remainingMs)));
    }, delayMs).unref();
  }

  private clearHalfOpenTimer(): void {
    if (this.halfOpenTimer === null) return;
    clearTimeout(this.halfOpenTimer);
    this.halfOpenTimer = null;
  }

  private close(): void {
    this.clearHalfOpenTimer();
    this.consecutiveFailures = 0;
    this.openedAt = null;
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    // Failures from before the circuit opened must not trip it again straight away.
    this.window?.clear();
    this.transition('closed');
  }

  /** Fields are updated before the listener runs, so it sees a consistent snapshot. */
  private transition(to: BreakerState): void {
    const from = this.current;
    this.current = to;
    const index = BREAKER_TRANSITIONS.findIndex(([f, t]) => f === from && t === to);
    this.transitions[index] = (this.transitions[index] as number) + 1;
    this.onChange(from, to);
  }
}

/**
 * Finished requests over roughly the last windowMs, as a ring of BUCKETS buckets: each bucket
 * holds the counts of one slice of windowMs / BUCKETS, tagged with the slice number so a stale
 * bucket is recognised and reset on reuse. The window covers the current (partial) slice and the
 * BUCKETS - 1 before it. Fixed typed arrays, nothing allocated per request.
 */
class FailureWindow {
  private readonly sliceMs: number;
  private readonly slices = new Float64Array(BUCKETS).fill(-Infinity);
  private readonly totals = new Uint32Array(BUCKETS);
  private readonly failures = new Uint32Array(BUCKETS);

  constructor(private readonly rule: NonNullable<CircuitBreakerSettings['window']>) {
    this.sliceMs = rule.windowMs / BUCKETS;
  }

  /** Counts one finished request at `now`; true when the failure-rate rule trips. */
  record(now: number, failed: boolean): boolean {
    const slice = Math.floor(now / this.sliceMs);
    const i = ((slice % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.slices[i] !== slice) {
      this.slices[i] = slice;
      this.totals[i] = 0;
      this.failures[i] = 0;
    }
    this.totals[i] = (this.totals[i] as number) + 1;
    if (failed) this.failures[i] = (this.failures[i] as number) + 1;

    let total = 0;
    let failures = 0;
    for (let j = 0; j < BUCKETS; j++) {
      if ((this.slices[j] as number) > slice - BUCKETS) {
        total += this.totals[j] as number;
        failures += this.failures[j] as number;
      }
    }
    return total >= this.rule.minRequests && failures / total >= this.rule.failureRate;
  }

  clear(): void {
    this.slices.fill(-Infinity);
  }
}

/** A bad value would wedge the breaker (e.g. no probe slots), so refuse it up front. */
function checkSettings(s: CircuitBreakerSettings): void {
  const positiveInts = {
    failureThreshold: s.failureThreshold,
    successThreshold: s.successThreshold,
    halfOpenMaxProbes: s.halfOpenMaxProbes,
  };
  for (const [name, value] of Object.entries(positiveInts)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`circuit breaker: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (!(s.openMs >= 0)) {
    throw new RangeError(`circuit breaker: openMs must be >= 0, got ${s.openMs}`);
  }
  if (s.window) {
    const { windowMs, minRequests, failureRate } = s.window;
    if (!(windowMs > 0) || !Number.isInteger(minRequests) || minRequests < 1) {
      throw new RangeError('circuit breaker: window needs windowMs > 0 and minRequests >= 1');
    }
    if (!(failureRate > 0 && failureRate <= 1)) {
      throw new RangeError(
        `circuit breaker: window.failureRate must be in (0, 1], got ${failureRate}`,
      );
    }
  }
}
