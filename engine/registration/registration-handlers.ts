import type { RouteHandler } from '../data-plane/compiled-route.js';
import type { RouteConfig } from '../config/gateway-config.js';
import type { Exchange } from '../data-plane/exchange.js';
import { sendError } from '../data-plane/respond.js';
import { GatewayError } from '../errors/gateway-error.js';
import { sendJson } from '../data-plane/generated-json.js';
import { readJsonBody } from '../identity/json-exchange.js';
import type { Logger } from '../observability/logger.js';
import { registrationRoute } from './registration-request.js';
import type { RegistrationSettings } from './registration-settings.js';
import type { RegistrationStore } from './registration-store.js';

export interface RegistrationHandlers {
  register: RouteHandler;
  list: RouteHandler;
  unregister: RouteHandler;
}

const NO_STORE = new GatewayError(
  'SERVICE_UNAVAILABLE',
  'route registration is not running in this process',
);

/** The three endpoints; their guards (JWT with a required role) run before them. */
export function createRegistrationHandlers(
  settings: RegistrationSettings,
  store: RegistrationStore | null,
  requestTimeoutMs: number,
  logger: Logger,
): RegistrationHandlers {
  const run = (work: (ex: Exchange, s: RegistrationStore) => Promise<void>): RouteHandler =>
    function registrationEndpoint(ex) {
      if (store === null) {
        sendError(ex, NO_STORE);
        return;
      }
      work(ex, store).catch((err: unknown) => {
        if (err instanceof GatewayError) {
          sendError(ex, err);
          return;
        }
        logger.error({ err, request_id: ex.requestId }, 'route registration failed');
        sendError(ex, new GatewayError('INTERNAL_ERROR', 'route registration failed'));
      });
    };
  const registered = (s: RegistrationStore) =>
    s.routes.filter((r) => (r.route as RouteConfig).path === `${settings.proxyPrefix}/${r.name}`);
  return {
    register: run(async (ex, s) => {
      const route = registrationRoute(await readJsonBody(ex, requestTimeoutMs), settings);
      await s.register(route);
      sendJson(ex, 201, {
        message: `API "${route.name}" registered`,
        api: view(route, Date.now()),
      });
    }),
    list: run(async (ex, s) => {
      const apis = registered(s).map((r) => view(r.route as RouteConfig, r.createdAt));
      sendJson(ex, 200, { apis, total: apis.length });
    }),
    unregister: run(async (ex, s) => {
      const name = new URLSearchParams(ex.query).get('name');
      if (name === null || name === '') {
        throw new GatewayError('BAD_REQUEST', 'give the API to remove as ?name=');
      }
      // Only what registration made: other runtime routes belong to the admin API.
      if (!registered(s).some((r) => r.name === name) || !(await s.remove(name))) {
        throw new GatewayError('NOT_FOUND', `no registered API is named "${name}"`);
      }
      sendJson(ex, 200, { message: `API "${name}" unregistered`, name });
    }),
  };
}

function view(route: RouteConfig, createdAt: number): Record<string, unknown> {
  return {
    name: route.name,
    method: route.methods?.[0] ?? 'GET',
    proxy_path: route.path,
    upstream: route.upstream,
    upstream_path: route.rewrite,
    require_auth: route.auth_required === true,
    ws_supported: false,
    created_at: new Date(createdAt).toISOString(),
  };
}
