import type { GatewayConfig, LogFormat, LogLevel } from '../config/gateway-config.js';
import { parseDuration, parseSize } from '../config/units.js';
import {
  compileTelemetrySettings,
  type TelemetrySettings,
} from '../observability/telemetry-settings.js';
import type { PathPolicy } from '../router/normalize-path.js';
import { createTrustMatcher, type TrustMatcher } from '../data-plane/trust-proxy.js';

/**
 * The `server` and `observability.logging` blocks (and the top-level `response_envelope`) with
 * defaults applied and units converted.
 */
export interface ServerSettings {
  httpPort: number;
  bindAddress: string;
  workers: number;
  trustProxy: TrustMatcher;
  /** How ambiguous path forms (encoded slashes, `;` parameters, double encoding) are treated. */
  paths: PathPolicy;
  requestTimeoutMs: number;
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveMs: number;
  shutdownTimeoutMs: number;
  websocketCloseWindowMs: number;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  maxUrlLength: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  accessLog: boolean;
  /** Metrics and tracing; taken at start only, so a reload that changes them warns. */
  telemetry: TelemetrySettings;
  /** Seed 004's envelope on gateway-generated answers; each route carries it too. */
  responseEnvelope: boolean;
}

/** uWebSockets.js reads its own header limit once per process; ours must stay below it. */
export const HEADER_SIZE_CEILING = 64 * 1024;

export function compileServerSettings(config: GatewayConfig): ServerSettings {
  const server = config.server ?? {};
  const timeouts = server.timeouts ?? {};
  const limits = server.limits ?? {};
  const logging = config.observability?.logging ?? {};
  return {
    httpPort: server.http_port ?? 8080,
    bindAddress: server.bind_address ?? '0.0.0.0',
    workers: server.workers ?? 1,
    trustProxy: createTrustMatcher(server.trust_proxy ?? []),
    paths: {
      escapedSlashes: server.paths?.escaped_slashes ?? 'reject',
      pathParameters: server.paths?.path_parameters ?? 'reject',
      doubleEncoding: server.paths?.double_encoding ?? 'reject',
    },
    requestTimeoutMs: duration(timeouts.request_timeout, '30s'),
    upstreamTimeoutMs: duration(timeouts.upstream_timeout, '30s'),
    connectTimeoutMs: duration(timeouts.connect_timeout, '5s'),
    bodyTimeoutMs: duration(timeouts.body_timeout, '60s'),
    keepAliveMs: duration(timeouts.keepalive_timeout, '60s'),
    shutdownTimeoutMs: duration(timeouts.shutdown_timeout, '30s'),
    websocketCloseWindowMs: duration(timeouts.websocket_close_window, '10s'),
    maxBodyBytes: size(limits.max_body_size, '10mb'),
    maxHeaderBytes: Math.min(size(limits.max_header_size, '16kb'), HEADER_SIZE_CEILING),
    maxUrlLength: limits.max_url_length ?? 8192,
    logLevel: logging.level ?? 'info',
    logFormat: logging.format ?? 'json',
    accessLog: logging.access_log ?? true,
    telemetry: compileTelemetrySettings(config),
    responseEnvelope: config.response_envelope ?? false,
  };
}

/** Values were validated against the schema's formats before compiling. */
export function duration(value: string | undefined, fallback: string): number {
  return parseDuration(value ?? fallback) ?? (parseDuration(fallback) as number);
}

export function size(value: string | undefined, fallback: string): number {
  return parseSize(value ?? fallback) ?? (parseSize(fallback) as number);
}
