import { buildTable, type BuildResult } from '../runtime/build-table.js';
import { withOfflineContext } from '../runtime/offline-build.js';

/**
 * Builds a file's table without serving it: its upstream groups are never started (no health
 * checks run) and the pools and shared objects it made (never connected) are closed.
 */
export function compileFileOffline(file: string): Promise<BuildResult> {
  return withOfflineContext((ctx) => buildTable(file, ctx));
}
