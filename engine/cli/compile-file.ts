import { createLogger } from '../observability/logger.js';
import { buildTable, type BuildResult } from '../runtime/build-table.js';
import { SharedObjects } from '../state/shared-objects.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';

/**
 * Builds a file's table without serving it: its upstream groups are never started (no health
 * checks run) and the pools and shared objects it made (never connected) are closed.
 */
export async function compileFileOffline(file: string): Promise<BuildResult> {
  const pools = new PoolRegistry();
  const shared = new SharedObjects();
  try {
    return await buildTable(file, {
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
