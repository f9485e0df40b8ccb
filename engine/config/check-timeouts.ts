import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import type { RouteConfig, UpstreamConfig } from './gateway-config.js';

/**
 * A route's `timeout` is how long it waits for the response head, unless its retries set
 * `per_try_timeout`: then each try waits that long and `timeout` is never read.
 */
export function checkTimeouts(
  route: RouteConfig,
  at: ConfigPath,
  label: string,
  upstreams: Readonly<Record<string, UpstreamConfig>>,
): PathProblem[] {
  if (route.timeout === undefined || route.websocket !== undefined) return [];
  const names = route.upstreams?.map((u) => u.name) ?? [route.upstream].flatMap((n) => n ?? []);
  const sources =
    route.retries !== undefined
      ? [{ retries: route.retries, where: 'its retries.per_try_timeout' }]
      : names.map((name) => ({
          retries: upstreams[name]?.retries,
          where: `upstreams.${name}.retries.per_try_timeout`,
        }));
  const overriding = sources.filter((s) => s.retries?.per_try_timeout !== undefined);
  if (overriding.length === 0 || overriding.length < sources.length) return [];
  const first = overriding[0] as (typeof overriding)[number];
  return [
    {
      severity: 'warning',
      code: ConfigCode.TIMEOUT_OVERRIDDEN,
      message: `${label} sets timeout ${route.timeout}, but ${first.where} (${first.retries?.per_try_timeout}) is what each try waits, so timeout has no effect`,
      hint: 'remove timeout, or remove per_try_timeout to have each try wait timeout',
      path: [...at, 'timeout'],
      atKey: true,
    },
  ];
}
