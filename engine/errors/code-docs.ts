import type { ConfigCodeValue } from './config-codes.js';
import type { ErrorCodeName } from './gateway-error.js';

/**
 * What each code means and what to do about it. docs/reference/errors.md is generated from these
 * (`npm run docs`); the Record types make a new code without its entry a type error.
 */
export interface CodeDoc {
  meaning: string;
  fix: string;
}

/** Every code of a gateway-generated error response. */
export const REQUEST_CODE_DOCS: Readonly<Record<ErrorCodeName, CodeDoc>> = {
  BAD_REQUEST: {
    meaning: 'malformed path or `Content-Length`',
    fix: 'fix the client',
  },
  PATH_REJECTED: {
    meaning:
      'the path has a form an upstream could resolve to another path: an encoded slash or backslash, a `;` parameter, a double escape, an encoded control character or overlong UTF-8 (the message says which)',
    fix: 'send the path in plain form, or choose another policy in `server.paths`',
  },
  AMBIGUOUS_REQUEST: {
    meaning:
      'the request could be read two ways: two `Host` or `Content-Length` headers, a `Content-Length` that is not plain digits, a `Transfer-Encoding` other than exactly `chunked`, or both length headers; the connection is closed',
    fix: 'fix the client or the proxy in front of the gateway',
  },
  UNAUTHORIZED: {
    meaning: 'no credential, or one that failed verification (see WWW-Authenticate)',
    fix: 'send a valid token or API key',
  },
  FORBIDDEN: {
    meaning:
      'missing role or permission, refused address, CORS origin or WebSocket origin, unsafe claim value',
    fix: 'use a caller with the rights the message names',
  },
  TIER_REQUIRED: {
    meaning: "the caller's tier is below the route's `required_tier`",
    fix: "upgrade the key's or token's tier",
  },
  RATE_LIMITED: {
    meaning: "over the route's, the default or the tier's limit",
    fix: 'wait for Retry-After; see the X-RateLimit-* headers',
  },
  ROUTE_NOT_FOUND: {
    meaning: 'no route matches the host and path',
    fix: 'check `gatewayd routes`',
  },
  NOT_FOUND: {
    meaning: "identity: no such user or session (or not the caller's)",
    fix: 'check the name or id',
  },
  CONFLICT: {
    meaning:
      'identity: the username is taken; admin API: a runtime route clashes with another route or name',
    fix: 'pick another username; for a route see `problems`: rename it or change its path, methods, host or `match`',
  },
  METHOD_NOT_ALLOWED: {
    meaning: 'the path matches, the method does not; `Allow` lists those that do',
    fix: 'use an allowed method or add it to `methods`',
  },
  REQUEST_TIMEOUT: {
    meaning: 'the request body did not arrive within `request_timeout`',
    fix: 'raise `server.timeouts.request_timeout` or fix the client',
  },
  PAYLOAD_TOO_LARGE: {
    meaning: 'the body is larger than `max_body_size`',
    fix: 'raise `server.limits.max_body_size`',
  },
  URI_TOO_LONG: {
    meaning: 'path and query longer than `max_url_length`',
    fix: 'raise `server.limits.max_url_length`',
  },
  CONFIG_INVALID: {
    meaning: 'admin API: a posted config or route, or a reload, has problems (`problems`)',
    fix: 'fix what each problem names, at its line and column or JSON path',
  },
  UPGRADE_REQUIRED: {
    meaning:
      'a plain request to a WebSocket route (proxy or hub); `Upgrade: websocket` names what it takes',
    fix: 'connect with a WebSocket client',
  },
  HEADERS_TOO_LARGE: {
    meaning: 'headers larger than `max_header_size`',
    fix: 'raise `server.limits.max_header_size` (at most 64kb)',
  },
  INTERNAL_ERROR: {
    meaning: 'the gateway failed (a bug: the log has the stack)',
    fix: 'report it with the request id',
  },
  PLUGIN_ERROR: {
    meaning:
      "a plugin's request step threw, rejected, answered something invalid or changed a header the gateway owns; the message names the plugin, the log has the error and its file:line",
    fix: 'fix the plugin ([plugins](../guides/plugins.md)); `gatewayd_plugin_failures_total` counts them',
  },
  BAD_GATEWAY: {
    meaning: 'the upstream refused, reset or broke the connection',
    fix: 'check the upstream named in the message',
  },
  SERVICE_UNAVAILABLE: {
    meaning: 'shutting down, no healthy endpoint, or the circuit breaker is open',
    fix: "retry later (see Retry-After); check the upstream's health",
  },
  UPSTREAM_TIMEOUT: {
    meaning: "no response headers within the route's `timeout`, or no connection",
    fix: 'raise the route `timeout`/`connect_timeout`, or find out why the upstream lags',
  },
  REQUEST_INVALID: {
    meaning:
      "the request does not match its route's OpenAPI operation: a path parameter, query parameter, header, cookie or the JSON body; `problems` lists each with `in`, its JSON `pointer` and what was `expected`",
    fix: 'send what the API document describes; the upstream was not asked',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning:
      "the request body's Content-Type is not one the route's OpenAPI operation accepts; the message lists those it does",
    fix: 'send the body in one of the listed media types, with a matching Content-Type',
  },
  PLUGIN_TIMEOUT: {
    meaning: "a plugin's request step did not settle within the plugin's `timeout` (default 1s)",
    fix: 'make the step faster, or raise `plugins[].timeout`',
  },
};

/** Every code `gatewayd check`, a start or a reload reports; GW_WARN_ codes are warnings. */
export const CONFIG_CODE_DOCS: Readonly<Record<ConfigCodeValue, CodeDoc>> = {
  GW_ERR_CONFIG_READ: {
    meaning: 'the file cannot be read',
    fix: 'check the path and permissions',
  },
  GW_ERR_CONFIG_YAML: {
    meaning: 'YAML syntax error, duplicate key, or an alias bomb',
    fix: 'fix the YAML at the position given',
  },
  GW_ERR_CONFIG_ENV_UNSET: {
    meaning: '`${VAR}` without default and `VAR` is not set',
    fix: 'set it, or write `${VAR:-default}`',
  },
  GW_ERR_CONFIG_ENV_SYNTAX: {
    meaning: 'a malformed `${…}` reference',
    fix: 'write `${NAME}` or `${NAME:-default}`; `$${` for a `${`',
  },
  GW_ERR_CONFIG_UNKNOWN_KEY: {
    meaning: 'a key the schema does not have',
    fix: 'follow the did-you-mean hint, or remove it',
  },
  GW_ERR_CONFIG_MISSING_KEY: {
    meaning: 'a required key is absent',
    fix: 'add it',
  },
  GW_ERR_CONFIG_TYPE: {
    meaning: 'a value of the wrong type',
    fix: 'write the type the message names',
  },
  GW_ERR_CONFIG_VALUE: {
    meaning: 'out of range, not an allowed value, empty, or listed twice',
    fix: 'use a value the hint lists',
  },
  GW_ERR_CONFIG_DURATION: {
    meaning: 'not a duration',
    fix: '`250ms`, `30s`, `5m`',
  },
  GW_ERR_CONFIG_SIZE: {
    meaning: 'not a size',
    fix: '`16kb`, `10mb`',
  },
  GW_ERR_CONFIG_URL: {
    meaning: 'an endpoint that is not `http(s)://host[:port]`',
    fix: 'drop the path; add the scheme',
  },
  GW_ERR_CONFIG_CIDR: {
    meaning: 'a `trust_proxy` entry that is not an address or range',
    fix: '`10.0.0.0/8`, `::1`',
  },
  GW_ERR_CONFIG_UNDEFINED_UPSTREAM: {
    meaning: 'a route names an upstream not under `upstreams`',
    fix: 'define it, or fix the name (the hint lists those there)',
  },
  GW_ERR_CONFIG_ROUTE_TARGET: {
    meaning:
      'a route has none or several of `upstream`, `upstreams`, `direct_response`, `handler`; a split with no weight',
    fix: 'give exactly one; a weight above 0',
  },
  GW_ERR_CONFIG_PATH_PATTERN: {
    meaning: 'a malformed path pattern (`*` not last, bad `{param}`)',
    fix: 'follow the hint',
  },
  GW_ERR_CONFIG_PARAM_CONFLICT: {
    meaning: 'two param names at one position of one prefix',
    fix: 'use the same name in both routes',
  },
  GW_ERR_CONFIG_ROUTE_SHADOWED: {
    meaning: 'a route matches exactly what an earlier one does',
    fix: 'remove one, or narrow `methods`/`host`/`match`',
  },
  GW_ERR_CONFIG_REWRITE: {
    meaning: 'a rewrite uses a capture the path does not have',
    fix: 'use the captures the hint lists',
  },
  GW_ERR_CONFIG_JWT: {
    meaning:
      '`auth.jwt` without exactly one key source or an algorithm, an HS* algorithm with a public key or JWKS (or the reverse), an unusable PEM',
    fix: 'one of `secret`/`public_key`/`jwks_url`, algorithms that fit it',
  },
  GW_ERR_CONFIG_AUTH_PROVIDER: {
    meaning: 'a route requires auth but no provider is configured, or names one that is not',
    fix: 'configure `auth.jwt` or `auth.api_keys`; fix the name',
  },
  GW_ERR_CONFIG_AUTH_CONFLICT: {
    meaning: '`auth_required: false` with roles, permissions, a tier or an `auth` list',
    fix: 'drop one of them',
  },
  GW_ERR_CONFIG_UNDEFINED_TIER: {
    meaning: '`required_tier` not in `auth.tiers`',
    fix: 'add it to `auth.tiers` or fix the name',
  },
  GW_ERR_CONFIG_REDIS_REQUIRED: {
    meaning: 'Redis storage, a Redis key store or a Redis response cache without a Redis URL',
    fix: 'add the `redis` block or `storage.url`',
  },
  GW_ERR_CONFIG_API_KEY: {
    meaning: 'a static key with a bad hash or date, or a duplicate name or hash',
    fix: '`gatewayd hash-key`; unique names',
  },
  GW_ERR_CONFIG_RATE: {
    meaning: 'a rate that is not `N/unit` or a positive integer',
    fix: '`100/hour`, `10/s`, `5/10s`',
  },
  GW_ERR_CONFIG_RATE_LIMIT_KEY: {
    meaning: 'a rate limit `key` that is not ip, user, api_key, route or header:NAME',
    fix: 'use one of those, or a list of them',
  },
  GW_ERR_CONFIG_CORS: {
    meaning: 'a CORS origin pattern or combination browsers refuse (`*` with credentials)',
    fix: 'follow the message',
  },
  GW_ERR_CONFIG_SECURITY_HEADERS: {
    meaning: 'a security header with a bad name or value, or set twice',
    fix: 'follow the message',
  },
  GW_ERR_CONFIG_IP_FILTER: {
    meaning: 'an `allow`/`deny` entry that is not an address or CIDR range',
    fix: '`10.0.0.0/8`, `2001:db8::/32`',
  },
  GW_ERR_CONFIG_IDENTITY: {
    meaning:
      'identity tokens `auth.jwt` would refuse, no `auth.jwt`, a bad bootstrap user or path, `require_session` alone',
    fix: 'follow the message',
  },
  GW_ERR_CONFIG_CONTEXT_HEADER: {
    meaning: 'two identity fields on one header, or a header the gateway owns',
    fix: 'pick another header name',
  },
  GW_ERR_CONFIG_WEBSOCKET_ROUTE: {
    meaning:
      'a `websocket: proxy` route with `upstreams` or `direct_response`, methods other than GET, or `max_message_size` above 16mb',
    fix: 'one `upstream`; `methods: [GET]`; 16mb or less',
  },
  GW_ERR_CONFIG_WEBSOCKET: {
    meaning:
      'a hub route without a `websocket` block or GET; a channel ACL that contradicts itself; a reserved message type',
    fix: 'follow the message',
  },
  GW_ERR_CONFIG_REDIS_TARGET: {
    meaning: 'a `redis` block with none, or more than one, of `url`, `sentinel` and `cluster`',
    fix: 'keep exactly one of them',
  },
  GW_ERR_CONFIG_DISCOVERY: {
    meaning:
      "an upstream's `discovery` without what its type needs (Static: `endpoints`; DNS: `name` and `port`; SRV: `name` and no `port`), with keys of another type, or `refresh.min` above `refresh.max`",
    fix: 'follow the hint: give the keys the discovery type needs and drop the others',
  },
  GW_ERR_CONFIG_ALIAS_CONFLICT: {
    meaning:
      'a key written under two names: another name the engine accepts for it (such as `websocket.security.require_auth` for `websocket.server.require_auth`) and its own',
    fix: 'keep one of the two',
  },
  GW_ERR_CONFIG_ENV_OVERRIDE: {
    meaning:
      'a `GATEWAY_*` environment variable that names no config key, or names two keys equally well',
    fix: 'spell the key as the hint suggests (the whole path always works, such as `GATEWAY_SERVER_HTTP_PORT`), or unset the variable',
  },
  GW_ERR_CONFIG_WEBSOCKET_ORIGIN: {
    meaning:
      'an `allowed_origins` entry a browser never sends (a path, no scheme, `null`), or `allowed_origins` on a route that takes no upgrade',
    fix: 'write origins as `https://app.example.com`; HTTP routes take `cors`',
  },
  GW_ERR_CONFIG_UNDEFINED_CHANNEL: {
    meaning:
      'a `service_events` mapping to a channel no `websocket.channels` entry covers, or to a pattern',
    fix: 'configure the channel, or fix the name',
  },
  GW_ERR_CONFIG_ADMIN: {
    meaning:
      'the admin port or token given twice or not at all (`server.admin_port`/`admin.port`, `admin.token`/`token_hash`), or an empty token',
    fix: "give exactly one of each; set the token's variable",
  },
  GW_ERR_CONFIG_ROUTE_NAME: {
    meaning:
      'a runtime route without a name, with an invalid one, or with a name another route has',
    fix: 'give the route a name of its own',
  },
  GW_ERR_CONFIG_REQUEST_HEADERS: {
    meaning:
      '`request_headers` on a route that proxies nothing, on a header the gateway writes, or setting an identity header',
    fix: 'follow the message',
  },
  GW_ERR_CONFIG_ROUTE_REGISTRATION: {
    meaning:
      '`route_registration` without `auth.jwt`, or one of its endpoints under its `proxy_prefix`',
    fix: 'add `auth.jwt`; move the endpoint or the prefix',
  },
  GW_ERR_CONFIG_GATEWAY_ENDPOINT: {
    meaning:
      'a `handler: usage` route without auth; a gateway endpoint route (`catalog`, `health_*`, `usage`) with methods besides GET/HEAD',
    fix: 'require auth on the usage route; use `methods: [GET]`',
  },
  GW_ERR_CONFIG_RESPONSE_HEADERS: {
    meaning:
      '`response_headers` on a header the gateway writes (framing, Date, Content-Encoding, X-Request-ID), or one both set and removed; `server.hide_upstream_headers` hiding Content-Type, Content-Encoding or Vary',
    fix: 'follow the message',
  },
  GW_ERR_CONFIG_REDIRECT: {
    meaning: "a `redirect.to` using a `{name}` or `*` that the route's path does not capture",
    fix: 'use one of the captures the message lists, or capture it in `path`',
  },
  GW_ERR_CONFIG_CACHE: {
    meaning:
      'a `cache` on a route that does not proxy (WebSocket, redirect, direct_response, handler); `identity` in `cache.key` on a route without auth; `cache.methods` without GET; `max_size` smaller than `max_entry_size`',
    fix: 'keep `cache` to routes with `upstream` or `upstreams`; add auth to the route or drop `identity`; list GET; raise `max_size` or lower `max_entry_size`',
  },
  GW_ERR_CONFIG_PLUGIN: {
    meaning: 'a plugin name listed twice in `plugins`, or `plugins` on a runtime route',
    fix: 'give each entry its own name; runtime routes run no plugins',
  },
  GW_ERR_CONFIG_PLUGIN_LOAD: {
    meaning:
      'a plugin module that is missing, fails to import (the message has its file:line), has no valid default export or schema, or whose `create` threw',
    fix: 'fix the module, or its path (relative to the config file)',
  },
  GW_ERR_CONFIG_PLUGIN_CONFIG: {
    meaning: "a plugin's `config` (top level or a route's override) that its schema refuses",
    fix: 'give the value the message asks for',
  },
  GW_ERR_CONFIG_UNDEFINED_PLUGIN: {
    meaning: 'a route names a plugin the top-level `plugins` list does not declare',
    fix: 'declare it, or fix the name',
  },
  GW_ERR_CONFIG_OPENAPI: {
    meaning:
      'an OpenAPI document that cannot be read, does not parse, is not OpenAPI 3.0 or 3.1, has a `$ref` that leads nowhere (or to another file), or a schema ajv cannot compile (placed at the line and column in the document); or `openapi_validation` on a runtime route',
    fix: 'fix the document at the place named, or `openapi_documents[].file` (relative to the config file); bundle external references into the document; runtime routes do not validate',
  },
  GW_ERR_CONFIG_UNDEFINED_OPENAPI_DOCUMENT: {
    meaning:
      'a route names an OpenAPI document the top-level `openapi_documents` list does not declare, a name listed twice there, or an `operation` the document has no operationId for',
    fix: 'declare the document, or fix the name or the operationId',
  },
  GW_WARN_CONFIG_OPENAPI_OPERATION: {
    meaning:
      'a route with `openapi_validation` whose path and methods match no operation of the document (or only some of its methods): those requests get 404 or 405, or go through unvalidated with `unknown_operations: pass`',
    fix: "fix the route's path or the document's `base_path`, or name the operation with `operation`",
  },
  GW_WARN_CONFIG_WEAK_SECRET: {
    meaning: 'an HS* secret shorter than 32 bytes',
    fix: 'use a longer random secret',
  },
  GW_WARN_CONFIG_UNKNOWN_TIER: {
    meaning: 'a tier name that `auth.tiers` does not list',
    fix: 'add it to `auth.tiers`',
  },
  GW_WARN_CONFIG_API_KEY_EXPIRED: {
    meaning: 'a static key whose `expires` has passed',
    fix: 'remove or renew it',
  },
  GW_WARN_CONFIG_UNUSED_ROUTE_LIMIT: {
    meaning: "a `route_limits` entry no route's path matches",
    fix: "use the route's path as written",
  },
  GW_WARN_CONFIG_PER_PROCESS_LIMIT: {
    meaning: 'memory counters with `workers` > 1: each process counts alone',
    fix: 'use the Redis store',
  },
  GW_WARN_CONFIG_IGNORED_KEY: {
    meaning: 'a key that has no effect where it is',
    fix: 'remove it',
  },
  GW_WARN_CONFIG_LOCAL_HISTORY: {
    meaning: '`persistence.storage: redis` without a `redis` block: history is kept per instance',
    fix: 'add the `redis` block',
  },
  GW_WARN_CONFIG_NOT_IMPLEMENTED: {
    meaning: 'a block the engine does not act on yet',
    fix: 'none needed; it is ignored',
  },
  GW_WARN_CONFIG_JAEGER_ENDPOINT: {
    meaning:
      "a Jaeger endpoint on the old Thrift collector path (`/api/traces`): spans go as OTLP to the host's port 4318",
    fix: "write Jaeger's OTLP URL, `http://HOST:4318/v1/traces`",
  },
  GW_WARN_CONFIG_RESERVED_PATH: {
    meaning: 'a route on `/health` or `/ready` replaces the built-in endpoint',
    fix: 'none needed if intended',
  },
  GW_WARN_CONFIG_UNUSED_UPSTREAM: {
    meaning: 'an upstream no route uses',
    fix: 'remove it or add a route',
  },
  GW_WARN_CONFIG_TIMEOUT_OVERRIDDEN: {
    meaning:
      "a `per_try_timeout` not below its route's `timeout` (the deadline of all tries together): it never applies",
    fix: 'make it shorter than `timeout`, or remove it',
  },
  GW_ERR_CONFIG_TLS: {
    meaning:
      "a certificate or key file of `server.tls` that is missing, does not parse, does not open with `passphrase`, or is not the certificate's key; `server.tls` without `https_port`; `redirect_to_https` without an HTTPS listener; `min_version: TLSv1.3` (not enforceable on the uWS builds); a `ciphers` list OpenSSL refuses; an upstream's `tls` files that do not load, a client certificate without its key, or `tls` on an upstream with no https:// endpoint",
    fix: 'fix the file or key the message names; see the TLS guide',
  },
  GW_WARN_CONFIG_CERTIFICATE_EXPIRY: {
    meaning: 'a certificate of `server.tls` expires within 14 days, or has expired',
    fix: 'renew it and replace the file: the gateway loads it without a restart',
  },
  GW_WARN_CONFIG_NO_CERTIFICATE: {
    meaning: '`server.https_port` without `server.tls`: the HTTPS port is not opened',
    fix: 'add `server.tls` with `cert_file` and `key_file`',
  },
  GW_WARN_CONFIG_TLS_UNVERIFIED: {
    meaning: 'an upstream with `tls.verify: false`: its certificate is not checked',
    fix: 'give the CA that signed it as `tls.ca_file` (and `server_name`) instead',
  },
};
