import { ConfigCode } from '../errors/config-codes.js';
import { MAX_MESSAGE_BYTES } from './message-limit.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import type { RouteConfig } from '../config/gateway-config.js';
import { parseSize } from '../config/units.js';

/**
 * A `websocket: proxy` route relays to one upstream over one GET upgrade; its keys that only
 * WebSocket routes read are reported where a plain route sets them.
 */
export function checkWebSocketRoute(
  route: RouteConfig,
  at: ConfigPath,
  label: string,
): PathProblem[] {
  const problems: PathProblem[] = [];
  if (route.websocket === undefined) {
    if (route.max_message_size !== undefined) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.IGNORED_KEY,
        message: `${label} is not a WebSocket route, so max_message_size has no effect`,
        hint: 'remove it, or add websocket: proxy',
        path: [...at, 'max_message_size'],
        atKey: true,
      });
    }
    return problems;
  }
  const error = (key: string, message: string, hint: string): void => {
    problems.push({
      severity: 'error',
      code: ConfigCode.WEBSOCKET_ROUTE,
      message: `${label}: ${message}`,
      hint,
      path: [...at, key],
      atKey: true,
    });
  };
  if (route.upstreams !== undefined) {
    error(
      'upstreams',
      'a WebSocket proxy route connects to one upstream; it cannot split by weight',
      'name one upstream with upstream: <name> (a long-lived connection stays where it started)',
    );
  }
  if (route.direct_response !== undefined) {
    error(
      'direct_response',
      'a WebSocket proxy route needs an upstream, not a direct_response',
      'replace direct_response with upstream: <name>',
    );
  }
  // socket.io's long-polling sends with POST; an upgrade is always a GET.
  const served = route.websocket === 'socket.io' ? ['GET', 'POST'] : ['GET'];
  const unserved = route.methods?.filter((m) => !served.includes(m)) ?? [];
  if (unserved.length > 0) {
    error(
      'methods',
      route.websocket === 'socket.io'
        ? `socket.io clients send GET and POST only; ${unserved.join(', ')} can never reach this route`
        : `a WebSocket upgrade is a GET request; ${unserved.join(', ')} can never reach this route`,
      `write methods: [${served.join(', ')}] or leave methods out`,
    );
  }
  if (route.max_message_size !== undefined) {
    const bytes = parseSize(route.max_message_size);
    if (bytes !== undefined && bytes > MAX_MESSAGE_BYTES) {
      error(
        'max_message_size',
        `max_message_size ${route.max_message_size} is above the gateway's limit of 16mb`,
        'use 16mb or less',
      );
    }
  }
  if (route.retries !== undefined) {
    problems.push({
      severity: 'warning',
      code: ConfigCode.IGNORED_KEY,
      message: `${label}: a WebSocket handshake is not retried, so retries has no effect`,
      hint: 'remove retries; a client reconnects after a 502 or 503',
      path: [...at, 'retries'],
      atKey: true,
    });
  }
  return problems;
}
