import type { Aggregator } from 'prom-client';

/** One metric family as exposed: what the code creates and what the reference docs list. */
export interface MetricDefinition {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labelNames: readonly string[];
  buckets?: readonly number[];
  /** How the supervisor merges the workers' series (prom-client's aggregators); default sum. */
  aggregator?: Aggregator;
}

/** Gateway latencies are mostly below a millisecond; slow upstreams reach seconds. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const CONNECTION_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400];
const SIZE_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

const REQUEST_LABELS = ['route', 'method', 'status_class', 'upstream'];
const ENDPOINT_LABELS = ['upstream', 'endpoint'];

/** Every family's name starts with this, prom-client's process and Node.js metrics included. */
export const METRIC_PREFIX = 'gatewayd_';

/**
 * Every metric gatewayd defines, in one place with its help text (the metrics reference page is
 * generated from this table). Counters end in `_total`, and nothing else does.
 */
export const METRICS = {
  httpRequests: {
    name: 'gatewayd_http_requests_total',
    type: 'counter',
    help: 'Requests answered, by route name (never the raw path), method, status class and upstream.',
    labelNames: REQUEST_LABELS,
  },
  httpRequestDuration: {
    name: 'gatewayd_http_request_duration_seconds',
    type: 'histogram',
    help: 'Time from the request arriving to its last response byte written (the duration the access log and the server span report), by route, method, status class and upstream.',
    labelNames: REQUEST_LABELS,
    buckets: LATENCY_BUCKETS,
  },
  httpRequestsInFlight: {
    name: 'gatewayd_http_requests_in_flight',
    type: 'gauge',
    help: 'Requests being handled now.',
    labelNames: [],
  },
  authFailures: {
    name: 'gatewayd_auth_failures_total',
    type: 'counter',
    help: 'Credentials refused (401), by route and reason; every reason of a route with auth starts at 0.',
    labelNames: ['route', 'reason'],
  },
  rateLimitDecisions: {
    name: 'gatewayd_rate_limit_decisions_total',
    type: 'counter',
    help: 'Rate-limit decisions, by route, decision (allowed, refused) and degraded (true when the store was down and its fallback decided); each starts at 0 on a route with a limit.',
    labelNames: ['route', 'decision', 'degraded'],
  },
  pluginFailures: {
    name: 'gatewayd_plugin_failures_total',
    type: 'counter',
    help: 'Requests a plugin failed (500 PLUGIN_ERROR: a step threw, rejected or answered something invalid) or held past its timeout (504 PLUGIN_TIMEOUT), by route, plugin and kind (error, timeout); each starts at 0 on a route with the plugin.',
    labelNames: ['route', 'plugin', 'kind'],
  },
  cacheLookups: {
    name: 'gatewayd_cache_lookups_total',
    type: 'counter',
    help: 'Requests the response cache looked at, by route and result (hit: answered from the cache, miss: the upstream was asked, bypass: the request may not use the cache); each starts at 0 on a route with a cache.',
    labelNames: ['route', 'result'],
  },
  upstreamAttempts: {
    name: 'gatewayd_upstream_attempts_total',
    type: 'counter',
    help: 'Requests sent to an upstream endpoint, retries included.',
    labelNames: ENDPOINT_LABELS,
  },
  upstreamAttemptDuration: {
    name: 'gatewayd_upstream_attempt_duration_seconds',
    type: 'histogram',
    help: 'Time from sending an attempt to its response headers (or its failure).',
    labelNames: ENDPOINT_LABELS,
    buckets: LATENCY_BUCKETS,
  },
  upstreamAttemptErrors: {
    name: 'gatewayd_upstream_attempt_errors_total',
    type: 'counter',
    help: 'Failed attempts, by reason: connect_error, reset, timeout, http_5xx, other; each starts at 0.',
    labelNames: [...ENDPOINT_LABELS, 'reason'],
  },
  upstreamRetries: {
    name: 'gatewayd_upstream_retries_total',
    type: 'counter',
    help: 'Attempts made again on another (or the same) endpoint after a failure.',
    labelNames: ['upstream'],
  },
  upstreamRetryBudgetExhausted: {
    name: 'gatewayd_upstream_retry_budget_exhausted_total',
    type: 'counter',
    help: 'Retries not made because the retry budget was spent.',
    labelNames: ['upstream'],
  },
  upstreamRequestsInFlight: {
    name: 'gatewayd_upstream_requests_in_flight',
    type: 'gauge',
    help: 'Attempts waiting on or streaming from an endpoint now.',
    labelNames: ENDPOINT_LABELS,
  },
  upstreamEndpointHealth: {
    name: 'gatewayd_upstream_endpoint_health',
    type: 'gauge',
    help: 'Endpoint state, 1 for the one current state and 0 for the others: healthy, unhealthy (active checks fail; wins over ejected) or ejected (outlier detection). The admin API reports the same state. With workers, the number of workers that see it so.',
    labelNames: [...ENDPOINT_LABELS, 'state'],
  },
  circuitBreakerState: {
    name: 'gatewayd_upstream_circuit_breaker_state',
    type: 'gauge',
    help: 'Circuit breaker state, 1 for the current one: closed, open, half_open. With workers, the number of workers in it.',
    labelNames: ['upstream', 'state'],
  },
  circuitBreakerTransitions: {
    name: 'gatewayd_upstream_circuit_breaker_transitions_total',
    type: 'counter',
    help: 'Circuit breaker moves, counted when they happen (open to half_open when the open time is up, not when someone looks), by upstream, from and to state.',
    labelNames: ['upstream', 'from', 'to'],
  },
  configReloads: {
    name: 'gatewayd_config_reloads_total',
    type: 'counter',
    help: 'Config reloads, by result: success, failure (the previous config kept serving), unchanged; each starts at 0.',
    labelNames: ['result'],
  },
  configGeneration: {
    name: 'gatewayd_config_generation',
    type: 'gauge',
    help: 'Configs installed since start, the first included.',
    labelNames: [],
    aggregator: 'max',
  },
  configInfo: {
    name: 'gatewayd_config_info',
    type: 'gauge',
    help: 'Always 1, labelled with the first 12 hex digits of the sha256 of the config in force (with workers: the number of workers on it).',
    labelNames: ['hash'],
  },
  configLastReload: {
    name: 'gatewayd_config_last_reload_timestamp_seconds',
    type: 'gauge',
    help: 'When the config was last loaded or a reload last failed, Unix seconds.',
    labelNames: [],
    aggregator: 'max',
  },
  tlsCertificateExpiry: {
    name: 'gatewayd_tls_certificate_expiry_timestamp_seconds',
    type: 'gauge',
    help: 'When each certificate the HTTPS listener serves expires (Unix seconds), by file and SNI names ("" for the default certificate); follows renewals.',
    labelNames: ['cert_file', 'server_names'],
    aggregator: 'min',
  },
  configLastReloadSuccess: {
    name: 'gatewayd_config_last_reload_success',
    type: 'gauge',
    help: '1 when the last load or reload succeeded, 0 when it failed.',
    labelNames: [],
    aggregator: 'min',
  },
  adminRequests: {
    name: 'gatewayd_admin_requests_total',
    type: 'counter',
    help: 'Admin API requests, by method, endpoint (its path pattern; (none) when no endpoint matched) and outcome: success, unauthorized (a missing or wrong token), client_error, server_error. Every endpoint starts at 0.',
    labelNames: ['method', 'endpoint', 'outcome'],
  },
  websocketConnections: {
    name: 'gatewayd_websocket_connections',
    type: 'gauge',
    help: 'WebSocket connections open now, by route (formerly named websocket_connections_total).',
    labelNames: ['route'],
  },
  websocketMessagesSent: {
    name: 'gatewayd_websocket_messages_sent_total',
    type: 'counter',
    help: 'WebSocket messages sent to clients, by route.',
    labelNames: ['route'],
  },
  websocketMessagesReceived: {
    name: 'gatewayd_websocket_messages_received_total',
    type: 'counter',
    help: 'WebSocket messages received from clients, by route.',
    labelNames: ['route'],
  },
  websocketChannelSubscribers: {
    name: 'gatewayd_websocket_channel_subscribers',
    type: 'gauge',
    help: 'Subscribers per channel, by the channel as configured.',
    labelNames: ['channel'],
  },
  websocketConnectionDuration: {
    name: 'gatewayd_websocket_connection_duration_seconds',
    type: 'histogram',
    help: 'How long WebSocket connections stayed open, by route.',
    labelNames: ['route'],
    buckets: CONNECTION_BUCKETS,
  },
  websocketMessageSize: {
    name: 'gatewayd_websocket_message_size_bytes',
    type: 'histogram',
    help: 'WebSocket message sizes, by route and direction (sent, received).',
    labelNames: ['route', 'direction'],
    buckets: SIZE_BUCKETS,
  },
} as const satisfies Record<string, MetricDefinition>;
