/**
 * Config blocks → the settings the filters take, shared by the config checks and the compiler so
 * that `gatewayd check` judges exactly what the gateway will build.
 */
import type { ContextField, ContextHeaderMapping } from './context-headers/context-headers.js';
import { DEFAULT_CONTEXT_HEADERS } from './context-headers/context-headers.js';
import type { CorsSettings } from './cors/cors.js';
import type {
  AuthConfig,
  AuthProviderName,
  ContextHeadersConfig,
  CorsConfig,
  JwtAlgorithm,
  JwtConfig,
  RouteConfig,
} from '../config/gateway-config.js';
import { parseDuration } from '../config/units.js';

/** context_headers keys (snake_case) → the filter's identity fields. */
export const CONTEXT_FIELDS: Readonly<Record<keyof ContextHeadersConfig, ContextField>> = {
  subject: 'subject',
  roles: 'roles',
  permissions: 'permissions',
  client_id: 'clientId',
  tier: 'tier',
  email: 'email',
  method: 'method',
};

/** The defaults with the configured headers over them. */
export function contextHeaderMapping(config: ContextHeadersConfig = {}): ContextHeaderMapping {
  const mapping: ContextHeaderMapping = { ...DEFAULT_CONTEXT_HEADERS };
  for (const [key, field] of Object.entries(CONTEXT_FIELDS)) {
    const name = config[key as keyof ContextHeadersConfig];
    if (name !== undefined) mapping[field] = name;
  }
  return mapping;
}

/**
 * A CORS block as CorsSettings. `max_age` is whole seconds, or a duration string; a duration that
 * is not whole seconds gives a fraction, which checkCorsSettings refuses.
 */
export function corsSettings(config: CorsConfig): CorsSettings {
  const { max_age: maxAge } = config;
  const maxAgeSeconds =
    typeof maxAge === 'string' ? (parseDuration(maxAge) ?? Number.NaN) / 1000 : maxAge;
  return {
    allowedOrigins: config.allowed_origins,
    allowedMethods: config.allowed_methods,
    allowedHeaders: config.allowed_headers,
    exposedHeaders: config.exposed_headers,
    allowCredentials: config.allow_credentials,
    maxAgeSeconds,
  };
}

/** `algorithms`, or `[algorithm]` (seed 001's form); empty when neither is given. */
export function jwtAlgorithms(jwt: JwtConfig): JwtAlgorithm[] {
  return jwt.algorithms ?? (jwt.algorithm === undefined ? [] : [jwt.algorithm]);
}

/** The providers configured under auth, in a fixed order. */
export function configuredProviders(auth: AuthConfig | undefined): AuthProviderName[] {
  const providers: AuthProviderName[] = [];
  if (auth?.jwt !== undefined) providers.push('jwt');
  if (auth?.api_keys !== undefined) providers.push('api_key');
  return providers;
}

/**
 * What makes a route authenticate: auth_required true, an `auth` list, or a role, permission or
 * tier requirement (empty lists require nothing). The first such key, for messages; undefined when
 * the route is public.
 */
export function authRequirement(route: RouteConfig): keyof RouteConfig | undefined {
  if (route.auth_required === true) return 'auth_required';
  if (route.auth !== undefined) return 'auth';
  if ((route.required_roles?.length ?? 0) > 0) return 'required_roles';
  if ((route.required_permissions?.length ?? 0) > 0) return 'required_permissions';
  if (route.required_tier !== undefined) return 'required_tier';
  return undefined;
}
