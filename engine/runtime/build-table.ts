import { compileTable, type CompileContext } from '../compile/compile-table.js';
import type { RouteTable } from '../compile/route-table.js';
import { checkRuntimeRoutes } from '../config-loader/check-runtime-routes.js';
import { sortProblems, type ConfigProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { LoadResult, Locator } from '../config-loader/load-config.js';
import type { OpenApiDocuments } from '../filters/openapi-validation/openapi-documents.js';
import type { StoredRuntimeRoute } from '../config/runtime-route.js';

export type BuildResult =
  | {
      ok: true;
      table: RouteTable;
      hash: string;
      warnings: ConfigProblem[];
      /** The file's config, kept to recompile it with other runtime routes. */
      config: GatewayConfig;
      locate: Locator;
      /** The OpenAPI documents the config's routes validate against, compiled once per load. */
      openApi: OpenApiDocuments | null;
    }
  | { ok: false; problems: ConfigProblem[] };

/**
 * Compiles a loaded config with the runtime routes on top. A config that failed to load fails
 * here with the loader's problems (allProblems adds the compiler's). Only the file can make the build
 * fail; a runtime route that does not pass the checks or clashes is listed as inactive.
 */
export function compileLoaded(
  loaded: LoadResult,
  ctx: CompileContext,
  runtime: readonly StoredRuntimeRoute[],
): BuildResult {
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const checked = checkRuntimeRoutes(loaded.config, runtime);
  const compiled = compileTable(
    loaded.config,
    { ...ctx, openApi: loaded.openApi ?? undefined },
    checked.accepted.map((a) => a.runtime),
  );
  if (!compiled.ok) {
    const problems = [...loaded.warnings, ...compiled.problems.map(loaded.locate)];
    return { ok: false, problems: sortProblems(problems) };
  }
  const inactive = [...checked.rejected, ...compiled.table.inactiveRuntimeRoutes].sort(
    (a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1),
  );
  return {
    ok: true,
    table: { ...compiled.table, inactiveRuntimeRoutes: inactive },
    hash: loaded.hash,
    warnings: loaded.warnings,
    config: loaded.config,
    locate: loaded.locate,
    openApi: loaded.openApi,
  };
}
