import type { HostRouter } from '../router/host-router.js';
import type { PathPolicy } from '../router/normalize-path.js';
import type { Exchange, RequestSeries } from './exchange.js';
import type { RouteChain } from './filter-chain.js';
import type { RouteCondition } from './route-condition.js';
import type { UpstreamEnvelope } from './upstream-envelope.js';

/** The per-request work of a route, built once at compile time. */
export type RouteHandler = (ex: Exchange, params: readonly string[], wildcard: string) => void;

export interface CompiledRoute {
  name: string;
  path: string;
  host: string | null;
  methods: readonly string[] | null;
  /** The upstream's name, the split's names, or "direct_response" / "redirect" / "built-in". */
  target: string;
  /** The route's `match` block; null when it applies to every request on its path. */
  condition: RouteCondition | null;
  /** Names of the steps a request goes through, for `gatewayd routes`. */
  filters: readonly string[];
  handle: RouteHandler;
  /** Index in the config's `routes`, or -1 for runtime routes and the gateway's own routes. */
  configIndex: number;
  /** Where its requests are counted until an upstream is chosen; null when metrics are off. */
  metrics: RequestSeries | null;
  /** The config file, the admin API (runtime routes) or the gateway itself (/health, /ready). */
  origin: RouteOrigin;
  /**
   * The table's `response_envelope`, copied here at compile time so that the gateway's own
   * answers on this route (errors, generated JSON) know their shape without a lookup.
   */
  envelope: boolean;
  /** The route's `upstream_envelope`: its upstream's JSON answers wrapped too; null when off. */
  upstreamEnvelope: UpstreamEnvelope | null;
}

export type RouteOrigin = 'file' | 'runtime' | 'built-in';

/** A route the gateway serves itself (/health, identity, the webhook, ...): no config entry. */
export function builtInRoute(r: {
  name: string;
  path: string;
  methods: readonly string[];
  handle: RouteHandler;
  filters: readonly string[];
  envelope: boolean;
  /** What `gatewayd routes` shows as its target; default "built-in". */
  target?: string;
}): CompiledRoute {
  return {
    name: r.name,
    path: r.path,
    host: null,
    methods: r.methods,
    target: r.target ?? 'built-in',
    condition: null,
    filters: r.filters,
    handle: r.handle,
    configIndex: -1,
    metrics: null,
    origin: 'built-in',
    envelope: r.envelope,
    upstreamEnvelope: null,
  };
}

/** The limits the listener enforces before a request reaches any route. */
export interface ListenerLimits {
  maxUrlLength: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** The shape of the gateway's own answers (errors) when no route made them. */
  responseEnvelope: boolean;
  /** How request paths an upstream could read differently are treated (`server.paths`). */
  paths: PathPolicy;
  /** `server.redirect_to_https`: plain HTTP requests are answered with 308 to the HTTPS port. */
  redirectToHttps: boolean;
}

/** What the listener reads of the table in force, once per request. */
export interface ServingTable {
  settings: ListenerLimits;
  router: HostRouter<CompiledRoute, Exchange>;
  /** The chain that answers requests no route took (404, 405, refusals): security headers. */
  unmatched: RouteChain;
}
