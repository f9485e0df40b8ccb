import { probeRedis, type RedisProbe } from './redis-probe.js';
import { overallStatus, upstreamView } from './upstream-view.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import { sendJson } from '../data-plane/generated-json.js';
import type { UpstreamGroup } from '../upstream/upstream-group.js';
import { publicRedis } from './health-redis.js';

/**
 * Seed 004's public `GET /health/detailed`: the admin port's verdict (the same
 * overallStatus) without what would map the network: per upstream its status, usable and
 * total endpoints and breaker state, no endpoint address; Redis reachable and its latency, no
 * URL. 503 when every upstream is down, like the admin view.
 */
export function createHealthDetailed(
  groups: readonly UpstreamGroup[],
  redis: RedisProbe | null,
): RouteHandler {
  const sorted = [...groups].sort((a, b) => (a.name < b.name ? -1 : 1));
  return function healthDetailed(ex) {
    const upstreams = sorted.map((group) => {
      const view = upstreamView(group);
      const breaker = group.breaker?.snapshot() ?? null;
      return {
        name: view.name,
        status: view.status,
        healthy_endpoints: view.usable_endpoints,
        total_endpoints: group.endpoints.length,
        breaker: breaker === null ? null : breaker.state,
      };
    });
    void probeRedis(redis).then((probed) => {
      const status = overallStatus(upstreams, probed);
      sendJson(ex, status === 'down' ? 503 : 200, {
        status,
        upstreams,
        redis: probed === null ? null : publicRedis(probed),
      });
    });
  };
}
