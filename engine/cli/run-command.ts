import { nativeUws, NativeUwsUnavailableError } from '../native/uws-binding.js';
import { createLogger } from '../observability/logger.js';
import { compileServerSettings } from '../compile/server-settings.js';
import { compileTelemetrySettings } from '../observability/telemetry-settings.js';
import { Gateway, InvalidConfigError } from '../runtime/gateway.js';
import { runSupervisor, WORKER_ENV } from '../runtime/supervisor.js';
import { serveSignals } from '../runtime/serve-signals.js';
import { readConfigOrExit } from './read-config-or-exit.js';

export interface RunOptions {
  config?: string;
  logLevel?: string;
  sharePort?: boolean;
}

/** Runs the gateway: in this process, or as a supervisor of `server.workers` processes. */
export async function runCommand(opts: RunOptions): Promise<void> {
  requireNativeUws();
  // Read first for what a process fixes at start: the log format, metrics, tracing, workers.
  const { file, config } = await readConfigOrExit(opts.config, 'gatewayd');
  const logger = createLogger(
    opts.logLevel ?? 'info',
    config.observability?.logging?.format ?? 'json',
    config.observability?.logging?.output?.type,
  );
  const telemetry = compileTelemetrySettings(config);
  const isWorker = process.env[WORKER_ENV] !== undefined;
  const sharePort = opts.sharePort === true;
  if (!isWorker) {
    const { workers, httpPort, bindAddress } = compileServerSettings(config);
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

/** Exits 1 before anything is read or bound when no native uWS binary loads in this process. */
function requireNativeUws(): void {
  try {
    nativeUws();
  } catch (err) {
    if (!(err instanceof NativeUwsUnavailableError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
