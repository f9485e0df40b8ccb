import type { Endpoint } from '../endpoint.js';

/**
 * Chooses the endpoint for one request attempt. Built once per upstream at compile time over a
 * fixed endpoint list; the request path calls pick() only.
 */
export interface Balancer {
  /**
   * An endpoint that `usable` accepts, or null when none does. `hashKey` is the request's
   * affinity key (ConsistentHash); the other balancers ignore it.
   */
  pick(usable: (e: Endpoint) => boolean, hashKey: string | null): Endpoint | null;
}
