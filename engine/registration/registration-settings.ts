import type { GatewayConfig, HttpMethod } from '../config/gateway-config.js';

export interface RegistrationSettings {
  readonly register: string;
  readonly list: string;
  readonly unregister: string;
  /** No trailing slash: a registered API N is served at `${proxyPrefix}/N`. */
  readonly proxyPrefix: string;
  readonly requiredRoles: readonly string[];
  /** Endpoint origin (`new URL(u).origin`) → the file's upstream that has it, first in file order. */
  readonly upstreamByOrigin: ReadonlyMap<string, string>;
}

export const REGISTRATION_ENDPOINTS = [
  { key: 'register', method: 'POST', fallback: '/api/register' },
  { key: 'list', method: 'GET', fallback: '/api/list' },
  { key: 'unregister', method: 'DELETE', fallback: '/api/unregister' },
] as const satisfies ReadonlyArray<{ key: string; method: HttpMethod; fallback: string }>;

/** The route_registration block, resolved once per table; null when the block is absent. */
export function compileRegistration(config: GatewayConfig): RegistrationSettings | null {
  const block = config.route_registration;
  if (block === undefined) return null;
  const upstreamByOrigin = new Map<string, string>();
  for (const [name, upstream] of Object.entries(config.upstreams ?? {})) {
    for (const endpoint of upstream.discovery.endpoints ?? []) {
      const origin = originOf(typeof endpoint === 'string' ? endpoint : endpoint.url);
      if (origin !== null && !upstreamByOrigin.has(origin)) upstreamByOrigin.set(origin, name);
    }
  }
  return {
    register: block.paths?.register ?? '/api/register',
    list: block.paths?.list ?? '/api/list',
    unregister: block.paths?.unregister ?? '/api/unregister',
    proxyPrefix: block.proxy_prefix ?? '/api/proxy',
    requiredRoles: block.required_roles ?? ['admin'],
    upstreamByOrigin,
  };
}

/** `scheme://host[:port]` with the default port left out and the host lower-cased; null if not a URL. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
