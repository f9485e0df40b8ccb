import { probeRedis } from '../gateway-endpoints/redis-probe.js';
import { overallStatus, upstreamView } from '../gateway-endpoints/upstream-view.js';
import type { AdminRequest, AdminResource } from './admin-http.js';

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
