import type { Logger } from './logger.js';
import type { Telemetry } from './telemetry.js';
import type { TelemetrySettings } from './telemetry-settings.js';

/**
 * The registry and the tracer provider, made once per process from the config read at start.
 * prom-client and the OpenTelemetry SDK are loaded only when they are on: together they cost a
 * start about 0.3 s of CPU that a gateway without them should not pay.
 */
export async function createTelemetry(
  settings: TelemetrySettings,
  logger: Logger,
  version: string,
): Promise<Telemetry> {
  const metrics =
    settings.metrics === null
      ? null
      : new (await import('./metrics/gateway-metrics.js')).GatewayMetrics();
  const tracer =
    settings.tracing === null
      ? null
      : new (await import('./tracing/request-tracer.js')).RequestTracer(
          settings.tracing,
          logger,
          version,
        );
  return { metrics, tracer };
}
