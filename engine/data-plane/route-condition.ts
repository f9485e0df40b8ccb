import type { RouteMatchConfig } from '../config/gateway-config.js';
import type { Exchange } from './exchange.js';
import { readCookie } from './read-cookie.js';

/** A route's `match`: the conditions a request must meet besides method, host and path. */
export interface RouteCondition {
  /** The same for two `match` blocks that accept the same requests: they would shadow. */
  key: string;
  /** For `gatewayd routes`: `header x-canary=true, cookie release=beta`. */
  description: string;
  test: (ex: Exchange) => boolean;
}

/** Compiles a route's `match` block; null when the route has none. */
export function compileRouteCondition(match: RouteMatchConfig | undefined): RouteCondition | null {
  if (match === undefined) return null;
  const headers = Object.entries(match.headers ?? {})
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const cookies = Object.entries(match.cookies ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const description = [
    ...headers.map(([name, value]) => `header ${name}=${value}`),
    ...cookies.map(([name, value]) => `cookie ${name}=${value}`),
  ].join(', ');
  return {
    key: JSON.stringify([headers, cookies]),
    description,
    test: function matchesRequest(ex) {
      for (const [name, value] of headers) if (ex.header(name) !== value) return false;
      if (cookies.length === 0) return true;
      const cookieHeader = ex.header('cookie');
      for (const [name, value] of cookies)
        if (readCookie(cookieHeader, name) !== value) return false;
      return true;
    },
  };
}
