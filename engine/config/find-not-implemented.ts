import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';
import { formatConfigPath } from './format-config-path.js';

/**
 * Warnings at each configured block the engine does not act on yet, so nobody believes a TLS
 * port or a trace exporter is in force when it is not. Blocks explicitly disabled are not reported.
 */
export function findNotImplemented(config: GatewayConfig): PathProblem[] {
  const warnings: PathProblem[] = [];
  const warn = (path: ConfigPath, what: string, hint?: string): void => {
    const message = `${formatConfigPath(path)}: ${what}`;
    warnings.push({
      severity: 'warning',
      code: ConfigCode.NOT_IMPLEMENTED,
      message,
      hint,
      path,
      atKey: true,
    });
  };
  const { server, observability, websocket } = config;
  if (server?.https_port !== undefined) {
    warn(
      ['server', 'https_port'],
      `TLS is not served yet; port ${server.https_port} is not opened`,
    );
  }
  if (server?.metrics_port !== undefined) {
    warn(
      ['server', 'metrics_port'],
      `metrics are not served yet; port ${server.metrics_port} is not opened`,
    );
  }
  if (observability?.metrics !== undefined && observability.metrics.prometheus_enabled !== false) {
    warn(['observability', 'metrics'], 'metrics are not collected yet');
  }
  if (observability?.tracing !== undefined && observability.tracing.enabled !== false) {
    warn(['observability', 'tracing'], 'traces are not recorded yet');
  }
  if (websocket?.integration?.message_queue?.enabled === true) {
    warn(
      ['websocket', 'integration', 'message_queue'],
      'message queue ingress is not implemented; nothing is consumed from the queue',
      'use the webhook or redis_pubsub ingress instead',
    );
  }
  return warnings;
}
