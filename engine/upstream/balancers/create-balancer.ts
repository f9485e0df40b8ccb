import type { Endpoint } from '../endpoint.js';
import type { Balancer } from './balancer.js';
import { ConsistentHashBalancer } from './consistent-hash-balancer.js';
import { LeastRequestBalancer } from './least-request-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

/** The balancer an upstream's `load_balancer.type` names. */
export function createBalancer(
  type: 'RoundRobin' | 'Weighted' | 'LeastRequest' | 'ConsistentHash',
  endpoints: readonly Endpoint[],
): Balancer {
  switch (type) {
    // Both honour weights: RoundRobin with equal weights is plain round robin.
    case 'RoundRobin':
    case 'Weighted':
      return new RoundRobinBalancer(endpoints);
    case 'LeastRequest':
      return new LeastRequestBalancer(endpoints);
    case 'ConsistentHash':
      return new ConsistentHashBalancer(endpoints);
  }
}
