import type { UpstreamGroup } from '../upstream/upstream-group.js';

export type UpstreamStatus = 'ok' | 'degraded' | 'down';

/**
 * One upstream as the admin API and the public detailed health show it: each endpoint's active health, ejection and load, and
 * the breaker. `down`: the breaker is open or no endpoint takes traffic; `degraded`: some
 * endpoints are out, the breaker is probing, or health is ignored (panic).
 */
export function upstreamView(group: UpstreamGroup): Record<string, unknown> & {
  name: string;
  status: UpstreamStatus;
} {
  const now = performance.now();
  const endpoints = group.endpoints.map((e) => {
    const h = e.health;
    const ejected = h.ejectedUntil > now;
    const state = h.state(now);
    return {
      url: e.origin,
      weight: e.weight,
      // The state gatewayd_upstream_endpoint_health reports; healthy only when it is healthy.
      state,
      healthy: state === 'healthy',
      // Whose checks said so: this instance's, another instance's (shared), or none yet.
      health_source: h.healthSource,
      ejected,
      ejected_for_ms: ejected ? Math.ceil(h.ejectedUntil - now) : 0,
      ejections: h.ejections,
      usable: h.usable(now),
      in_flight: h.inFlight,
      consecutive_failures: h.consecutiveFailures,
    };
  });
  const usable = endpoints.filter((e) => e.usable).length;
  const breaker = group.breaker?.snapshot() ?? null;
  const status: UpstreamStatus =
    breaker?.state === 'open' || (usable === 0 && !group.isPanicking)
      ? 'down'
      : usable < endpoints.length || breaker?.state === 'half_open' || group.isPanicking
        ? 'degraded'
        : 'ok';
  return {
    name: group.name,
    status,
    usable_endpoints: usable,
    panicking: group.isPanicking,
    health_checks: healthChecks(group),
    breaker:
      breaker === null
        ? null
        : {
            state: breaker.state,
            consecutive_failures: breaker.consecutiveFailures,
            // The breaker keeps performance.now() times; the admin API speaks wall-clock time.
            opened_at:
              breaker.openedAt === null
                ? null
                : new Date(Date.now() - (now - breaker.openedAt)).toISOString(),
            probes_in_flight: breaker.probesInFlight,
          },
    endpoints,
  };
}

/** Who checks the upstream: this instance alone, or the lease holder among instances sharing. */
function healthChecks(group: UpstreamGroup): Record<string, unknown> {
  const sharing = group.sharing?.snapshot();
  if (sharing === undefined) return { shared: false, checked_here: group.isChecking };
  return {
    shared: true,
    mode: sharing.mode,
    prober: sharing.prober,
    instance: sharing.self,
    checked_here: group.isChecking,
  };
}

/**
 * Down when every upstream is down; degraded when some upstream is not ok or Redis does not
 * answer. Also the public `handler: health_detailed` routes' verdict.
 */
export function overallStatus(
  upstreams: ReadonlyArray<{ status: UpstreamStatus }>,
  redis: { status: string } | null,
): UpstreamStatus {
  if (upstreams.length > 0 && upstreams.every((u) => u.status === 'down')) return 'down';
  const degraded =
    upstreams.some((u) => u.status !== 'ok') || (redis !== null && redis.status !== 'ok');
  return degraded ? 'degraded' : 'ok';
}
