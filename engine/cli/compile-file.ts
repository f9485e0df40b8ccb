import { createLogger } from '../observability/logger.js';
import { buildTable, type BuildResult } from '../runtime/build-table.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';

/**
 * Builds a file's table without serving it: its upstream groups are never started (no health
 * checks run) and the pools it opened (never connected) are closed.
 */
export async function compileFileOffline(file: string): Promise<BuildResult> {
  const pools = new PoolRegistry();
  try {
    return await buildTable(file, {
      pools,
      upstreams: new UpstreamRegistry(),
      logger: createLogger('silent'),
      isReady: () => true,
    });
  } finally {
    await pools.closeAll();
  }
}
