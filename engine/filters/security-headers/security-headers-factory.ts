import type { SecurityHeadersConfig } from '../../config/gateway-config.js';
import type { ResponseStep, RouteFilter } from '../../data-plane/filter-chain.js';
import type { FilterFactory } from '../filter-factory.js';
import { createSecurityHeaders } from './security-headers.js';

type HeaderList = ReadonlyArray<readonly [string, string]>;

/** The route's mapping changes the gateway-wide set; `false` on either level turns them off. */
export function securityHeadersOf(
  global: SecurityHeadersConfig | undefined,
  route: SecurityHeadersConfig | undefined,
): HeaderList {
  if (route === false || global === false) {
    return route === false || route === undefined ? [] : createSecurityHeaders(route).headers;
  }
  return createSecurityHeaders({ ...(global ?? {}), ...(route ?? {}) }).headers;
}

/** Browsers ignore HSTS on plain HTTP (RFC 6797 section 7.2), so it goes on HTTPS answers only. */
const HSTS = 'strict-transport-security';

/**
 * The response step adding `headers` to every answer that does not carry its own value; the
 * lists for each listener are split at build time.
 */
export function securityHeadersFilter(headers: HeaderList): RouteFilter | null {
  if (headers.length === 0) return null;
  const plain = headers.filter(([name]) => name !== HSTS);
  const addSecurityHeaders: ResponseStep = (ex, head) => {
    const list = ex.secure ? headers : plain;
    for (let i = 0; i < list.length; i++) {
      const [name, value] = list[i] as readonly [string, string];
      if (!head.has(name)) head.add(name, value);
    }
  };
  return {
    descriptions: ['security_headers'],
    request: null,
    response: addSecurityHeaders,
    ownsResponseHeader: null,
    upstreamHeaders: null,
  };
}

/** Seed 004's security headers: first in the chain, so its response step runs last. */
export const securityHeaders: FilterFactory = {
  name: 'security_headers',
  build: ({ route, table }) =>
    securityHeadersFilter(
      securityHeadersOf(table.config.middleware?.security_headers, route.security_headers),
    ),
};
