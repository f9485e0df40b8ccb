import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { AttemptEnd } from '../../data-plane/attempt-observer.js';
import type { Exchange, ExchangeTrace } from '../../data-plane/exchange.js';
import type { Endpoint } from '../../upstream/endpoint.js';
import type { Logger } from '../logger.js';
import type { TracingSettings } from '../telemetry-settings.js';
import { EXCHANGE_HEADERS, HEADER_LIST, withoutTraceHeaders } from './header-carrier.js';

/** A request's server span and the context its attempts' client spans are children of. */
export interface ServerTrace extends ExchangeTrace {
  readonly span: Span;
  readonly context: Context;
}

/** How often a collector that keeps refusing spans is logged. */
const EXPORT_ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * OpenTelemetry tracing without instrumentation libraries (none knows uWebSockets.js): a SERVER
 * span per request, named by method and route template, and a CLIENT span per upstream attempt,
 * so retries show as sibling client spans. The client's traceparent is the parent; each attempt
 * sends its own span's traceparent (and the tracestate) upstream. Sampling is
 * ParentBased(TraceIdRatio): a request that arrives sampled stays sampled. Spans leave in batches
 * as OTLP/HTTP JSON.
 *
 * Nothing here runs when tracing is off: the tracer is null and no span or context is made.
 */
export class RequestTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(settings: TracingSettings, logger: Logger, version: string) {
    let lastLogged = -Infinity;
    setGlobalErrorHandler((err) => {
      const now = performance.now();
      if (now - lastLogged < EXPORT_ERROR_LOG_INTERVAL_MS) return;
      lastLogged = now;
      logger.warn(
        { err: err instanceof Error ? err.message : String(err), collector: settings.url },
        'trace export failed',
      );
    });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
      sampler: new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(settings.samplingRate),
      }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }))],
    });
    this.tracer = this.provider.getTracer('gatewayd', version);
  }

  /** The request's server span, started (at the request's arrival) on first use. */
  server(ex: Exchange): ServerTrace {
    // The tracer is the only writer of ex.trace, so what is there is one of its ServerTraces.
    return (ex.trace ??= this.startServer(ex)) as ServerTrace;
  }

  private startServer(ex: Exchange): ServerTrace {
    const parent = this.propagator.extract(ROOT_CONTEXT, ex, EXCHANGE_HEADERS);
    const route = ex.route;
    const span = this.tracer.startSpan(
      route === null ? ex.method : `${ex.method} ${route.path}`,
      { kind: SpanKind.SERVER, startTime: ex.startedAt },
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR_HTTP_REQUEST_METHOD]: ex.method,
        [ATTR_URL_PATH]: ex.path,
        [ATTR_CLIENT_ADDRESS]: ex.peerAddress,
        'gatewayd.request_id': ex.requestId,
      });
      if (route !== null) {
        span.setAttributes({ [ATTR_HTTP_ROUTE]: route.path, 'gatewayd.route': route.name });
      }
    }
    return { span, context: trace.setSpan(parent, span), traceId: span.spanContext().traceId };
  }

  /**
   * A CLIENT span for one attempt, child of the server span, and the attempt's headers: `base`
   * (without the client's trace headers) plus this span's traceparent and tracestate. A request
   * that is not sampled gets no client span (it would not be recorded either): its attempts send
   * the server span's context, which saves making ids and a span per attempt on most requests.
   */
  attempt(
    ex: Exchange,
    upstream: string,
    endpoint: Endpoint,
    attempt: number,
    base: readonly string[],
  ): { span: Span | null; headers: string[] } {
    const server = this.server(ex);
    const headers = withoutTraceHeaders(base);
    if (!server.span.isRecording()) {
      this.propagator.inject(server.context, headers, HEADER_LIST);
      return { span: null, headers };
    }
    const span = this.tracer.startSpan(
      `${ex.method} ${upstream}`,
      { kind: SpanKind.CLIENT },
      server.context,
    );
    const url = new URL(endpoint.origin);
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: ex.method,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      'gatewayd.upstream': upstream,
      'gatewayd.endpoint': endpoint.origin,
      'gatewayd.attempt': attempt,
    });
    if (attempt > 1) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, attempt - 1);
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, HEADER_LIST);
    return { span, headers };
  }

  /** Ends an attempt's span with its status or failure. */
  endAttempt(span: Span, end: AttemptEnd): void {
    if (typeof end === 'number') {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, end);
      if (end >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    } else if (end !== 'aborted') {
      span.setAttribute(ATTR_ERROR_TYPE, end);
      span.setStatus({ code: SpanStatusCode.ERROR, message: end });
    } else {
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    }
    span.end();
  }

  /** The exchange is over: its server span (made now if nothing needed it before) ends. */
  finish(ex: Exchange, status: number): void {
    const { span } = this.server(ex);
    if (span.isRecording()) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (ex.upstreamName !== '') span.setAttribute('gatewayd.upstream', ex.upstreamName);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }

  /** The trace id logged with the request. */
  traceId(ex: Exchange): string {
    return this.server(ex).span.spanContext().traceId;
  }

  /** Sends the spans still queued (bounded by the exporter's timeout). */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
