import { ConfigCode } from '../errors/config-codes.js';
import { isGatewayEndpoint, openApiPath } from './gateway-endpoints.js';
import { authRequirement } from '../filters/access-control-settings.js';
import type { PathProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Routes the gateway answers from its own state (`handler: catalog | health_detailed |
 * health_redis | usage`): a usage route reports the caller's usage, so it needs an
 * authenticated caller; these endpoints only read, so other methods would never be answered;
 * `catalog` settings belong on a catalog route.
 */
export function checkGatewayEndpoints(config: GatewayConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const specPath = openApiPath(config);
  config.routes.forEach((route, i) => {
    const at = ['routes', i];
    if (route.openapi !== undefined && route.handler !== 'openapi') {
      problems.push({
        severity: 'warning',
        code: ConfigCode.IGNORED_KEY,
        message: `route "${route.path}" has openapi settings but is not an openapi route`,
        hint: 'add handler: openapi, or remove openapi',
        path: [...at, 'openapi'],
        atKey: true,
      });
    }
    if (route.handler === 'openapi' && /[{*]/.test(route.path)) {
      problems.push({
        severity: 'error',
        code: ConfigCode.GATEWAY_ENDPOINT,
        message: `handler: openapi answers one address, and "${route.path}" has a parameter or wildcard`,
        hint: 'use a literal path, e.g. /api/openapi.json',
        path: [...at, 'path'],
      });
    }
    if (route.handler === 'swagger_ui' || route.handler === 'redoc') {
      if (!route.path.endsWith('/*')) {
        problems.push({
          severity: 'error',
          code: ConfigCode.GATEWAY_ENDPOINT,
          message: `handler: ${route.handler} serves a page and its files, so its path must end in /*, not "${route.path}"`,
          hint: `e.g. path: ${route.path.replace(/\/+$/, '')}/* (the page answers at ${route.path.replace(/\/+$/, '')} too)`,
          path: [...at, 'path'],
        });
      }
      if (specPath === undefined) {
        problems.push({
          severity: 'error',
          code: ConfigCode.GATEWAY_ENDPOINT,
          message: `handler: ${route.handler} shows the API's OpenAPI document, and no route has handler: openapi`,
          hint: 'add a route { path: /api/openapi.json, methods: [GET], handler: openapi }',
          path: [...at, 'handler'],
        });
      }
    }
    if (route.catalog !== undefined && route.handler !== 'catalog') {
      problems.push({
        severity: 'warning',
        code: ConfigCode.IGNORED_KEY,
        message: `route "${route.path}" has catalog settings but is not a catalog`,
        hint: 'add handler: catalog, or remove catalog',
        path: [...at, 'catalog'],
        atKey: true,
      });
    }
    if (!isGatewayEndpoint(route.handler)) return;
    if (route.handler === 'usage' && authRequirement(route) === undefined) {
      problems.push({
        severity: 'error',
        code: ConfigCode.GATEWAY_ENDPOINT,
        message: `route "${route.path}" reports the caller's own usage but does not authenticate the caller`,
        hint: 'add auth_required: true (or auth, a required role or tier)',
        path: [...at, 'handler'],
      });
    }
    const other = (route.methods ?? []).filter((m) => !READ_METHODS.has(m));
    if (other.length > 0) {
      problems.push({
        severity: 'error',
        code: ConfigCode.GATEWAY_ENDPOINT,
        message: `handler: ${route.handler} answers GET and HEAD only, not ${other.join(', ')}`,
        hint: 'use methods: [GET]',
        path: [...at, 'methods'],
      });
    }
  });
  return problems;
}
