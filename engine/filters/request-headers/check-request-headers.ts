import { ConfigCode } from '../../errors/config-codes.js';
import { isGatewayOwnedRequestHeader } from '../../data-plane/forward-headers.js';
import { contextHeaderMapping } from '../access-control-settings.js';
import type { ConfigPath, PathProblem } from '../../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../../config/gateway-config.js';

/**
 * A route's `request_headers` may only touch what the client sent: framing and forwarding
 * headers are the gateway's, and the identity headers carry the verified caller alone (a route
 * that set X-User-ID could impersonate anyone upstream).
 */
export function checkRequestHeaders(
  config: GatewayConfig,
  route: RouteConfig,
  at: ConfigPath,
  label: string,
): PathProblem[] {
  const edits = route.request_headers;
  if (edits === undefined) return [];
  const problems: PathProblem[] = [];
  const here = [...at, 'request_headers'];
  if (
    route.direct_response !== undefined ||
    route.redirect !== undefined ||
    route.handler !== undefined
  ) {
    problems.push({
      severity: 'error',
      code: ConfigCode.REQUEST_HEADERS,
      message: `${label} has request_headers but sends nothing upstream`,
      hint: 'request_headers edits what a proxied request carries; remove it here',
      path: here,
      atKey: true,
    });
  }
  const identity = new Set(
    Object.values(contextHeaderMapping(config.auth?.context_headers)).map((n) => n.toLowerCase()),
  );
  const removed = new Set((edits.remove ?? []).map((n) => n.toLowerCase()));
  const named: Array<{ name: string; path: ConfigPath; setting: boolean }> = [
    ...(edits.remove ?? []).map((name, j) => ({
      name,
      path: [...here, 'remove', j],
      setting: false,
    })),
    ...Object.keys(edits.set ?? {}).map((name) => ({
      name,
      path: [...here, 'set', name],
      setting: true,
    })),
  ];
  for (const { name, path, setting } of named) {
    const lower = name.toLowerCase();
    const why = isGatewayOwnedRequestHeader(lower)
      ? 'the gateway writes it itself (framing, Host, X-Forwarded-*, X-Request-ID)'
      : setting && identity.has(lower)
        ? 'it is an identity context header: only the verified caller sets it'
        : setting && removed.has(lower)
          ? 'it is also under remove'
          : null;
    if (why === null) continue;
    problems.push({
      severity: 'error',
      code: ConfigCode.REQUEST_HEADERS,
      message: `${label} cannot ${setting ? 'set' : 'remove'} ${name}: ${why}`,
      hint: setting ? 'choose another header name' : 'drop it from the list',
      path,
      atKey: setting,
    });
  }
  return problems;
}
