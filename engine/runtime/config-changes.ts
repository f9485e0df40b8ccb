import type { ConfigPath } from '../config/config-problem.js';
import { formatConfigPath } from '../config/format-config-path.js';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';

/** What one group of a config gained, lost or has with another value. */
export interface ChangeSet {
  added: string[];
  removed: string[];
  changed: string[];
}

/**
 * What a reload changed, as the `config loaded` log line reports it: routes (by name, or by
 * methods and path when unnamed), upstreams by name, every other setting by its YAML key. Only
 * names and keys, never values: a value may be a secret.
 */
export interface ConfigChanges {
  routes?: ChangeSet & { reordered?: true };
  upstreams?: ChangeSet;
  settings?: ChangeSet;
  runtime_routes?: Pick<ChangeSet, 'added' | 'removed'>;
}

/** The changes from `before` to `after`; groups with nothing in them are left out. */
export function describeChanges(before: GatewayConfig, after: GatewayConfig): ConfigChanges {
  const changes: ConfigChanges = {};
  const routes = diffRoutes(before.routes, after.routes);
  if (routes !== null) changes.routes = routes;
  const upstreams = diffKeyed(before.upstreams ?? {}, after.upstreams ?? {});
  if (upstreams !== null) changes.upstreams = upstreams;
  const settings = emptyChangeSet();
  diffSettings(withoutRoutesAndUpstreams(before), withoutRoutesAndUpstreams(after), [], settings);
  if (!isEmpty(settings)) changes.settings = settings;
  return changes;
}

/** Runtime routes (admin API) by name: the names in `after` and not in `before`, and back. */
export function describeRuntimeRouteChanges(
  before: readonly string[],
  after: readonly string[],
): ConfigChanges {
  const was = new Set(before);
  const now = new Set(after);
  const added = after.filter((n) => !was.has(n));
  const removed = before.filter((n) => !now.has(n));
  return added.length + removed.length === 0 ? {} : { runtime_routes: { added, removed } };
}

/** Every YAML key (in `changes.settings`) at or below one of `keys`, or above it. */
export function changedKeysUnder(changes: ConfigChanges, keys: readonly string[]): string[] {
  const s = changes.settings;
  if (s === undefined) return [];
  const all = [...s.added, ...s.removed, ...s.changed];
  return all.filter((path) =>
    keys.some((key) => path === key || path.startsWith(`${key}.`) || key.startsWith(`${path}.`)),
  );
}

function emptyChangeSet(): ChangeSet {
  return { added: [], removed: [], changed: [] };
}

function isEmpty(set: ChangeSet): boolean {
  return set.added.length + set.removed.length + set.changed.length === 0;
}

function withoutRoutesAndUpstreams(config: GatewayConfig): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).filter(([key]) => key !== 'routes' && key !== 'upstreams'),
  );
}

/**
 * Routes are matched up by name, else by methods, host and path; two unnamed routes on the same
 * methods and path (split by `match`) are told apart by their order among themselves.
 */
function diffRoutes(
  before: readonly RouteConfig[],
  after: readonly RouteConfig[],
): (ChangeSet & { reordered?: true }) | null {
  const was = labelled(before);
  const now = labelled(after);
  const set = diffKeyed(Object.fromEntries(was), Object.fromEntries(now));
  const order = (routes: Array<[string, RouteConfig]>, other: Map<string, RouteConfig>) =>
    routes.map(([label]) => label).filter((label) => other.has(label));
  const common = order(was, new Map(now));
  const reordered = common.join('\n') !== order(now, new Map(was)).join('\n');
  if (set === null && !reordered) return null;
  return { ...(set ?? emptyChangeSet()), ...(reordered ? { reordered: true as const } : {}) };
}

function labelled(routes: readonly RouteConfig[]): Array<[string, RouteConfig]> {
  const seen = new Map<string, number>();
  return routes.map((route) => {
    const base = routeLabel(route);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return [count === 1 ? base : `${base} #${count}`, route];
  });
}

function routeLabel(route: RouteConfig): string {
  if (route.name !== undefined) return route.name;
  const methods = route.methods?.join(',') ?? 'ANY';
  return `${methods} ${route.host ?? ''}${route.path}`;
}

function diffKeyed(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): ChangeSet | null {
  const set = emptyChangeSet();
  for (const key of Object.keys(after)) {
    if (!(key in before)) set.added.push(key);
    else if (!sameValue(before[key], after[key])) set.changed.push(key);
  }
  for (const key of Object.keys(before)) if (!(key in after)) set.removed.push(key);
  return isEmpty(set) ? null : set;
}

/** Mappings are compared key by key down to the leaves; a list or a value counts whole. */
function diffSettings(before: unknown, after: unknown, path: ConfigPath, into: ChangeSet): void {
  if (isMapping(before) && isMapping(after)) {
    for (const key of Object.keys(after)) {
      const at = [...path, key];
      if (!(key in before)) into.added.push(formatConfigPath(at));
      else diffSettings(before[key], after[key], at, into);
    }
    for (const key of Object.keys(before)) {
      if (!(key in after)) into.removed.push(formatConfigPath([...path, key]));
    }
    return;
  }
  if (!sameValue(before, after)) into.changed.push(formatConfigPath(path));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of parsed YAML values; the order of a mapping's keys does not matter. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => key in b && sameValue(a[key], b[key]))
    );
  }
  return false;
}
