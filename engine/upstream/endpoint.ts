import type { Pool } from 'undici';

export const ENDPOINT_STATES = ['healthy', 'unhealthy', 'ejected'] as const;
export type EndpointState = (typeof ENDPOINT_STATES)[number];

/**
 * The live state of one endpoint of one upstream. It lives outside the route table, so a reload
 * that leaves the upstream unchanged keeps it (health, ejections, in-flight count).
 */
export class EndpointHealth {
  /** Requests sent to the endpoint and not yet finished; LeastRequest reads it. */
  inFlight = 0;
  /** Active health checks took the endpoint out (false until checks say otherwise). */
  activeUnhealthy = false;
  /**
   * Who decided activeUnhealthy last: this instance's own checks, or the instance that holds the
   * upstream's shared health lease (its published change); none before any check.
   */
  healthSource: 'none' | 'local' | 'shared' = 'none';
  /** performance.now() until which passive outlier detection keeps the endpoint out. */
  ejectedUntil = 0;
  /**
   * Failures in a row from real traffic (5xx, connection errors, timeouts); reset by a success
   * or an ejection, never by an ejection that was refused.
   */
  consecutiveFailures = 0;
  /** Ejections so far; each lasts longer than the one before. */
  ejections = 0;

  /**
   * The one state the metrics and the admin API report: unhealthy (active checks failing) wins
   * over ejected (outlier detection), and only an endpoint in neither is healthy.
   */
  state(now: number): EndpointState {
    if (this.activeUnhealthy) return 'unhealthy';
    return this.ejectedUntil > now ? 'ejected' : 'healthy';
  }

  /** Whether new requests may be sent to the endpoint at time `now` (performance.now()). */
  usable(now: number): boolean {
    return !this.activeUnhealthy && this.ejectedUntil <= now;
  }
}

export interface Endpoint {
  /** "http://10.0.0.5:3001" */
  readonly origin: string;
  readonly pool: Pool;
  /** Relative share of traffic, at least 1. */
  readonly weight: number;
  readonly health: EndpointHealth;
}
