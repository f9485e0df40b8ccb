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
  upstream?: string;
  direct_response?: DirectResponseConfig;
  timeout?: string;
  strip_prefix?: boolean | string;
  rewrite?: string;
  preserve_host?: boolean;
  auth_required?: boolean;
  required_roles?: string[];
}

export type EndpointConfig = string | { url: string; weight?: number };

export interface UpstreamConfig {
  discovery: { type: 'Static'; endpoints: EndpointConfig[] };
  load_balancer?: { type?: 'RoundRobin' };
  pool?: { connections?: number; keepalive_timeout?: string };
  connect_timeout?: string;
  health_check?: Record<string, unknown>;
  circuit_breaker?: Record<string, unknown>;
}

export interface ObservabilityConfig {
  logging?: { level?: LogLevel; format?: 'json'; access_log?: boolean };
  metrics?: Record<string, unknown>;
  tracing?: Record<string, unknown>;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
