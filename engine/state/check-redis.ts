import { ConfigCode } from '../errors/config-codes.js';
import type { PathProblem } from '../config/config-problem.js';
import type { GatewayConfig } from '../config/gateway-config.js';

const TARGETS = ['url', 'sentinel', 'cluster'] as const;

/** The `redis` block names exactly one place Redis lives: a URL, a Sentinel set or a Cluster. */
export function checkRedis(config: GatewayConfig): PathProblem[] {
  const redis = config.redis;
  if (redis === undefined) return [];
  const given = TARGETS.filter((key) => redis[key] !== undefined);
  if (given.length === 1) return [];
  if (given.length === 0) {
    return [
      {
        severity: 'error',
        code: ConfigCode.REDIS_TARGET,
        message: 'the redis block says neither url, sentinel nor cluster',
        hint: 'add url: "redis://host:6379", sentinel: {master_name, nodes: [host:port]} or cluster: {nodes: [host:port]}',
        path: ['redis'],
        atKey: true,
      },
    ];
  }
  return [
    {
      severity: 'error',
      code: ConfigCode.REDIS_TARGET,
      message: `the redis block has both ${given[0]} and ${given[1]}`,
      hint: 'keep one: url for one server, sentinel for a master watched by Sentinel, cluster for a Redis Cluster',
      path: ['redis', given[1] as string],
      atKey: true,
    },
  ];
}
