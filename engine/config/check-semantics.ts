import { ConfigCode } from '../errors/config-codes.js';
import type { ConfigPath, PathProblem } from './config-problem.js';
import { suggestionHint } from './did-you-mean.js';
import type { GatewayConfig } from './gateway-config.js';
import { findNotImplemented } from './find-not-implemented.js';

/** Paths the gateway answers itself; a route on one of them hides the built-in endpoint. */
const BUILT_IN_PATHS: Readonly<Record<string, string>> = {
  '/health': 'health endpoint',
  '/ready': 'readiness endpoint',
};

/** Checks across keys that the schema cannot express, on a config the schema accepted. */
export function checkSemantics(config: GatewayConfig): PathProblem[] {
  const upstreams = Object.keys(config.upstreams ?? {});
  const used = new Set<string>();
  const problems: PathProblem[] = [];
  config.routes.forEach((route, i) => {
    const at = ['routes', i];
    const label = `route "${route.path}"`;
    if (route.upstream !== undefined && route.direct_response !== undefined) {
      problems.push({
        ...error(ConfigCode.ROUTE_TARGET, [...at, 'direct_response']),
        message: `${label} has both upstream and direct_response`,
        hint: 'keep one: upstream proxies the request, direct_response answers at the gateway',
        atKey: true,
      });
    } else if (route.upstream === undefined && route.direct_response === undefined) {
      problems.push({
        ...error(ConfigCode.ROUTE_TARGET, at),
        message: `${label} has neither upstream nor direct_response`,
        hint: 'add upstream: <name> to proxy the request, or direct_response: {status: 204} to answer at the gateway',
      });
    }
    if (route.upstream !== undefined) {
      used.add(route.upstream);
      if (!upstreams.includes(route.upstream)) {
        problems.push({
          ...error(ConfigCode.UNDEFINED_UPSTREAM, [...at, 'upstream']),
          message: `${label} names upstream "${route.upstream}", which is not defined under upstreams`,
          hint:
            upstreams.length > 0
              ? suggestionHint(route.upstream, upstreams, 'defined upstreams')
              : 'no upstreams are defined; add this one under upstreams:',
        });
      }
    }
    const builtIn = BUILT_IN_PATHS[route.path];
    if (builtIn !== undefined) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.RESERVED_PATH,
        message: `${label} takes precedence over the built-in ${builtIn}`,
        hint: `remove the route to let the gateway answer ${route.path} itself`,
        path: [...at, 'path'],
      });
    }
  });
  for (const name of upstreams.filter((n) => !used.has(n))) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.UNUSED_UPSTREAM,
      message: `upstream "${name}" is not used by any route`,
      path: ['upstreams', name],
      atKey: true,
    });
  }
  return [...problems, ...findNotImplemented(config)];
}

function error(code: string, path: ConfigPath): Pick<PathProblem, 'severity' | 'code' | 'path'> {
  return { severity: 'error', code, path };
}
