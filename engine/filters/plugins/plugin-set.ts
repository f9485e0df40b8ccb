import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PathProblem } from '../../config/config-problem.js';
import { ConfigCode } from '../../errors/config-codes.js';
import type { Exchange } from '../../data-plane/exchange.js';
import type {
  PluginContext,
  PluginMetrics,
  PluginPhase,
  PluginRedis,
  PluginSteps,
} from './plugin-api.js';
import { describeFailure } from './plugin-modules.js';
import type { ResolvedPlugin, ResolvedPlugins } from './resolve-plugins.js';
import { validateSteps } from './plugin-steps-check.js';

/** One configured instance of a plugin: what `create` returned for one config. */
export interface PluginInstance {
  readonly name: string;
  readonly file: string;
  readonly phase: PluginPhase;
  readonly timeoutMs: number;
  readonly steps: PluginSteps;
  /** The set the instance belongs to: it closes once the requests that used it are done. */
  readonly set: PluginSet;
}

export interface PluginSetOptions {
  logger: Logger;
  metrics: PluginMetrics | null;
  offline: boolean;
  /** The config has a `redis` block: plugins get the shared client. */
  redis: boolean;
}

/** Longest a replaced set waits for its requests before closing anyway. */
const CLOSE_WAIT_MS = 60_000;

/**
 * The plugin instances of one load of the config: created before the table is compiled, used by
 * the tables built from that load, and closed (each instance's `close()`, once) when a newer load
 * replaces them and the last request that went through one of them has finished.
 */
export class PluginSet {
  private readonly instances = new Map<string, PluginInstance>();
  private active = 0;
  private retired = false;
  private closing: Promise<void> | null = null;
  private redisClient: Redis | Cluster | null = null;

  private constructor(private readonly logger: Logger) {}

  /**
   * Calls each plugin's `create` with each of its configs. A create that throws or rejects is a
   * problem at its entry (with the file and line it threw at); the instances made are closed then.
   */
  static async create(
    resolved: ResolvedPlugins,
    options: PluginSetOptions,
  ): Promise<{ ok: true; set: PluginSet } | { ok: false; problems: PathProblem[] }> {
    const set = new PluginSet(options.logger);
    const problems: PathProblem[] = [];
    for (const plugin of resolved.plugins.values()) {
      for (const [key, config] of plugin.configs) {
        const made = await set.instantiate(plugin, config, options);
        if (typeof made === 'string') {
          problems.push({
            severity: 'error',
            code: ConfigCode.PLUGIN_LOAD,
            message: made,
            path: [...plugin.path, 'module'],
          });
        } else {
          set.instances.set(instanceKey(plugin.name, key), made);
        }
      }
    }
    if (problems.length === 0) return { ok: true, set };
    await set.retire();
    return { ok: false, problems };
  }

  private async instantiate(
    plugin: ResolvedPlugin,
    config: unknown,
    options: PluginSetOptions,
  ): Promise<PluginInstance | string> {
    const file = plugin.module.file;
    const context: PluginContext = {
      name: plugin.name,
      logger: options.logger.child({ plugin: plugin.name }),
      metrics: options.metrics,
      redis: options.redis ? this.redisFacade() : null,
      offline: options.offline,
    };
    let steps: unknown;
    try {
      steps = await plugin.module.plugin.create(config, context);
    } catch (err) {
      return `plugin "${plugin.name}" failed in create: ${describeFailure(err, file)}`;
    }
    const problem = validateSteps(steps);
    if (problem !== null) return `plugin "${plugin.name}": create returned ${problem}`;
    const valid = steps as PluginSteps;
    return {
      name: plugin.name,
      file,
      phase: plugin.phase,
      timeoutMs: plugin.timeoutMs,
      steps: valid,
      set: this,
    };
  }

  /** The instance a route's use of `name` asks for (configKey: see resolve-plugins). */
  instanceFor(name: string, configKey: string): PluginInstance | undefined {
    return this.instances.get(instanceKey(name, configKey));
  }

  /** The table's shared Redis client (a Cluster's too), once the compiler has made it. */
  useRedis(client: Redis | Cluster | null): void {
    this.redisClient = client;
  }

  /** Counts `ex` among the requests the set must wait for before it closes. */
  track(ex: Exchange): void {
    if (ex.onFinished !== null) return;
    this.active++;
    ex.onFinished = this.release;
  }

  private readonly release = (): void => {
    this.active--;
    if (this.retired && this.active === 0) this.onIdle?.();
  };

  /** Set while a retired set waits for its last requests. */
  private onIdle: (() => void) | null = null;

  /** A newer set took over: closes once the requests under way are done (or after CLOSE_WAIT_MS). */
  retire(): Promise<void> {
    this.retired = true;
    if (this.active === 0) return this.closeAll();
    return new Promise((resolve) => {
      const close = () => {
        clearTimeout(timer);
        this.onIdle = null;
        void this.closeAll().then(resolve);
      };
      const timer = setTimeout(close, CLOSE_WAIT_MS);
      timer.unref();
      this.onIdle = close;
    });
  }

  private closeAll(): Promise<void> {
    this.closing ??= Promise.all(
      [...this.instances.values()].map(async (instance) => {
        try {
          await instance.steps.close?.();
        } catch (err) {
          this.logger.warn(
            { plugin: instance.name, err, at: describeFailure(err, instance.file) },
            'plugin close failed',
          );
        }
      }),
    ).then(() => undefined);
    return this.closing;
  }

  /** Redis commands forwarded to the client the compiler hands over; usable from the steps on. */
  private redisFacade(): PluginRedis {
    const client = (): Redis | Cluster => {
      if (this.redisClient === null)
        throw new Error(
          'the redis client is given to plugins once the table is built, after create()',
        );
      return this.redisClient;
    };
    return {
      get: (key) => client().get(key),
      set: async (key, value, options) => {
        const args: Array<string | number> = [];
        if (options?.px !== undefined) args.push('PX', options.px);
        if (options?.nx === true) args.push('NX');
        return (await client().call('SET', key, value, ...args)) === 'OK';
      },
      incr: (key) => client().incr(key),
      pexpire: (key, ms) => client().pexpire(key, ms),
      del: (...keys) => client().del(...keys),
    };
  }
}

function instanceKey(name: string, configKey: string): string {
  return `${name}\u0000${configKey}`;
}
