import type { AdminRequest, AdminResource } from './admin-http.js';
import { upstreamView } from '../gateway-endpoints/upstream-view.js';

/** GET /admin/upstreams: every upstream of the table in force, its endpoints and breaker. */
export const upstreamsResource: AdminResource = [['GET', '/admin/upstreams', listUpstreams]];

async function listUpstreams({ ctx }: AdminRequest) {
  const upstreams = ctx
    .upstreams()
    .map(upstreamView)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return { status: 200, body: { upstreams } };
}
