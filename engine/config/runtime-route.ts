import type { ConfigPath, PathProblem, ProblemSeverity } from './config-problem.js';
import type { RouteConfig } from './gateway-config.js';

/** A route registered through the admin API, as stores keep it: not yet checked. */
export interface StoredRuntimeRoute {
  /** Unique among runtime routes; the route's own `name`. */
  readonly name: string;
  readonly route: unknown;
  /** Epoch ms. Runtime routes are compiled oldest first, so the newer of two clashing ones loses. */
  readonly createdAt: number;
}

/** A runtime route that passed the schema and the semantic checks against the file's config. */
export interface RuntimeRoute extends StoredRuntimeRoute {
  readonly route: RouteConfig;
}

/** A problem of one runtime route: there is no file position, so it is placed by JSON path. */
export interface RouteProblem {
  severity: ProblemSeverity;
  code: string;
  message: string;
  hint?: string;
  /** Into the posted route object: `$.upstream`, `$.rate_limit.limit`, `$` for the whole route. */
  path: string;
}

/** A runtime route left out of the table, with the reasons. */
export interface InactiveRuntimeRoute {
  readonly name: string;
  readonly route: unknown;
  readonly createdAt: number;
  readonly problems: readonly RouteProblem[];
}

/** Re-places a problem found at `path` inside the route (relative to it) by JSON path. */
export function routeProblem(p: PathProblem, path: ConfigPath): RouteProblem {
  const message = p.message.startsWith('top level:')
    ? `route:${p.message.slice('top level:'.length)}`
    : p.message;
  return {
    severity: p.severity,
    code: p.code,
    message,
    hint: p.hint,
    path: jsonPath(path),
  };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** ['upstreams', 0, 'name'] → `$.upstreams[0].name`; ['match', 'headers', 'x.y'] → `$.match.headers["x.y"]` */
export function jsonPath(path: ConfigPath): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return out;
}
