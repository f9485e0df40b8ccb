import { loadConfigText } from '../config/load-config.js';
import { buildTable, compileLoaded, type BuildResult } from '../runtime/build-table.js';
import { withOfflineContext } from '../runtime/offline-context.js';

/**
 * Builds a file's table without serving it: its upstream groups are never started (no health
 * checks run) and the pools and shared objects it made (never connected) are closed.
 */
export function compileFileOffline(file: string): Promise<BuildResult> {
  return withOfflineContext((ctx) => buildTable(file, ctx));
}

/** The same for a config given as text (the admin API's check); `name` stands for its file. */
export function compileTextOffline(
  text: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuildResult> {
  return withOfflineContext((ctx) => compileLoaded(loadConfigText(text, name, env), ctx, []));
}
