import type { GatewayConfig, TracingConfig } from '../config/gateway-config.js';

export interface MetricsSettings {
  port: number;
  bindAddress: string;
  path: string;
}

export interface TracingSettings {
  /** The OTLP/HTTP traces URL spans are posted to. */
  url: string;
  /** Set when a Jaeger Thrift collector URL was turned into its OTLP one: the URL as written. */
  jaegerThriftUrl: string | null;
  samplingRate: number;
  serviceName: string;
}

/** Metrics, tracing and log format: read once at start, so a change takes a restart. */
export interface TelemetrySettings {
  /** Null unless server.metrics_port is set and prometheus_enabled is not false. */
  metrics: MetricsSettings | null;
  /** Null unless tracing.enabled is true. */
  tracing: TracingSettings | null;
}

const DEFAULT_OTLP_URL = 'http://localhost:4318/v1/traces';
/** Jaeger's pre-OTLP HTTP collector took Thrift here (port 14268). */
const JAEGER_THRIFT_PATH = '/api/traces';
/** Jaeger (1.35+) takes OTLP/HTTP on this port at the standard path. */
const JAEGER_OTLP_PORT = '4318';

export function compileTelemetrySettings(config: GatewayConfig): TelemetrySettings {
  const server = config.server ?? {};
  const metrics = config.observability?.metrics ?? {};
  const tracing = config.observability?.tracing;
  return {
    metrics:
      server.metrics_port === undefined || metrics.prometheus_enabled === false
        ? null
        : {
            port: server.metrics_port,
            bindAddress: server.bind_address ?? '0.0.0.0',
            path: metrics.endpoint_path ?? '/metrics',
          },
    tracing: tracing?.enabled === true ? tracingSettings(tracing) : null,
  };
}

function tracingSettings(t: TracingConfig): TracingSettings {
  const { url, jaegerThriftUrl } = otlpTracesUrl(t.backend);
  return {
    url,
    jaegerThriftUrl,
    samplingRate: t.sampling_rate ?? 1,
    serviceName: t.service_name ?? 'gatewayd',
  };
}

/**
 * The OpenTelemetry Jaeger exporter is deprecated and Jaeger takes OTLP itself, so both backend
 * types post OTLP/HTTP. A Jaeger endpoint written for the old Thrift collector
 * (http://jaeger:14268/api/traces, as in seed 001) goes to the same host's OTLP port instead; a
 * bare collector address gets the standard /v1/traces path.
 */
export function otlpTracesUrl(backend: TracingConfig['backend']): {
  url: string;
  jaegerThriftUrl: string | null;
} {
  const endpoint = backend?.endpoint;
  if (endpoint === undefined) return { url: DEFAULT_OTLP_URL, jaegerThriftUrl: null };
  const parsed = new URL(endpoint);
  if (parsed.pathname === '/') {
    // A bare collector address, as OTEL_EXPORTER_OTLP_ENDPOINT is written: the signal path is added.
    parsed.pathname = '/v1/traces';
    return { url: parsed.toString(), jaegerThriftUrl: null };
  }
  if (backend?.type !== 'Jaeger' || parsed.pathname !== JAEGER_THRIFT_PATH) {
    return { url: endpoint, jaegerThriftUrl: null };
  }
  parsed.port = JAEGER_OTLP_PORT;
  parsed.pathname = '/v1/traces';
  return { url: parsed.toString(), jaegerThriftUrl: endpoint };
}
