import type { Logger } from 'pino';
import type { Balancer } from './balancers/balancer.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Endpoint } from './endpoint.js';
import type { HealthChecker } from './health-checker.js';
import type { RetryBudget } from './retry-budget.js';

export interface OutlierSettings {
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Largest share of the endpoints that may be ejected at once, 0 to 1. */
  maxEjectedShare: number;
}

export interface UpstreamGroupParts {
  balancer: Balancer;
  breaker: CircuitBreaker | null;
  checker: HealthChecker | null;
  /** Share of usable endpoints below which health is ignored; 0 never ignores it. */
  panicThreshold: number;
  budget: RetryBudget;
  /** Passive health from real traffic; null when disabled. */
  outlier: OutlierSettings | null;
  log: Logger;
}

/**
 * One upstream's endpoints with everything that decides where a request goes: the balancer, the
 * health of each endpoint, the circuit breaker. It lives outside the route table, so a reload
 * that leaves the upstream unchanged keeps its state; see UpstreamRegistry.
 */
export class UpstreamGroup {
  readonly breaker: CircuitBreaker | null;
  readonly budget: RetryBudget;
  private readonly outlier: OutlierSettings | null;
  private readonly log: Logger;
  private readonly balancer: Balancer;
  private readonly checker: HealthChecker | null;
  private readonly panicThreshold: number;
  private panicking = false;
  /** The endpoint a retry must avoid; set only for the duration of one synchronous pick(). */
  private excluded: Endpoint | null = null;
  private now = 0;

  constructor(
    readonly name: string,
    readonly endpoints: readonly Endpoint[],
    /** The PoolRegistry keys of the endpoints' pools. */
    readonly poolKeys: readonly string[],
    parts: UpstreamGroupParts,
  ) {
    this.balancer = parts.balancer;
    this.breaker = parts.breaker;
    this.checker = parts.checker;
    this.panicThreshold = parts.panicThreshold;
    this.budget = parts.budget;
    this.outlier = parts.outlier;
    this.log = parts.log;
  }

  /**
   * The endpoint for one attempt, never `exclude` (the one a retry moves away from) when another
   * is usable; null when none is usable.
   */
  pick(hashKey: string | null, exclude: Endpoint | null = null): Endpoint | null {
    this.excluded = exclude;
    this.now = performance.now();
    const usable = this.panicking ? this.anyButExcluded : this.healthyButExcluded;
    const chosen = this.balancer.pick(usable, hashKey);
    this.excluded = null;
    if (chosen || exclude === null) return chosen;
    // The excluded endpoint is the only one left: a second try there beats none.
    return exclude.health.usable(this.now) || this.panicking ? exclude : null;
  }

  private readonly healthyButExcluded = (e: Endpoint): boolean =>
    e !== this.excluded && e.health.usable(this.now);

  private readonly anyButExcluded = (e: Endpoint): boolean => e !== this.excluded;

  /**
   * Passive health: enough failures in a row eject the endpoint for a time that grows with each
   * ejection, unless that would take out more than the allowed share of the upstream.
   */
  recordResult(endpoint: Endpoint, failed: boolean): void {
    const o = this.outlier;
    if (o === null) return;
    const h = endpoint.health;
    const now = performance.now();
    if (!failed) {
      h.consecutiveFailures = 0;
      // A long healthy stretch after an ejection earns back one step of the penalty.
      if (h.ejections > 0 && now > h.ejectedUntil + o.baseEjectionMs) {
        h.ejections--;
        h.ejectedUntil = now;
      }
      return;
    }
    if (++h.consecutiveFailures < o.consecutiveFailures || h.ejectedUntil > now) return;
    const ejected = this.endpoints.filter((e) => e.health.ejectedUntil > now).length;
    // Refused: the count goes on, and each further failure asks again.
    if ((ejected + 1) / this.endpoints.length > o.maxEjectedShare) return;
    h.consecutiveFailures = 0;
    h.ejections++;
    const ms = Math.min(o.baseEjectionMs * h.ejections, o.maxEjectionMs);
    h.ejectedUntil = now + ms;
    this.log.warn({ endpoint: endpoint.origin, ejected_ms: ms }, 'endpoint ejected after failures');
    this.healthChanged();
  }

  /** Called whenever an endpoint's health changes: decides whether the upstream panics. */
  healthChanged(): void {
    if (this.panicThreshold === 0) return;
    const now = performance.now();
    const usable = this.endpoints.filter((e) => e.health.usable(now)).length;
    this.panicking = usable / this.endpoints.length < this.panicThreshold;
  }

  get isPanicking(): boolean {
    return this.panicking;
  }

  start(): void {
    this.checker?.start();
  }

  stop(): void {
    this.checker?.stop();
    this.breaker?.stop();
  }
}
