import { ConfigCode } from '../../errors/config-codes.js';
import { isGatewayOwnedResponseHeader } from '../../data-plane/forward-headers.js';
import { checkHeaderEdits } from '../check-header-edits.js';
import type { ConfigPath, PathProblem } from '../../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../../config/gateway-config.js';

/**
 * A route's `response_headers` may not touch what frames the response or what the gateway
 * writes on every answer; CR and LF in values are refused by the schema.
 */
export function checkResponseHeaders(
  route: RouteConfig,
  at: ConfigPath,
  label: string,
): PathProblem[] {
  const edits = route.response_headers;
  if (edits === undefined) return [];
  const here = [...at, 'response_headers'];
  return checkHeaderEdits(edits, here, label, ConfigCode.RESPONSE_HEADERS, (lower) =>
    isGatewayOwnedResponseHeader(lower)
      ? 'the gateway writes it itself (framing, Date, Content-Encoding, X-Request-ID)'
      : null,
  );
}

/** `server.hide_upstream_headers` may hide what the upstream says, not how its body is framed. */
export function checkHiddenUpstreamHeaders(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  config.server?.hide_upstream_headers?.forEach((name, i) => {
    const lower = name.toLowerCase();
    const why =
      lower === 'content-type' || lower === 'content-encoding'
        ? 'the client needs it to read the body'
        : lower === 'vary'
          ? 'caches need it to tell one variant of a response from another'
          : null;
    if (why === null) return;
    problems.push({
      severity: 'error',
      code: ConfigCode.RESPONSE_HEADERS,
      message: `server.hide_upstream_headers cannot hide ${name}: ${why}`,
      hint: 'drop it from the list',
      path: ['server', 'hide_upstream_headers', i],
    });
  });
  return problems;
}
