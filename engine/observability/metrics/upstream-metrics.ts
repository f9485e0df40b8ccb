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

/** The series of one endpoint; its error cells are made on the first error of each kind. */
export class EndpointMetrics {
  readonly attempts: CounterCell;
  readonly duration: HistogramCell;
  private readonly errors: Partial<Record<AttemptErrorReason, CounterCell>> = {};

  constructor(
    private readonly families: UpstreamFamilies,
    private readonly owner: { readonly retired: boolean },
    private readonly upstream: string,
    private readonly endpoint: string,
  ) {
    this.attempts = families.attempts.cell(upstream, endpoint);
    this.duration = families.attemptDuration.cell(upstream, endpoint);
  }

  error(reason: AttemptErrorReason): void {
    let cell = this.errors[reason];
    if (cell === undefined) {
      if (this.owner.retired) return;
      cell = this.errors[reason] = this.families.attemptErrors.cell(
        this.upstream,
        this.endpoint,
        reason,
      );
    }
    cell.value++;
  }
}

/**
 * The series of one upstream group and of each of its endpoints, made when the group is compiled
 * into a table: an attempt finds its endpoint's cells by the Endpoint object, never by name.
 */
export class UpstreamMetrics {
  /** Set once the group is no longer in force: its late attempts make no new series. */
  retired = false;
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
      this.endpoints.set(e, new EndpointMetrics(families, this, name, e.origin));
    }
  }

  /** An endpoint that DNS discovery added after the table was compiled gets its series here. */
  endpoint(e: Endpoint): EndpointMetrics {
    let metrics = this.endpoints.get(e);
    if (metrics === undefined) {
      metrics = new EndpointMetrics(this.families, this, this.name, e.origin);
      this.endpoints.set(e, metrics);
    }
    return metrics;
  }
}
