import { ConfigCode } from '../../errors/config-codes.js';
import { isGatewayOwnedResponseHeader } from '../../data-plane/forward-headers.js';
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
  const problems: PathProblem[] = [];
  for (const { name, path, setting } of named) {
    const lower = name.toLowerCase();
    const why = isGatewayOwnedResponseHeader(lower)
      ? 'the gateway writes it itself (framing, Date, Content-Encoding, X-Request-ID)'
      : setting && removed.has(lower)
        ? 'it is also under remove'
        : null;
    if (why === null) continue;
    problems.push({
      severity: 'error',
      code: ConfigCode.RESPONSE_HEADERS,
      message: `${label} cannot ${setting ? 'set' : 'remove'} ${name}: ${why}`,
      hint: setting ? 'choose another header name' : 'drop it from the list',
      path,
      atKey: setting,
    });
  }
  return problems;
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
