import type { Span } from '@opentelemetry/api';
import type { AttemptEnd, AttemptObserver, AttemptWatch } from '../data-plane/attempt-observer.js';
import type {
  AttemptErrorReason,
  EndpointMetrics,
  UpstreamMetrics,
} from './metrics/upstream-metrics.js';
import type { RequestTracer } from './tracing/request-tracer.js';

/**
 * The attempt observer of one upstream: its metrics, its client spans, or both; null when
 * neither is on, so the proxy skips observing altogether.
 */
export function createAttemptTelemetry(
  upstream: string,
  metrics: UpstreamMetrics | null,
  tracer: RequestTracer | null,
): AttemptObserver | null {
  if (metrics === null && tracer === null) return null;
  return {
    started(ex, endpoint, attempt, headers) {
      const m = metrics === null ? null : metrics.endpoint(endpoint);
      if (m !== null) m.attempts.value++;
      if (tracer === null) return new AttemptTelemetry(m, null, null, headers);
      const traced = tracer.attempt(ex, upstream, endpoint, attempt, headers);
      return new AttemptTelemetry(m, tracer, traced.span, traced.headers);
    },
    retried() {
      if (metrics !== null) metrics.retries.value++;
    },
    budgetExhausted() {
      if (metrics !== null) metrics.budgetExhausted.value++;
    },
  };
}

class AttemptTelemetry implements AttemptWatch {
  private readonly startedAt = performance.now();
  private timed = false;

  constructor(
    private readonly metrics: EndpointMetrics | null,
    private readonly tracer: RequestTracer | null,
    private readonly span: Span | null,
    readonly headers: string[],
  ) {}

  responded(): void {
    this.time();
  }

  ended(end: AttemptEnd): void {
    this.time();
    const reason = errorReason(end);
    if (reason !== null) this.metrics?.error(reason);
    if (this.span !== null) this.tracer?.endAttempt(this.span, end);
  }

  private time(): void {
    if (this.timed) return;
    this.timed = true;
    this.metrics?.duration.observe((performance.now() - this.startedAt) / 1000);
  }
}

function errorReason(end: AttemptEnd): AttemptErrorReason | null {
  if (typeof end === 'number') return end >= 500 ? 'http_5xx' : null;
  // Neither is the upstream's failure: the client left, or sent what cannot be forwarded.
  if (end === 'aborted' || end === 'refused') return null;
  return end === 'error' ? 'other' : end;
}
