import { ConfigCode } from '../errors/config-codes.js';
import { CONFIG_DEFAULTS } from './config-defaults.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { GatewayConfig, RouteConfig } from './gateway-config.js';
import { parseDuration } from './units.js';

/**
 * An HTTP route's `timeout` is the deadline of the whole request, every try included, and a
 * `per_try_timeout` is cut to it: one at or above the deadline never applies. A zero deadline
 * would answer 504 at once (0s means "no limit" on WebSocket routes only).
 */
export function checkTimeouts(
  config: GatewayConfig,
  route: RouteConfig,
  at: ConfigPath,
  label: string,
): PathProblem[] {
  const proxied = route.upstream !== undefined || route.upstreams !== undefined;
  // A socket.io route's polling requests are HTTP requests with this deadline.
  if (!proxied || route.websocket === 'proxy') return [];
  const deadline =
    route.timeout ??
    config.server?.timeouts?.upstream_timeout ??
    CONFIG_DEFAULTS.server.timeouts.upstream_timeout;
  if (parseDuration(deadline) === 0) {
    return [
      {
        severity: 'error',
        code: ConfigCode.DURATION,
        message: `${label} has timeout 0s, which would answer 504 at once: it is the deadline of the whole request`,
        hint: 'give the longest the upstream may take, e.g. "30s"; 0s means no limit on WebSocket routes only',
        path: [...at, 'timeout'],
      },
    ];
  }
  const names = route.upstreams?.map((u) => u.name) ?? [route.upstream].flatMap((n) => n ?? []);
  const tries =
    route.retries !== undefined
      ? [{ retries: route.retries, path: [...at, 'retries', 'per_try_timeout'] }]
      : names.map((name) => ({
          retries: config.upstreams?.[name]?.retries,
          path: ['upstreams', name, 'retries', 'per_try_timeout'],
        }));
  return tries.flatMap(({ retries, path }) => {
    const perTry = retries?.per_try_timeout;
    const perTryMs = perTry === undefined ? undefined : parseDuration(perTry);
    if (perTryMs === undefined || perTryMs < (parseDuration(deadline) ?? Infinity)) return [];
    return [
      {
        severity: 'warning' as const,
        code: ConfigCode.TIMEOUT_OVERRIDDEN,
        message: `${label}: per_try_timeout ${perTry} is not below the route's timeout ${deadline}, the deadline of every try together, so it has no effect`,
        hint: 'make per_try_timeout shorter than timeout, e.g. timeout divided by attempts, or remove it',
        path,
        atKey: true,
      },
    ];
  });
}
