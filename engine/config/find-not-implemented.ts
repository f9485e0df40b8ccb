import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';
import { formatConfigPath } from './format-config-path.js';

/**
 * Warnings at each configured block the engine does not act on yet, so nobody believes a rate
 * limit or a health check is in force when it is not. Blocks explicitly disabled are not reported.
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
  const { server, auth, middleware, observability } = config;
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
  if (auth !== undefined) {
    warn(
      ['auth'],
      'authentication is not enforced yet; routes that require it refuse every request with 401',
    );
  }
  if (middleware?.rate_limiting !== undefined) {
    warn(['middleware', 'rate_limiting'], 'rate limits are not applied yet');
  }
  if (middleware?.cors !== undefined)
    warn(['middleware', 'cors'], 'CORS headers are not added yet');
  if (observability?.metrics !== undefined && observability.metrics.prometheus_enabled !== false) {
    warn(['observability', 'metrics'], 'metrics are not collected yet');
  }
  if (observability?.tracing !== undefined && observability.tracing.enabled !== false) {
    warn(['observability', 'tracing'], 'traces are not recorded yet');
  }
  config.routes.forEach((route, i) => {
    const roles = (route.required_roles?.length ?? 0) > 0;
    if (route.auth_required !== true && !roles) return;
    warnings.push({
      severity: 'warning',
      code: ConfigCode.NOT_IMPLEMENTED,
      message: `route "${route.path}" refuses every request with 401 UNAUTHORIZED until authentication is available (fail closed)`,
      hint: 'authentication is not implemented yet; the route is closed rather than served unauthenticated',
      path: ['routes', i, route.auth_required === true ? 'auth_required' : 'required_roles'],
      atKey: true,
    });
  });
  return warnings;
}
