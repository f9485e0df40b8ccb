import type { Endpoint } from '../endpoint.js';
import type { Balancer } from './balancer.js';

/** Longest schedule built; larger weight totals are scaled down to it. */
const MAX_SCHEDULE = 1000;

/**
 * Smooth weighted round robin, the sequence nginx uses: weights 5/1/1 give a a b a c a a, so a
 * heavy endpoint's turns are spread out rather than bunched. The sequence is computed once, so
 * pick() only advances an index; with equal weights it is plain round robin.
 */
export class RoundRobinBalancer implements Balancer {
  private readonly schedule: readonly Endpoint[];
  private next = 0;

  constructor(endpoints: readonly Endpoint[]) {
    this.schedule = smoothWeightedSequence(endpoints, scheduleWeights(endpoints));
  }

  pick(usable: (e: Endpoint) => boolean): Endpoint | null {
    const schedule = this.schedule;
    for (let tried = 0; tried < schedule.length; tried++) {
      const endpoint = schedule[this.next] as Endpoint;
      this.next = this.next + 1 === schedule.length ? 0 : this.next + 1;
      if (usable(endpoint)) return endpoint;
    }
    return null;
  }
}

/**
 * The weights divided by their GCD (90/10 needs a schedule of 10, not 100), then scaled down if
 * their total still exceeds MAX_SCHEDULE, keeping every endpoint at least one turn.
 */
function scheduleWeights(endpoints: readonly Endpoint[]): number[] {
  const divisor = endpoints.reduce((g, e) => gcd(g, e.weight), 0) || 1;
  const reduced = endpoints.map((e) => Math.max(1, Math.round(e.weight / divisor)));
  const total = reduced.reduce((sum, w) => sum + w, 0);
  if (total <= MAX_SCHEDULE) return reduced;
  return reduced.map((w) => Math.max(1, Math.round((w * MAX_SCHEDULE) / total)));
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function smoothWeightedSequence(endpoints: readonly Endpoint[], weights: number[]): Endpoint[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  const current = weights.map(() => 0);
  const sequence: Endpoint[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i] = (current[i] as number) + (weights[i] as number);
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best] = (current[best] as number) - total;
    sequence.push(endpoints[best] as Endpoint);
  }
  return sequence;
}
