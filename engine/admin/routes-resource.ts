import type { CompiledRoute } from '../data-plane/compiled-route.js';
import type { StoredRuntimeRoute } from '../config/runtime-route.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isoTime, readJson, type AdminRequest, type AdminResource } from './admin-http.js';

/**
 * The compiled table and the runtime routes on top of it:
 *
 *   GET    /admin/routes          → every route in match order, with its origin, and the
 *                                   runtime routes left out (with their problems)
 *   POST   /admin/routes          a route object, as in the file, with a name → 201
 *   DELETE /admin/routes/{name}   a runtime route → 204
 */
export const routesResource: AdminResource = [
  ['GET', '/admin/routes', listRoutes],
  ['POST', '/admin/routes', registerRoute],
  ['DELETE', '/admin/routes/{name}', removeRoute],
];

async function listRoutes({ ctx }: AdminRequest) {
  const table = ctx.table();
  const stored = byName(ctx.runtimeRoutes.routes);
  return {
    status: 200,
    body: {
      generation: ctx.status.generation,
      routes: table.routes.map((r) => routeView(r, stored)),
      inactive: table.inactiveRuntimeRoutes.map((r) => ({
        name: r.name,
        origin: 'runtime',
        created_at: isoTime(r.createdAt),
        definition: r.route,
        problems: r.problems,
      })),
    },
  };
}

async function registerRoute({ ctx, req }: AdminRequest) {
  const posted = await readJson(req);
  const { table, warnings } = await ctx.runtimeRoutes.register(posted);
  const name = (posted as { name: string }).name;
  const compiled = table.routes.find((r) => r.origin === 'runtime' && r.name === name);
  return {
    status: 201,
    body: {
      generation: ctx.status.generation,
      route: compiled === undefined ? null : routeView(compiled, byName(ctx.runtimeRoutes.routes)),
      warnings,
    },
  };
}

async function removeRoute({ ctx, params }: AdminRequest) {
  const name = params[0] as string;
  if (await ctx.runtimeRoutes.remove(name)) return { status: 204 };
  const fileRoute = ctx.table().routes.find((r) => r.origin === 'file' && r.name === name);
  if (fileRoute !== undefined) {
    throw new GatewayError(
      'CONFLICT',
      `route "${name}" comes from the config file (routes[${fileRoute.configIndex}]); change the file to remove it`,
    );
  }
  throw new GatewayError('ROUTE_NOT_FOUND', `no runtime route is named "${name}"`);
}

function routeView(
  r: CompiledRoute,
  stored: ReadonlyMap<string, StoredRuntimeRoute>,
): Record<string, unknown> {
  const runtime = r.origin === 'runtime' ? stored.get(r.name) : undefined;
  return {
    name: r.name,
    origin: r.origin,
    methods: r.methods,
    host: r.host,
    path: r.path,
    match: r.condition?.description ?? null,
    target: r.target,
    filters: r.filters,
    ...(r.origin === 'file' ? { config_index: r.configIndex } : {}),
    ...(runtime !== undefined
      ? { created_at: isoTime(runtime.createdAt), definition: runtime.route }
      : {}),
  };
}

function byName(routes: readonly StoredRuntimeRoute[]): Map<string, StoredRuntimeRoute> {
  return new Map(routes.map((r) => [r.name, r]));
}
