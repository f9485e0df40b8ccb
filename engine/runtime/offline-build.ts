import { compileTable, type CompileContext } from '../compile/compile-table.js';
import { sortProblems, type ConfigProblem } from '../config/config-problem.js';
import {
  loadConfigFile,
  loadConfigText,
  type LoadFailure,
  type LoadResult,
} from '../config-loader/load-config.js';
import { createLogger } from '../observability/logger.js';
import { SharedObjects } from '../state/shared-objects.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';
import { compileLoaded, type BuildResult } from './build-table.js';
import { PluginModules } from '../filters/plugins/plugin-modules.js';
import { loadPlugins } from './plugin-loading.js';

/**
 * Runs `build` with a compile context of its own, for a table that is checked or explained but
 * never served: its upstream groups never start (no health checks), and the pools and shared
 * objects it made (never connected) are closed afterwards. Nothing of the gateway in force is
 * touched.
 */
export async function withOfflineContext<T>(
  build: (ctx: CompileContext & { upstreams: UpstreamRegistry }) => T | Promise<T>,
): Promise<T> {
  const pools = new PoolRegistry();
  const shared = new SharedObjects();
  try {
    return await build({
      pools,
      upstreams: new UpstreamRegistry(),
      shared,
      offline: true,
      logger: createLogger('silent'),
      isReady: () => true,
    });
  } finally {
    await Promise.all([pools.closeAll(), shared.closeAll()]);
  }
}

/** Builds a file's table without serving it, as `gatewayd check` and `routes` do. */
export async function compileFileOffline(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuildResult> {
  return compileOffline(await loadConfigFile(file, env));
}

/** A config given as text (the admin API's check), built as `gatewayd check` builds a file. */
export function compileTextOffline(
  text: string,
  /** Stands for the file in problems: `name:line:col: CODE message`. */
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuildResult> {
  return compileOffline(loadConfigText(text, name, env));
}

async function compileOffline(loaded: LoadResult): Promise<BuildResult> {
  if (!loaded.ok) return { ok: false, problems: await allProblems(loaded) };
  const built = await withOfflinePlugins(loaded, (ctx, withPlugins) =>
    compileLoaded(withPlugins, ctx, []),
  );
  return 'ok' in built ? built : { ok: false, problems: built.problems };
}

/**
 * Runs `build` in an offline context with the config's plugins loaded and their instances
 * created (a create that throws is a problem like any other), closed again afterwards. Each
 * call imports the modules afresh: an offline build is a one-off.
 */
export async function withOfflinePlugins<T>(
  loaded: Extract<LoadResult, { ok: true }>,
  build: (
    ctx: CompileContext & { upstreams: UpstreamRegistry },
    loaded: Extract<LoadResult, { ok: true }>,
  ) => T,
): Promise<T | { problems: ConfigProblem[] }> {
  const plugins = await loadPlugins(loaded, {
    modules: new PluginModules(),
    logger: createLogger('silent'),
    metrics: null,
    offline: true,
  });
  if (!plugins.ok) return { problems: plugins.problems };
  const set = 'set' in plugins ? plugins.set : undefined;
  try {
    return await withOfflineContext((ctx) => build({ ...ctx, plugins: set }, plugins.loaded));
  } finally {
    await set?.retire();
  }
}

/**
 * Every problem of a config that failed to load: those the loader found, and those the
 * compiler finds in its draft (routes that shadow each other, say), so that one run reports all.
 */
export async function allProblems(failed: LoadFailure): Promise<ConfigProblem[]> {
  const draft = failed.draft;
  if (draft === undefined) return failed.problems;
  const compiled = await withOfflineContext((ctx) => {
    try {
      return compileTable(draft.config, ctx);
    } catch {
      // The draft passed the schema but not every check the compiler relies on: the loader's
      // errors stand alone then, as they must be fixed first anyway.
      return undefined;
    }
  });
  if (compiled === undefined || compiled.ok) return failed.problems;
  const more = compiled.problems.flatMap((p) => draft.place(p) ?? []);
  return sortProblems([...failed.problems, ...more]);
}
