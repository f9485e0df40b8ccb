import type {
  RedirectConfig,
  RetriesConfig,
  RouteConfig,
  UpstreamConfig,
} from '../config/gateway-config.js';
import type { PathProblem } from '../config/config-problem.js';
import { ConfigCode } from '../errors/config-codes.js';
import { createDirectResponse } from '../data-plane/direct-response.js';
import { createRedirect } from '../data-plane/redirect.js';
import { createProxyHandler, type RetryPolicy } from '../data-plane/proxy-handler.js';
import { createTrafficSplit } from '../data-plane/traffic-split.js';
import type { RouteTelemetry } from '../observability/telemetry.js';
import type { PathPattern } from '../router/path-pattern.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import type { RequestHeaderPolicy } from '../data-plane/forward-headers.js';
import type { RouteFilter } from '../data-plane/filter-chain.js';
import { createHashKeyReader } from '../data-plane/hash-key.js';
import {
  createPrefixStripper,
  createTemplateRewriter,
  keepPath,
  type PathRewriter,
} from '../data-plane/path-rewriter.js';
import { duration, size } from '../config/units.js';
import type { ServerSettings } from './server-settings.js';
import { createSocketProxyRoute, type SocketCredentialPlaces } from './socket-proxy-route.js';
import { createSocketIoRouteHandler } from './socket-io-route.js';
import type { Endpoint } from '../upstream/endpoint.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

const R = CONFIG_DEFAULTS.routes;
const U = CONFIG_DEFAULTS.upstreams;
const T = CONFIG_DEFAULTS.server.timeouts;

export type BuiltHandler =
  | {
      handle: RouteHandler;
      filters: string[];
      /** WebSocket routes: the fingerprint of the config their connections depend on. */
      socketKey?: string;
      /** A WebSocket route that serves plain requests too (socket.io's long-polling). */
      servesPlain?: boolean;
    }
  | { problem: PathProblem };

/** Composes one route's request path from its config. */
export function createRouteHandler(
  rc: RouteConfig,
  index: number,
  pattern: PathPattern,
  settings: ServerSettings,
  groups: ReadonlyMap<string, UpstreamGroup>,
  upstreams: Readonly<Record<string, UpstreamConfig>>,
  headerPolicy: RequestHeaderPolicy,
  socketCredentials: SocketCredentialPlaces,
  telemetry: RouteTelemetry,
): BuiltHandler {
  if (rc.direct_response) {
    return { handle: createDirectResponse(rc.direct_response), filters: ['direct_response'] };
  }
  if (rc.redirect) return redirectHandler(rc.redirect, index, pattern, rc.path);
  const rewrite = createRewriter(rc, pattern);
  if ('unknown' in rewrite) {
    return {
      problem: {
        severity: 'error',
        code: ConfigCode.REWRITE,
        message: `rewrite "${rc.rewrite}" uses ${rewrite.unknown.join(', ')}, which path "${rc.path}" does not capture`,
        hint: `the path captures ${capturesOf(pattern)}`,
        path: ['routes', index, 'rewrite'],
      },
    };
  }
  const filters: string[] = [];
  if (rc.rewrite) filters.push(`rewrite ${rc.rewrite}`);
  else if (rc.strip_prefix)
    filters.push(
      `strip_prefix ${rc.strip_prefix === true ? pattern.staticPrefix : rc.strip_prefix}`,
    );
  if (rc.websocket === 'proxy') {
    // The config checks made sure a proxy route names one defined upstream.
    const name = rc.upstream as string;
    const proxy = createSocketProxyRoute(
      rc,
      rewrite.fn,
      settings,
      groups.get(name) as UpstreamGroup,
      upstreams[name] as UpstreamConfig,
      headerPolicy,
      socketCredentials,
      telemetry.websocket(),
    );
    return { ...proxy, filters: [...filters, ...proxy.filters] };
  }
  if (rc.websocket === 'socket.io') {
    // The config checks made sure a socket.io route names one defined upstream.
    const name = rc.upstream as string;
    const route = createSocketIoRouteHandler({
      rc,
      rewrite: rewrite.fn,
      settings,
      group: groups.get(name) as UpstreamGroup,
      upstream: upstreams[name] as UpstreamConfig,
      headerPolicy,
      credentials: socketCredentials,
      metrics: telemetry.websocket(),
      requestSeries: telemetry.metrics?.requests(name) ?? null,
      // A session lives on one endpoint: a poll retried on another would only hear it is unknown.
      polling: (affinity) =>
        createUpstreamProxy(
          { ...rc, retries: { attempts: 1 } },
          name,
          rewrite.fn,
          settings,
          groups,
          upstreams,
          headerPolicy,
          telemetry,
          affinity,
        ),
    });
    return { ...route, filters: [...filters, ...route.filters] };
  }
  const proxyTo = (name: string) =>
    createUpstreamProxy(rc, name, rewrite.fn, settings, groups, upstreams, headerPolicy, telemetry);
  if (rc.upstreams === undefined) {
    const proxy = proxyTo(rc.upstream as string);
    return { handle: proxy.handle, filters: [...filters, ...proxy.filters] };
  }
  const split = rc.upstreams.map((u) => ({ ...u, proxy: proxyTo(u.name) }));
  const handle = createTrafficSplit(
    split.map((u) => ({ weight: u.weight, handle: u.proxy.handle })),
    rc.split_on === undefined ? null : createHashKeyReader(rc.split_on, settings.trustProxy),
  );
  filters.push(
    `split ${split.map((u) => `${u.name}=${u.weight}`).join(' ')}${rc.split_on ? ` on ${rc.split_on}` : ''}`,
    ...split.flatMap((u) => u.proxy.filters.map((f) => `${u.name}: ${f}`)),
  );
  return { handle, filters };
}

/** A redirect route's answer; `to` may only use what the path captures. */
function redirectHandler(
  config: RedirectConfig,
  index: number,
  pattern: PathPattern,
  path: string,
): BuiltHandler {
  const status = config.status ?? R.redirect.status;
  const redirect = createRedirect(
    config,
    pattern,
    status,
    config.keep_query ?? R.redirect.keep_query,
  );
  if ('unknown' in redirect) {
    return {
      problem: {
        severity: 'error',
        code: ConfigCode.REDIRECT,
        message: `redirect to "${config.to}" uses ${redirect.unknown.join(', ')}, which path "${path}" does not capture`,
        hint: `the path captures ${capturesOf(pattern)}`,
        path: ['routes', index, 'redirect', 'to'],
      },
    };
  }
  return { handle: redirect, filters: [`redirect ${status} ${config.to}`] };
}

function capturesOf(pattern: PathPattern): string {
  const names = [...pattern.paramNames.map((n) => `{${n}}`), ...(pattern.hasWildcard ? ['*'] : [])];
  return names.join(', ') || 'nothing';
}

/**
 * The proxy step to one upstream, with that upstream's balancer, breaker and retries; `affinity`
 * binds a request to an endpoint ahead of the balancer.
 */
function createUpstreamProxy(
  rc: RouteConfig,
  name: string,
  rewrite: PathRewriter,
  settings: ServerSettings,
  groups: ReadonlyMap<string, UpstreamGroup>,
  upstreams: Readonly<Record<string, UpstreamConfig>>,
  headerPolicy: RequestHeaderPolicy,
  telemetry: RouteTelemetry,
  affinity?: () => Endpoint | null,
): { handle: RouteHandler; filters: string[] } {
  const group = groups.get(name) as UpstreamGroup;
  const uc = upstreams[name] as UpstreamConfig;
  const retries = rc.retries ?? uc.retries;
  const timeoutMs = rc.timeout
    ? duration(rc.timeout, T.upstream_timeout)
    : settings.upstreamTimeoutMs;
  const perTryTimeoutMs = retries?.per_try_timeout
    ? Math.min(duration(retries.per_try_timeout, T.upstream_timeout), timeoutMs)
    : timeoutMs;
  const retry = compileRetryPolicy(retries);
  const balancer = uc.load_balancer?.type ?? U.load_balancer.type;
  const filters = [];
  if (uc.circuit_breaker) filters.push('circuit breaker');
  const perTry = perTryTimeoutMs < timeoutMs ? ` per_try=${perTryTimeoutMs}ms` : '';
  filters.push(`proxy ${balancer} timeout=${timeoutMs}ms${perTry} attempts=${retry.attempts}`);
  const handle = createProxyHandler({
    group,
    rewrite,
    preserveHost: rc.preserve_host ?? R.preserve_host,
    timeoutMs,
    perTryTimeoutMs,
    bodyTimeoutMs: settings.bodyTimeoutMs,
    maxBodyBytes: settings.maxBodyBytes,
    requestTimeoutMs: settings.requestTimeoutMs,
    isTrustedProxy: settings.trustProxy,
    headerPolicy,
    retry,
    hashKey:
      balancer === 'ConsistentHash'
        ? createHashKeyReader(
            uc.load_balancer?.hash_on ?? U.load_balancer.hash_on,
            settings.trustProxy,
          )
        : null,
    metrics: telemetry.metrics?.requests(name) ?? null,
    observer: telemetry.attempts(group),
    ...(affinity === undefined ? {} : { affinity }),
  });
  return { handle, filters };
}

/**
 * The header policy of a route's upstream requests: the identity headers every route drops,
 * plus the edits its filters make. Routes without edits share the identity set as it is.
 */
export function upstreamHeaderPolicy(
  identityHeaderNames: ReadonlySet<string>,
  filters: readonly RouteFilter[],
): RequestHeaderPolicy {
  const edits = filters.flatMap((f) => (f.upstreamHeaders === null ? [] : [f.upstreamHeaders]));
  if (edits.length === 0) return { dropped: identityHeaderNames, added: [] };
  return {
    dropped: new Set([...identityHeaderNames, ...edits.flatMap((e) => e.dropped)]),
    added: edits.flatMap((e) => e.added),
  };
}

/** Methods whose repetition has no further effect (RFC 9110 9.2.2), so a retry is safe. */
const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'];
const ALL_METHODS = [...IDEMPOTENT, 'POST', 'PATCH', 'CONNECT'];

function compileRetryPolicy(r: RetriesConfig = {}): RetryPolicy {
  return {
    attempts: r.attempts ?? R.retries.attempts,
    on: new Set(r.on ?? R.retries.on),
    methods: new Set(r.retry_non_idempotent ? ALL_METHODS : IDEMPOTENT),
    backoffBaseMs: duration(r.backoff?.base, R.retries.backoff.base),
    backoffMaxMs: duration(r.backoff?.max, R.retries.backoff.max),
    maxBufferBytes: size(r.max_buffered_body, R.retries.max_buffered_body),
  };
}

/** The route's path rewrite (`rewrite`, `strip_prefix`, or none); also used by `routes --explain`. */
export function createRewriter(
  rc: RouteConfig,
  pattern: PathPattern,
): { fn: PathRewriter } | { unknown: string[] } {
  if (rc.rewrite) {
    const rewriter = createTemplateRewriter(rc.rewrite, pattern);
    return typeof rewriter === 'function' ? { fn: rewriter } : rewriter;
  }
  if (rc.strip_prefix === true) return { fn: createPrefixStripper(pattern.staticPrefix) };
  if (typeof rc.strip_prefix === 'string') return { fn: createPrefixStripper(rc.strip_prefix) };
  return { fn: keepPath };
}
