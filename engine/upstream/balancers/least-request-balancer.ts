import type { Endpoint } from '../endpoint.js';
import type { Balancer } from './balancer.js';

/**
 * Power of two choices: of two distinct endpoints drawn at random, the one with fewer requests
 * in flight per unit of weight. It avoids a slow or stalled endpoint without the herding of
 * always taking the global minimum. An endpoint is drawn in at most 2/n of picks, so no weight
 * can earn it a larger share than that.
 */
export class LeastRequestBalancer implements Balancer {
  private readonly endpoints: readonly Endpoint[];
  /** Indices of the usable endpoints, filled only when a draw met an unusable one. */
  private readonly usableIndices: Uint32Array;

  constructor(endpoints: readonly Endpoint[]) {
    this.endpoints = endpoints;
    this.usableIndices = new Uint32Array(endpoints.length);
  }

  pick(usable: (e: Endpoint) => boolean): Endpoint | null {
    const n = this.endpoints.length;
    if (n >= 2) {
      const i = randomIndex(n);
      const a = this.endpoints[i] as Endpoint;
      const b = this.endpoints[otherIndex(i, n)] as Endpoint;
      if (usable(a) && usable(b)) return lessLoaded(a, b);
    }
    return this.pickAmongUsable(usable);
  }

  /** The slow path: draw the two from the usable endpoints only. */
  private pickAmongUsable(usable: (e: Endpoint) => boolean): Endpoint | null {
    const indices = this.usableIndices;
    let count = 0;
    for (let i = 0; i < this.endpoints.length; i++) {
      if (usable(this.endpoints[i] as Endpoint)) indices[count++] = i;
    }
    if (count === 0) return null;
    const r = randomIndex(count);
    const a = this.endpoints[indices[r] as number] as Endpoint;
    if (count === 1) return a;
    return lessLoaded(a, this.endpoints[indices[otherIndex(r, count)] as number] as Endpoint);
  }
}

function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/** A random index in [0, n) other than i, each equally likely. */
function otherIndex(i: number, n: number): number {
  return (i + 1 + randomIndex(n - 1)) % n;
}

function lessLoaded(a: Endpoint, b: Endpoint): Endpoint {
  // inFlight / weight compared by cross-multiplying.
  return b.health.inFlight * a.weight < a.health.inFlight * b.weight ? b : a;
}
