import type { HttpMethod, RouteConfig } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { RegistrationSettings } from './registration-settings.js';

/** What seed 000's POST /api/register carries. */
const FIELDS = new Set(['name', 'base_url', 'path', 'method', 'require_auth', 'ws_supported']);
const METHODS: ReadonlySet<string> = new Set<HttpMethod>([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
]);
/** A runtime route name (admin API) that is also one plain path segment: not `.` or `..`. */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
/** Plain path characters: no `{`, `}` or `*` (rewrite template syntax), no query or fragment. */
const PATH = /^[A-Za-z0-9._~!$&'()+,;=:@%/-]{0,1024}$/;

/**
 * Turns a registration body into the runtime route it stands for, or throws 400 BAD_REQUEST
 * saying which field is wrong. `base_url` must be an endpoint of an upstream of the file: the
 * API proxies through that upstream's pool, health checks and breaker, and a registration can
 * never make the gateway connect to an address the file does not name.
 */
export function registrationRoute(body: unknown, settings: RegistrationSettings): RouteConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('the body must be a JSON object {name, base_url, path, method, require_auth}');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    throw bad(`unknown field ${unknown.join(', ')}; the fields are ${[...FIELDS].join(', ')}`);
  }
  const { name, base_url: baseUrl, path, method, require_auth: requireAuth } = fields;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw bad('name must be 1 to 128 of A-Za-z0-9_.- and not start with a dot');
  }
  if (fields.ws_supported !== undefined && typeof fields.ws_supported !== 'boolean') {
    throw bad('ws_supported must be a boolean');
  }
  if (fields.ws_supported === true) {
    throw bad(
      'ws_supported: true is not available through registration: route WebSocket message types to HTTP upstreams with websocket.message_routes, or proxy a WebSocket with a `websocket: proxy` route in the config file',
    );
  }
  if (requireAuth !== undefined && typeof requireAuth !== 'boolean') {
    throw bad('require_auth must be a boolean');
  }
  const verb =
    method === undefined ? 'GET' : typeof method === 'string' ? method.toUpperCase() : '';
  if (!METHODS.has(verb)) throw bad(`method must be one of ${[...METHODS].join(', ')}`);
  const target = upstreamPath(path);
  const { upstream, basePath } = upstreamOf(baseUrl, settings);
  return {
    name,
    path: `${settings.proxyPrefix}/${name}`,
    methods: [verb as HttpMethod],
    upstream,
    rewrite: `${basePath}${target}` || '/',
    auth_required: requireAuth === true,
  };
}

/** The upstream path as `/a/b` (or '' for none), from seed 000's relative `v1/current.json`. */
function upstreamPath(path: unknown): string {
  if (path === undefined) return '';
  if (typeof path !== 'string' || !PATH.test(path)) {
    throw bad('path must be a plain URL path (no query, no {, } or *), at most 1024 characters');
  }
  const segments = path.split('/').filter((s, i, all) => s !== '' || i === all.length - 1);
  if (segments.some((s) => s === '.' || s === '..'))
    throw bad('path must not contain . or .. segments');
  const joined = segments.join('/');
  return joined === '' ? '' : `/${joined}`;
}

function upstreamOf(
  baseUrl: unknown,
  settings: RegistrationSettings,
): { upstream: string; basePath: string } {
  if (typeof baseUrl !== 'string') throw bad('base_url must be a string');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw bad('base_url is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bad('base_url must be an http:// or https:// URL');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw bad('base_url must not carry credentials, a query or a fragment');
  }
  const upstream = settings.upstreamByOrigin.get(url.origin);
  if (upstream === undefined) {
    throw bad(
      `base_url ${url.origin} is not an endpoint of any upstream in the config; add an upstream with that endpoint to the file (registration only routes to upstreams the file defines)`,
    );
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  return { upstream, basePath };
}

function bad(message: string): GatewayError {
  return new GatewayError('BAD_REQUEST', message);
}
