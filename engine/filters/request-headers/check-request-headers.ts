import { ConfigCode } from '../../errors/config-codes.js';
import { isGatewayOwnedRequestHeader } from '../../data-plane/forward-headers.js';
import { contextHeaderMapping } from '../access-control-settings.js';
import { checkHeaderEdits } from '../check-header-edits.js';
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
  problems.push(
    ...checkHeaderEdits(edits, here, label, ConfigCode.REQUEST_HEADERS, (lower, setting) =>
      isGatewayOwnedRequestHeader(lower)
        ? 'the gateway writes it itself (framing, Host, X-Forwarded-*, X-Request-ID)'
        : setting && identity.has(lower)
          ? 'it is an identity context header: only the verified caller sets it'
          : null,
    ),
  );
  return problems;
}
