import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Logger } from '../observability/logger.js';
import { sortProblems, type ConfigProblem } from '../config/config-problem.js';
import type { LoadResult } from '../config-loader/load-config.js';
import type { GatewayMetrics } from '../observability/metrics/gateway-metrics.js';
import type { PluginMetrics } from '../filters/plugins/plugin-api.js';
import type { PluginModules } from '../filters/plugins/plugin-modules.js';
import { PluginSet } from '../filters/plugins/plugin-set.js';
import { resolvePlugins } from '../filters/plugins/resolve-plugins.js';

type Loaded = Extract<LoadResult, { ok: true }>;

// prom-client comes with the gateway's metrics (loaded only when metrics are on), not at start.
const load = createRequire(import.meta.url);

export interface PluginLoadOptions {
  modules: PluginModules;
  logger: Logger;
  metrics: GatewayMetrics | null;
  offline: boolean;
  /** The hash of the build in force: an unchanged config and unchanged modules create nothing. */
  unchangedHash?: string;
}

export type PluginLoad =
  | { ok: true; loaded: Loaded; set: PluginSet | undefined }
  | { ok: true; unchanged: true; loaded: Loaded }
  | { ok: false; problems: ConfigProblem[] };

/**
 * Loads the config's plugin modules, checks their configs and creates their instances, with
 * problems placed in the file like the loader's. The loaded config's hash comes to cover the
 * modules' versions too, so that an edited plugin file reloads an unchanged YAML.
 */
export async function loadPlugins(loaded: Loaded, options: PluginLoadOptions): Promise<PluginLoad> {
  const { problems, resolved } = await resolvePlugins(loaded.config, loaded.file, options.modules);
  if (resolved.plugins.size === 0 && problems.length === 0)
    return { ok: true, loaded, set: undefined };
  const hash = createHash('sha256').update(`${loaded.hash} ${resolved.versionKey}`).digest('hex');
  const withModules = { ...loaded, hash };
  if (problems.length === 0 && hash === options.unchangedHash)
    return { ok: true, unchanged: true, loaded: withModules };
  // The plugins that resolved are created even when others did not: one run reports all.
  const created = await PluginSet.create(resolved, {
    logger: options.logger,
    metrics: options.metrics === null ? null : pluginMetrics(options.metrics),
    offline: options.offline,
    redis: loaded.config.redis !== undefined,
  });
  if (!created.ok) problems.push(...created.problems);
  else if (problems.length > 0) await created.set.retire();
  if (problems.length > 0 || !created.ok) return { ok: false, problems: placed(loaded, problems) };
  return { ok: true, loaded: withModules, set: created.set };
}

function placed(loaded: Loaded, problems: Parameters<Loaded['locate']>[0][]): ConfigProblem[] {
  return sortProblems([...loaded.warnings, ...problems.map(loaded.locate)]);
}

const PLUGIN_PREFIX = 'gatewayd_plugin_';

/** Plugins' own series, in the gateway's registry; names under gatewayd_plugin_. */
function pluginMetrics(metrics: GatewayMetrics): PluginMetrics {
  const { Counter, Histogram } = load('prom-client') as typeof import('prom-client');
  const checked = (name: string): string => {
    if (!name.startsWith(PLUGIN_PREFIX) || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name))
      throw new TypeError(
        `plugin metric names start with ${PLUGIN_PREFIX} and are Prometheus names: ${name}`,
      );
    return name;
  };
  return {
    counter(options) {
      const name = checked(options.name);
      const counter = metrics.pluginSeries(
        name,
        (registers) =>
          new Counter({
            name,
            help: options.help,
            labelNames: [...(options.labelNames ?? [])],
            registers,
          }),
      );
      return { inc: (labels, value) => counter.inc(labels ?? {}, value ?? 1) };
    },
    histogram(options) {
      const name = checked(options.name);
      const histogram = metrics.pluginSeries(
        name,
        (registers) =>
          new Histogram({
            name,
            help: options.help,
            labelNames: [...(options.labelNames ?? [])],
            ...(options.buckets === undefined ? {} : { buckets: [...options.buckets] }),
            registers,
          }),
      );
      return { observe: (labels, value) => histogram.observe(labels, value) };
    },
  };
}
