/**
 * The validated shape of gateway.yaml, mirroring schemas/gateway.schema.json.
 * Values here are as written (durations and sizes still strings); the compiler turns them into numbers.
 */

export type HttpMethod =
  'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'TRACE' | 'CONNECT';

export interface GatewayConfig {
  server?: ServerConfig;
  routes: RouteConfig[];
  upstreams?: Record<string, UpstreamConfig>;
  redis?: RedisConfig;
  admin?: AdminConfig;
  auth?: AuthConfig;
  identity?: IdentityConfig;
  route_registration?: RouteRegistrationConfig;
  middleware?: MiddlewareConfig;
  observability?: ObservabilityConfig;
  websocket?: WebSocketConfig;
  /**
   * Seed 004's envelope on what the gateway answers itself: `{success: true, data, timestamp,
   * request_id}` and `{success: false, error, code, message, ...}`. Upstream responses and
   * `direct_response` bodies are never wrapped.
   */
  response_envelope?: boolean;
}

export interface ServerConfig {
  http_port?: number;
  https_port?: number;
  metrics_port?: number;
  /** Seed 001's name for admin.port; give one of the two. */
  admin_port?: number;
  bind_address?: string;
  workers?: number;
  trust_proxy?: string[];
  paths?: {
    escaped_slashes?: 'reject' | 'unescape_and_redirect' | 'unescape_and_forward' | 'keep';
    path_parameters?: 'reject' | 'strip' | 'keep';
    double_encoding?: 'reject' | 'keep';
  };
  timeouts?: {
    request_timeout?: string;
    upstream_timeout?: string;
    connect_timeout?: string;
    body_timeout?: string;
    keepalive_timeout?: string;
    shutdown_timeout?: string;
    websocket_close_window?: string;
  };
  limits?: {
    max_body_size?: string;
    max_header_size?: string;
    max_url_length?: number;
  };
}

export interface DirectResponseConfig {
  status: number;
  body?: string | Record<string, unknown> | unknown[];
  headers?: Record<string, string>;
}

export interface RouteConfig {
  name?: string;
  path: string;
  methods?: HttpMethod[];
  host?: string;
  match?: RouteMatchConfig;
  upstream?: string;
  upstreams?: WeightedUpstreamConfig[];
  split_on?: string;
  direct_response?: DirectResponseConfig;
  /**
   * websocket: the route serves the WebSocket hub (the `websocket` block); websocket_health
   * answers its health. catalog, health_detailed, health_redis, usage: the gateway answers from
   * its own state (seed 004).
   */
  handler?:
    'websocket' | 'websocket_health' | 'catalog' | 'health_detailed' | 'health_redis' | 'usage';
  /** `handler: catalog` only. */
  catalog?: { prefix?: string };
  /** `handler: websocket` routes: the hub's wire format on this route. Default native. */
  message_format?: 'native' | 'type_data';
  timeout?: string;
  strip_prefix?: boolean | string;
  rewrite?: string;
  preserve_host?: boolean;
  request_headers?: RequestHeadersConfig;
  /** Query parameters a request must carry (non-empty); 400 BAD_REQUEST without one. */
  required_query?: string[];
  auth_required?: boolean;
  /** Providers this route accepts; default: every configured one. */
  auth?: AuthProviderName[];
  /** Any one of these. */
  required_roles?: string[];
  /** Every one of these. */
  required_permissions?: string[];
  required_tier?: string;
  /** false: no limit on this route, tier limits included. */
  rate_limit?: false | Rate | RateLimitPolicyConfig;
  /** false: no CORS on this route; an object replaces middleware.cors whole. */
  cors?: false | CorsConfig;
  /** false: none on this route; a mapping changes the gateway-wide set. */
  security_headers?: SecurityHeadersConfig;
  /** Applies on top of middleware.ip_filter (a client must pass both). */
  ip_filter?: IpFilterConfig;
  retries?: RetriesConfig;
  /** proxy: upgrades only, relayed to a WebSocket of `upstream`. */
  websocket?: 'proxy';
  /** Size string; WebSocket routes only. Default 1mb. */
  max_message_size?: string;
}

/** Edits to the client's request headers before they go upstream. */
export interface RequestHeadersConfig {
  /** Header names the upstream never sees (the credential of an API-key route, say). */
  remove?: string[];
  /** Headers sent with this value whatever the client sent; values may use ${VAR}. */
  set?: Record<string, string>;
}

export interface RouteMatchConfig {
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
}

export interface WeightedUpstreamConfig {
  name: string;
  weight: number;
}

export type EndpointConfig = string | { url: string; weight?: number };

export type BalancerType = 'RoundRobin' | 'Weighted' | 'LeastRequest' | 'ConsistentHash';

export interface HealthCheckConfig {
  path: string;
  interval?: string;
  timeout?: string;
  healthy_threshold?: number;
  unhealthy_threshold?: number;
  expected_statuses?: Array<number | string>;
  panic_threshold?: number;
}

export interface CircuitBreakerConfig {
  failure_threshold?: number;
  timeout?: string;
  success_threshold?: number;
  half_open_requests?: number;
  failure_rate?: { threshold: number; window?: string; min_requests?: number };
}

export type RetryOn = 'connect_error' | 'reset' | 'timeout' | 502 | 503 | 504;

export interface RetriesConfig {
  attempts?: number;
  on?: RetryOn[];
  per_try_timeout?: string;
  backoff?: { base?: string; max?: string };
  retry_non_idempotent?: boolean;
  max_buffered_body?: string;
}

export interface OutlierDetectionConfig {
  enabled?: boolean;
  consecutive_failures?: number;
  base_ejection_time?: string;
  max_ejection_time?: string;
  max_ejection_percent?: number;
}

export interface UpstreamConfig {
  discovery: { type: 'Static'; endpoints: EndpointConfig[] };
  load_balancer?: { type?: BalancerType; hash_on?: string };
  pool?: { connections?: number; keepalive_timeout?: string };
  connect_timeout?: string;
  health_check?: HealthCheckConfig;
  circuit_breaker?: CircuitBreakerConfig;
  retries?: RetriesConfig;
  retry_budget?: { percent?: number; min_retries?: number };
  outlier_detection?: OutlierDetectionConfig;
}

export interface ObservabilityConfig {
  logging?: { level?: LogLevel; format?: LogFormat; access_log?: boolean };
  metrics?: MetricsConfig;
  tracing?: TracingConfig;
}

export type LogFormat = 'json' | 'pretty';

/** Served on server.metrics_port; collected only when that port is set. */
export interface MetricsConfig {
  /** Default true. */
  prometheus_enabled?: boolean;
  /** Default /metrics. */
  endpoint_path?: string;
}

export interface TracingConfig {
  /** Default false. */
  enabled?: boolean;
  /** Both types send OTLP/HTTP; see otlpTracesUrl in engine/observability/telemetry-settings.ts. */
  backend?: { type?: 'OTLP' | 'Jaeger'; endpoint?: string };
  /** 0 to 1; default 1. */
  sampling_rate?: number;
  /** Default gatewayd. */
  service_name?: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Exactly one port (this or server.admin_port) and one of token and token_hash: see check-admin.ts. */
export interface AdminConfig {
  port?: number;
  /** Default 127.0.0.1. */
  bind_address?: string;
  /** The admin bearer token itself, from the environment: `token: "${ADMIN_TOKEN}"`. */
  token?: string;
  /** sha256:<hex> of the admin bearer token. */
  token_hash?: string;
}

/** Shared state for rate limits and managed API keys. */
export interface RedisConfig {
  /** redis:// or rediss:// */
  url: string;
  /** Duration; default 500ms. */
  command_timeout?: string;
  /** Prefix of the runtime routes' and managed API keys' Redis keys; default "gatewayd:". */
  key_prefix?: string;
}

export type AuthProviderName = 'jwt' | 'api_key';

export interface AuthConfig {
  jwt?: JwtConfig;
  api_keys?: ApiKeysConfig;
  /** Lowest first. */
  tiers?: string[];
  /** Merged over the defaults (DEFAULT_CONTEXT_HEADERS); see contextHeaderMapping(). */
  context_headers?: ContextHeadersConfig;
  websocket?: WebSocketAuthConfig;
}

/** Where upgrades to WebSocket routes may carry a token or key besides the headers. */
export interface WebSocketAuthConfig {
  /** Default: auth.jwt.query_parameter on routes that accept JWTs. */
  query_parameter?: string;
  /** A Sec-WebSocket-Protocol entry starting with this carries the credential. */
  protocol_prefix?: string;
}

export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA';

/**
 * Exactly one of secret, public_key and jwks_url, and one of algorithm and algorithms: the schema
 * allows any combination, check-access-control.ts refuses the wrong ones.
 */
export interface JwtConfig {
  secret?: string;
  /** PEM. */
  public_key?: string;
  jwks_url?: string;
  algorithm?: JwtAlgorithm;
  algorithms?: JwtAlgorithm[];
  issuer?: string;
  audience?: string | string[];
  /** Duration; default 0s. */
  leeway?: string;
  /** Default [sub]. */
  required_claims?: string[];
  claims?: {
    roles?: string;
    permissions?: string;
    tier?: string;
    email?: string;
    client_id?: string;
  };
  /** Durations; defaults 30s, 5s, 10m. */
  jwks_cache?: { refetch_interval?: string; timeout?: string; max_age?: string };
  /** Default 10000; 0 = off. */
  token_cache_size?: number;
  /** WebSocket upgrades only. */
  query_parameter?: string;
  /** A token must name (`sid`) a live identity session; needs the identity block. */
  require_session?: boolean;
}

export interface ApiKeysConfig {
  /** Default x-api-key. */
  header?: string;
  /** Managed keys; absent = static keys only. 'redis' needs the top-level redis block. */
  store?: 'memory' | 'redis';
  keys?: StaticApiKeyConfig[];
}

/** The shape of engine/filters/auth/static-api-keys.ts StaticApiKey. */
export interface StaticApiKeyConfig {
  name: string;
  /** sha256:<64 hex> */
  hash: string;
  tier?: string;
  roles?: string[];
  /** ISO date or date-time with a zone. */
  expires?: string;
}

/** Identity field → header name (snake_case keys: client_id is the filter's clientId). */
export interface ContextHeadersConfig {
  subject?: string;
  roles?: string;
  permissions?: string;
  client_id?: string;
  tier?: string;
  email?: string;
  method?: string;
}

export interface MiddlewareConfig {
  rate_limiting?: RateLimitingConfig;
  cors?: CorsConfig;
  /** Absent: the defaults are on; false: off; a mapping changes them. */
  security_headers?: SecurityHeadersConfig;
  ip_filter?: IpFilterConfig;
}

/** "100/hour", "5/10s", or a bare integer of requests per minute; read with parseRate. */
export type Rate = number | string;

/** 'ip' | 'user' | 'api_key' | 'route' | 'header:NAME', or a list (the combination). */
export type RateLimitKeyConfig = string | string[];

export type StoreErrorModeConfig = 'allow' | 'deny' | 'local';

export interface RateLimitingConfig {
  /** Default true; false turns off every limit, routes' own included. */
  enabled?: boolean;
  default_limit?: Rate;
  /** Keyed by a route's `path` exactly as written. */
  route_limits?: Record<string, Rate>;
  /** Default 'ip'. */
  key?: RateLimitKeyConfig;
  /** Tier name → rate; counted per identity (key 'user'). */
  tiers?: Record<string, Rate>;
  /** Default type: Redis when the top-level redis block is set, else Memory; url defaults to redis.url. */
  storage?: { type?: 'Memory' | 'Redis'; url?: string };
  /** Default 'local'. */
  on_store_error?: StoreErrorModeConfig;
  /** Default: server.workers (1). */
  instance_count?: number;
}

export interface RateLimitPolicyConfig {
  limit: Rate;
  /** Default: middleware.rate_limiting.key. */
  key?: RateLimitKeyConfig;
  /** Default: middleware.rate_limiting.on_store_error. */
  on_store_error?: StoreErrorModeConfig;
}

export interface CorsConfig {
  allowed_origins: string[];
  allowed_methods?: string[];
  allowed_headers?: string[];
  exposed_headers?: string[];
  allow_credentials?: boolean;
  /** Whole seconds, or a duration string ("1h"); see corsSettings(). */
  max_age?: number | string;
}

/** false: none; a mapping: header name → value, or false to remove a default. */
export type SecurityHeadersConfig = false | Record<string, string | false>;

export interface IpFilterConfig {
  allow?: string[];
  deny?: string[];
}

/** The built-in identity module: users, login issuing JWTs, sessions, user management. */
export interface IdentityConfig {
  /** Default true. */
  enabled?: boolean;
  /** Default memory; redis needs the top-level redis block. */
  store?: 'memory' | 'redis';
  token?: {
    /** Duration; default 30m. */
    ttl?: string;
    /** Default: the first of auth.jwt's algorithms. */
    algorithm?: JwtAlgorithm;
    /** Default: auth.jwt.issuer. */
    issuer?: string;
    /** Default: auth.jwt.audience. */
    audience?: string | string[];
    /** PEM private key for RS*, PS*, ES*, EdDSA; the pair of auth.jwt.public_key. */
    private_key?: string;
  };
  sessions?: {
    /** Duration; default 24h. */
    ttl?: string;
    /** Default true: a refresh extends the session by its ttl. */
    refresh?: boolean;
    /** Duration; default 5s. How long require_session trusts a live answer. */
    check_cache?: string;
  };
  registration?: {
    /** Default true. */
    enabled?: boolean;
    /** Default [user]. */
    default_roles?: string[];
    default_tier?: string;
  };
  password?: {
    /** Default 8. */
    min_length?: number;
    /** log2 of scrypt's N; default 15. */
    scrypt_cost?: number;
  };
  /** Roles that may use the admin endpoints; default [admin]. */
  admin_roles?: string[];
  bootstrap_users?: BootstrapUserConfig[];
  login_rate_limit?: {
    /** Per username per window; default 5. */
    attempts?: number;
    /** Per client address per window; default 20. */
    ip_attempts?: number;
    /** Duration; default 15m. */
    window?: string;
  };
  /** Users' own managed API keys; needs auth.api_keys.store. */
  api_keys?: IdentityApiKeysConfig;
  paths?: IdentityPathsConfig;
}

/** Self-service API keys: logged-in users create, list and revoke their own. */
export interface IdentityApiKeysConfig {
  /** Default true. */
  enabled?: boolean;
  /** Live (unrevoked, unexpired) keys a user may hold; default 20. */
  max_per_user?: number;
  /** The longest a key may live, and how long one lives when the request names no expiry; default 365. */
  max_expiry_days?: number;
  /** Starts every key made here; default gwk_ (the admin API's). */
  key_prefix?: string;
}

export interface BootstrapUserConfig {
  username: string;
  /** Exactly one of password (read from the environment) and password_hash. */
  password?: string;
  password_hash?: string;
  roles?: string[];
  tier?: string;
  email?: string;
}

/** Endpoint name → its path, or false to leave it out; the defaults hang off the prefixes. */
export interface IdentityPathsConfig {
  /** Default /sessions. */
  prefix?: string;
  /** Default /admin/users. */
  admin_prefix?: string;
  /** Default /api-keys (seed 004's), whatever `prefix` is. */
  api_keys_prefix?: string;
  register?: string | false;
  login?: string | false;
  refresh?: string | false;
  logout?: string | false;
  me?: string | false;
  verify?: string | false;
  session_create?: string | false;
  session_get?: string | false;
  session_update?: string | false;
  session_delete?: string | false;
  admin_sessions?: string | false;
  admin_session_delete?: string | false;
  admin_user_delete?: string | false;
  admin_users?: string | false;
  admin_promote?: string | false;
  admin_demote?: string | false;
  admin_stats?: string | false;
  api_key_create?: string | false;
  api_key_list?: string | false;
  api_key_revoke?: string | false;
}

/** The gateway's own WebSocket hub (seed 001's block, plus the issue's additions). */
export interface WebSocketConfig {
  /** Default true. */
  enabled?: boolean;
  server?: WebSocketServerConfig;
  /** Policies by channel name or wildcard pattern; `default` covers the rest. */
  channels?: Record<string, ChannelConfig>;
  /** Client message type → the HTTP upstream it is forwarded to. */
  message_routes?: Record<string, MessageRouteConfig>;
  routing?: {
    service_events?: { enabled?: boolean; mappings?: Record<string, string> };
    persistence?: { enabled?: boolean; storage?: 'memory' | 'redis'; ttl?: string };
  };
  integration?: {
    webhook?: { enabled?: boolean; path?: string; auth_token?: string };
    redis_pubsub?: { enabled?: boolean; url?: string; channels?: string[] };
    message_queue?: {
      enabled?: boolean;
      type?: 'rabbitmq' | 'kafka' | 'nats';
      url?: string;
      exchange?: string;
    };
  };
  presence?: PresenceConfig;
}

/** Online users per tenant in Redis (seed 002). */
export interface PresenceConfig {
  /** Default true. */
  enabled?: boolean;
  /** Default: the hub's tenant (claim tenant_id or tenant, else X-Tenant-ID). */
  tenant_claim?: string;
  /** Contains {tenant}; default presence.{tenant}. */
  admin_channel?: string;
  /** Duration; default 30s. */
  ttl?: string;
  /** Default /presence/online-users. */
  path?: string;
  /** Default [admin]. */
  required_roles?: string[];
}

export interface WebSocketServerConfig {
  /** Used when no route has `handler: websocket`. Default /ws. */
  path?: string;
  /** Default 10000. */
  max_connections?: number;
  /** Durations; defaults 300s, 30s, 10s, 0s. */
  idle_timeout?: string;
  ping_interval?: string;
  pong_timeout?: string;
  auth_grace_period?: string;
  /** Bytes, or a size string; default 64kb. */
  max_message_size?: number | string;
  /** Default frame. */
  ping_format?: 'frame' | 'json';
  /** Default true. */
  require_auth?: boolean;
  /** Default false. */
  allow_anonymous?: boolean;
  rate_limit?: { messages_per_minute: number; burst_limit?: number };
}

export interface ChannelConfig {
  /** Default 1000. */
  max_subscribers?: number;
  /** Default 0. */
  message_history?: number;
  /** Default: websocket.server.require_auth. */
  require_auth?: boolean;
  required_roles?: string[];
  user_specific?: boolean;
  allowed_origins?: string[];
  /** Default false. */
  allow_publish?: boolean;
}

export interface MessageRouteConfig {
  upstream: string;
  path: string;
  /** Any one of these; absent: every connection. */
  roles?: string[];
  /** Duration; default 10s. */
  timeout?: string;
  /** Where the upstream's reply goes in the ack: under `data` (default) or merged at its top level. */
  reply?: 'data' | 'merge';
}

/** Seed 000's /api/register, /api/list, /api/unregister: runtime routes for JWT callers. */
export interface RouteRegistrationConfig {
  paths?: { register?: string; list?: string; unregister?: string };
  /** Default /api/proxy. */
  proxy_prefix?: string;
  /** Default [admin]. */
  required_roles?: string[];
}
