import type { RouteTable } from '../compile/route-table.js';
import type { BuildResult } from './build-table.js';
import { redisTargetKey, redisTargetOf } from '../state/redis-target.js';
import { changedKeysUnder, type ConfigChanges } from './config-changes.js';

type Built = Extract<BuildResult, { ok: true }>;

interface RestartOnlySetting {
  /** The YAML keys that set it. */
  keys: readonly string[];
  differs(now: Built, next: Built): boolean;
}

const adminAddress = (t: RouteTable) => (t.admin ? `${t.admin.bindAddress}:${t.admin.port}` : '');
/** The runtime route store is opened once, at start; rate limits follow a new redis block. */
const routeStore = (b: Built) => {
  const target = redisTargetOf(b.config);
  return `${target ? redisTargetKey(target) : ''} ${b.config.redis?.key_prefix ?? ''}`;
};
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a process reads once, at start: listeners, worker count, log format, telemetry. */
const RESTART_ONLY: readonly RestartOnlySetting[] = [
  {
    keys: ['server.http_port'],
    differs: (a, b) => a.table.settings.httpPort !== b.table.settings.httpPort,
  },
  {
    keys: ['server.bind_address'],
    differs: (a, b) => a.table.settings.bindAddress !== b.table.settings.bindAddress,
  },
  {
    keys: ['server.workers'],
    differs: (a, b) => a.table.settings.workers !== b.table.settings.workers,
  },
  {
    keys: ['observability.logging.format'],
    differs: (a, b) => a.table.settings.logFormat !== b.table.settings.logFormat,
  },
  {
    keys: ['server.metrics_port', 'observability.metrics'],
    differs: (a, b) =>
      !same(a.table.settings.telemetry.metrics, b.table.settings.telemetry.metrics),
  },
  {
    keys: ['observability.tracing'],
    differs: (a, b) =>
      !same(a.table.settings.telemetry.tracing, b.table.settings.telemetry.tracing),
  },
  {
    keys: ['server.admin_port', 'admin.port', 'admin.bind_address'],
    differs: (a, b) => adminAddress(a.table) !== adminAddress(b.table),
  },
  {
    keys: ['redis.url', 'redis.sentinel', 'redis.cluster', 'redis.key_prefix'],
    differs: (a, b) => routeStore(a) !== routeStore(b),
  },
];

/**
 * The YAML keys of the restart-only settings that `next` changes, as the user wrote them
 * (`server.http_port`), so the warning points at the file rather than at internal names.
 */
export function restartOnlyChanges(now: Built, next: Built, changes: ConfigChanges): string[] {
  const keys = new Set<string>();
  for (const setting of RESTART_ONLY) {
    if (!setting.differs(now, next)) continue;
    const written = changedKeysUnder(changes, setting.keys);
    for (const key of written.length > 0 ? written : setting.keys.slice(0, 1)) keys.add(key);
  }
  return [...keys];
}
