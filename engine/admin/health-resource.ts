import type { RedisProbe } from './admin-context.js';
import type { AdminRequest, AdminResource } from './admin-http.js';
import { upstreamView, type UpstreamStatus } from './upstream-view.js';

/**
 * Seed 004's detailed health, on the admin port (so behind its token):
 *
 *   GET /health/detailed   upstreams, Redis, config generation, uptime; 503 when down
 *   GET /health/redis      Redis reachable and its PING latency; 503 when unreachable
 */
export const healthResource: AdminResource = [
  ['GET', '/health/detailed', detailedHealth],
  ['GET', '/health/redis', redisHealth],
];

async function detailedHealth({ ctx }: AdminRequest) {
  const upstreams = ctx
    .upstreams()
    .map(upstreamView)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const redis = await probeRedis(ctx.redis());
  const status = overallStatus(upstreams, redis);
  const table = ctx.table();
  return {
    status: status === 'down' ? 503 : 200,
    body: {
      status,
      uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1000),
      config: {
        generation: ctx.status.generation,
        hash: ctx.status.hash,
        routes: table.routes.length,
        inactive_runtime_routes: table.inactiveRuntimeRoutes.length,
      },
      upstreams,
      redis,
    },
  };
}

async function redisHealth({ ctx }: AdminRequest) {
  const redis = await probeRedis(ctx.redis());
  if (redis === null) return { status: 200, body: { status: 'not_configured' } };
  return { status: redis.status === 'ok' ? 200 : 503, body: redis };
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

/** Null without a probe (no redis block). */
export async function probeRedis(
  probe: RedisProbe | null,
): Promise<(Record<string, unknown> & { status: 'ok' | 'down' }) | null> {
  if (probe === null) return null;
  try {
    const latency = await probe.ping();
    return {
      status: 'ok',
      url: probe.url,
      connection: probe.connection,
      latency_ms: Math.round(latency * 100) / 100,
    };
  } catch (err) {
    return {
      status: 'down',
      url: probe.url,
      connection: probe.connection,
      error: (err as Error).message,
    };
  }
}
