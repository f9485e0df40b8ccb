import { NO_VALUE } from '../no-value.js';
import type { CounterCell, CounterFamily } from './cell-family.js';
import { RequestMetrics, type RequestFamilies } from './request-metrics.js';

export interface RouteFamilies extends RequestFamilies {
  authFailures: CounterFamily;
  rateLimitDecisions: CounterFamily;
  pluginFailures: CounterFamily;
  cacheLookups: CounterFamily;
}

/** What the response cache did with a request. */
export type CacheResult = 'hit' | 'miss' | 'bypass';
const CACHE_RESULTS: readonly CacheResult[] = ['hit', 'miss', 'bypass'];

/** How a plugin failed a request. */
export type PluginFailure = 'error' | 'timeout';
const PLUGIN_FAILURES: readonly PluginFailure[] = ['error', 'timeout'];

/** The label of requests no route matched (404, 405, refused before matching). */
export const NO_ROUTE = NO_VALUE;
/** The upstream label of requests that went to none (refused, direct responses, built-ins). */
export const NO_UPSTREAM = NO_VALUE;

/**
 * Every series of one route, by its name: its requests per upstream, auth refusals, rate-limit
 * decisions. Handed to the route's steps at compile time. Once the route leaves the config it is
 * retired: requests still finishing on the old table make no new series.
 */
export class RouteMetrics {
  retired = false;
  private readonly byUpstream = new Map<string, RequestMetrics>();
  private readonly authCells = new Map<string, CounterCell>();
  private readonly decisionCells: Array<CounterCell | undefined> = [];
  private readonly pluginCells = new Map<string, CounterCell>();
  private readonly cacheCells = new Map<CacheResult, CounterCell>();

  constructor(
    private readonly families: RouteFamilies,
    readonly route: string,
  ) {}

  /** The recorder of this route's requests that went to `upstream` (compile time). */
  requests(upstream: string = NO_UPSTREAM): RequestMetrics {
    let recorder = this.byUpstream.get(upstream);
    if (recorder === undefined) {
      recorder = new RequestMetrics(this.families, this, upstream);
      this.byUpstream.set(upstream, recorder);
    }
    return recorder;
  }

  /**
   * The route's auth failure series, made at 0 when it is compiled: Prometheus's increase()
   * takes a series' first sample as its baseline, so a series born at its first increment would
   * hide the first burst.
   */
  startAuthFailuresAtZero(reasons: readonly string[]): void {
    for (const reason of reasons) this.authCell(reason);
  }

  /** The route's four rate-limit decision series, made at 0 when it is compiled. */
  startRateLimitDecisionsAtZero(): void {
    for (const allowed of [true, false]) {
      for (const degraded of [false, true]) this.decisionCell(allowed, degraded);
    }
  }

  /** A refused credential; `reason` is one of the AuthFailure reasons, a fixed set. */
  authFailure(reason: string): void {
    const cell = this.authCell(reason);
    if (cell !== null) cell.value++;
  }

  /** `degraded`: the decision came from the fallback because the shared store was down. */
  rateLimitDecision(allowed: boolean, degraded: boolean): void {
    const cell = this.decisionCell(allowed, degraded);
    if (cell !== null) cell.value++;
  }

  /** The route runs `plugin`: its failure series are made at 0 (compile time). */
  startPluginFailuresAtZero(plugin: string): void {
    for (const kind of PLUGIN_FAILURES) this.pluginCell(plugin, kind);
  }

  pluginFailure(plugin: string, kind: PluginFailure): void {
    const cell = this.pluginCell(plugin, kind);
    if (cell !== null) cell.value++;
  }

  /** The route has a cache: its three lookup series are made at 0 (compile time). */
  startCacheLookupsAtZero(): void {
    for (const result of CACHE_RESULTS) this.cacheCell(result);
  }

  cacheLookup(result: CacheResult): void {
    const cell = this.cacheCell(result);
    if (cell !== null) cell.value++;
  }

  private cacheCell(result: CacheResult): CounterCell | null {
    let cell = this.cacheCells.get(result);
    if (cell === undefined) {
      if (this.retired) return null;
      cell = this.families.cacheLookups.cell(this.route, result);
      this.cacheCells.set(result, cell);
    }
    return cell;
  }

  private pluginCell(plugin: string, kind: PluginFailure): CounterCell | null {
    const key = `${kind} ${plugin}`;
    let cell = this.pluginCells.get(key);
    if (cell === undefined) {
      if (this.retired) return null;
      cell = this.families.pluginFailures.cell(this.route, plugin, kind);
      this.pluginCells.set(key, cell);
    }
    return cell;
  }

  /** Null once the route is retired and the series was not made before. */
  private authCell(reason: string): CounterCell | null {
    let cell = this.authCells.get(reason);
    if (cell === undefined) {
      if (this.retired) return null;
      cell = this.families.authFailures.cell(this.route, reason);
      this.authCells.set(reason, cell);
    }
    return cell;
  }

  private decisionCell(allowed: boolean, degraded: boolean): CounterCell | null {
    const index = (allowed ? 0 : 2) + (degraded ? 1 : 0);
    let cell = this.decisionCells[index];
    if (cell === undefined) {
      if (this.retired) return null;
      cell = this.families.rateLimitDecisions.cell(
        this.route,
        allowed ? 'allowed' : 'refused',
        String(degraded),
      );
      this.decisionCells[index] = cell;
    }
    return cell;
  }
}
