import { buildTable, type BuildResult } from '../runtime/build-table.js';
import { PoolRegistry } from '../upstream/pool-registry.js';

/** Builds a file's table without serving it; the pools it opened (never connected) are closed. */
export async function compileFileOffline(file: string): Promise<BuildResult> {
  const pools = new PoolRegistry();
  try {
    return await buildTable(file, pools, () => true);
  } finally {
    await pools.closeAll();
  }
}
