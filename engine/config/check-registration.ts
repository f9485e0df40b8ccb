import { ConfigCode } from '../errors/config-codes.js';
import type { PathProblem } from './config-problem.js';
import type { GatewayConfig } from './gateway-config.js';
import { CONFIG_DEFAULTS } from './config-defaults.js';

/**
 * route_registration needs a JWT verifier (its callers are JWT holders with a role), distinct
 * endpoint paths, and, with the identity module, a required role that some user can have.
 */
export function checkRegistration(config: GatewayConfig): PathProblem[] {
  const block = config.route_registration;
  if (block === undefined) return [];
  const problems: PathProblem[] = [];
  if (config.auth?.jwt === undefined) {
    problems.push({
      severity: 'error',
      code: ConfigCode.ROUTE_REGISTRATION,
      message: 'route_registration needs auth.jwt: its callers are identified by a JWT with a role',
      hint: 'add an auth.jwt block (the identity module issues tokens it accepts)',
      path: ['route_registration'],
      atKey: true,
    });
  }
  const paths = block.paths ?? {};
  const prefix = block.proxy_prefix ?? CONFIG_DEFAULTS.route_registration.proxy_prefix;
  for (const [key, path] of Object.entries(paths)) {
    if (path !== undefined && (path === prefix || path.startsWith(`${prefix}/`))) {
      problems.push({
        severity: 'error',
        code: ConfigCode.ROUTE_REGISTRATION,
        message: `route_registration.paths.${key} (${path}) lies under proxy_prefix ${prefix}, where registered APIs are served`,
        hint: 'move the endpoint or the proxy_prefix',
        path: ['route_registration', 'paths', key],
      });
    }
  }
  const identity = config.identity;
  if (identity !== undefined) {
    const grantable = new Set([
      ...(identity.admin_roles ?? CONFIG_DEFAULTS.identity.admin_roles),
      ...(identity.registration?.default_roles ??
        CONFIG_DEFAULTS.identity.registration.default_roles),
      ...(identity.bootstrap_users ?? []).flatMap((u) => u.roles ?? []),
    ]);
    const roles = block.required_roles ?? CONFIG_DEFAULTS.route_registration.required_roles;
    if (!roles.some((r) => grantable.has(r))) {
      problems.push({
        severity: 'warning',
        code: ConfigCode.ROUTE_REGISTRATION,
        message: `no user of the identity module can have any of route_registration.required_roles (${roles.join(', ')})`,
        hint: 'list one of identity.admin_roles, or give a bootstrap user one of these roles',
        path:
          block.required_roles === undefined
            ? ['route_registration']
            : ['route_registration', 'required_roles'],
        atKey: block.required_roles === undefined,
      });
    }
  }
  return problems;
}
