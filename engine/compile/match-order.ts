import type { PathPattern } from '../router/path-pattern.js';
import type { CompiledRoute } from '../data-plane/compiled-route.js';

/**
 * Sorts routes the way the router tries them: exact hosts, then wildcard hosts (longest first),
 * then routes for any host; within a host, static segments before {param} before *.
 */
export function matchOrder(
  entries: Array<{ route: CompiledRoute; pattern: PathPattern }>,
): CompiledRoute[] {
  return entries
    .map((e) => ({ route: e.route, key: sortKey(e.route, e.pattern) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((e) => e.route);
}

function sortKey(route: CompiledRoute, pattern: PathPattern): Array<string | number> {
  const host = route.host;
  const hostRank = host === null ? [2, 0] : host.startsWith('*.') ? [1, -host.length] : [0, 0];
  const segments = pattern.segments.flatMap((s) =>
    s.kind === 'static' ? [0, s.value] : s.kind === 'param' ? [1, ''] : [2, ''],
  );
  // -1 ends the path so a shorter path sorts before a longer one sharing its prefix; on one
  // path, routes with a `match` are tried before the one without.
  return [...hostRank, host ?? '', ...segments, -1, route.condition === null ? 1 : 0];
}

function compareKeys(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
