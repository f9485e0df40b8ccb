import { formatProblem } from '../config/config-problem.js';
import { loadConfigFile } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { compileServerSettings } from '../compile/server-settings.js';
import { compileTelemetrySettings } from '../observability/telemetry-settings.js';
import { Gateway, InvalidConfigError } from '../runtime/gateway.js';
import { runSupervisor, WORKER_ENV } from '../runtime/supervisor.js';
import { serveSignals } from '../runtime/serve-signals.js';
import { allProblems } from '../runtime/offline-build.js';

export interface RunOptions {
  config?: string;
  logLevel?: string;
  sharePort?: boolean;
}

/** Runs the gateway: in this process, or as a supervisor of `server.workers` processes. */
export async function runCommand(opts: RunOptions): Promise<void> {
  const file = opts.config;
  if (!file) {
    console.error('gatewayd: no config file: pass --config FILE or set GATEWAYD_CONFIG');
    process.exit(2);
  }
  // Read first for what a process fixes at start: the log format, metrics, tracing, workers.
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) {
    for (const p of await allProblems(loaded)) console.error(formatProblem(p));
    process.exit(1);
  }
  const logger = createLogger(
    opts.logLevel ?? 'info',
    loaded.config.observability?.logging?.format ?? 'json',
  );
  const telemetry = compileTelemetrySettings(loaded.config);
  const isWorker = process.env[WORKER_ENV] !== undefined;
  const sharePort = opts.sharePort === true;
  if (!isWorker) {
    const { workers, httpPort, bindAddress } = compileServerSettings(loaded.config);
    if (workers > 1) {
      await runSupervisor({
        file,
        workers,
        logger,
        logLevel: opts.logLevel,
        telemetry,
        listen: sharePort ? null : { host: bindAddress, port: httpPort },
      });
      return;
    }
  }
  const gateway = new Gateway({
    file,
    logger,
    exclusivePort: !isWorker && !sharePort,
    logLevelOverride: opts.logLevel,
    telemetry,
  });
  try {
    await gateway.start();
  } catch (err) {
    if (err instanceof InvalidConfigError) for (const line of err.problems) console.error(line);
    else logger.fatal({ err }, 'gatewayd failed to start');
    process.exit(1);
  }
  serveSignals(gateway, file, logger, isWorker);
}
