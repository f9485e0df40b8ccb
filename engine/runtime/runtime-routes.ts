import type { RouteTable } from '../compile/route-table.js';
import { checkRuntimeRoutes } from '../config-loader/check-runtime-routes.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import type {
  InactiveRuntimeRoute,
  RouteProblem,
  StoredRuntimeRoute,
} from '../config/runtime-route.js';
import { ConfigCode } from '../errors/config-codes.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../observability/logger.js';
import type { RuntimeRouteStore } from '../state/runtime-route-store.js';

/** A bound on what every instance recompiles at each change. */
export const MAX_RUNTIME_ROUTES = 1000;

/** Problems that are about another route, not about the posted one: a 409, not a 422. */
const CONFLICT_CODES: ReadonlySet<string> = new Set([
  ConfigCode.ROUTE_SHADOWED,
  ConfigCode.PARAM_CONFLICT,
]);

export interface RuntimeRouteHooks {
  /** The file's config in force. */
  config(): GatewayConfig;
  /** The table in force. */
  table(): RouteTable;
  /** Compiles the config in force with these runtime routes and installs the table. */
  apply(routes: readonly StoredRuntimeRoute[]): RouteTable;
  /** The runtime routes these would leave inactive, compiled offline (nothing installed). */
  dryRun(routes: readonly StoredRuntimeRoute[]): Promise<readonly InactiveRuntimeRoute[]>;
  /** Why registrations are refused on this instance (memory store with several workers). */
  refusal: string | null;
}

/**
 * The runtime routes of this instance: a store (memory, or Redis shared with every instance)
 * and the set last applied. Registrations, removals and re-reads run one at a time, so the set
 * compiled is always one the store held.
 */
export class RuntimeRoutes {
  private current: StoredRuntimeRoute[] = [];
  private fingerprint = '[]';
  private queue: Promise<unknown> = Promise.resolve();
  private syncQueued = false;

  constructor(
    readonly store: RuntimeRouteStore,
    private readonly hooks: RuntimeRouteHooks,
    private readonly logger: Logger,
  ) {}

  /** The set to compile at start: what the store holds, or none if it cannot answer in time. */
  async load(timeoutMs: number): Promise<readonly StoredRuntimeRoute[]> {
    if (await this.store.ready(timeoutMs)) {
      try {
        this.remember(await this.store.list());
      } catch (err) {
        this.logger.warn({ err }, 'cannot read runtime routes; starting without them');
      }
    } else {
      this.logger.warn({ waited_ms: timeoutMs }, 'runtime routes are not loaded yet');
    }
    return this.current;
  }

  /** From now on, changes made elsewhere (other instances) are applied here too. */
  watch(): void {
    this.store.watch(() => this.sync());
  }

  get routes(): readonly StoredRuntimeRoute[] {
    return this.current;
  }

  /** Re-reads the store and applies the set if it changed. Bursts collapse into one re-read. */
  sync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    void this.enqueue(async () => {
      this.syncQueued = false;
      await this.refresh();
    }).catch((err: unknown) => {
      this.logger.warn({ err }, 'cannot read runtime routes; keeping the ones in force');
    });
  }

  /**
   * Checks a posted route against the config in force and the other runtime routes (the same
   * schema, checks and shadowing rules as the file), stores it and applies it. Throws a
   * GatewayError: 422 with the problems, 409 when it clashes with another route or name.
   */
  register(posted: unknown): Promise<{ table: RouteTable; warnings: RouteProblem[] }> {
    return this.enqueue(async () => {
      if (this.hooks.refusal !== null) throw new GatewayError('CONFLICT', this.hooks.refusal);
      const candidate: StoredRuntimeRoute = {
        name: nameOf(posted),
        route: posted,
        createdAt: Date.now(),
      };
      const config = this.hooks.config();
      this.refuseTakenName(candidate.name, config);
      const routes = [...this.current, candidate];
      const checked = checkRuntimeRoutes(config, routes);
      const refused = checked.rejected.find((r) => r.route === posted);
      if (refused !== undefined) throw refusal(refused.problems);
      const clash = (await this.hooks.dryRun(routes)).find((r) => r.route === posted);
      if (clash !== undefined) throw refusal(clash.problems);
      if (!(await storeCall(() => this.store.add(candidate)))) {
        throw new GatewayError('CONFLICT', `a runtime route named "${candidate.name}" exists`);
      }
      const table = await this.refresh(this.store.kind === 'memory' ? routes : undefined);
      // Another instance may have registered a clashing route in the meantime: the older wins.
      const lost = table.inactiveRuntimeRoutes.find((r) => r.name === candidate.name);
      if (lost !== undefined) {
        await storeCall(() => this.store.remove(candidate.name));
        await this.refresh();
        throw refusal(lost.problems);
      }
      const warnings = checked.accepted.find((a) => a.runtime.route === posted)?.warnings ?? [];
      return { table, warnings };
    });
  }

  /** False when no runtime route has this name. */
  remove(name: string): Promise<boolean> {
    return this.enqueue(async () => {
      if (!(await storeCall(() => this.store.remove(name)))) return false;
      await this.refresh(
        this.store.kind === 'memory' ? this.current.filter((r) => r.name !== name) : undefined,
      );
      return true;
    });
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** Applies `routes` (else what the store holds now) when they differ from the set in force. */
  private async refresh(routes?: StoredRuntimeRoute[]): Promise<RouteTable> {
    const next = routes ?? (await storeCall(() => this.store.list()));
    if (!this.remember(next)) return this.hooks.table();
    const table = this.hooks.apply(next);
    this.logger.info(
      {
        runtime_routes: next.length,
        inactive: table.inactiveRuntimeRoutes.map((r) => ({
          name: r.name,
          problems: r.problems.map((p) => `${p.path}: ${p.code} ${p.message}`),
        })),
      },
      'runtime routes applied',
    );
    return table;
  }

  /** True when the set changed. */
  private remember(routes: StoredRuntimeRoute[]): boolean {
    const fingerprint = JSON.stringify(routes);
    if (fingerprint === this.fingerprint) return false;
    this.fingerprint = fingerprint;
    this.current = routes;
    return true;
  }

  private refuseTakenName(name: string, config: GatewayConfig): void {
    if (this.current.some((r) => r.name === name)) {
      throw new GatewayError('CONFLICT', `a runtime route named "${name}" exists`);
    }
    const index = config.routes.findIndex((r) => r.name === name);
    if (index >= 0) {
      throw new GatewayError(
        'CONFLICT',
        `route name "${name}" is taken by routes[${index}] in the config file`,
      );
    }
    if (this.current.length >= MAX_RUNTIME_ROUTES) {
      throw new GatewayError('CONFLICT', `there are ${MAX_RUNTIME_ROUTES} runtime routes already`);
    }
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A store that throws (Redis away) is unavailable, whatever the route. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('SERVICE_UNAVAILABLE', 'the runtime route store cannot be reached');
  }
}

function nameOf(posted: unknown): string {
  if (typeof posted !== 'object' || posted === null || Array.isArray(posted)) {
    throw new GatewayError('BAD_REQUEST', 'the body must be a JSON object: one route');
  }
  const name = (posted as { name?: unknown }).name;
  return typeof name === 'string' ? name : '';
}

function refusal(problems: readonly RouteProblem[]): GatewayError {
  const errors = problems.filter((p) => p.severity === 'error');
  const conflict = errors.some((p) => CONFLICT_CODES.has(p.code));
  const first = errors[0];
  return new GatewayError(
    conflict ? 'CONFLICT' : 'CONFIG_INVALID',
    first === undefined ? 'the route is not valid' : first.message,
    [],
    problems,
  );
}
