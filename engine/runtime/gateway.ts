import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AdminContext } from '../admin/admin-context.js';
import { AdminServer } from '../admin/admin-server.js';
import { ConfigStatus } from '../admin/config-status.js';
import type { RouteTable } from '../compile/route-table.js';
import { formatProblem } from '../config/config-problem.js';
import { loadConfigFile, type LoadResult } from '../config-loader/load-config.js';
import { PluginModules } from '../filters/plugins/plugin-modules.js';
import type { PluginSet } from '../filters/plugins/plugin-set.js';
import { cachesToPurge, purgeRouteCache, type CachePurge } from '../filters/cache/cache-purge.js';
import { FileWatches } from './file-watches.js';
import { loadPlugins, type PluginLoad } from './plugin-loading.js';
import type { StoredRuntimeRoute } from '../config/runtime-route.js';
import type { Exchange } from '../data-plane/exchange.js';
import { HttpServer } from '../data-plane/http-server.js';
import { nativeUwsRelease } from '../native/uws-binding.js';
import type { Logger } from '../observability/logger.js';
import { UsageRecorder } from '../observability/usage-recorder.js';
import { createRuntimeRouteStore } from '../state/create-runtime-route-store.js';
import { RedisRuntimeRouteStore } from '../state/redis-runtime-route-store.js';
import { createTelemetry } from '../observability/create-telemetry.js';
import { MetricsServer } from '../observability/metrics/metrics-server.js';
import { answerMetricsRequests } from '../observability/metrics/worker-metrics.js';
import { createRequestObserver } from '../observability/request-observer.js';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry.js';
import type { TelemetrySettings } from '../observability/telemetry-settings.js';
import { SharedObjects } from '../state/shared-objects.js';
import { GOING_AWAY, OpenSockets } from '../websocket/open-sockets.js';
import { createSocketBehavior } from '../websocket/socket-behavior.js';
import type { SocketData } from '../websocket/socket-session.js';
import { ChannelHub } from '../websocket/hub/channel-hub.js';
import { HttpsListener } from '../tls/https-listener.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';
import { HubNetworkLink } from './hub-network-link.js';
import { compileLoaded, type BuildResult } from './build-table.js';
import {
  describeChanges,
  describeRuntimeRouteChanges,
  type ConfigChanges,
} from './config-changes.js';
import { allProblems, compileTextOffline, withOfflineContext } from './offline-build.js';
import { restartOnlyChanges } from './restart-only-settings.js';
import { RuntimeRoutes } from './runtime-routes.js';
import {
  CACHE_PURGE_MESSAGE,
  RELOAD_REQUEST_MESSAGE,
  WORKER_ENV,
  type CachePurgeMessage,
} from './supervisor.js';

type Built = Extract<BuildResult, { ok: true }>;
import { GATEWAYD_VERSION } from '../observability/version.js';

export interface GatewayOptions {
  file: string;
  logger: Logger;
  /** Fail if another process already listens on the port (false for worker processes). */
  exclusivePort: boolean;
  /** --log-level: wins over observability.logging.level. */
  logLevelOverride?: string;
  /** Metrics and tracing as the config said when the process started (they take a restart). */
  telemetry?: TelemetrySettings;
}

const TELEMETRY_OFF: TelemetrySettings = { metrics: null, tracing: null };

/** How long a start waits for Redis before serving without it. */
const REDIS_WAIT_MS = 2000;
/** How long a shutdown waits for the last spans to reach the collector. */
const TRACE_FLUSH_MS = 2000;

/**
 * A running gateway: the table in force, the listener, and reloads. A reload builds a complete
 * new table and swaps one reference; any failure before the swap leaves the old table serving.
 */
export class Gateway {
  private table: RouteTable | null = null;
  /** The build in force: its file's config is recompiled when the runtime routes change. */
  private built: Built | null = null;
  readonly status: ConfigStatus;
  /** Runtime routes (admin API); set once start() has read the config. */
  private runtime: RuntimeRoutes | null = null;
  private readonly usage = new UsageRecorder();
  private readonly startedAt = Date.now();
  private readonly pools = new PoolRegistry();
  private readonly upstreams = new UpstreamRegistry();
  private readonly shared = new SharedObjects();
  private readonly sockets = new OpenSockets();
  private readonly server: HttpServer<SocketData>;
  /** Outlives tables like the upstream registry: each install reconfigures it. */
  readonly hub: ChannelHub;
  private readonly hubNetwork: HubNetworkLink;
  private reloading: Promise<boolean> | null = null;
  /** The build that follows the one under way, shared by every call made meanwhile. */
  private reloadNext: Promise<boolean> | null = null;
  private admin: AdminServer | null = null;
  private telemetry: Telemetry = NO_TELEMETRY;
  /** Records a finished exchange (metrics, span, access log, usage); set once telemetry is up. */
  private observeFinished: (ex: Exchange) => void;
  private metricsServer: MetricsServer | null = null;
  private https: HttpsListener | null = null;
  /** Plugin modules, kept across reloads; imported again only when their file changes. */
  private readonly pluginModules = new PluginModules();
  /** The plugin instances of the build in force. */
  private plugins: PluginSet | null = null;
  private readonly pluginWatch = new FileWatches();
  /** The OpenAPI documents the config names: an edit reloads, as the config file's does. */
  private readonly openApiWatch = new FileWatches();
  port = 0;
  httpsPort = 0;
  adminPort = 0;
  metricsPort = 0;

  constructor(private readonly options: GatewayOptions) {
    this.status = new ConfigStatus(options.file);
    this.observeFinished = this.requestObserver();
    this.server = new HttpServer({
      logger: options.logger,
      currentTable: () => this.table as RouteTable,
      onFinish: (ex: Exchange) => this.observeFinished(ex),
      webSocket: (onUpgrade) => createSocketBehavior(this.sockets, onUpgrade, options.logger),
    });
    this.hub = new ChannelHub({
      publish: (topic, message) => this.server.publish(topic, message, false),
      logger: options.logger,
    });
    this.hubNetwork = new HubNetworkLink(this.hub, () => this.table, options.logger);
  }

  /**
   * Loads the config and the stored runtime routes and starts listening; rejects with the
   * problems if the config is invalid.
   */
  async start(): Promise<void> {
    await this.startTelemetry();
    const read = await loadConfigFile(this.options.file);
    this.watchOpenApiFiles(read);
    if (!read.ok) throw new InvalidConfigError((await allProblems(read)).map(formatProblem));
    const plugins = await this.loadPlugins(read);
    this.watchPluginFiles();
    if (!plugins.ok) throw new InvalidConfigError(plugins.problems.map(formatProblem));
    const loaded = plugins.loaded;
    const set = 'set' in plugins ? plugins.set : undefined;
    const redisDeadline = performance.now() + REDIS_WAIT_MS;
    this.runtime = this.createRuntimeRoutes(loaded.config);
    const runtime = await this.runtime.load(REDIS_WAIT_MS);
    const built = compileLoaded(loaded, { ...this.compileContext(), plugins: set }, runtime);
    if (!built.ok) {
      await set?.retire();
      throw new InvalidConfigError(built.problems.map(formatProblem));
    }
    this.plugins = set ?? null;
    this.install(built, 'start');
    this.runtime.watch();
    const s = built.table.settings;
    await this.waitForRedis(built.table, redisDeadline - performance.now());
    this.port = await this.server.listen(s.bindAddress, s.httpPort, this.options.exclusivePort);
    await this.startHttps(built.table);
    await this.startAdmin(built.table);
    await this.startMetrics();
    this.options.logger.info(
      { address: s.bindAddress, port: this.port, file: this.options.file, uws: nativeUwsRelease() },
      'gatewayd listening',
    );
  }

  /**
   * Gives Redis a moment to connect before the first request: until it has, rate limits count
   * locally and managed API keys cannot be checked. A Redis that is down does not stop the start.
   */
  private async waitForRedis(table: RouteTable, waitMs: number): Promise<void> {
    const pending = [...table.redisClients].filter((c) => c.status !== 'ready');
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const connected = await Promise.race([
      Promise.all(pending.map((c) => new Promise((resolve) => c.once('ready', resolve)))).then(
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!connected) {
      this.options.logger.warn(
        { waited_ms: REDIS_WAIT_MS },
        'redis is not connected yet; serving with the configured fallbacks',
      );
    }
  }

  /**
   * The HTTPS listener. It always shares its port (SO_REUSEPORT), which is how renewed
   * certificates take over; the plain port, opened first and exclusively, still stops an
   * accidental second start.
   */
  private async startHttps(table: RouteTable): Promise<void> {
    const tls = table.settings.tls;
    if (tls === null) return;
    this.https = new HttpsListener(this.server, this.options.logger);
    this.httpsPort = await this.https.start(tls, table.settings.bindAddress);
    this.options.logger.info(
      {
        address: table.settings.bindAddress,
        port: this.httpsPort,
        certificates: this.https.certificates().map((c) => ({
          cert_file: c.certFile,
          server_names: c.serverNames,
          not_after: c.notAfter.toISOString(),
        })),
      },
      'gatewayd listening (HTTPS)',
    );
  }

  /** With several workers only the first serves the admin API: one port, one listener. */
  private async startAdmin(table: RouteTable): Promise<void> {
    const worker = process.env[WORKER_ENV];
    if (table.admin === null || (worker !== undefined && worker !== '0')) return;
    this.admin = new AdminServer(this.adminContext(), this.options.logger, this.telemetry.metrics);
    this.adminPort = await this.admin.listen(table.admin.bindAddress, table.admin.port);
    this.options.logger.info(
      { address: table.admin.bindAddress, port: this.adminPort },
      'admin API listening',
    );
  }

  /** Metrics and tracing, before the first build: the compiler gives each route its series. */
  private async startTelemetry(): Promise<void> {
    const telemetry = await createTelemetry(
      this.options.telemetry ?? TELEMETRY_OFF,
      this.options.logger,
      GATEWAYD_VERSION,
    );
    this.telemetry = telemetry;
    this.observeFinished = this.requestObserver();
    telemetry.metrics?.watch({
      requestsInFlight: () => this.server.requestsInFlight,
      upstreams: () => this.upstreams.active,
      certificates: () => this.https?.certificates() ?? [],
    });
  }

  private requestObserver(): (ex: Exchange) => void {
    return createRequestObserver(this.options.logger, this.telemetry, this.usage, () => {
      const table = this.table;
      return table === null
        ? null
        : {
            accessLog: table.settings.accessLog,
            recordsUsage: table.recordsUsage,
            analytics: table.analytics?.store ?? null,
          };
    });
  }

  /**
   * The metrics endpoint. A worker (workers > 1) answers its supervisor instead, which serves the
   * port and sums the workers' series.
   */
  private async startMetrics(): Promise<void> {
    const metrics = this.telemetry.metrics;
    const at = this.options.telemetry?.metrics ?? null;
    if (metrics === null || at === null) return;
    if (process.env[WORKER_ENV] !== undefined) {
      answerMetricsRequests(metrics);
      return;
    }
    const read = async () => ({
      contentType: metrics.contentType,
      body: await metrics.exposition(),
    });
    this.metricsServer = new MetricsServer(at.path, read, this.options.logger);
    this.metricsPort = await this.metricsServer.listen(at.bindAddress, at.port);
    this.options.logger.info(
      { address: at.bindAddress, port: this.metricsPort, path: at.path },
      'metrics listening',
    );
  }

  /**
   * Rebuilds from the file. Concurrent calls collapse: a burst of changes ends in one last build,
   * and every call resolves with the outcome of a build that started after it.
   */
  reload(reason: string): Promise<boolean> {
    if (this.reloading) {
      this.reloadNext ??= this.reloading.then(() => {
        this.reloadNext = null;
        return this.reload(reason);
      });
      return this.reloadNext;
    }
    this.reloading = this.reloadOnce(reason).finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /**
   * Drops a purge's entries from this process's memory caches: another worker's admin API
   * purged its own and Redis's, which this worker shares.
   */
  purgeMemoryCaches(purge: CachePurge): void {
    const table = this.table;
    if (table === null) return;
    const log = this.options.logger;
    for (const cache of cachesToPurge(table.caches.values(), purge)) {
      if (cache.store.backend !== 'memory') continue;
      // The key is not logged: its parts may hold a caller's header or cookie values.
      purgeRouteCache(cache, purge).then(
        (purged) => log.info({ route: cache.routeName, purged }, 'cache purged by another worker'),
        (err: unknown) => log.warn({ err, route: cache.routeName }, 'cache purge failed'),
      );
    }
  }

  private async reloadOnce(reason: string): Promise<boolean> {
    const log = this.options.logger;
    const read = await loadConfigFile(this.options.file);
    this.watchOpenApiFiles(read);
    const recovered = this.status.lastReload?.ok === false;
    const plugins = read.ok ? await this.loadPlugins(read, this.status.hash) : null;
    this.watchPluginFiles();
    if (plugins !== null && plugins.ok && 'unchanged' in plugins) {
      log.info(
        { reason, generation: this.status.generation, recovered },
        recovered
          ? 'config reload recovered; the file matches the config in force'
          : 'config unchanged',
      );
      this.status.reloaded(reason, true, false, plugins.loaded.warnings.map(formatProblem));
      this.telemetry.metrics?.reloaded('unchanged');
      return true;
    }
    const set = plugins !== null && plugins.ok && 'set' in plugins ? plugins.set : undefined;
    const loaded: LoadResult =
      plugins === null
        ? read
        : plugins.ok
          ? plugins.loaded
          : { ok: false, problems: plugins.problems, file: this.options.file };
    // From here on synchronous: the runtime routes read now are the ones in force.
    const built = compileLoaded(
      loaded,
      { ...this.compileContext(), plugins: set },
      this.runtime?.routes ?? [],
    );
    if (!built.ok) {
      void set?.retire();
      // Groups and pools the failed build created are not in the table in force: drop them.
      const inForce = this.table as RouteTable;
      this.upstreams.activate(inForce.upstreamKeys);
      this.closeUnusedPools(inForce.poolKeys);
      this.closeUnusedShared(inForce.sharedKeys);
      const problems = (
        loaded.ok || !('locate' in loaded) ? built.problems : await allProblems(loaded)
      ).map(formatProblem);
      log.error(
        { reason, file: this.options.file, problems },
        'config reload failed; still serving the previous config',
      );
      this.status.reloaded(reason, false, true, problems);
      this.telemetry.metrics?.reloaded('failure');
      return false;
    }
    if (built.hash === this.status.hash) {
      void set?.retire();
      const fields = { reason, generation: this.status.generation, hash: built.hash.slice(0, 12) };
      // After a failed reload the last line was the error: say that the file is good again.
      if (recovered) {
        log.info(
          { ...fields, recovered },
          'config reload recovered; the file matches the config in force',
        );
      } else {
        log.info(fields, 'config unchanged');
      }
      this.status.reloaded(reason, true, false, built.warnings.map(formatProblem));
      this.telemetry.metrics?.reloaded('unchanged');
      return true;
    }
    const inForce = this.built as Built;
    const changes = describeChanges(inForce.config, built.config);
    const restartOnly = restartOnlyChanges(inForce, built, changes);
    if (restartOnly.length > 0) {
      log.warn({ settings: restartOnly }, 'these settings take effect only after a restart');
    }
    const replaced = this.plugins;
    this.plugins = set ?? null;
    this.install(built, reason, changes, recovered);
    if (replaced !== null && replaced !== this.plugins) void replaced.retire();
    this.telemetry.metrics?.reloaded('success');
    this.closeUnusedPools(built.table.poolKeys);
    this.closeUnusedShared(built.table.sharedKeys);
    this.status.reloaded(reason, true, true, built.warnings.map(formatProblem));
    return true;
  }

  /**
   * Compiles the file's config in force with another set of runtime routes and swaps it in.
   * The file compiled before, so only a runtime route can be left out, never the build.
   */
  private applyRuntimeRoutes(routes: readonly StoredRuntimeRoute[]): RouteTable {
    const current = this.built as Built;
    const built = compileLoaded(
      { ...current, file: this.options.file },
      this.compileContext(),
      routes,
    );
    if (!built.ok) throw new InvalidConfigError(built.problems.map(formatProblem));
    const runtimeNames = (t: RouteTable) =>
      t.routes.filter((r) => r.origin === 'runtime').map((r) => r.name);
    const changes = describeRuntimeRouteChanges(
      runtimeNames(this.table as RouteTable),
      runtimeNames(built.table),
    );
    this.install(built, 'runtime routes', changes);
    this.closeUnusedPools(built.table.poolKeys);
    this.closeUnusedShared(built.table.sharedKeys);
    return built.table;
  }

  private createRuntimeRoutes(config: Built['config']): RuntimeRoutes {
    const store = createRuntimeRouteStore(config, this.options.logger);
    const isWorker = process.env[WORKER_ENV] !== undefined;
    return new RuntimeRoutes(
      store,
      {
        config: () => (this.built as Built).config,
        table: () => this.table as RouteTable,
        apply: (routes) => this.applyRuntimeRoutes(routes),
        dryRun: (routes) =>
          withOfflineContext((ctx) => {
            const current = this.built as Built;
            const built = compileLoaded({ ...current, file: this.options.file }, ctx, routes);
            return built.ok ? built.table.inactiveRuntimeRoutes : [];
          }),
        refusal:
          isWorker && store.kind === 'memory'
            ? 'runtime routes with server.workers above 1 need the redis block: each worker holds its own routes'
            : null,
      },
      this.options.logger,
    );
  }

  /** The admin API's view of this gateway. */
  private adminContext(): AdminContext {
    const runtime = this.runtime as RuntimeRoutes;
    return {
      table: () => this.table as RouteTable,
      status: this.status,
      upstreams: () => this.upstreams.active,
      usage: this.usage,
      runtimeRoutes: runtime,
      startedAt: this.startedAt,
      reload: async () => {
        await this.reload('admin API');
        // The other workers reload through the supervisor, as they do on a file change.
        if (process.env[WORKER_ENV] !== undefined) process.send?.(RELOAD_REQUEST_MESSAGE);
        return this.status.lastReload as NonNullable<ConfigStatus['lastReload']>;
      },
      cachePurged: (purge) => {
        if (process.env[WORKER_ENV] !== undefined) {
          process.send?.({ type: CACHE_PURGE_MESSAGE, purge } satisfies CachePurgeMessage);
        }
      },
      redis: () => (runtime.store instanceof RedisRuntimeRouteStore ? runtime.store : null),
      websocket: () => this.hubNetwork.adminState(),
      checkConfigText: (text, name) => compileTextOffline(text, name),
      certificates: () => this.https?.certificates() ?? [],
      httpsPort: () => (this.https === null ? null : this.httpsPort),
    };
  }

  private closeUnusedShared(keep: ReadonlySet<string>): void {
    this.shared.retainOnly(keep).catch((err: unknown) => {
      this.options.logger.warn({ err }, 'closing an unused Redis client or provider failed');
    });
  }

  /**
   * Removed pools drain in the background: a long download through one of them must not hold
   * up the next reload.
   */
  private closeUnusedPools(keep: ReadonlySet<string>): void {
    this.pools.retainOnly(keep).catch((err: unknown) => {
      this.options.logger.warn({ err }, 'closing an unused upstream pool failed');
    });
  }

  /** Loads the config's plugins with the modules kept across reloads (see PluginModules). */
  private loadPlugins(
    loaded: Extract<LoadResult, { ok: true }>,
    unchangedHash?: string,
  ): Promise<PluginLoad> {
    return loadPlugins(loaded, {
      modules: this.pluginModules,
      logger: this.options.logger,
      metrics: this.telemetry.metrics,
      offline: false,
      ...(unchangedHash === undefined ? {} : { unchangedHash }),
    });
  }

  /** Every worker watches the plugin files itself: the supervisor only knows the config file. */
  private watchPluginFiles(): void {
    this.pluginWatch.watch(this.pluginModules.files, () => void this.reload('plugin file changed'));
  }

  /** Each worker watches the documents itself, as it does the plugin files. */
  private watchOpenApiFiles(read: LoadResult): void {
    // A directory that does not exist cannot be watched; the load reports the missing file.
    const files = (read.openApiFiles ?? []).filter((f) => existsSync(dirname(f)));
    this.openApiWatch.watch(files, () => void this.reload('OpenAPI document changed'));
  }

  private compileContext() {
    return {
      plugins: this.plugins ?? undefined,
      pools: this.pools,
      upstreams: this.upstreams,
      shared: this.shared,
      logger: this.options.logger,
      isReady: () => this.server.accepting,
      hub: this.hub,
      hubNetwork: this.hubNetwork.context,
      telemetry: this.telemetry,
      registration: this.runtime ?? undefined,
      usage: this.usage,
    };
  }

  /**
   * Swaps `built` in. `changes` is what it changes against the table in force (none at start);
   * `recovered` says that the reload before it had failed.
   */
  private install(built: Built, reason: string, changes?: ConfigChanges, recovered = false): void {
    const table = built.table;
    const fileChanged = built.hash !== this.status.hash;
    this.table = table;
    this.built = built;
    this.upstreams.activate(table.upstreamKeys);
    const closing = this.sockets.closeStale(
      table.socketKeys,
      table.settings.websocketCloseWindowMs,
    );
    if (closing > 0) {
      this.options.logger.info(
        { connections: closing, window_ms: table.settings.websocketCloseWindowMs },
        'closing WebSocket connections whose route changed (1012)',
      );
    }
    this.hub.configure(table.hub, table.settings.websocketCloseWindowMs);
    this.hubNetwork.install(table);
    this.https?.configure(table.settings.tls);
    const warnings = built.warnings.map(formatProblem);
    this.status.installed(fileChanged ? { hash: built.hash, warnings } : null);
    this.observeInstall(table);
    this.options.logger.level = this.options.logLevelOverride ?? table.settings.logLevel;
    this.options.logger.info(
      {
        reason,
        generation: this.status.generation,
        hash: built.hash.slice(0, 12),
        routes: table.routes.length,
        ...(changes === undefined ? {} : { changes }),
        ...(recovered ? { recovered } : {}),
        warnings,
      },
      'config loaded',
    );
  }

  /** Metrics drop the series of routes and upstreams the new table no longer has. */
  private observeInstall(table: RouteTable): void {
    const metrics = this.telemetry.metrics;
    if (metrics === null) return;
    metrics.retain(new Set(table.routes.map((r) => r.name)), this.upstreams.active);
    metrics.configInstalled(this.status.generation, this.status.hash);
  }

  /** SIGTERM: stop accepting, let requests under way finish (bounded), close upstream pools. */
  async shutdown(): Promise<boolean> {
    const timeoutMs = (this.table as RouteTable).settings.shutdownTimeoutMs;
    const clean = await this.server.drain(timeoutMs);
    this.sockets.closeAll(GOING_AWAY, 'gateway shutting down');
    this.hub.configure(null, 0);
    this.server.close();
    this.https?.close();
    await this.admin?.close();
    await this.runtime?.close();
    await this.metricsServer?.close();
    this.pluginWatch.watch([], () => {});
    this.openApiWatch.watch([], () => {});
    await within(this.plugins?.retire(), 1000);
    this.upstreams.stopAll();
    const flushTraces = this.telemetry.tracer?.shutdown().catch((err: unknown) => {
      this.options.logger.warn({ err }, 'flushing traces failed');
    });
    await Promise.all([
      within(Promise.all([this.pools.closeAll(), this.shared.closeAll()]), 1000),
      within(flushTraces, TRACE_FLUSH_MS),
    ]);
    this.options.logger.info(
      { clean },
      clean ? 'drained; exiting' : 'shutdown timeout reached; exiting',
    );
    return clean;
  }
}

/** Waits for `work`, but no longer than `ms`. */
function within(work: Promise<unknown> | undefined, ms: number): Promise<unknown> {
  return Promise.race([work, new Promise((r) => setTimeout(r, ms).unref())]);
}

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'InvalidConfigError';
  }
}
