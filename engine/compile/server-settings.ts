import type { GatewayConfig, LogFormat, LogLevel } from '../config/gateway-config.js';
import { duration, size } from '../config/units.js';
import {
  compileTelemetrySettings,
  type TelemetrySettings,
} from '../observability/telemetry-settings.js';
import type { PathPolicy } from '../router/normalize-path.js';
import { createTrustMatcher, type TrustMatcher } from '../data-plane/trust-proxy.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { compileTlsSettings, type TlsSettings } from '../tls/tls-settings.js';

/**
 * The `server` and `observability.logging` blocks (and the top-level `response_envelope`) with
 * defaults applied and units converted.
 */
export interface ServerSettings {
  httpPort: number;
  /** The HTTPS listener; null when `server.https_port` or `server.tls` is absent. */
  tls: TlsSettings | null;
  redirectToHttps: boolean;
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
const S = CONFIG_DEFAULTS.server;
const L = CONFIG_DEFAULTS.observability.logging;

export const HEADER_SIZE_CEILING = 64 * 1024;

export function compileServerSettings(config: GatewayConfig): ServerSettings {
  const server = config.server ?? {};
  const timeouts = server.timeouts ?? {};
  const limits = server.limits ?? {};
  const logging = config.observability?.logging ?? {};
  return {
    httpPort: server.http_port ?? S.http_port,
    tls: compileTlsSettings(server),
    redirectToHttps: server.redirect_to_https ?? S.redirect_to_https,
    bindAddress: server.bind_address ?? S.bind_address,
    workers: server.workers ?? S.workers,
    trustProxy: createTrustMatcher(server.trust_proxy ?? []),
    paths: {
      escapedSlashes: server.paths?.escaped_slashes ?? S.paths.escaped_slashes,
      pathParameters: server.paths?.path_parameters ?? S.paths.path_parameters,
      doubleEncoding: server.paths?.double_encoding ?? S.paths.double_encoding,
    },
    requestTimeoutMs: duration(timeouts.request_timeout, S.timeouts.request_timeout),
    upstreamTimeoutMs: duration(timeouts.upstream_timeout, S.timeouts.upstream_timeout),
    connectTimeoutMs: duration(timeouts.connect_timeout, S.timeouts.connect_timeout),
    bodyTimeoutMs: duration(timeouts.body_timeout, S.timeouts.body_timeout),
    keepAliveMs: duration(timeouts.keepalive_timeout, S.timeouts.keepalive_timeout),
    shutdownTimeoutMs: duration(timeouts.shutdown_timeout, S.timeouts.shutdown_timeout),
    websocketCloseWindowMs: duration(
      timeouts.websocket_close_window,
      S.timeouts.websocket_close_window,
    ),
    maxBodyBytes: size(limits.max_body_size, S.limits.max_body_size),
    maxHeaderBytes: Math.min(
      size(limits.max_header_size, S.limits.max_header_size),
      HEADER_SIZE_CEILING,
    ),
    maxUrlLength: limits.max_url_length ?? S.limits.max_url_length,
    logLevel: logging.level ?? L.level,
    logFormat: logging.format ?? L.format,
    accessLog: logging.access_log ?? L.access_log,
    telemetry: compileTelemetrySettings(config),
    responseEnvelope: config.response_envelope ?? CONFIG_DEFAULTS.response_envelope,
  };
}
