import type { Span } from '@opentelemetry/api';
import type { AttemptEnd, AttemptObserver, AttemptWatch } from '../data-plane/attempt-observer.js';
import type { Exchange } from '../data-plane/exchange.js';
import type {
  AttemptErrorReason,
  EndpointMetrics,
  UpstreamMetrics,
} from './metrics/upstream-metrics.js';
import type { RequestTracer } from './tracing/request-tracer.js';
import { UnsampledTrace } from './tracing/unsampled-trace.js';

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
    started(ex, endpoint, attempt, target, headers) {
      if (metrics === null && tracer !== null) {
        const server = tracer.server(ex);
        if (server instanceof UnsampledTrace) return server.watch(headers);
      }
      const startedAt = performance.now();
      const m = metrics === null ? null : metrics.endpoint(endpoint);
      if (m !== null) m.attempts.value++;
      if (tracer === null) return new AttemptTelemetry(ex, startedAt, m, null, null, headers);
      // Positional, not an options object: unsampled requests take this path too.
      const traced = tracer.attempt(ex, upstream, endpoint, attempt, target, headers, startedAt);
      return new AttemptTelemetry(ex, startedAt, m, tracer, traced.span, traced.headers);
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
  private timed = false;

  constructor(
    private readonly ex: Exchange,
    private readonly startedAt: number,
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
    if (this.span !== null) {
      // The response's last byte reached the client after the upstream's: the span ends by then.
      const now = performance.now();
      const endedAt = this.ex.responseEndedAt === 0 ? now : Math.min(now, this.ex.responseEndedAt);
      this.tracer?.endAttempt(this.ex, this.span, end, this.startedAt, endedAt);
    }
  }

  /** The attempt's duration metric stops at the response head, or at the failure. */
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
