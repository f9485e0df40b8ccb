import type { Endpoint } from '../endpoint.js';
import type { Balancer } from './balancer.js';
import { hash32 } from './hash32.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

/** Ring points per unit of weight: enough that each endpoint's share is within a few percent. */
const POINTS_PER_WEIGHT = 160;
/** Largest ring built; larger weight totals are scaled down to it. */
const MAX_POINTS = 65_536;

/**
 * A hash ring: each endpoint owns POINTS_PER_WEIGHT × weight points, and a key goes to the owner
 * of the first point at or after its hash, walking on past endpoints `usable` rejects. An
 * endpoint's points depend only on its origin and weight, so when it leaves (unusable, or gone
 * from the next build) only its own keys move. Requests without a key go round robin.
 */
export class ConsistentHashBalancer implements Balancer {
  private readonly endpoints: readonly Endpoint[];
  /** Point hashes, ascending. */
  private readonly points: Uint32Array;
  /** owners[i] is the index in `endpoints` of the endpoint that owns points[i]. */
  private readonly owners: Uint32Array;
  private readonly withoutKey: RoundRobinBalancer;

  constructor(endpoints: readonly Endpoint[]) {
    this.endpoints = endpoints;
    this.withoutKey = new RoundRobinBalancer(endpoints);
    const ring = buildRing(endpoints);
    this.points = Uint32Array.from(ring, (p) => p.hash);
    this.owners = Uint32Array.from(ring, (p) => p.owner);
  }

  pick(usable: (e: Endpoint) => boolean, hashKey: string | null): Endpoint | null {
    if (hashKey === null) return this.withoutKey.pick(usable);
    const points = this.points;
    const start = firstAtOrAfter(points, hash32(hashKey));
    for (let step = 0; step < points.length; step++) {
      let i = start + step;
      if (i >= points.length) i -= points.length;
      const endpoint = this.endpoints[this.owners[i] as number] as Endpoint;
      if (usable(endpoint)) return endpoint;
    }
    return null;
  }
}

interface RingPoint {
  hash: number;
  owner: number;
}

function buildRing(endpoints: readonly Endpoint[]): RingPoint[] {
  const totalWeight = endpoints.reduce((sum, e) => sum + e.weight, 0);
  // Scaling, unlike dividing by a GCD, leaves typical rings alone: a GCD that changes when an
  // endpoint leaves would move the others' points and their keys with them.
  const scale = Math.min(1, MAX_POINTS / (POINTS_PER_WEIGHT * totalWeight));
  const ring: RingPoint[] = [];
  endpoints.forEach(function addPoints(e, owner) {
    const count = Math.max(1, Math.round(POINTS_PER_WEIGHT * e.weight * scale));
    for (let i = 0; i < count; i++) ring.push({ hash: hash32(`${e.origin}#${i}`), owner });
  });
  // Colliding points are ordered by origin, so the order endpoints are listed in does not matter.
  ring.sort(function byHashThenOrigin(p, q) {
    if (p.hash !== q.hash) return p.hash - q.hash;
    const a = (endpoints[p.owner] as Endpoint).origin;
    const b = (endpoints[q.owner] as Endpoint).origin;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return ring;
}

/** The index of the first point >= hash, wrapping to 0 past the last. */
function firstAtOrAfter(points: Uint32Array, hash: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as number) < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}
