import type { CompiledRoute } from '../data-plane/compiled-route.js';
import type { AuthProviderName, GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { authRequirement, configuredProviders } from '../filters/access-control-settings.js';
import { parsePathPattern } from '../router/path-pattern.js';
import type { CatalogRoute } from './route-catalog.js';

/** The methods a route without `methods` is listed with (it takes any). */
const ANY_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** The security scheme of each provider, under the name the document gives it. */
const SCHEME_NAMES: Readonly<Record<AuthProviderName, string>> = {
  jwt: 'bearerAuth',
  api_key: 'apiKeyAuth',
};

/** The handlers whose routes are the documentation itself: left out of the document. */
const DOCUMENTATION_HANDLERS: ReadonlySet<RouteConfig['handler']> = new Set([
  'openapi',
  'swagger_ui',
  'redoc',
]);

type Json = Record<string, unknown>;

/**
 * An OpenAPI 3.0 document of the route table, made once per table build: each route's path with
 * its captures as path parameters (a trailing `*` as one more, `{path}`, standing for the rest of
 * the path), its methods, the security schemes of `auth` that it accepts, and what the gateway
 * enforces on it as `x-` extensions (tier, roles, rate limit). The table's built-in routes that
 * answer on the main port (identity endpoints, /health, /ready) are listed too, without
 * security. Never an upstream address.
 */
export function openApiDocument(
  config: GatewayConfig,
  settings: RouteConfig['openapi'],
  routes: readonly CatalogRoute[],
  builtIns: readonly CompiledRoute[],
): Json {
  const schemes = securitySchemes(config);
  const paths = new Map<string, Json>();
  const operationIds = new Set<string>();
  const tags = new Set<string>();
  const add = (path: string, parameters: Json[], method: string, operation: Json): void => {
    // Path parameters belong to the path: every route on it captures the same ones.
    const item = paths.get(path) ?? (parameters.length === 0 ? {} : { parameters });
    // Routes told apart by host or `match` share a path and method: the first one describes it.
    if (item[method] !== undefined) return;
    operation.operationId = uniqueId(
      String(operation.operationId).replace(/[^A-Za-z0-9_.~-]+/g, '_'),
      operationIds,
    );
    item[method] = operation;
    paths.set(path, item);
  };

  for (const { rc, name, origin } of routes) {
    if (DOCUMENTATION_HANDLERS.has(rc.handler)) continue;
    const { template, parameters } = pathTemplate(rc.path);
    const security = operationSecurity(config, rc);
    if (rc.category !== undefined) tags.add(rc.category);
    for (const method of rc.methods ?? ANY_METHODS) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      add(template, parameters, method.toLowerCase(), {
        operationId: `${name}_${method.toLowerCase()}`,
        summary: rc.display_name ?? name,
        ...(rc.category === undefined ? {} : { tags: [rc.category] }),
        // An empty list says the operation is public, whatever schemes the document has.
        security: security ?? [],
        responses: responses(security !== null, rc),
        'x-gateway-route': name,
        ...(origin === 'runtime' ? { 'x-gateway-origin': 'runtime' } : {}),
        ...(rc.host === undefined ? {} : { 'x-gateway-host': rc.host }),
        ...extensions(rc),
      });
    }
  }
  for (const route of builtIns) {
    const { template, parameters } = pathTemplate(route.path);
    for (const method of route.methods ?? ANY_METHODS) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      add(template, parameters, method.toLowerCase(), {
        operationId: `${route.name}_${method.toLowerCase()}`,
        summary: route.name,
        tags: ['gateway'],
        security: [],
        responses: { default: { description: 'The gateway answers this request itself.' } },
        'x-gateway-route': route.name,
      });
    }
  }
  if (builtIns.length > 0) tags.add('gateway');

  const tiers = config.auth?.tiers;
  const tierLimits = config.middleware?.rate_limiting?.tiers;
  return {
    openapi: '3.0.3',
    info: {
      title: settings?.title ?? CONFIG_DEFAULTS.routes.openapi.title,
      version: settings?.version ?? CONFIG_DEFAULTS.routes.openapi.version,
    },
    // The document's own origin: the try-it-out buttons call the gateway that served it.
    servers: [{ url: '/' }],
    ...(tags.size === 0 ? {} : { tags: [...tags].map((name) => ({ name })) }),
    paths: Object.fromEntries(paths),
    components: { securitySchemes: schemes },
    ...(tiers === undefined
      ? {}
      : {
          'x-tiers': tiers.map((tier) => ({
            name: tier,
            rate_limit: tierLimits?.[tier] ?? null,
          })),
        }),
  };
}

/** `/users/{id}/*` → `/users/{id}/{path}` and its parameters, all in the path and required. */
function pathTemplate(path: string): { template: string; parameters: Json[] } {
  const pattern = parsePathPattern(path);
  const parameters: Json[] = pattern.paramNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (!pattern.hasWildcard) return { template: path, parameters };
  let rest = 'path';
  while (pattern.paramNames.includes(rest)) rest = `_${rest}`;
  parameters.push({
    name: rest,
    in: 'path',
    required: true,
    description: 'The rest of the path: any number of segments, slashes included.',
    schema: { type: 'string' },
  });
  return { template: `${path.slice(0, -1)}{${rest}}`, parameters };
}

/** Each configured provider as its OpenAPI security scheme. */
function securitySchemes(config: GatewayConfig): Json {
  const schemes: Json = {};
  const jwt = config.auth?.jwt;
  if (jwt !== undefined) {
    schemes[SCHEME_NAMES.jwt] = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
  }
  const keys = config.auth?.api_keys;
  if (keys !== undefined) {
    schemes[SCHEME_NAMES.api_key] = {
      type: 'apiKey',
      in: 'header',
      name: keys.header ?? CONFIG_DEFAULTS.auth.api_keys.header,
    };
  }
  return schemes;
}

/** Any one of the providers the route accepts; null when the route is public. */
function operationSecurity(config: GatewayConfig, rc: RouteConfig): Json[] | null {
  if (authRequirement(rc) === undefined) return null;
  const providers = rc.auth ?? configuredProviders(config.auth);
  return providers.map((p) => ({ [SCHEME_NAMES[p]]: [] }));
}

function responses(authenticated: boolean, rc: RouteConfig): Json {
  const out: Json = {
    default: {
      description:
        rc.upstream === undefined && rc.upstreams === undefined
          ? 'The gateway answers this request itself.'
          : "The upstream's answer.",
    },
  };
  if (authenticated) out['401'] = { description: 'No valid credential (UNAUTHORIZED).' };
  if (rc.required_tier !== undefined || (rc.required_roles?.length ?? 0) > 0) {
    out['403'] = { description: 'The caller lacks the tier or role (TIER_REQUIRED, FORBIDDEN).' };
  }
  if (rc.rate_limit !== undefined && rc.rate_limit !== false) {
    out['429'] = { description: 'Over the rate limit (RATE_LIMITED).' };
  }
  return out;
}

/** What the gateway enforces on the route, as vendor extensions. */
function extensions(rc: RouteConfig): Json {
  const out: Json = {};
  if (rc.required_tier !== undefined) out['x-required-tier'] = rc.required_tier;
  if ((rc.required_roles?.length ?? 0) > 0) out['x-required-roles'] = rc.required_roles;
  if ((rc.required_permissions?.length ?? 0) > 0) {
    out['x-required-permissions'] = rc.required_permissions;
  }
  if (rc.rate_limit !== undefined) {
    out['x-rate-limit'] = typeof rc.rate_limit === 'object' ? rc.rate_limit.limit : rc.rate_limit;
  }
  if (rc.display_name !== undefined) out['x-display-name'] = rc.display_name;
  if (rc.category !== undefined) out['x-category'] = rc.category;
  return out;
}

function uniqueId(id: string, taken: Set<string>): string {
  let candidate = id;
  for (let n = 2; taken.has(candidate); n++) candidate = `${id}_${n}`;
  taken.add(candidate);
  return candidate;
}
