import type { Endpoint } from '../../upstream/endpoint.js';
import type { CounterCell, CounterFamily, HistogramCell, HistogramFamily } from './cell-family.js';

export interface UpstreamFamilies {
  attempts: CounterFamily;
  attemptDuration: HistogramFamily;
  attemptErrors: CounterFamily;
  retries: CounterFamily;
  budgetExhausted: CounterFamily;
}

/** Why an attempt counts as an upstream error (a client that left is not one). */
export type AttemptErrorReason = 'connect_error' | 'reset' | 'timeout' | 'http_5xx' | 'other';

/** The series of one endpoint, each error reason's from 0 (made with the endpoint). */
export class EndpointMetrics {
  readonly attempts: CounterCell;
  readonly duration: HistogramCell;
  private readonly errors: Record<AttemptErrorReason, CounterCell>;

  constructor(families: UpstreamFamilies, upstream: string, endpoint: string) {
    this.attempts = families.attempts.cell(upstream, endpoint);
    this.duration = families.attemptDuration.cell(upstream, endpoint);
    const cell = (reason: AttemptErrorReason) =>
      families.attemptErrors.cell(upstream, endpoint, reason);
    this.errors = {
      connect_error: cell('connect_error'),
      reset: cell('reset'),
      timeout: cell('timeout'),
      http_5xx: cell('http_5xx'),
      other: cell('other'),
    };
  }

  error(reason: AttemptErrorReason): void {
    this.errors[reason].value++;
  }
}

/**
 * The series of one upstream group and of each of its endpoints, made when the group is compiled
 * into a table: an attempt finds its endpoint's cells by the Endpoint object, never by name.
 */
export class UpstreamMetrics {
  readonly retries: CounterCell;
  readonly budgetExhausted: CounterCell;
  private readonly endpoints = new Map<Endpoint, EndpointMetrics>();

  constructor(
    private readonly families: UpstreamFamilies,
    private readonly name: string,
    endpoints: readonly Endpoint[],
  ) {
    this.retries = families.retries.cell(name);
    this.budgetExhausted = families.budgetExhausted.cell(name);
    for (const e of endpoints) {
      this.endpoints.set(e, new EndpointMetrics(families, name, e.origin));
    }
  }

  /** An endpoint that DNS discovery added after the table was compiled gets its series here. */
  endpoint(e: Endpoint): EndpointMetrics {
    let metrics = this.endpoints.get(e);
    if (metrics === undefined) {
      metrics = new EndpointMetrics(this.families, this.name, e.origin);
      this.endpoints.set(e, metrics);
    }
    return metrics;
  }
}
