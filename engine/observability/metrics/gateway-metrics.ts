import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { BREAKER_TRANSITIONS, type BreakerState } from '../../upstream/circuit-breaker.js';
import { ENDPOINT_STATES } from '../../upstream/endpoint.js';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';
import { AdminMetrics } from './admin-metrics.js';
import { CounterFamily, HistogramFamily, type CellFamily, type FamilyJson } from './cell-family.js';
import { METRIC_PREFIX, METRICS, type MetricDefinition } from './metric-definitions.js';
import { NO_ROUTE, NO_UPSTREAM, RouteMetrics, type RouteFamilies } from './route-metrics.js';
import { UpstreamMetrics, type UpstreamFamilies } from './upstream-metrics.js';
import { WebSocketFamilies, type WebSocketMetrics } from './websocket-metrics.js';

/** What the gauges read at scrape time, so that the request path keeps no count of its own. */
export interface MetricsSource {
  requestsInFlight(): number;
  /** The upstream groups of the table in force. */
  upstreams(): readonly UpstreamGroup[];
  /** The HTTPS listener's certificates as served now. */
  certificates?(): ReadonlyArray<{
    certFile: string;
    serverNames: readonly string[];
    notAfter: Date;
  }>;
}

export type ReloadResult = 'success' | 'failure' | 'unchanged';
const RELOAD_RESULTS: readonly ReloadResult[] = ['success', 'failure', 'unchanged'];
const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

/**
 * Every metric of one gateway process, in its own prom-client Registry. Created once at start
 * (metrics settings take a restart) and handed to the compiler, which gives each route and
 * upstream its series; labels come from the config only (route names, upstream names, endpoint
 * URLs) and from fixed sets (methods, status classes, reasons), never from the request. The
 * families are defined in metric-definitions.ts.
 */
export class GatewayMetrics {
  /** prom-client's own metrics: process, Node.js, the scrape-time gauges, config state. */
  private readonly registry = new Registry();
  readonly websocket: WebSocketMetrics;
  private readonly routeFamilies: RouteFamilies = {
    requests: new CounterFamily(METRICS.httpRequests),
    duration: new HistogramFamily(METRICS.httpRequestDuration),
    authFailures: new CounterFamily(METRICS.authFailures),
    rateLimitDecisions: new CounterFamily(METRICS.rateLimitDecisions),
    pluginFailures: new CounterFamily(METRICS.pluginFailures),
    cacheLookups: new CounterFamily(METRICS.cacheLookups),
  };
  private readonly upstreamFamilies: UpstreamFamilies = {
    attempts: new CounterFamily(METRICS.upstreamAttempts),
    attemptDuration: new HistogramFamily(METRICS.upstreamAttemptDuration),
    attemptErrors: new CounterFamily(METRICS.upstreamAttemptErrors),
    retries: new CounterFamily(METRICS.upstreamRetries),
    budgetExhausted: new CounterFamily(METRICS.upstreamRetryBudgetExhausted),
  };
  private readonly adminFamily = new CounterFamily(METRICS.adminRequests);
  private readonly websocketFamilies = new WebSocketFamilies();
  private readonly routes = new Map<string, RouteMetrics>();
  private readonly groups = new Map<UpstreamGroup, UpstreamMetrics>();
  private source: MetricsSource | null = null;
  private readonly reloads: Counter<'result'>;
  private readonly generation: Gauge;
  private readonly configInfo: Gauge<'hash'>;
  private readonly lastReload: Gauge;
  private readonly lastReloadSuccess: Gauge;
  /** Requests no route matched, or refused before matching. */
  readonly unmatched: RouteMetrics;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.websocket = this.websocketFamilies;
    this.unmatched = this.route(NO_ROUTE);

    const inFlight: Gauge = new Gauge({
      ...promOptions(METRICS.httpRequestsInFlight),
      registers,
      collect: () => inFlight.set(this.source?.requestsInFlight() ?? 0),
    });
    const inFlightPerEndpoint: Gauge<'upstream' | 'endpoint'> = new Gauge({
      ...promOptions(METRICS.upstreamRequestsInFlight),
      registers,
      collect: () => {
        inFlightPerEndpoint.reset();
        for (const g of this.source?.upstreams() ?? []) {
          for (const e of g.endpoints) {
            inFlightPerEndpoint.set({ upstream: g.name, endpoint: e.origin }, e.health.inFlight);
          }
        }
      },
    });
    const health: Gauge<'upstream' | 'endpoint' | 'state'> = new Gauge({
      ...promOptions(METRICS.upstreamEndpointHealth),
      registers,
      collect: () => {
        health.reset();
        const now = performance.now();
        for (const g of this.source?.upstreams() ?? []) {
          for (const e of g.endpoints) {
            const state = e.health.state(now);
            for (const s of ENDPOINT_STATES) {
              health.set({ upstream: g.name, endpoint: e.origin, state: s }, s === state ? 1 : 0);
            }
          }
        }
      },
    });
    const breaker: Gauge<'upstream' | 'state'> = new Gauge({
      ...promOptions(METRICS.circuitBreakerState),
      registers,
      collect: () => {
        breaker.reset();
        for (const g of this.source?.upstreams() ?? []) {
          if (g.breaker === null) continue;
          const state = g.breaker.state;
          for (const s of BREAKER_STATES) {
            breaker.set({ upstream: g.name, state: s }, s === state ? 1 : 0);
          }
        }
      },
    });
    // The breaker counts its own moves; the counter shows them, each from 0.
    const transitions: Counter<'upstream' | 'from' | 'to'> = new Counter({
      ...promOptions(METRICS.circuitBreakerTransitions),
      registers,
      collect: () => {
        transitions.reset();
        for (const g of this.source?.upstreams() ?? []) {
          if (g.breaker === null) continue;
          const counts = g.breaker.transitionCounts();
          BREAKER_TRANSITIONS.forEach(([from, to], i) => {
            transitions.inc({ upstream: g.name, from, to }, counts[i] as number);
          });
        }
      },
    });

    const expiry: Gauge<'cert_file' | 'server_names'> = new Gauge({
      ...promOptions(METRICS.tlsCertificateExpiry),
      registers,
      collect: () => {
        expiry.reset();
        for (const c of this.source?.certificates?.() ?? []) {
          expiry.set(
            { cert_file: c.certFile, server_names: c.serverNames.join(',') },
            c.notAfter.getTime() / 1000,
          );
        }
      },
    });

    this.reloads = new Counter({ ...promOptions(METRICS.configReloads), registers });
    for (const result of RELOAD_RESULTS) this.reloads.inc({ result }, 0);
    this.generation = new Gauge({ ...promOptions(METRICS.configGeneration), registers });
    this.configInfo = new Gauge({ ...promOptions(METRICS.configInfo), registers });
    this.lastReload = new Gauge({ ...promOptions(METRICS.configLastReload), registers });
    this.lastReloadSuccess = new Gauge({
      ...promOptions(METRICS.configLastReloadSuccess),
      registers,
    });
  }

  /**
   * Plugins' own series, in the registry of prom-client's metrics (so workers' values are summed
   * like the gateway's). A name asked for again gets the series made the first time: each reload
   * creates the plugin's instance anew, its counts go on.
   */
  pluginSeries<T>(name: string, create: (registers: Registry[]) => T): T {
    const existing = this.registry.getSingleMetric(name);
    return existing === undefined ? create([this.registry]) : (existing as T);
  }

  /** The admin API's request counter, its endpoints' series made at 0 (called once). */
  admin(endpoints: ReadonlyArray<readonly [string, string]>): AdminMetrics {
    return new AdminMetrics(this.adminFamily, endpoints);
  }

  /** The Prometheus text of every metric, for the metrics endpoint. */
  async exposition(): Promise<string> {
    let text = await this.registry.metrics();
    for (const family of this.cellFamilies()) text += `\n${await family.exposition()}`;
    return text;
  }

  /** Every metric as prom-client's JSON, for a supervisor to merge with the other workers'. */
  async json(): Promise<object[]> {
    const own: FamilyJson[] = this.cellFamilies().map((f) => f.json());
    return [...(await this.registry.getMetricsAsJSON()), ...own];
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private cellFamilies(): Array<CellFamily<unknown>> {
    return [
      ...Object.values(this.routeFamilies),
      ...Object.values(this.upstreamFamilies),
      this.adminFamily,
      ...this.websocketFamilies.all,
    ];
  }

  /** Tells the scrape-time gauges where to read. */
  watch(source: MetricsSource): void {
    this.source = source;
  }

  /** The series of a route, by its name (compile time). */
  route(name: string): RouteMetrics {
    let metrics = this.routes.get(name);
    if (metrics === undefined) {
      metrics = new RouteMetrics(this.routeFamilies, name);
      this.routes.set(name, metrics);
    }
    return metrics;
  }

  /** The series of an upstream group and its endpoints (compile time). */
  upstream(group: UpstreamGroup): UpstreamMetrics {
    let metrics = this.groups.get(group);
    if (metrics === undefined) {
      metrics = new UpstreamMetrics(this.upstreamFamilies, group.name, group.endpoints);
      this.groups.set(group, metrics);
    }
    return metrics;
  }

  /**
   * A new table is in force: the series of routes, upstreams and endpoints it no longer has are
   * dropped, so renaming routes (or registering them at runtime) cannot grow the series forever.
   */
  retain(routeNames: ReadonlySet<string>, groups: readonly UpstreamGroup[]): void {
    for (const [name, metrics] of this.routes) {
      if (name === NO_ROUTE || routeNames.has(name)) continue;
      metrics.retired = true;
      this.routes.delete(name);
    }
    const active = new Set(groups);
    for (const group of this.groups.keys()) if (!active.has(group)) this.groups.delete(group);
    const origins = new Map<string, Set<string>>();
    for (const g of groups) origins.set(g.name, new Set(g.endpoints.map((e) => e.origin)));
    const keepRoute = (l: Readonly<Record<string, string>>) =>
      l.route === undefined || l.route === NO_ROUTE || routeNames.has(l.route);
    const keepUpstream = (l: Readonly<Record<string, string>>) =>
      l.upstream === undefined ||
      l.upstream === NO_UPSTREAM ||
      (origins.has(l.upstream) &&
        (l.endpoint === undefined || origins.get(l.upstream)?.has(l.endpoint) === true));
    const families: Array<CellFamily<unknown>> = [
      ...Object.values(this.routeFamilies),
      ...Object.values(this.upstreamFamilies),
      ...this.websocketFamilies.byRoute,
    ];
    for (const family of families) family.retain((l) => keepRoute(l) && keepUpstream(l));
  }

  /** A config was installed (at start or by a reload). */
  configInstalled(generation: number, hash: string): void {
    this.generation.set(generation);
    this.configInfo.reset();
    this.configInfo.set({ hash: hash.slice(0, 12) }, 1);
    this.lastReload.set(Date.now() / 1000);
    this.lastReloadSuccess.set(1);
  }

  reloaded(result: ReloadResult): void {
    this.reloads.inc({ result });
    if (result === 'failure') {
      this.lastReload.set(Date.now() / 1000);
      this.lastReloadSuccess.set(0);
    } else if (result === 'unchanged') {
      // The file is good again (a recovery): the last reload succeeded, though nothing changed.
      this.lastReloadSuccess.set(1);
    }
  }
}

/** A definition as prom-client's constructors take it. */
function promOptions(d: MetricDefinition): {
  name: string;
  help: string;
  labelNames: string[];
  aggregator?: MetricDefinition['aggregator'];
} {
  const options = { name: d.name, help: d.help, labelNames: [...d.labelNames] };
  // prom-client takes an explicit undefined as "no aggregator", not as its default (sum).
  return d.aggregator === undefined ? options : { ...options, aggregator: d.aggregator };
}
