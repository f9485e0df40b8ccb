import type { RouteHandler } from './compiled-route.js';
import type { HashKeyReader } from './hash-key.js';
import { hash32 } from '../upstream/balancers/hash32.js';

export interface SplitTarget {
  /** Relative share of the route's requests; 0 takes none. */
  weight: number;
  handle: RouteHandler;
}

const TWO_32 = 2 ** 32;

/**
 * A route's weighted split between upstreams (canary, blue/green). Without a key, requests are
 * dealt by smooth weighted round robin, so the shares are exact over any run of requests. With
 * a key, the key's hash picks a point on the line of cumulative weights: one client always lands
 * on the same upstream, and raising the last upstream's weight only moves clients onto it.
 */
export function createTrafficSplit(
  targets: readonly SplitTarget[],
  splitKey: HashKeyReader | null,
): RouteHandler {
  const live = targets.filter((t) => t.weight > 0);
  const total = live.reduce((sum, t) => sum + t.weight, 0);
  const cumulative = live.map((_, i) => live.slice(0, i + 1).reduce((s, t) => s + t.weight, 0));
  const current = new Float64Array(live.length);

  function byWeight(): RouteHandler {
    let best = 0;
    for (let i = 0; i < live.length; i++) {
      current[i]! += (live[i] as SplitTarget).weight;
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best]! -= total;
    return (live[best] as SplitTarget).handle;
  }

  function byKey(key: string): RouteHandler {
    const point = splitPoint(key, total);
    for (let i = 0; i < live.length; i++) {
      if (point < (cumulative[i] as number)) return (live[i] as SplitTarget).handle;
    }
    return (live[live.length - 1] as SplitTarget).handle;
  }

  return function split(ex, params, wildcard) {
    const key = splitKey === null ? null : splitKey(ex);
    const handle = key === null ? byWeight() : byKey(key);
    handle(ex, params, wildcard);
  };
}

/**
 * Where a split key lands on the line of cumulative weights, [0, total). Salted, so that the same
 * key's hash on an upstream's ConsistentHash ring is unrelated. Exported for `routes --explain`.
 */
export function splitPoint(key: string, total: number): number {
  return (hash32(`split\u0000${key}`) / TWO_32) * total;
}
