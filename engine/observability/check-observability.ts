import { ConfigCode } from '../errors/config-codes.js';
import { otlpTracesUrl } from './telemetry-settings.js';
import type { PathProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

/** Metrics and tracing blocks that would not do what they seem to, and clashing ports. */
export function checkObservability(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const server = config.server ?? {};
  const { metrics, tracing } = config.observability ?? {};

  if (
    metrics !== undefined &&
    metrics.prometheus_enabled !== false &&
    server.metrics_port === undefined
  ) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      message: 'observability.metrics has no effect without server.metrics_port',
      hint: 'set server.metrics_port (e.g. 9090) to collect and serve metrics there',
      path: ['observability', 'metrics'],
      atKey: true,
    });
  }
  const metricsPort = server.metrics_port;
  if (metricsPort !== undefined && metricsPort !== 0 && metrics?.prometheus_enabled !== false) {
    const clash =
      metricsPort === (server.http_port ?? CONFIG_DEFAULTS.server.http_port)
        ? 'server.http_port'
        : metricsPort === config.admin?.port
          ? 'admin.port'
          : null;
    if (clash !== null) {
      problems.push({
        severity: 'error',
        code: ConfigCode.VALUE,
        message: `server.metrics_port ${metricsPort} is also ${clash}`,
        hint: 'give the metrics endpoint a port of its own',
        path: ['server', 'metrics_port'],
      });
    }
  }

  if (tracing?.enabled === true) {
    const { url, jaegerThriftUrl } = otlpTracesUrl(tracing.backend);
    if (jaegerThriftUrl !== null) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.JAEGER_ENDPOINT,
        message: `${jaegerThriftUrl} is Jaeger's Thrift collector; spans go as OTLP to ${url} instead`,
        hint: `write endpoint: "${url}" (Jaeger's OTLP/HTTP port) to silence this`,
        path: ['observability', 'tracing', 'backend', 'endpoint'],
      });
    }
  } else if (tracing !== undefined && tracing.enabled === undefined) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      message: 'observability.tracing is off unless it says enabled: true',
      hint: 'add enabled: true to record traces, or remove the block',
      path: ['observability', 'tracing'],
      atKey: true,
    });
  }
  return problems;
}
