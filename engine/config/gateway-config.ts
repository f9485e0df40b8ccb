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
  auth?: { jwt?: Record<string, unknown> };
  middleware?: { rate_limiting?: Record<string, unknown>; cors?: Record<string, unknown> };
  observability?: ObservabilityConfig;
}

export interface ServerConfig {
  http_port?: number;
  https_port?: number;
  metrics_port?: number;
  bind_address?: string;
  workers?: number;
  trust_proxy?: string[];
  timeouts?: {
    request_timeout?: string;
    upstream_timeout?: string;
    connect_timeout?: string;
    body_timeout?: string;
    keepalive_timeout?: string;
    shutdown_timeout?: string;
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
  timeout?: string;
  strip_prefix?: boolean | string;
  rewrite?: string;
  preserve_host?: boolean;
  auth_required?: boolean;
  required_roles?: string[];
  retries?: RetriesConfig;
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
  logging?: { level?: LogLevel; format?: 'json'; access_log?: boolean };
  metrics?: Record<string, unknown>;
  tracing?: Record<string, unknown>;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
