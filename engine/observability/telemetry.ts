import type { AttemptObserver } from '../data-plane/attempt-observer.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { createAttemptTelemetry } from './attempt-telemetry.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { RouteMetrics } from './metrics/route-metrics.js';
import type { WebSocketRouteMetrics } from './metrics/websocket-metrics.js';
import type { RequestTracer } from './tracing/request-tracer.js';

/** The process's metrics and tracer, each null when off; made once at start. */
export interface Telemetry {
  metrics: GatewayMetrics | null;
  tracer: RequestTracer | null;
}

export const NO_TELEMETRY: Telemetry = Object.freeze({ metrics: null, tracer: null });

/** What one route's compiled steps report to. */
export interface RouteTelemetry {
  /** The route's series; null when metrics are off. */
  metrics: RouteMetrics | null;
  /** The observer of the route's attempts on `group`; null when metrics and tracing are off. */
  attempts(group: UpstreamGroup): AttemptObserver | null;
  /** The route's WebSocket series (asked for by WebSocket routes only); null when metrics are off. */
  websocket(): WebSocketRouteMetrics | null;
}

export function routeTelemetry(t: Telemetry, routeName: string): RouteTelemetry {
  const metrics = t.metrics;
  return {
    metrics: metrics?.route(routeName) ?? null,
    attempts: (group) =>
      createAttemptTelemetry(group.name, metrics?.upstream(group) ?? null, t.tracer),
    websocket: () => metrics?.websocket.forRoute(routeName) ?? null,
  };
}
