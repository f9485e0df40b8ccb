import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Logger } from '../observability/logger.js';
import { MetricsServer } from '../observability/metrics/metrics-server.js';
import { readWorkerMetrics } from '../observability/metrics/worker-metrics.js';
import type { TelemetrySettings } from '../observability/telemetry-settings.js';
import type { CachePurge } from '../filters/cache/cache-purge.js';
import { watchConfigFile } from './config-watcher.js';

export const WORKER_ENV = 'GATEWAYD_WORKER';
export const RELOAD_MESSAGE = 'gatewayd:reload';
export const READY_MESSAGE = 'gatewayd:ready';
/** From a worker whose admin API was asked to reload: every worker reloads. */
export const RELOAD_REQUEST_MESSAGE = 'gatewayd:reload-request';
/** From the worker whose admin API purged its cache: the other workers drop the same entries. */
export const CACHE_PURGE_MESSAGE = 'gatewayd:cache-purge';

export interface CachePurgeMessage {
  type: typeof CACHE_PURGE_MESSAGE;
  purge: CachePurge;
}

export function isCachePurgeMessage(msg: unknown): msg is CachePurgeMessage {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as { type?: unknown }).type === CACHE_PURGE_MESSAGE
  );
}

const RESTART_DELAY_MS = 1000;
/** A scrape waits this long for the workers' series; a worker that is slower is left out. */
const WORKER_METRICS_TIMEOUT_MS = 2000;

interface SupervisorOptions {
  file: string;
  workers: number;
  logger: Logger;
  logLevel?: string;
  telemetry: TelemetrySettings;
  /** The workers' address, checked to be free before they start; null with --share-port. */
  listen: { host: string; port: number } | null;
}

/**
 * `server.workers: N`: N gateway processes listening on one port (uWS sets SO_REUSEPORT, so the
 * kernel spreads connections across them). This process only watches the config, relays reloads,
 * restarts a worker that dies, and passes SIGTERM on.
 */
export async function runSupervisor(o: SupervisorOptions): Promise<void> {
  const children = new Set<ChildProcess>();
  let stopping = false;
  const args = ['run', '--config', o.file, ...(o.logLevel ? ['--log-level', o.logLevel] : [])];

  const relayReload = () => {
    for (const child of children) child.send(RELOAD_MESSAGE);
  };

  const start = (index: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(process.argv[1] as string, args, {
        env: { ...process.env, [WORKER_ENV]: String(index) },
      });
      children.add(child);
      let ready = false;
      child.on('message', (msg) => {
        if (msg === READY_MESSAGE && !ready) {
          ready = true;
          resolve();
        } else if (msg === RELOAD_REQUEST_MESSAGE) {
          relayReload();
        } else if (isCachePurgeMessage(msg)) {
          for (const other of children) if (other !== child) other.send(msg);
        }
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (!ready) {
          reject(
            new Error(`worker ${index} exited during startup (code ${code}, signal ${signal})`),
          );
          return;
        }
        if (stopping) return;
        o.logger.error({ worker: index, code, signal }, 'worker died; restarting');
        setTimeout(
          () => void start(index).catch((err) => o.logger.error({ err }, 'worker restart failed')),
          RESTART_DELAY_MS,
        );
      });
    });

  if (o.listen !== null && o.listen.port !== 0) {
    const inUse = await portInUse(o.listen.host, o.listen.port).catch((err: unknown) => {
      o.logger.fatal({ err, address: o.listen?.host }, 'the HTTP port cannot be opened');
      process.exit(1);
    });
    if (inUse) {
      o.logger.fatal(
        { address: o.listen.host, port: o.listen.port },
        'the HTTP port is already in use (another gatewayd?); stop it, or pass --share-port to share the port on purpose',
      );
      process.exit(1);
    }
  }
  try {
    await Promise.all(Array.from({ length: o.workers }, (_, i) => start(i)));
  } catch (err) {
    o.logger.fatal({ err }, 'workers failed to start');
    for (const child of children) child.kill('SIGTERM');
    process.exit(1);
  }
  o.logger.info({ workers: o.workers, pids: [...children].map((c) => c.pid) }, 'workers started');
  let metricsServer: MetricsServer | null = null;
  try {
    metricsServer = await serveWorkerMetrics(o, () => children);
  } catch (err) {
    o.logger.fatal({ err }, 'the metrics port cannot be opened');
    for (const child of children) child.kill('SIGTERM');
    process.exit(1);
  }

  const stopWatching = watchConfigFile(o.file, 100, relayReload);
  process.on('SIGHUP', relayReload);
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stopWatching();
    void metricsServer?.close();
    for (const child of children) child.kill('SIGTERM');
    const waitAll = [...children].map((c) => new Promise((r) => c.once('exit', r)));
    void Promise.all(waitAll).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Workers listen with SO_REUSEPORT, so they would silently share a port with another gatewayd:
 * a bind without it fails if anyone holds the port, and is released before the workers bind.
 */
function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(true);
      else reject(err);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** The metrics port of a multi-worker gateway: each scrape sums what the workers report. */
async function serveWorkerMetrics(
  o: SupervisorOptions,
  children: () => Iterable<ChildProcess>,
): Promise<MetricsServer | null> {
  const at = o.telemetry.metrics;
  if (at === null) return null;
  const server = new MetricsServer(
    at.path,
    readWorkerMetrics(children, WORKER_METRICS_TIMEOUT_MS),
    o.logger,
  );
  const port = await server.listen(at.bindAddress, at.port);
  o.logger.info({ address: at.bindAddress, port, path: at.path }, 'metrics listening');
  return server;
}
