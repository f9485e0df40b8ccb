import type {
  CircuitBreakerConfig,
  HealthCheckConfig,
  OutlierDetectionConfig,
  UpstreamConfig,
} from '../config/gateway-config.js';
import type { Logger } from '../observability/logger.js';
import { createBalancer } from '../upstream/balancers/create-balancer.js';
import { CircuitBreaker, type CircuitBreakerSettings } from '../upstream/circuit-breaker.js';
import { EndpointHealth, type Endpoint } from '../upstream/endpoint.js';
import { createHash } from 'node:crypto';
import { DnsDiscovery } from '../upstream/dns-discovery.js';
import type { HealthChannel } from '../upstream/health-channel.js';
import { HealthChecker, type HealthCheckSettings } from '../upstream/health-checker.js';
import type { PoolRegistry, PoolSettings } from '../upstream/pool-registry.js';
import { RetryBudget } from '../upstream/retry-budget.js';
import { SharedHealth } from '../upstream/shared-health.js';
import { UpstreamGroup, type OutlierSettings } from '../upstream/upstream-group.js';
import type { UpstreamRegistry } from '../upstream/upstream-registry.js';
import { duration } from '../config/units.js';
import type { ServerSettings } from './server-settings.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

const U = CONFIG_DEFAULTS.upstreams;
const T = CONFIG_DEFAULTS.server.timeouts;

export interface UpstreamContext {
  pools: PoolRegistry;
  upstreams: UpstreamRegistry;
  logger: Logger;
}

export interface CompiledUpstreams {
  groups: Map<string, UpstreamGroup>;
  /** UpstreamRegistry keys of the groups, and PoolRegistry keys of their pools. */
  groupKeys: Set<string>;
  poolKeys: Set<string>;
}

/**
 * One UpstreamGroup per configured upstream. An upstream whose config (and the server defaults
 * it inherits) did not change since the table in force gets its existing group back.
 */
export function compileUpstreams(
  upstreams: Record<string, UpstreamConfig>,
  settings: ServerSettings,
  ctx: UpstreamContext,
  /** Shares health checks through Redis; null without a redis block (or offline). */
  healthChannel: HealthChannel | null = null,
  /** Identifies the channel's Redis: a group made for another Redis is not reused. */
  healthChannelKey = '',
): CompiledUpstreams {
  const out: CompiledUpstreams = { groups: new Map(), groupKeys: new Set(), poolKeys: new Set() };
  for (const [name, uc] of Object.entries(upstreams)) {
    const poolSettings: PoolSettings = {
      connections: uc.pool?.connections ?? U.pool.connections,
      keepAliveMs: uc.pool?.keepalive_timeout
        ? duration(uc.pool.keepalive_timeout, T.keepalive_timeout)
        : settings.keepAliveMs,
      connectTimeoutMs: uc.connect_timeout
        ? duration(uc.connect_timeout, T.connect_timeout)
        : settings.connectTimeoutMs,
    };
    const sharing = uc.health_check?.shared !== false ? healthChannel : null;
    const key = JSON.stringify([name, uc, poolSettings, sharing === null ? '' : healthChannelKey]);
    const group = ctx.upstreams.acquire(key, () =>
      createGroup(name, uc, poolSettings, ctx.pools, ctx.logger, sharing),
    );
    out.groups.set(name, group);
    out.groupKeys.add(key);
    for (const poolKey of group.poolKeys) out.poolKeys.add(poolKey);
  }
  return out;
}

function createGroup(
  name: string,
  uc: UpstreamConfig,
  poolSettings: PoolSettings,
  pools: PoolRegistry,
  logger: Logger,
  healthChannel: HealthChannel | null,
): UpstreamGroup {
  const poolKeys: string[] = [];
  const endpoints: Endpoint[] = (uc.discovery.endpoints ?? []).map((ep) => {
    const url = typeof ep === 'string' ? ep : ep.url;
    const origin = new URL(url).origin;
    const { key, pool } = pools.acquire(origin, poolSettings);
    poolKeys.push(key);
    const weight = typeof ep === 'string' ? 1 : (ep.weight ?? U.discovery.endpoints.weight);
    return { origin, pool, weight, health: new EndpointHealth() };
  });
  const log = logger.child({ upstream: name });
  const breaker = uc.circuit_breaker
    ? new CircuitBreaker(breakerSettings(uc.circuit_breaker), (from, to) => {
        const level = to === 'open' ? 'warn' : 'info';
        log[level]({ from, to }, `circuit breaker ${to}`);
      })
    : null;
  let group: UpstreamGroup | null = null;
  let sharing: SharedHealth | null = null;
  const checks = uc.health_check ? healthSettings(uc.health_check) : null;
  const checker =
    checks === null
      ? null
      : new HealthChecker(name, endpoints, checks, (endpoint, healthy) => {
          if (healthy) log.info({ endpoint: endpoint.origin }, 'endpoint healthy again');
          else log.warn({ endpoint: endpoint.origin }, 'endpoint failed its health checks');
          sharing?.verdict(endpoint, healthy);
          group?.healthChanged();
        });
  if (checker !== null && checks !== null && healthChannel !== null) {
    sharing = new SharedHealth({
      key: `${name}:${fingerprint([uc.health_check, uc.discovery])}`,
      channel: healthChannel,
      checker,
      intervalMs: checks.intervalMs,
      endpoints: () => group?.endpoints ?? [],
      changed: () => group?.healthChanged(),
      log,
    });
  }
  const type = uc.load_balancer?.type ?? U.load_balancer.type;
  group = new UpstreamGroup(name, endpoints, poolKeys, {
    balancer: (list) => createBalancer(type, list),
    breaker,
    checker,
    sharing,
    discovery: uc.discovery.type === 'Static' ? null : dnsDiscovery(uc, poolSettings, log),
    panicThreshold: uc.health_check?.panic_threshold ?? U.health_check.panic_threshold,
    budget: new RetryBudget(
      (uc.retry_budget?.percent ?? U.retry_budget.percent) / 100,
      uc.retry_budget?.min_retries ?? U.retry_budget.min_retries,
    ),
    outlier: outlierSettings(uc.outlier_detection ?? {}),
    log,
  });
  return group;
}

function breakerSettings(c: CircuitBreakerConfig): CircuitBreakerSettings {
  const rate = c.failure_rate;
  return {
    failureThreshold: c.failure_threshold ?? U.circuit_breaker.failure_threshold,
    openMs: duration(c.timeout, U.circuit_breaker.timeout),
    successThreshold: c.success_threshold ?? U.circuit_breaker.success_threshold,
    halfOpenMaxProbes: c.half_open_requests ?? U.circuit_breaker.half_open_requests,
    window: rate
      ? {
          windowMs: duration(rate.window, U.circuit_breaker.failure_rate.window),
          minRequests: rate.min_requests ?? U.circuit_breaker.failure_rate.min_requests,
          failureRate: rate.threshold,
        }
      : undefined,
  };
}

function outlierSettings(c: OutlierDetectionConfig): OutlierSettings | null {
  if (c.enabled === false) return null;
  return {
    consecutiveFailures: c.consecutive_failures ?? U.outlier_detection.consecutive_failures,
    baseEjectionMs: duration(c.base_ejection_time, U.outlier_detection.base_ejection_time),
    maxEjectionMs: duration(c.max_ejection_time, U.outlier_detection.max_ejection_time),
    maxEjectedShare: (c.max_ejection_percent ?? U.outlier_detection.max_ejection_percent) / 100,
  };
}

function healthSettings(c: HealthCheckConfig): HealthCheckSettings {
  return {
    path: c.path,
    intervalMs: duration(c.interval, U.health_check.interval),
    timeoutMs: duration(c.timeout, U.health_check.timeout),
    healthyThreshold: c.healthy_threshold ?? U.health_check.healthy_threshold,
    unhealthyThreshold: c.unhealthy_threshold ?? U.health_check.unhealthy_threshold,
    expectedStatuses: statusMatcher(c.expected_statuses ?? U.health_check.expected_statuses),
  };
}

/** "2xx" and 204 become one lookup table, so a check result costs an array read. */
function statusMatcher(expected: ReadonlyArray<number | string>): (status: number) => boolean {
  const accepted = new Uint8Array(600);
  for (const entry of expected) {
    if (typeof entry === 'number') accepted[entry] = 1;
    else {
      const base = Number(entry[0]) * 100;
      accepted.fill(1, base, base + 100);
    }
  }
  return function isExpectedStatus(status) {
    return accepted[status] === 1;
  };
}

/** DNS or SRV discovery of an upstream (the config check made sure name and port are there). */
function dnsDiscovery(uc: UpstreamConfig, pool: PoolSettings, log: Logger): DnsDiscovery {
  const d = uc.discovery;
  const D = U.discovery;
  return new DnsDiscovery(
    {
      type: d.type === 'SRV' ? 'SRV' : 'DNS',
      name: d.name ?? '',
      port: d.port ?? null,
      scheme: d.scheme ?? D.scheme,
      minRefreshMs: duration(d.refresh?.min, D.refresh.min),
      maxRefreshMs: duration(d.refresh?.max, D.refresh.max),
      resolver: d.resolver ?? null,
      pool,
    },
    log,
  );
}

/** A short stable digest of a config part, so instances with the same config agree on a key. */
function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}
