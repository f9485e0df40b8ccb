import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import type { HttpMethod, IdentityConfig, IdentityPathsConfig } from '../config/gateway-config.js';

type PrefixKey = 'prefix' | 'admin_prefix' | 'api_keys_prefix' | 'system_prefix';

export type IdentityEndpointName = Exclude<keyof IdentityPathsConfig, PrefixKey>;

/** Where the default paths hang off when identity.paths does not move them. */
export const DEFAULT_PREFIXES: Readonly<Record<PrefixKey, string>> = CONFIG_DEFAULTS.identity.paths;

interface EndpointShape {
  method: HttpMethod;
  /** Which prefix the default path hangs off. */
  base: PrefixKey;
  suffix: string;
  /** The path parameters the handler reads, in order; a configured path must have exactly these. */
  params: readonly string[];
  /** Needs a token whose user has one of identity.admin_roles. */
  admin: boolean;
}

/**
 * Seed 000's endpoints (seed 004's /auth/login is `prefix: /auth`), and seed 004's API key
 * endpoints, which stay at /api-keys/* whatever `prefix` is.
 */
export const IDENTITY_ENDPOINTS: Readonly<Record<IdentityEndpointName, EndpointShape>> = {
  register: { method: 'POST', base: 'prefix', suffix: '/register', params: [], admin: false },
  login: { method: 'POST', base: 'prefix', suffix: '/login', params: [], admin: false },
  refresh: { method: 'POST', base: 'prefix', suffix: '/refresh', params: [], admin: false },
  logout: { method: 'POST', base: 'prefix', suffix: '/logout', params: [], admin: false },
  me: { method: 'GET', base: 'prefix', suffix: '/me', params: [], admin: false },
  verify: { method: 'POST', base: 'prefix', suffix: '/verify', params: [], admin: false },
  session_create: { method: 'POST', base: 'prefix', suffix: '/create', params: [], admin: false },
  session_get: {
    method: 'GET',
    base: 'prefix',
    suffix: '/{session_id}',
    params: ['session_id'],
    admin: false,
  },
  session_update: {
    method: 'POST',
    base: 'prefix',
    suffix: '/update/{session_id}',
    params: ['session_id'],
    admin: false,
  },
  session_delete: {
    method: 'DELETE',
    base: 'prefix',
    suffix: '/{session_id}',
    params: ['session_id'],
    admin: false,
  },
  user_connection: {
    method: 'GET',
    base: 'prefix',
    suffix: '/users/{user_id}/connection',
    params: ['user_id'],
    admin: false,
  },
  admin_sessions: {
    method: 'GET',
    base: 'prefix',
    suffix: '/admin/all-sessions',
    params: [],
    admin: true,
  },
  admin_session_delete: {
    method: 'DELETE',
    base: 'prefix',
    suffix: '/admin/sessions/{session_id}',
    params: ['session_id'],
    admin: true,
  },
  admin_user_delete: {
    method: 'DELETE',
    base: 'prefix',
    suffix: '/admin/users/{username}',
    params: ['username'],
    admin: true,
  },
  admin_users: { method: 'GET', base: 'admin_prefix', suffix: '', params: [], admin: true },
  admin_promote: {
    method: 'POST',
    base: 'admin_prefix',
    suffix: '/promote',
    params: [],
    admin: true,
  },
  admin_demote: {
    method: 'POST',
    base: 'admin_prefix',
    suffix: '/demote',
    params: [],
    admin: true,
  },
  admin_stats: { method: 'GET', base: 'admin_prefix', suffix: '/stats', params: [], admin: true },
  system_stats: { method: 'GET', base: 'system_prefix', suffix: '/stats', params: [], admin: true },
  system_redis_info: {
    method: 'GET',
    base: 'system_prefix',
    suffix: '/redis-info',
    params: [],
    admin: true,
  },
  api_key_create: {
    method: 'POST',
    base: 'api_keys_prefix',
    suffix: '/create',
    params: [],
    admin: false,
  },
  api_key_list: {
    method: 'GET',
    base: 'api_keys_prefix',
    suffix: '/list',
    params: [],
    admin: false,
  },
  // By id, never by the key: a secret in a URL ends up in access logs and proxies.
  api_key_revoke: {
    method: 'DELETE',
    base: 'api_keys_prefix',
    suffix: '/{key_id}',
    params: ['key_id'],
    admin: false,
  },
};

/** The API key endpoints exist only with an enabled identity.api_keys block. */
export function identityApiKeysEnabled(identity: IdentityConfig): boolean {
  return identity.api_keys !== undefined && identity.api_keys.enabled !== false;
}

export interface ResolvedEndpoint {
  name: IdentityEndpointName;
  method: HttpMethod;
  path: string;
  params: readonly string[];
  admin: boolean;
  /** Set when the path was written under identity.paths, for messages. */
  configured: boolean;
}

/** The endpoints the config turns on, with their paths; shared by the checks and the compiler. */
export function resolveIdentityEndpoints(identity: IdentityConfig): ResolvedEndpoint[] {
  const paths = identity.paths ?? {};
  const prefixes = {
    prefix: trimSlash(paths.prefix ?? DEFAULT_PREFIXES.prefix),
    admin_prefix: trimSlash(paths.admin_prefix ?? DEFAULT_PREFIXES.admin_prefix),
    api_keys_prefix: trimSlash(paths.api_keys_prefix ?? DEFAULT_PREFIXES.api_keys_prefix),
    system_prefix: trimSlash(paths.system_prefix ?? DEFAULT_PREFIXES.system_prefix),
  };
  const apiKeys = identityApiKeysEnabled(identity);
  const out: ResolvedEndpoint[] = [];
  for (const [name, shape] of Object.entries(IDENTITY_ENDPOINTS) as Array<
    [IdentityEndpointName, EndpointShape]
  >) {
    if (name === 'register' && identity.registration?.enabled === false) continue;
    if (shape.base === 'api_keys_prefix' && !apiKeys) continue;
    const written = paths[name];
    if (written === false) continue;
    out.push({
      name,
      method: shape.method,
      path: written ?? (`${prefixes[shape.base]}${shape.suffix}` || '/'),
      params: shape.params,
      admin: shape.admin,
      configured: written !== undefined,
    });
  }
  return out;
}

function trimSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}
