// @ts-check
// The platform's 30 module services behind one small server: GET /health for the gateway's
// health checks, and every /modules/{name}/... request answered with what the module saw: its
// name, the rest of the path, the method, the caller context the gateway added and the body.
import { startJsonService } from '../../lib/json-service.mjs';

/**
 * @typedef {object} ModuleCall One request as the module services saw it.
 * @property {string} module
 * @property {string} method
 * @property {string} path The path below /modules/{name}.
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {unknown} body
 */

export async function startModuleBackend() {
  /** @type {ModuleCall[]} */
  const calls = [];
  const service = await startJsonService((req) => {
    if (req.path === '/health') return { status: 200, body: { status: 'ok' } };
    const match = /^\/modules\/([^/]+)(\/.*)?$/.exec(req.path);
    if (match === null) return { status: 404, body: { detail: 'not a module path' } };
    /** @type {ModuleCall} */
    const call = {
      module: /** @type {string} */ (match[1]),
      method: req.method,
      path: match[2] ?? '/',
      headers: req.headers,
      body: req.body,
    };
    calls.push(call);
    return {
      status: 200,
      body: {
        module: call.module,
        method: call.method,
        path: call.path,
        user_id: req.headers['x-user-id'] ?? null,
        tier: req.headers['x-user-tier'] ?? null,
        auth_method: req.headers['x-auth-method'] ?? null,
        received: call.body,
      },
    };
  });
  return { ...service, calls };
}
