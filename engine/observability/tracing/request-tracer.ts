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
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { AttemptEnd } from '../../data-plane/attempt-observer.js';
import type { Exchange, ExchangeTrace } from '../../data-plane/exchange.js';
import type { Endpoint } from '../../upstream/endpoint.js';
import type { Logger } from '../logger.js';
import type { TracingSettings } from '../telemetry-settings.js';
import { EXCHANGE_HEADERS, HEADER_LIST, withoutTraceHeaders } from './header-carrier.js';
import { UnsampledTrace } from './unsampled-trace.js';
import { hostAndPort, redactQuery, spanMethod } from './http-attributes.js';
import { childSpanEnd, spanEnd, spanStart } from './span-time.js';

/** A request's server span and the context its attempts' client spans are children of. */
export interface ServerTrace extends ExchangeTrace {
  readonly span: Span;
  readonly context: Context;
}

/** What an aborted request or attempt reports as `error.type` (no status is invented for it). */
const ABORTED = 'aborted';

/** How often a collector that keeps refusing spans is logged. */
const EXPORT_ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * OpenTelemetry tracing without instrumentation libraries (none knows uWebSockets.js): a SERVER
 * span per request, named by method and route template, and a CLIENT span per upstream attempt,
 * so retries show as sibling client spans, with the HTTP semantic conventions' attributes. Every
 * span starts and ends on one clock (span-time.ts): a span lasts exactly the duration the log
 * and the metrics report. The client's traceparent is the parent; each attempt sends its own
 * span's traceparent (and the tracestate) upstream. Sampling is parent based: a request that
 * arrives with a trace follows its parent's decision; a new trace is sampled at the configured
 * rate, decided here before any SDK object is made, so the requests left out (most of them)
 * cost two ids and no span. Spans leave in batches as OTLP/HTTP JSON.
 *
 * Nothing here runs when tracing is off: the tracer is null and no span or context is made.
 */
export class RequestTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly samplingRate: number;

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
    this.samplingRate = settings.samplingRate;
    this.provider = new BasicTracerProvider({
      // The SDK's telemetry.sdk.* attributes stay; the service is named and versioned.
      resource: defaultResource().merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: settings.serviceName,
          [ATTR_SERVICE_VERSION]: version,
        }),
      ),
      // New traces reach the SDK only once `begin` has sampled them.
      sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }))],
    });
    this.tracer = this.provider.getTracer('gatewayd', version);
  }

  /** The request's server span (started at the request's arrival), made on first use. */
  server(ex: Exchange): ServerTrace | UnsampledTrace {
    // The tracer is the only writer of ex.trace, so what is there is one of its own.
    return (ex.trace ??= this.begin(ex)) as ServerTrace | UnsampledTrace;
  }

  /** A new trace left out by the sampling rate gets ids only; every other request a span. */
  private begin(ex: Exchange): ServerTrace | UnsampledTrace {
    const parent =
      ex.header('traceparent') === undefined
        ? ROOT_CONTEXT
        : this.propagator.extract(ROOT_CONTEXT, ex, EXCHANGE_HEADERS);
    if (parent === ROOT_CONTEXT && Math.random() >= this.samplingRate) {
      return new UnsampledTrace(ex.header('tracestate') !== undefined);
    }
    return this.startServer(ex, parent);
  }

  private startServer(ex: Exchange, parent: Context): ServerTrace {
    const route = ex.route;
    const method = spanMethod(ex.method);
    const span = this.tracer.startSpan(
      route === null ? method : `${method} ${route.path}`,
      { kind: SpanKind.SERVER, startTime: spanStart(ex.startedAt) },
      parent,
    );
    if (span.isRecording()) setServerAttributes(span, ex);
    return { span, context: trace.setSpan(parent, span), traceId: span.spanContext().traceId };
  }

  /**
   * A CLIENT span for one attempt, child of the server span, and the attempt's headers: `base`
   * (without the client's trace headers) plus this span's traceparent and tracestate. A request
   * that is not sampled gets no client span (it would not be recorded either): its attempts send
   * the server span's context, which saves making ids and a span per attempt on most requests.
   * `target`: the path and query sent upstream (`url.full`, query values redacted);
   * `startedAt`: the attempt's performance.now() start. A new trace the sampling rate left out
   * adds its traceparent to `base` itself, once.
   */
  attempt(
    ex: Exchange,
    upstream: string,
    endpoint: Endpoint,
    attempt: number,
    target: string,
    base: string[],
    startedAt: number,
  ): { span: Span | null; headers: string[] } {
    const server = this.server(ex);
    if (server instanceof UnsampledTrace) return { span: null, headers: server.headersFor(base) };
    const headers = withoutTraceHeaders(base);
    if (!server.span.isRecording()) {
      this.propagator.inject(server.context, headers, HEADER_LIST);
      return { span: null, headers };
    }
    const method = spanMethod(ex.method);
    const span = this.tracer.startSpan(
      method,
      { kind: SpanKind.CLIENT, startTime: spanStart(startedAt) },
      server.context,
    );
    const url = new URL(endpoint.origin);
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: method === 'HTTP' ? '_OTHER' : method,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      [ATTR_URL_FULL]: endpoint.origin + redactQuery(target),
      'gatewayd.upstream': upstream,
      'gatewayd.endpoint': endpoint.origin,
      'gatewayd.attempt': attempt,
    });
    if (method === 'HTTP') span.setAttribute(ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ex.method);
    if (attempt > 1) span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, attempt - 1);
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, HEADER_LIST);
    return { span, headers };
  }

  /**
   * Ends an attempt's span at `endedAt` (a performance.now() reading) with its status or
   * failure; `startedAt` is when the attempt began.
   */
  endAttempt(ex: Exchange, span: Span, end: AttemptEnd, startedAt: number, endedAt: number): void {
    if (typeof end === 'number') {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, end);
      if (end >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(end));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    } else if (end !== 'aborted') {
      span.setAttribute(ATTR_ERROR_TYPE, end);
      span.setStatus({ code: SpanStatusCode.ERROR, message: end });
    } else {
      span.setAttribute(ATTR_ERROR_TYPE, ABORTED);
    }
    span.end(childSpanEnd(ex.startedAt, startedAt, endedAt));
  }

  /**
   * The exchange is over, `durationMs` after it arrived: its server span (made now if nothing
   * needed it before) ends exactly then. A client that left before any answer gets
   * `error.type` and no status code.
   */
  finish(ex: Exchange, durationMs: number): void {
    const server = this.server(ex);
    if (server instanceof UnsampledTrace) return;
    const span = server.span;
    if (!span.isRecording()) return;
    if (ex.status !== 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, ex.status);
    if (ex.upstreamName !== '') span.setAttribute('gatewayd.upstream', ex.upstreamName);
    if (ex.aborted) {
      span.setAttribute(ATTR_ERROR_TYPE, ABORTED);
    } else if (ex.status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(ex.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(spanEnd(ex.startedAt, durationMs));
  }

  /** The trace id logged with the request. */
  traceId(ex: Exchange): string {
    return this.server(ex).traceId;
  }

  /** Sends the spans still queued (bounded by the exporter's timeout). */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The request's attributes, set once on a sampled server span. */
function setServerAttributes(span: Span, ex: Exchange): void {
  const method = spanMethod(ex.method);
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: method === 'HTTP' ? '_OTHER' : method,
    [ATTR_URL_SCHEME]: ex.secure ? 'https' : 'http',
    [ATTR_URL_PATH]: ex.path,
    // uWebSockets.js speaks HTTP/1.1 only (its parser drops HTTP/1.0 requests).
    [ATTR_NETWORK_PROTOCOL_VERSION]: '1.1',
    [ATTR_CLIENT_ADDRESS]: ex.peerAddress,
    'gatewayd.request_id': ex.requestId,
  });
  if (method === 'HTTP') span.setAttribute(ATTR_HTTP_REQUEST_METHOD_ORIGINAL, ex.method);
  const server = hostAndPort(ex.host);
  if (server !== null) {
    span.setAttribute(ATTR_SERVER_ADDRESS, server.address);
    span.setAttribute(ATTR_SERVER_PORT, server.port);
  }
  const userAgent = ex.header('user-agent');
  if (userAgent !== undefined) span.setAttribute(ATTR_USER_AGENT_ORIGINAL, userAgent);
  const route = ex.route;
  if (route !== null) {
    span.setAttributes({ [ATTR_HTTP_ROUTE]: route.path, 'gatewayd.route': route.name });
  }
}
