import type { HttpResponse } from 'uWebSockets.js';
import type { CompileContext } from '../compile/compile-table.js';
import type { CompiledRoute } from '../data-plane/compiled-route.js';
import type { RouteTable } from '../compile/route-table.js';
import { createHashKeyReader } from '../data-plane/hash-key.js';
import { createRewriter } from '../compile/route-handler.js';
import { compileServerSettings, type ServerSettings } from '../compile/server-settings.js';
import { compileUpstreams } from '../compile/upstream-groups.js';
import type { ConfigProblem } from '../config/config-problem.js';
import type { GatewayConfig, RouteConfig } from '../config/gateway-config.js';
import { loadConfigFile, type Locator } from '../config-loader/load-config.js';
import { Exchange } from '../data-plane/exchange.js';
import { splitPoint } from '../data-plane/traffic-split.js';
import { hostAccepts, matchPattern } from '../router/match-pattern.js';
import { describePathRefusal, normalizePath } from '../router/normalize-path.js';
import { parsePathPattern } from '../router/path-pattern.js';
import { compileLoaded } from '../runtime/build-table.js';
import { allProblems, withOfflinePlugins } from '../runtime/offline-build.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { endpointTag } from '../websocket/socket-io/endpoint-tag.js';
import { readSessionQuery } from '../websocket/socket-io/session-query.js';

/** A request as `routes --explain` takes it: "GET https://host/path?query" and headers. */
export interface ExplainedRequest {
  /** As given, for the heading. */
  line: string;
  method: string;
  host: string;
  /** As written, before normalisation. */
  path: string;
  query: string;
  /** Lower-case names. */
  headers: Array<[string, string]>;
}

export type Explanation =
  | { kind: 'invalid'; problems: ConfigProblem[] }
  | { kind: 'explained'; matched: boolean; lines: string[] };

const REQUEST_LINE = /^([A-Za-z]+)\s+(?:(https?):\/\/([^/?#\s]*))?(\/[^?#\s]*)?(?:\?([^#\s]*))?$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/;

/** Parses `GET https://host/path?q` (or `GET /path`) and `name: value` headers. */
export function parseExplainRequest(line: string, headers: string[]): ExplainedRequest | string {
  const m = REQUEST_LINE.exec(line.trim());
  if (m === null || (m[3] === undefined && m[4] === undefined)) {
    return `cannot read "${line}": write a method and a URL, e.g. "GET https://api.example.com/users/42"`;
  }
  const parsed: Array<[string, string]> = [];
  for (const h of headers) {
    const hm = HEADER.exec(h);
    if (hm === null) return `cannot read the header "${h}": write "name: value"`;
    parsed.push([(hm[1] as string).toLowerCase(), hm[2] as string]);
  }
  const host = m[3] ?? parsed.find(([n]) => n === 'host')?.[1] ?? '';
  return {
    line: line.trim(),
    method: (m[1] as string).toUpperCase(),
    host,
    path: m[4] ?? '/',
    query: m[5] ?? '',
    headers: parsed,
  };
}

/**
 * How the file's compiled table routes one request, offline: which route matches and why (host,
 * path pattern and captures, methods, condition), the filters it runs, the upstream and the
 * endpoint its balancer would pick with no health state, the path sent upstream; or, when
 * nothing matches, the nearest candidates.
 */
export async function explainRequest(
  file: string,
  request: ExplainedRequest,
): Promise<Explanation> {
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) return { kind: 'invalid', problems: await allProblems(loaded) };
  const explained = await withOfflinePlugins(loaded, (ctx, withPlugins): Explanation => {
    const built = compileLoaded(withPlugins, ctx, []);
    if (!built.ok) return { kind: 'invalid', problems: built.problems };
    return explainIn(built.table, loaded.config, loaded.locate, ctx, request);
  });
  return 'kind' in explained ? explained : { kind: 'invalid', problems: explained.problems };
}

function explainIn(
  table: RouteTable,
  config: GatewayConfig,
  locate: Locator,
  ctx: CompileContext,
  request: ExplainedRequest,
): Explanation {
  const lines = [request.line];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(12)}${text}`);
  const settings = compileServerSettings(config);
  const path = normalizePath(request.path, settings.paths);
  if (typeof path !== 'string') {
    if ('redirectTo' in path) {
      row('redirect', `307 to ${path.redirectTo} (server.paths.escaped_slashes)`);
    } else {
      const code = path.refused === 'malformed' ? 'BAD_REQUEST' : 'PATH_REJECTED';
      row('no match', `400 ${code}: ${describePathRefusal(path.refused)}`);
    }
    return { kind: 'explained', matched: false, lines };
  }
  row('path', path === request.path ? path : `${path} (normalised from ${request.path})`);
  const ex = offlineExchange(request, path);
  const hit = table.router.match(request.method, request.host, path, ex);

  if (!hit.found) {
    if (hit.allowed.size > 0) {
      const allow = [...hit.allowed].sort().join(', ');
      row('no match', `405 METHOD_NOT_ALLOWED: the path takes ${allow} only (Allow: ${allow})`);
    } else {
      row('no match', '404 ROUTE_NOT_FOUND: no route takes this host and path');
    }
    const nearest = nearestCandidates(table, request, path, ex);
    if (nearest.length === 0) row('nearest', 'none: no route shares even a first segment');
    nearest.forEach((text, i) => row(i === 0 ? 'nearest' : '', text));
    row('note', 'runtime routes (registered through the admin API) are not in the file');
    return { kind: 'explained', matched: false, lines };
  }

  const route = hit.value;
  const rc = route.origin === 'file' ? config.routes[route.configIndex] : undefined;
  const where =
    rc === undefined
      ? 'the gateway itself'
      : (() => {
          const at = locate({
            severity: 'warning',
            code: '',
            message: '',
            path: ['routes', route.configIndex],
          });
          return `${at.file}:${at.line}:${at.column} (routes[${route.configIndex}])`;
        })();
  row('route', `"${route.name}" at ${where}`);
  row('host', describeHost(route, request.host));
  const captures = [
    ...parsePathPattern(route.path).paramNames.map((n, i) => `${n}=${hit.params[i] ?? ''}`),
    ...(route.path.endsWith('*') ? [`*=${hit.wildcard === '' ? '(empty)' : hit.wildcard}`] : []),
  ];
  row('pattern', `${route.path}${captures.length > 0 ? `  ${captures.join(' ')}` : ''}`);
  row('methods', route.methods === null ? 'any' : route.methods.join(', '));
  row('condition', route.condition === null ? 'none' : `${route.condition.description} (holds)`);
  row('filters', route.filters.length === 0 ? 'none' : route.filters.join(' → '));
  if (rc === undefined || rc.direct_response !== undefined || rc.redirect !== undefined) {
    row('target', `${route.target}: answered by the gateway, no upstream`);
  } else {
    describeTarget(rc, row, settings, ctx, config, ex);
    const rewrite = createRewriter(rc, parsePathPattern(rc.path));
    if ('fn' in rewrite) {
      const upstreamPath = rewrite.fn(path, hit.params, hit.wildcard);
      // A socket.io route takes its endpoint tag off the sid before the request goes upstream.
      const query =
        rc.websocket === 'socket.io' ? readSessionQuery(request.query, null).query : request.query;
      row('forwards', upstreamPath + (query === '' ? '' : `?${query}`));
    }
  }
  for (const passed of passedOver(table, route, request, path, ex)) row('passed over', passed);
  return { kind: 'explained', matched: true, lines };
}

function describeTarget(
  rc: RouteConfig,
  row: (label: string, text: string) => void,
  settings: ServerSettings,
  ctx: CompileContext,
  config: GatewayConfig,
  ex: Exchange,
): void {
  // The offline build acquired these groups already: this gets the same ones back.
  const { groups } = compileUpstreams(config.upstreams ?? {}, settings, ctx);
  let name = rc.upstream;
  if (rc.upstreams !== undefined) {
    const live = rc.upstreams.filter((u) => u.weight > 0);
    const total = live.reduce((s, u) => s + u.weight, 0);
    row('target', `split ${rc.upstreams.map((u) => `${u.name}=${u.weight}`).join(' ')}`);
    const key =
      rc.split_on === undefined ? null : createHashKeyReader(rc.split_on, settings.trustProxy)(ex);
    if (key !== null) {
      const point = splitPoint(key, total);
      let sum = 0;
      name = live.find((u) => point < (sum += u.weight))?.name ?? live.at(-1)?.name;
      row('split', `${rc.split_on} = "${key}" → ${name}, always for this key`);
    } else {
      // Smooth weighted round robin starts with the heaviest upstream.
      name = live.reduce((a, b) => (b.weight > a.weight ? b : a)).name;
      const why = rc.split_on === undefined ? '' : ` (the request has no ${rc.split_on})`;
      row('split', `by weight${why}: the first request goes to ${name}`);
    }
  } else {
    row('target', `upstream ${name}`);
  }
  const group = groups.get(name as string) as UpstreamGroup;
  if (rc.websocket === 'socket.io' && explainSocketIoSession(ex, group, row)) return;
  const uc = config.upstreams?.[name as string];
  const balancer = uc?.load_balancer?.type ?? 'RoundRobin';
  const hashOn = balancer === 'ConsistentHash' ? (uc?.load_balancer?.hash_on ?? 'ip') : null;
  const hashKey = hashOn === null ? null : createHashKeyReader(hashOn, settings.trustProxy)(ex);
  const endpoint = group.pick(hashKey);
  const n = group.endpoints.length;
  const by =
    hashOn === null
      ? ''
      : hashKey === null
        ? ` (no ${hashOn} in the request: round robin)`
        : ` (${hashOn} = "${hashKey}"${hashOn === 'ip' ? ', the client address taken as 127.0.0.1' : ''})`;
  row(
    'balancer',
    `${name}: ${balancer} over ${n} endpoint${n === 1 ? '' : 's'}${by} → ${endpoint?.origin ?? 'none'}`,
  );
  row(
    '',
    balancer === 'LeastRequest'
      ? 'offline: no load and no health state; LeastRequest takes the less loaded of two random endpoints'
      : 'offline: no health state, every endpoint counts as healthy',
  );
}

function describeHost(route: CompiledRoute, host: string): string {
  if (route.host === null)
    return `any host: the route names none${host === '' ? '' : ` (${host})`}`;
  if (route.host.startsWith('*.')) return `${host} matches ${route.host}`;
  return `${host} is the route's host`;
}

/** Routes with the same path and host that did not take the request: a method or a condition. */
function passedOver(
  table: RouteTable,
  chosen: CompiledRoute,
  request: ExplainedRequest,
  path: string,
  ex: Exchange,
): string[] {
  return table.routes
    .filter(
      (r) =>
        r !== chosen &&
        hostAccepts(r.host, request.host) &&
        matchPattern(parsePathPattern(r.path), path).matched,
    )
    .map((r) => {
      if (r.methods !== null && !r.methods.includes(request.method)) {
        return `"${r.name}" ${r.path}: it takes ${r.methods.join(', ')} only`;
      }
      if (r.condition !== null && !r.condition.test(ex)) {
        return `"${r.name}" ${r.path}: its condition ${r.condition.description} does not hold`;
      }
      return `"${r.name}" ${r.path}: tried after the route that took the request`;
    });
}

/**
 * Why nothing matched: routes on the same path for other methods or hosts, or whose condition
 * does not hold; failing those, the routes whose patterns follow the path furthest.
 */
function nearestCandidates(
  table: RouteTable,
  request: ExplainedRequest,
  path: string,
  ex: Exchange,
): string[] {
  const out: string[] = [];
  let best = 0;
  let furthest: CompiledRoute[] = [];
  const segments = path.split('/').length - 1;
  for (const r of table.routes) {
    const m = matchPattern(parsePathPattern(r.path), path);
    const hostOk = hostAccepts(r.host, request.host);
    const label = `"${r.name}" ${r.host === null ? '' : `${r.host} `}${r.path}`;
    if (m.matched && !hostOk) {
      out.push(`${label}: same path, other host (the request's is "${request.host}")`);
    } else if (m.matched && r.methods !== null && !r.methods.includes(request.method)) {
      out.push(`${label}: same path, other method (${r.methods.join(', ')})`);
    } else if (m.matched && r.condition !== null && !r.condition.test(ex)) {
      out.push(`${label}: same path, but its condition ${r.condition.description} does not hold`);
    } else if (!m.matched && hostOk && m.prefixSegments > 0) {
      if (m.prefixSegments > best) {
        best = m.prefixSegments;
        furthest = [];
      }
      if (m.prefixSegments === best) furthest.push(r);
    }
  }
  // A route on the very path says more than one that shares a prefix.
  if (out.length > 0) return out;
  for (const r of furthest.slice(0, 3)) {
    out.push(
      `"${r.name}" ${r.path}: longest matching prefix (${best} of ${segments} segment${segments === 1 ? '' : 's'})`,
    );
  }
  return out;
}

function offlineExchange(request: ExplainedRequest, path: string): Exchange {
  const headers = request.headers.flat();
  if (!request.headers.some(([n]) => n === 'host') && request.host !== '') {
    headers.push('host', request.host);
  }
  return new Exchange(
    // Never written to: conditions and hash keys read only the request's headers.
    undefined as unknown as HttpResponse,
    request.method,
    path,
    request.query,
    headers,
    request.host,
    'explain',
    '127.0.0.1',
    0,
    false,
    0,
    () => undefined,
  );
}

/**
 * A socket.io request whose sid carries an endpoint tag goes to that endpoint, not to the
 * balancer's choice. Returns false when the request names no tagged session.
 */
function explainSocketIoSession(
  ex: Exchange,
  group: UpstreamGroup,
  row: (label: string, value: string) => void,
): boolean {
  const tag = readSessionQuery(ex.query, null).tag;
  if (tag === null) return false;
  const endpoint = group.endpoints.find((e) => endpointTag(e) === tag);
  row(
    'session',
    endpoint === undefined
      ? `socket.io sid tagged "${tag}", which names no endpoint of ${group.name}: the balancer picks one, which will not know the session`
      : `socket.io sid tagged "${tag}" → ${endpoint.origin}, the endpoint that opened the session`,
  );
  return true;
}
