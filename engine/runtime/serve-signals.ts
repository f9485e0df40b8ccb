import type { Logger } from '../observability/logger.js';
import { watchConfigFile } from './config-watcher.js';
import type { Gateway } from './gateway.js';
import { RELOAD_MESSAGE, READY_MESSAGE, isCachePurgeMessage } from './supervisor.js';

const DEBOUNCE_MS = 100;

/**
 * Wires a started gateway to the outside: file changes and SIGHUP reload it, SIGTERM and SIGINT
 * drain it and exit. A worker process takes reloads from its supervisor instead of watching.
 */
export function serveSignals(
  gateway: Gateway,
  file: string,
  logger: Logger,
  isWorker: boolean,
): void {
  const reload = (reason: string) => void gateway.reload(reason);
  const stopWatching = isWorker
    ? () => {}
    : watchConfigFile(file, DEBOUNCE_MS, () => reload('file changed'));
  process.on('SIGHUP', () => reload('SIGHUP'));
  if (isWorker) {
    process.on('message', (msg) => {
      if (msg === RELOAD_MESSAGE) reload('supervisor');
      else if (isCachePurgeMessage(msg)) gateway.purgeMemoryCaches(msg.purge);
    });
    process.send?.(READY_MESSAGE);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stopWatching();
    void gateway.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A worker whose supervisor died (even by SIGKILL) must not keep the port.
  if (isWorker) process.on('disconnect', () => stop('supervisor gone'));
}
