import { ConfigCode } from '../errors/config-codes.js';
import { checkSemantics } from './check-semantics.js';
import type { ConfigPath, PathProblem } from '../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import {
  routeProblem,
  type InactiveRuntimeRoute,
  type RouteProblem,
  type RuntimeRoute,
  type StoredRuntimeRoute,
} from '../config/runtime-route.js';
import { validateRoute } from '../config/validate-schema.js';

/** Runtime route names go into admin URLs (`DELETE /admin/routes/{name}`) as they are. */
const RUNTIME_ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface CheckedRuntimeRoutes {
  /** In the order given, with their warnings. */
  accepted: Array<{ runtime: RuntimeRoute; warnings: RouteProblem[] }>;
  rejected: InactiveRuntimeRoute[];
}

/**
 * Checks runtime routes by the rules of a route in `config`'s file: the schema's route
 * definition, then the same semantic checks (targets, upstreams defined in the file, auth,
 * rate limits, ...), run on the file's routes followed by these. A runtime route also needs a
 * name of its own. Problems are placed by JSON path inside the route.
 */
export function checkRuntimeRoutes(
  config: GatewayConfig,
  routes: readonly StoredRuntimeRoute[],
): CheckedRuntimeRoutes {
  if (routes.length === 0) return { accepted: [], rejected: [] };
  const rejected: InactiveRuntimeRoute[] = [];
  const fileNames = new Map<string, number>();
  config.routes.forEach((r, i) => {
    if (r.name !== undefined && !fileNames.has(r.name)) fileNames.set(r.name, i);
  });
  const names = new Set<string>();
  const candidates: RuntimeRoute[] = [];
  for (const stored of routes) {
    const problems = validateRoute(stored.route).map((p) => routeProblem(p, p.path));
    if (problems.length === 0) {
      const name = (stored.route as RouteConfig).name;
      const nameProblem = checkName(name, fileNames, names);
      if (nameProblem !== null) problems.push(routeProblem(nameProblem, nameProblem.path));
      else names.add(name as string);
      if ((stored.route as RouteConfig).plugins !== undefined) {
        const refusal: PathProblem = {
          severity: 'error',
          code: ConfigCode.PLUGIN,
          message: 'runtime routes cannot run plugins: plugins load with the config file',
          path: ['plugins'],
        };
        problems.push(routeProblem(refusal, refusal.path));
      }
      if ((stored.route as RouteConfig).openapi_validation !== undefined) {
        const refusal: PathProblem = {
          severity: 'error',
          code: ConfigCode.OPENAPI,
          message:
            'runtime routes cannot validate against OpenAPI documents: documents load with the config file',
          path: ['openapi_validation'],
        };
        problems.push(routeProblem(refusal, refusal.path));
      }
    }
    if (problems.length > 0) rejected.push({ ...stored, problems });
    else candidates.push(stored as RuntimeRoute);
  }

  const first = config.routes.length;
  const found = candidates.map((): RouteProblem[] => []);
  const all = checkSemantics({
    ...config,
    routes: [...config.routes, ...candidates.map((c) => c.route)],
  });
  for (const p of all) {
    const index = p.path[1];
    if (p.path[0] !== 'routes' || typeof index !== 'number' || index < first) continue;
    found[index - first]?.push(routeProblem(p, p.path.slice(2)));
  }
  const accepted: CheckedRuntimeRoutes['accepted'] = [];
  candidates.forEach((runtime, i) => {
    const problems = found[i] as RouteProblem[];
    if (problems.some((p) => p.severity === 'error')) rejected.push({ ...runtime, problems });
    else accepted.push({ runtime, warnings: problems });
  });
  return { accepted, rejected };
}

function checkName(
  name: string | undefined,
  fileNames: ReadonlyMap<string, number>,
  taken: ReadonlySet<string>,
): PathProblem | null {
  const at: ConfigPath = ['name'];
  const problem = (message: string, hint: string): PathProblem => ({
    severity: 'error',
    code: ConfigCode.ROUTE_NAME,
    message,
    hint,
    path: at,
  });
  if (name === undefined) {
    return {
      ...problem(
        'a runtime route needs a name',
        'add "name": it is how the route is listed and removed',
      ),
      path: [],
    };
  }
  if (!RUNTIME_ROUTE_NAME.test(name)) {
    return problem(
      `runtime route name "${name}" is not a valid name`,
      'up to 128 letters, digits, "_", "." and "-", starting with a letter or digit',
    );
  }
  const fileIndex = fileNames.get(name);
  if (fileIndex !== undefined) {
    return problem(
      `route name "${name}" is already taken by routes[${fileIndex}] in the config file`,
      'give the runtime route a name of its own',
    );
  }
  if (taken.has(name)) {
    return problem(
      `route name "${name}" is already taken by another runtime route`,
      'give the runtime route a name of its own',
    );
  }
  return null;
}
