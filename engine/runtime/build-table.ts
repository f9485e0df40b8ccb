import { compileTable, type CompileContext } from '../compile/compile-table.js';
import type { RouteTable } from '../compile/compiled-route.js';
import type { ConfigProblem } from '../config/config-problem.js';
import { loadConfigFile } from '../config/load-config.js';

export type BuildResult =
  | { ok: true; table: RouteTable; hash: string; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[] };

/** Loads, validates and compiles one config file: the whole path from file to RouteTable. */
export async function buildTable(
  file: string,
  ctx: CompileContext,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuildResult> {
  const loaded = await loadConfigFile(file, env);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const compiled = compileTable(loaded.config, ctx);
  if (!compiled.ok) return { ok: false, problems: compiled.problems.map(loaded.locate) };
  return { ok: true, table: compiled.table, hash: loaded.hash, warnings: loaded.warnings };
}
