import type { Pool } from 'undici';

export interface Endpoint {
  /** "http://10.0.0.5:3001" */
  origin: string;
  pool: Pool;
  weight: number;
}

/**
 * The endpoints of one upstream and the order they are used in. Weights are spread with the
 * smooth weighted round-robin sequence (as nginx does), computed once at compile time, so the
 * request path only advances an index.
 */
export class UpstreamGroup {
  private readonly schedule: Endpoint[];
  private next = 0;

  constructor(
    readonly name: string,
    readonly endpoints: readonly Endpoint[],
  ) {
    this.schedule = smoothWeightedSequence(endpoints);
  }

  pick(): Endpoint {
    const endpoint = this.schedule[this.next] as Endpoint;
    this.next = this.next + 1 === this.schedule.length ? 0 : this.next + 1;
    return endpoint;
  }
}

function smoothWeightedSequence(endpoints: readonly Endpoint[]): Endpoint[] {
  if (endpoints.every((e) => e.weight === 1)) return [...endpoints];
  const total = endpoints.reduce((sum, e) => sum + e.weight, 0);
  const current = endpoints.map(() => 0);
  const sequence: Endpoint[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    endpoints.forEach((e, i) => {
      current[i] = (current[i] as number) + e.weight;
      if ((current[i] as number) > (current[best] as number)) best = i;
    });
    current[best] = (current[best] as number) - total;
    sequence.push(endpoints[best] as Endpoint);
  }
  return sequence;
}
