import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { UpstreamGroup } from '../../upstream/upstream-group.js';
import { CounterFamily, HistogramFamily, type CellFamily, type FamilyJson } from './cell-family.js';
import { NO_ROUTE, NO_UPSTREAM, RouteMetrics, type RouteFamilies } from './route-metrics.js';
import { UpstreamMetrics, type UpstreamFamilies } from './upstream-metrics.js';
import { WebSocketFamilies, type WebSocketMetrics } from './websocket-metrics.js';

/** What the gauges read at scrape time, so that the request path keeps no count of its own. */
export interface MetricsSource {
  requestsInFlight(): number;
  /** The upstream groups of the table in force. */
  upstreams(): readonly UpstreamGroup[];
}

export type ReloadResult = 'success' | 'failure' | 'unchanged';

/** One metric family as the metrics reference (docs/reference/metrics.md) lists it. */
export interface MetricDescription {
  name: string;
  type: string;
  help: string;
  labels: readonly string[];
}

type RegisteredMetric = ReturnType<Registry['getMetricsAsArray']>[number];

const PREFIX = 'gatewayd_';
/** Gateway latencies are mostly below a millisecond; slow upstreams reach seconds. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const ENDPOINT_STATES = ['healthy', 'unhealthy', 'ejected'] as const;
const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

/**
 * Every metric of one gateway process, in its own prom-client Registry. Created once at start
 * (metrics settings take a restart) and handed to the compiler, which gives each route and
 * upstream its series; labels come from the config only (route names, upstream names, endpoint
 * URLs) and from fixed sets (methods, status classes, reasons), never from the request.
 */
export class GatewayMetrics {
  /** prom-client's own metrics: process, Node.js, the scrape-time gauges, config state. */
  private readonly registry = new Registry();
  readonly websocket: WebSocketMetrics;
  private readonly routeFamilies: RouteFamilies;
  private readonly upstreamFamilies: UpstreamFamilies;
  private readonly websocketFamilies: WebSocketFamilies;
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
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: PREFIX });
    const requestLabels = ['route', 'method', 'status_class', 'upstream'];
    this.routeFamilies = {
      requests: new CounterFamily({
        name: `${PREFIX}http_requests_total`,
        help: 'Requests answered, by route name (never the raw path), method, status class and upstream.',
        labelNames: requestLabels,
      }),
      duration: new HistogramFamily({
        name: `${PREFIX}http_request_duration_seconds`,
        help: 'Time from the request arriving to its last response byte written, by route, method, status class and upstream.',
        labelNames: requestLabels,
        buckets: LATENCY_BUCKETS,
      }),
      authFailures: new CounterFamily({
        name: `${PREFIX}auth_failures_total`,
        help: 'Credentials refused (401), by route and reason.',
        labelNames: ['route', 'reason'],
      }),
      rateLimitDecisions: new CounterFamily({
        name: `${PREFIX}rate_limit_decisions_total`,
        help: 'Rate-limit decisions, by route, decision (allowed, refused) and degraded (true when the store was down and its fallback decided).',
        labelNames: ['route', 'decision', 'degraded'],
      }),
    };
    const endpointLabels = ['upstream', 'endpoint'];
    this.upstreamFamilies = {
      attempts: new CounterFamily({
        name: `${PREFIX}upstream_attempts_total`,
        help: 'Requests sent to an upstream endpoint, retries included.',
        labelNames: endpointLabels,
      }),
      attemptDuration: new HistogramFamily({
        name: `${PREFIX}upstream_attempt_duration_seconds`,
        help: 'Time from sending an attempt to its response headers (or its failure).',
        labelNames: endpointLabels,
        buckets: LATENCY_BUCKETS,
      }),
      attemptErrors: new CounterFamily({
        name: `${PREFIX}upstream_attempt_errors_total`,
        help: 'Failed attempts, by reason: connect_error, reset, timeout, http_5xx, other.',
        labelNames: [...endpointLabels, 'reason'],
      }),
      retries: new CounterFamily({
        name: `${PREFIX}upstream_retries_total`,
        help: 'Attempts made again on another (or the same) endpoint after a failure.',
        labelNames: ['upstream'],
      }),
      budgetExhausted: new CounterFamily({
        name: `${PREFIX}upstream_retry_budget_exhausted_total`,
        help: 'Retries not made because the retry budget was spent.',
        labelNames: ['upstream'],
      }),
    };
    this.websocketFamilies = new WebSocketFamilies();
    this.websocket = this.websocketFamilies;
    this.unmatched = this.route(NO_ROUTE);

    const inFlight: Gauge = new Gauge({
      name: `${PREFIX}http_requests_in_flight`,
      help: 'Requests being handled now.',
      registers: [r],
      collect: () => inFlight.set(this.source?.requestsInFlight() ?? 0),
    });
    const inFlightPerEndpoint: Gauge<'upstream' | 'endpoint'> = new Gauge({
      name: `${PREFIX}upstream_requests_in_flight`,
      help: 'Attempts waiting on or streaming from an endpoint now.',
      labelNames: ['upstream', 'endpoint'],
      registers: [r],
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
      name: `${PREFIX}upstream_endpoint_health`,
      help: 'Endpoint state, 1 for the current one: healthy, unhealthy (active checks) or ejected (outlier detection). With workers, the number of workers that see it so.',
      labelNames: ['upstream', 'endpoint', 'state'],
      registers: [r],
      collect: () => {
        health.reset();
        const now = performance.now();
        for (const g of this.source?.upstreams() ?? []) {
          for (const e of g.endpoints) {
            const h = e.health;
            const state = h.activeUnhealthy
              ? 'unhealthy'
              : h.ejectedUntil > now
                ? 'ejected'
                : 'healthy';
            for (const s of ENDPOINT_STATES) {
              health.set({ upstream: g.name, endpoint: e.origin, state: s }, s === state ? 1 : 0);
            }
          }
        }
      },
    });
    const breaker: Gauge<'upstream' | 'state'> = new Gauge({
      name: `${PREFIX}upstream_circuit_breaker_state`,
      help: 'Circuit breaker state, 1 for the current one: closed, open, half_open. With workers, the number of workers in it.',
      labelNames: ['upstream', 'state'],
      registers: [r],
      collect: () => {
        breaker.reset();
        for (const g of this.source?.upstreams() ?? []) {
          if (g.breaker === null) continue;
          const state = g.breaker.snapshot().state.replace('-', '_');
          for (const s of BREAKER_STATES) {
            breaker.set({ upstream: g.name, state: s }, s === state ? 1 : 0);
          }
        }
      },
    });

    this.reloads = new Counter({
      name: `${PREFIX}config_reloads_total`,
      help: 'Config reloads, by result: success, failure (the previous config kept serving), unchanged.',
      labelNames: ['result'],
      registers: [r],
    });
    this.generation = new Gauge({
      name: `${PREFIX}config_generation`,
      help: 'Configs installed since start, the first included.',
      registers: [r],
      aggregator: 'max',
    });
    this.configInfo = new Gauge({
      name: `${PREFIX}config_info`,
      help: 'Always 1, labelled with the first 12 hex digits of the sha256 of the config in force (with workers: the number of workers on it).',
      labelNames: ['hash'],
      registers: [r],
    });
    this.lastReload = new Gauge({
      name: `${PREFIX}config_last_reload_timestamp_seconds`,
      help: 'When the config was last loaded or a reload last failed, Unix seconds.',
      registers: [r],
      aggregator: 'max',
    });
    this.lastReloadSuccess = new Gauge({
      name: `${PREFIX}config_last_reload_success`,
      help: '1 when the last load or reload succeeded, 0 when it failed.',
      registers: [r],
      aggregator: 'min',
    });
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
      ...this.websocketFamilies.all,
    ];
  }

  /** Every family this process exposes, prom-client's default process metrics included. */
  describe(): MetricDescription[] {
    const registered = this.registry.getMetricsAsArray().map((m) => {
      // prom-client keeps each metric's labelNames but leaves the field out of its typings.
      const { labelNames = [] } = m as RegisteredMetric & { labelNames?: readonly string[] };
      return { name: m.name, type: String(m.type), help: m.help, labels: labelNames };
    });
    const families = this.cellFamilies().map((f) => ({
      name: f.name,
      type: f.type,
      help: f.help,
      labels: f.labelNames,
    }));
    return [...registered, ...families];
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
    for (const [group, metrics] of this.groups) {
      if (active.has(group)) continue;
      metrics.retired = true;
      this.groups.delete(group);
    }
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
    }
  }
}
