import type { ConfigPath, PathProblem } from '../../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../../config/gateway-config.js';
import { ConfigCode } from '../../errors/config-codes.js';
import { authRequirement } from '../access-control-settings.js';
import { cachePolicyOf } from './cache-policy.js';

/** What the schema cannot say about a route's `cache`. */
export function checkCache(
  config: GatewayConfig,
  route: RouteConfig,
  at: ConfigPath,
  label: string,
): PathProblem[] {
  const settings = route.cache;
  if (settings === undefined) return [];
  const here = [...at, 'cache'];
  const problems: PathProblem[] = [];
  const refuse = (
    path: ConfigPath,
    message: string,
    hint: string,
    code: string = ConfigCode.CACHE,
  ) => problems.push({ severity: 'error', code, path, message, hint });
  const target =
    route.websocket !== undefined || route.handler === 'websocket'
      ? 'a WebSocket route'
      : route.redirect !== undefined
        ? 'a redirect route'
        : route.direct_response !== undefined
          ? 'a direct_response route'
          : route.handler !== undefined
            ? `a handler: ${route.handler} route`
            : null;
  if (target !== null) {
    refuse(
      here,
      `${label} has a cache, but it is ${target}: only answers from an upstream are cached`,
      'remove cache from this route',
    );
  }
  if (settings.backend === 'redis' && config.redis === undefined) {
    refuse(
      [...here, 'backend'],
      `${label} keeps its cache in Redis, but no redis block is configured`,
      'add a top-level redis block (url, sentinel or cluster), or use backend: memory',
      ConfigCode.REDIS_REQUIRED,
    );
  }
  const identityAt = settings.key?.indexOf('identity') ?? -1;
  if (identityAt >= 0 && authRequirement(route) === undefined) {
    refuse(
      [...here, 'key', identityAt],
      `${label} keys its cache by identity, but the route has no auth: every caller would share one entry`,
      'require auth on the route (auth_required: true or auth: [...]), or drop identity from the key',
    );
  }
  if (settings.methods !== undefined && !settings.methods.includes('GET')) {
    refuse(
      [...here, 'methods'],
      `${label}'s cache serves ${settings.methods.join(', ')} but not GET: only a GET's answer is stored, so nothing would ever be served`,
      'add GET to cache.methods',
    );
  }
  const policy = cachePolicyOf(settings);
  if (settings.backend !== 'redis' && policy.maxBytes < policy.maxEntryBytes) {
    refuse(
      [...here, 'max_size'],
      `${label}'s cache max_size (${policy.maxBytes} bytes) is smaller than its max_entry_size (${policy.maxEntryBytes} bytes)`,
      'raise max_size or lower max_entry_size',
    );
  }
  return problems;
}
