import { ConfigCode } from '../../errors/config-codes.js';
import { checkOriginPattern } from '../cors/origin-matcher.js';
import { authRequirement } from '../access-control-settings.js';
import type { ConfigPath, PathProblem } from '../../config/config-problem.js';
import type { GatewayConfig } from '../../config/gateway-config.js';
import { servesUpgrades } from './socket-origin-settings.js';

/**
 * The Origin policy of WebSocket upgrades: every listed origin must be one a browser can send,
 * and `allowed_origins` on a route that takes no upgrade is refused rather than ignored (it
 * would look like a protection it is not). `refused_upgrade: close` answers only the hub's own
 * credential check; a hub route's guards still refuse with a status, which is said here.
 */
export function checkSocketOrigins(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const closeOnRefusal = config.websocket?.server?.refused_upgrade === 'close';
  config.routes.forEach((route, i) => {
    const at: ConfigPath = ['routes', i];
    if (route.allowed_origins !== undefined) {
      if (!servesUpgrades(route)) {
        problems.push({
          severity: 'error',
          code: ConfigCode.WEBSOCKET_ORIGIN,
          path: [...at, 'allowed_origins'],
          atKey: true,
          message: `route "${route.path}" takes no WebSocket upgrade, so allowed_origins would not protect it`,
          hint: 'browsers reach HTTP routes under the cors policy: set cors (or middleware.cors) instead',
        });
      } else {
        problems.push(...checkList(route.allowed_origins, [...at, 'allowed_origins']));
      }
    }
    const guard = authRequirement(route);
    if (closeOnRefusal && route.handler === 'websocket' && guard !== undefined) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.IGNORED_KEY,
        path: [...at, guard],
        atKey: true,
        message: `hub route "${route.path}" checks credentials with its own ${guard}, which refuses with 401/403 before the hub can answer in band (websocket.server.refused_upgrade: close)`,
        hint: 'let the hub check them: remove the route guard and keep websocket.server.require_auth',
      });
    }
  });
  const server = config.websocket?.server?.allowed_origins;
  if (server !== undefined) {
    problems.push(...checkList(server, ['websocket', 'server', 'allowed_origins']));
  }
  return problems;
}

function checkList(origins: readonly string[], at: ConfigPath): PathProblem[] {
  return origins.flatMap((origin, j) => {
    const problem = checkOriginPattern(origin);
    return problem === null
      ? []
      : [
          {
            severity: 'error' as const,
            code: ConfigCode.WEBSOCKET_ORIGIN,
            path: [...at, j],
            message: problem,
          },
        ];
  });
}
