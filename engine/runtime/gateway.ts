import { AdminServer } from '../admin/admin-server.js';
import type { RouteTable } from '../compile/compiled-route.js';
import { formatProblem } from '../config/config-problem.js';
import type { Exchange } from '../data-plane/exchange.js';
import { HttpServer } from '../data-plane/http-server.js';
import { createAccessLog } from '../observability/access-log.js';
import type { Logger } from '../observability/logger.js';
import { createTelemetry } from '../observability/create-telemetry.js';
import { MetricsServer } from '../observability/metrics/metrics-server.js';
import { answerMetricsRequests } from '../observability/metrics/worker-metrics.js';
import { NO_TELEMETRY, type Telemetry } from '../observability/telemetry.js';
import type { TelemetrySettings } from '../observability/telemetry-settings.js';
import { SharedObjects } from '../state/shared-objects.js';
import { PoolRegistry } from '../upstream/pool-registry.js';
import { UpstreamRegistry } from '../upstream/upstream-registry.js';
import { buildTable } from './build-table.js';
import { WORKER_ENV } from './supervisor.js';
import { GATEWAYD_VERSION } from './version.js';

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
  private hash = '';
  private generation = 0;
  private readonly pools = new PoolRegistry();
  private readonly upstreams = new UpstreamRegistry();
  private readonly shared = new SharedObjects();
  private readonly server: HttpServer;
  private reloading: Promise<boolean> | null = null;
  private reloadAgain = false;
  private admin: AdminServer | null = null;
  private telemetry: Telemetry = NO_TELEMETRY;
  /** Records a finished exchange's metrics and span; null while both are off. */
  private observeFinish: ((ex: Exchange, status: number) => void) | null = null;
  private metricsServer: MetricsServer | null = null;
  port = 0;
  adminPort = 0;
  metricsPort = 0;

  constructor(private readonly options: GatewayOptions) {
    const accessLog = createAccessLog(options.logger);
    this.server = new HttpServer({
      logger: options.logger,
      currentTable: () => this.table as RouteTable,
      onFinish: (ex: Exchange) => {
        if (this.observeFinish !== null) this.observeFinish(ex, ex.reportedStatus);
        if (this.table?.settings.accessLog) accessLog(ex);
      },
    });
  }

  /** Loads the config and starts listening; rejects with the problems if the config is invalid. */
  async start(): Promise<void> {
    await this.startTelemetry();
    const built = await buildTable(this.options.file, this.compileContext());
    if (!built.ok) throw new InvalidConfigError(built.problems.map(formatProblem));
    this.install(built.table, built.hash, built.warnings.map(formatProblem), 'start');
    const s = built.table.settings;
    await this.waitForRedis(built.table);
    this.port = await this.server.listen(s.bindAddress, s.httpPort, this.options.exclusivePort);
    await this.startAdmin(built.table);
    await this.startMetrics();
    this.options.logger.info(
      { address: s.bindAddress, port: this.port, file: this.options.file },
      'gatewayd listening',
    );
  }

  /**
   * Gives Redis a moment to connect before the first request: until it has, rate limits count
   * locally and managed API keys cannot be checked. A Redis that is down does not stop the start.
   */
  private async waitForRedis(table: RouteTable): Promise<void> {
    const pending = [...table.redisClients].filter((c) => c.status !== 'ready');
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const connected = await Promise.race([
      Promise.all(pending.map((c) => new Promise((resolve) => c.once('ready', resolve)))).then(
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), REDIS_WAIT_MS))),
    ]);
    clearTimeout(timer);
    if (!connected) {
      this.options.logger.warn(
        { waited_ms: REDIS_WAIT_MS },
        'redis is not connected yet; serving with the configured fallbacks',
      );
    }
  }

  /** With several workers only the first serves the admin API: one port, one listener. */
  private async startAdmin(table: RouteTable): Promise<void> {
    const worker = process.env[WORKER_ENV];
    if (table.admin === null || (worker !== undefined && worker !== '0')) return;
    this.admin = new AdminServer(() => this.table?.admin?.state ?? null, this.options.logger);
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
    const { metrics, tracer } = telemetry;
    if (metrics === null && tracer === null) return;
    metrics?.watch({
      requestsInFlight: () => this.server.requestsInFlight,
      upstreams: () => this.upstreams.active,
    });
    const unmatched = metrics?.unmatched.requests() ?? null;
    this.observeFinish = (ex, status) => {
      if (unmatched !== null) (ex.metrics ?? ex.route?.metrics ?? unmatched).record(ex, status);
      tracer?.finish(ex, status);
    };
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

  /** Rebuilds from the file. Concurrent calls collapse: a burst of changes ends in one last build. */
  reload(reason: string): Promise<boolean> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.reloadOnce(reason).finally(() => {
      this.reloading = null;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload(reason);
      }
    });
    return this.reloading;
  }

  private async reloadOnce(reason: string): Promise<boolean> {
    const log = this.options.logger;
    const built = await buildTable(this.options.file, this.compileContext());
    if (!built.ok) {
      // Groups and pools the failed build created are not in the table in force: drop them.
      const inForce = this.table as RouteTable;
      this.upstreams.activate(inForce.upstreamKeys);
      this.closeUnusedPools(inForce.poolKeys);
      this.closeUnusedShared(inForce.sharedKeys);
      log.error(
        { reason, file: this.options.file, problems: built.problems.map(formatProblem) },
        'config reload failed; still serving the previous config',
      );
      this.telemetry.metrics?.reloaded('failure');
      return false;
    }
    if (built.hash === this.hash) {
      this.telemetry.metrics?.reloaded('unchanged');
      return true;
    }
    this.warnAboutRestartOnlySettings(built.table);
    this.install(built.table, built.hash, built.warnings.map(formatProblem), reason);
    this.telemetry.metrics?.reloaded('success');
    this.closeUnusedPools(built.table.poolKeys);
    this.closeUnusedShared(built.table.sharedKeys);
    return true;
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

  private compileContext() {
    return {
      pools: this.pools,
      upstreams: this.upstreams,
      shared: this.shared,
      logger: this.options.logger,
      isReady: () => this.server.accepting,
      telemetry: this.telemetry,
    };
  }

  private install(table: RouteTable, hash: string, warnings: string[], reason: string): void {
    this.table = table;
    this.upstreams.activate(table.upstreamKeys);
    this.hash = hash;
    this.generation++;
    this.observeInstall(table);
    this.options.logger.level = this.options.logLevelOverride ?? table.settings.logLevel;
    this.options.logger.info(
      {
        reason,
        generation: this.generation,
        hash: hash.slice(0, 12),
        routes: table.routes.length,
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
    metrics.configInstalled(this.generation, this.hash);
  }

  private warnAboutRestartOnlySettings(next: RouteTable): void {
    const now = (this.table as RouteTable).settings;
    const changed: string[] = (['httpPort', 'bindAddress', 'workers', 'logFormat'] as const).filter(
      (k) => now[k] !== next.settings[k],
    );
    const telemetry = (['metrics', 'tracing'] as const).filter(
      (k) => JSON.stringify(now.telemetry[k]) !== JSON.stringify(next.settings.telemetry[k]),
    );
    changed.push(...telemetry.map((k) => `observability.${k}`));
    const admin = (t: RouteTable) => (t.admin ? `${t.admin.bindAddress}:${t.admin.port}` : '');
    if (admin(this.table as RouteTable) !== admin(next)) changed.push('admin.port');
    if (changed.length > 0) {
      this.options.logger.warn(
        { settings: changed },
        'these settings take effect only after a restart',
      );
    }
  }

  /** SIGTERM: stop accepting, let requests under way finish (bounded), close upstream pools. */
  async shutdown(): Promise<boolean> {
    const timeoutMs = (this.table as RouteTable).settings.shutdownTimeoutMs;
    const clean = await this.server.drain(timeoutMs);
    this.server.close();
    await this.admin?.close();
    await this.metricsServer?.close();
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
