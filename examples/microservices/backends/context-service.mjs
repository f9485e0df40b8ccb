// @ts-check
// The user, metrics and health services behind the microservices gateway, reduced to what the
// flows show: each answers with its name, the path and the user context the gateway added
// (X-User-ID, X-User-Roles), so you see what a real service would act on.
import { startJsonService } from '../../lib/json-service.mjs';

/**
 * @param {string} service Its name, in every answer.
 * @param {import('../../lib/json-service.mjs').ListenOptions} [listen]
 */
export function startContextService(service, listen = {}) {
  return startJsonService((req) => {
    if (req.path === '/health') return { status: 200, body: { status: 'healthy', service } };
    const h = req.headers;
    const context = {
      user_id: h['x-user-id'] ?? null,
      roles: h['x-user-roles'] ?? null,
      request_id: h['x-request-id'] ?? null,
    };
    // The caller's own record, from the identity the gateway verified.
    if (req.path === '/api/v1/users/me') {
      return { status: 200, body: { service, id: context.user_id, roles: context.roles } };
    }
    return { status: 200, body: { service, method: req.method, path: req.path, context } };
  }, listen);
}
