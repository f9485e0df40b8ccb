import type { CompileContext } from '../compile/compile-table.js';
import { loadConfigText } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { SharedObjects } from '../state/shared-objects.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';
import { compileLoaded, type BuildResult } from './build-table.js';

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

/** A config given as text (the admin API's check), built as `gatewayd check` builds a file. */
export function compileTextOffline(
  text: string,
  /** Stands for the file in problems: `name:line:col: CODE message`. */
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuildResult> {
  return withOfflineContext((ctx) => compileLoaded(loadConfigText(text, name, env), ctx, []));
}
