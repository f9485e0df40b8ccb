import { formatProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { loadConfigFile } from '../config-loader/load-config.js';
import { allProblems } from '../runtime/offline-build.js';

/**
 * The config a command runs on, read with this process's environment. Exits 2 when no file was
 * given and 1, after printing every problem (the compiler's too), when it does not validate.
 */
export async function readConfigOrExit(
  file: string | undefined,
  command: string,
): Promise<{ file: string; config: GatewayConfig }> {
  if (!file) {
    console.error(`${command}: no config file: pass --config FILE or set GATEWAYD_CONFIG`);
    process.exit(2);
  }
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) {
    for (const p of await allProblems(loaded)) console.error(formatProblem(p));
    process.exit(1);
  }
  return { file, config: loaded.config };
}
