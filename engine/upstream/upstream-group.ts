import type { Logger } from 'pino';
import type { Balancer } from './balancers/balancer.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Endpoint } from './endpoint.js';
import type { HealthChecker } from './health-checker.js';
import type { RetryBudget } from './retry-budget.js';
import type { SharedHealth } from './shared-health.js';

/** Where an upstream's endpoints come from while it runs (DNS); static lists need none. */
export interface EndpointDiscovery {
  /** Starts resolving; `update` gets every new endpoint list. */
  start(update: (endpoints: readonly Endpoint[]) => void): void;
  stop(): void;
}

export interface OutlierSettings {
  consecutiveFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Largest share of the endpoints that may be ejected at once, 0 to 1. */
  maxEjectedShare: number;
}

export interface UpstreamGroupParts {
  /** Builds the balancer over an endpoint list (again whenever discovery changes the list). */
  balancer: (endpoints: readonly Endpoint[]) => Balancer;
  breaker: CircuitBreaker | null;
  checker: HealthChecker | null;
  /** Shares the checker's verdicts and the ejections with other instances; null: local only. */
  sharing: SharedHealth | null;
  /** Null for a static endpoint list. */
  discovery: EndpointDiscovery | null;
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
  private balancer: Balancer;
  private readonly makeBalancer: (endpoints: readonly Endpoint[]) => Balancer;
  private readonly checker: HealthChecker | null;
  readonly sharing: SharedHealth | null;
  private readonly discovery: EndpointDiscovery | null;
  private list: readonly Endpoint[];
  private readonly panicThreshold: number;
  private panicking = false;
  /** The endpoint a retry must avoid; set only for the duration of one synchronous pick(). */
  private excluded: Endpoint | null = null;
  private now = 0;

  constructor(
    readonly name: string,
    endpoints: readonly Endpoint[],
    /** The PoolRegistry keys of the static endpoints' pools (discovered ones own theirs). */
    readonly poolKeys: readonly string[],
    parts: UpstreamGroupParts,
  ) {
    this.list = endpoints;
    this.makeBalancer = parts.balancer;
    this.balancer = parts.balancer(endpoints);
    this.breaker = parts.breaker;
    this.checker = parts.checker;
    this.sharing = parts.sharing;
    this.discovery = parts.discovery;
    this.panicThreshold = parts.panicThreshold;
    this.budget = parts.budget;
    this.outlier = parts.outlier;
    this.log = parts.log;
  }

  /**
   * The endpoint for one attempt, never `exclude` (the one a retry moves away from) when another
   * is usable; null when none is usable.
   */
  /** The endpoints in force: the static list, or the last one discovery resolved. */
  get endpoints(): readonly Endpoint[] {
    return this.list;
  }

  /**
   * Discovery resolved a new list: the balancer is rebuilt over it and the checks follow it.
   * Endpoints that stay are the same objects, so their health, ejection and load carry over.
   */
  replaceEndpoints(endpoints: readonly Endpoint[]): void {
    this.list = endpoints;
    this.balancer = this.makeBalancer(endpoints);
    this.checker?.setEndpoints(endpoints);
    this.healthChanged();
  }

  pick(hashKey: string | null, exclude: Endpoint | null = null): Endpoint | null {
    // Discovery has resolved nothing yet (or an empty answer): no balancer can choose.
    if (this.list.length === 0) return null;
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
    this.sharing?.ejected(endpoint, ms);
    this.healthChanged();
  }

  /** Called whenever an endpoint's health changes: decides whether the upstream panics. */
  healthChanged(): void {
    if (this.panicThreshold === 0) return;
    const now = performance.now();
    const usable = this.list.filter((e) => e.health.usable(now)).length;
    this.panicking = this.list.length > 0 && usable / this.list.length < this.panicThreshold;
  }

  /** Whether this instance runs the upstream's active health checks now. */
  get isChecking(): boolean {
    return this.checker?.isRunning ?? false;
  }

  get isPanicking(): boolean {
    return this.panicking;
  }

  start(): void {
    // With sharing, the lease decides when this instance checks; without, it always does.
    if (this.sharing !== null) this.sharing.start();
    else this.checker?.start();
    this.discovery?.start((endpoints) => this.replaceEndpoints(endpoints));
  }

  stop(): void {
    this.sharing?.stop();
    this.checker?.stop();
    this.discovery?.stop();
    this.breaker?.stop();
  }
}
