import { probeRedis, type RedisProbe } from './redis-probe.js';
import type { RouteHandler } from '../data-plane/compiled-route.js';
import { sendJson } from '../data-plane/generated-json.js';

/**
 * Seed 004's public `GET /health/redis`: whether the `redis` block's Redis answers a PING and
 * how fast; 503 when it does not, `not_configured` without a redis block. Unlike the admin
 * port's view it shows no URL and no error text (which would carry the address).
 */
export function createHealthRedis(redis: RedisProbe | null): RouteHandler {
  return function healthRedis(ex) {
    void probeRedis(redis).then((probed) => {
      if (probed === null) sendJson(ex, 200, { status: 'not_configured' });
      else sendJson(ex, probed.status === 'ok' ? 200 : 503, publicRedis(probed));
    });
  };
}

export function publicRedis(probed: {
  status: 'ok' | 'down';
  latency_ms?: unknown;
}): Record<string, unknown> {
  return probed.status === 'ok'
    ? { status: 'ok', latency_ms: probed.latency_ms }
    : { status: 'down' };
}
