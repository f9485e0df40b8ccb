import { ConfigCode } from '../errors/config-codes.js';
import { checkAccessControl } from '../filters/check-access-control.js';
import { checkIdentity } from '../identity/check-identity.js';
import { checkAdmin } from '../config/check-admin.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import { suggestionHint } from '../config/did-you-mean.js';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import { checkWebSocket } from '../websocket/check-websocket.js';
import { checkSocketOrigins } from '../filters/socket-origin/check-socket-origins.js';
import { checkPresence } from '../config/check-presence.js';
import { checkRedis } from '../state/check-redis.js';
import { checkDiscovery } from '../upstream/check-discovery.js';
import { checkRegistration } from '../config/check-registration.js';
import { findNotImplemented } from '../config/find-not-implemented.js';
import { checkWebSocketRoute } from '../websocket/check-websocket-route.js';
import { checkObservability } from '../observability/check-observability.js';
import { checkRequestHeaders } from '../filters/request-headers/check-request-headers.js';
import {
  checkHiddenUpstreamHeaders,
  checkResponseHeaders,
} from '../filters/response-headers/check-response-headers.js';
import { checkGatewayEndpoints } from '../gateway-endpoints/check-gateway-endpoints.js';
import { checkTimeouts } from '../config/check-timeouts.js';
import { checkUpstreamEnvelope } from '../config/check-upstream-envelope.js';
import { checkCache } from '../filters/cache/check-cache.js';
import { checkTls } from '../tls/check-tls.js';
import { checkUpstreamTls } from '../tls/check-upstream-tls.js';

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
    const targets = (
      ['upstream', 'upstreams', 'direct_response', 'redirect', 'handler'] as const
    ).filter((key) => route[key] !== undefined);
    if (targets.length > 1) {
      problems.push({
        ...error(ConfigCode.ROUTE_TARGET, [...at, targets[1] as string]),
        message: `${label} has both ${targets.slice(0, 2).join(' and ')}`,
        hint: 'keep one: upstream proxies the request, upstreams splits it by weight, direct_response answers at the gateway, redirect sends the client elsewhere, handler: websocket serves the WebSocket hub',
        atKey: true,
      });
    } else if (targets.length === 0) {
      problems.push({
        ...error(ConfigCode.ROUTE_TARGET, at),
        message: `${label} has neither upstream nor direct_response`,
        hint: 'add upstream: <name> to proxy the request, direct_response: {status: 204} to answer at the gateway, or redirect: {to: /elsewhere}',
      });
    }
    const named: Array<{ name: string; path: ConfigPath }> = [];
    if (route.upstream !== undefined)
      named.push({ name: route.upstream, path: [...at, 'upstream'] });
    route.upstreams?.forEach((u, j) =>
      named.push({ name: u.name, path: [...at, 'upstreams', j, 'name'] }),
    );
    for (const { name, path } of named) {
      used.add(name);
      if (!upstreams.includes(name)) {
        problems.push({
          ...error(ConfigCode.UNDEFINED_UPSTREAM, path),
          message: `${label} names upstream "${name}", which is not defined under upstreams`,
          hint:
            upstreams.length > 0
              ? suggestionHint(name, upstreams, 'defined upstreams')
              : 'no upstreams are defined; add this one under upstreams:',
        });
      }
    }
    problems.push(
      ...checkSplit(route, at, label),
      ...checkWebSocketRoute(route, at, label),
      ...checkRequestHeaders(config, route, at, label),
      ...checkResponseHeaders(route, at, label),
      ...checkTimeouts(config, route, at, label),
      ...checkUpstreamEnvelope(route, at, label),
      ...checkCache(config, route, at, label),
    );
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
  for (const route of Object.values(config.websocket?.message_routes ?? {})) {
    used.add(route.upstream);
  }
  // Registrations (route_registration) may route to any upstream of the file.
  const registrable = config.route_registration !== undefined;
  for (const name of upstreams.filter((n) => !used.has(n) && !registrable)) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.UNUSED_UPSTREAM,
      message: `upstream "${name}" is not used by any route`,
      path: ['upstreams', name],
      atKey: true,
    });
  }
  return [
    ...problems,
    ...checkAccessControl(config),
    ...checkHiddenUpstreamHeaders(config),
    ...checkIdentity(config),
    ...checkWebSocket(config),
    ...checkSocketOrigins(config),
    ...checkPresence(config),
    ...checkRedis(config),
    ...checkDiscovery(config),
    ...checkRegistration(config),
    ...checkAdmin(config),
    ...checkObservability(config),
    ...checkGatewayEndpoints(config),
    ...findNotImplemented(config),
    ...checkTls(config.server),
    ...Object.entries(config.upstreams ?? {}).flatMap(([name, u]) => checkUpstreamTls(name, u)),
  ];
}

/** A weighted split must send traffic somewhere, and name each upstream once. */
function checkSplit(route: RouteConfig, at: ConfigPath, label: string): PathProblem[] {
  const split = route.upstreams;
  const problems: PathProblem[] = [];
  if (split === undefined) {
    if (route.split_on !== undefined) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.ROUTE_TARGET,
        message: `${label} has split_on but no upstreams list to split between`,
        hint: 'remove split_on, or list the upstreams with their weights under upstreams:',
        path: [...at, 'split_on'],
        atKey: true,
      });
    }
    return problems;
  }
  if (split.every((u) => u.weight === 0)) {
    problems.push({
      ...error(ConfigCode.ROUTE_TARGET, [...at, 'upstreams']),
      message: `${label} gives every upstream of its split weight 0, so no request could be sent`,
      hint: 'give at least one upstream a weight above 0',
      atKey: true,
    });
  }
  split.forEach((u, j) => {
    if (split.findIndex((other) => other.name === u.name) < j) {
      problems.push({
        ...error(ConfigCode.ROUTE_TARGET, [...at, 'upstreams', j, 'name']),
        message: `${label} lists upstream "${u.name}" twice in its split`,
        hint: 'list each upstream once, with the sum of the weights',
      });
    }
  });
  return problems;
}

function error(code: string, path: ConfigPath): Pick<PathProblem, 'severity' | 'code' | 'path'> {
  return { severity: 'error', code, path };
}
