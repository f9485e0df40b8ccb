import type { GatewayConfig } from '../config/gateway-config.js';
import { CONFIG_DEFAULTS } from '../config/config-defaults.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Where a Redis lives: one server, a master found through Sentinel, or a Cluster. */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | {
      kind: 'sentinel';
      masterName: string;
      nodes: HostPort[];
      password?: string;
      sentinelPassword?: string;
      db: number;
    }
  | { kind: 'cluster'; nodes: HostPort[]; password?: string; shardedPubsub: boolean };

/** The target of the top-level `redis` block; undefined without one. */
export function redisTargetOf(config: GatewayConfig): RedisTarget | undefined {
  const redis = config.redis;
  if (redis === undefined) return undefined;
  if (redis.sentinel !== undefined) {
    const s = redis.sentinel;
    return {
      kind: 'sentinel',
      masterName: s.master_name,
      nodes: s.nodes.map(parseHostPort),
      password: s.password,
      sentinelPassword: s.sentinel_password,
      db: s.db ?? CONFIG_DEFAULTS.redis.sentinel.db,
    };
  }
  if (redis.cluster !== undefined) {
    const c = redis.cluster;
    return {
      kind: 'cluster',
      nodes: c.nodes.map(parseHostPort),
      password: c.password,
      shardedPubsub: c.sharded_pubsub ?? CONFIG_DEFAULTS.redis.cluster.sharded_pubsub,
    };
  }
  // The config check refuses a redis block with none of the three.
  return redis.url === undefined ? undefined : { kind: 'server', url: redis.url };
}

/** A single server given by its own URL (a rate limit's `storage.url`, `redis_pubsub.url`). */
export function serverTarget(url: string): RedisTarget {
  return { kind: 'server', url };
}

/**
 * A stable identity of the target, passwords included: the key under which its clients are
 * shared across reloads. Never logged; see describeRedisTarget.
 */
export function redisTargetKey(target: RedisTarget): string {
  return JSON.stringify(target);
}

/** The target for logs, the admin API and error messages: no password. */
export function describeRedisTarget(target: RedisTarget): string {
  switch (target.kind) {
    case 'server':
      return redactRedisUrl(target.url);
    case 'sentinel':
      return `sentinel ${target.masterName} via ${target.nodes.map(formatHostPort).join(',')}`;
    case 'cluster':
      return `cluster ${target.nodes.map(formatHostPort).join(',')}`;
  }
}

/** `url` with any password replaced by "***" (for logs and error messages). */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable redis url)';
  }
}

/** "10.0.0.1:7000" or "[::1]:7000"; the schema has checked the shape. */
export function parseHostPort(value: string): HostPort {
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(value.slice(at + 1)) };
}

function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
