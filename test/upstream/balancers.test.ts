import t, { type Test } from 'tap';
import type { Pool } from 'undici';
import { ConsistentHashBalancer } from '../../engine/upstream/balancers/consistent-hash-balancer.js';
import type { Balancer } from '../../engine/upstream/balancers/balancer.js';
import { createBalancer } from '../../engine/upstream/balancers/create-balancer.js';
import { LeastRequestBalancer } from '../../engine/upstream/balancers/least-request-balancer.js';
import { RoundRobinBalancer } from '../../engine/upstream/balancers/round-robin-balancer.js';
import { type Endpoint, EndpointHealth } from '../../engine/upstream/endpoint.js';

function fakeEndpoints(weights: number[]): Endpoint[] {
  return weights.map(function fakeEndpoint(weight, i) {
    const origin = `http://10.0.0.${i + 1}:8080`;
    return { origin, pool: {} as Pool, weight, health: new EndpointHealth() };
  });
}

function always(): boolean {
  return true;
}

function never(): boolean {
  return false;
}

/** The positions in `endpoints` of n picks, every endpoint usable. */
function sequence(b: Balancer, endpoints: Endpoint[], n: number): number[] {
  return repeat(n, () => endpoints.indexOf(b.pick(always, null) as Endpoint));
}

/** Each endpoint's share of `picks`, in the order of `endpoints`. */
function shares(endpoints: Endpoint[], picks: Array<Endpoint | null>): number[] {
  return endpoints.map((e) => picks.filter((p) => p === e).length / picks.length);
}

function expectedShares(endpoints: Endpoint[]): number[] {
  const total = endpoints.reduce((sum, e) => sum + e.weight, 0);
  return endpoints.map((e) => e.weight / total);
}

/** Every measured share within 5 percentage points of the weight's share. */
function assertWeightedShares(t: Test, endpoints: Endpoint[], picks: Array<Endpoint | null>) {
  const expected = expectedShares(endpoints);
  shares(endpoints, picks).forEach(function within5Points(share, i) {
    const want = expected[i] as number;
    t.ok(
      Math.abs(share - want) <= 0.05,
      `weight ${endpoints[i]?.weight}: ${(share * 100).toFixed(1)}% (want ${(want * 100).toFixed(1)}%)`,
    );
  });
}

function repeat<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

t.test('RoundRobin', async (t) => {
  t.test('equal weights are plain round robin in listed order', async (t) => {
    const endpoints = fakeEndpoints([1, 1, 1]);
    const b = new RoundRobinBalancer(endpoints);
    t.same(sequence(b, endpoints, 7), [0, 1, 2, 0, 1, 2, 0]);
  });

  t.test('weights 5/1/1 give the smooth nginx sequence', async (t) => {
    const endpoints = fakeEndpoints([5, 1, 1]);
    const b = new RoundRobinBalancer(endpoints);
    t.same(sequence(b, endpoints, 7), [0, 0, 1, 0, 2, 0, 0]);
  });

  t.test('weights 1/2/7 share 10,000 picks by weight', async (t) => {
    const endpoints = fakeEndpoints([1, 2, 7]);
    const b = new RoundRobinBalancer(endpoints);
    const picks = repeat(10_000, () => b.pick(always));
    assertWeightedShares(t, endpoints, picks);
    t.same(shares(endpoints, picks), [0.1, 0.2, 0.7], 'exact over whole cycles');
  });

  t.test('large weights keep the schedule small', async (t) => {
    // The period of the picks is the schedule's length.
    const ninetyTen = fakeEndpoints([90, 10]);
    const picks = sequence(new RoundRobinBalancer(ninetyTen), ninetyTen, 100);
    t.same(picks.slice(0, 10).sort(), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    t.same(picks.slice(10), picks.slice(0, 90), '90/10 repeats every 10 picks');

    const thousands = fakeEndpoints([1000, 1000, 2000]);
    const four = sequence(new RoundRobinBalancer(thousands), thousands, 8);
    t.same(four.slice(4), four.slice(0, 4), '1000/1000/2000 repeats every 4 picks');

    const coprime = fakeEndpoints([1_000_000, 1]);
    const long = sequence(new RoundRobinBalancer(coprime), coprime, 2002);
    t.same(long.slice(1001), long.slice(0, 1001), '1,000,000/1 is scaled to a period of 1001');
    t.equal(long.filter((i) => i === 1).length, 2, 'the light endpoint keeps its turn');
  });

  t.test('unusable endpoints are skipped, the others keep their ratio', async (t) => {
    const endpoints = fakeEndpoints([1, 2, 7]);
    const b = new RoundRobinBalancer(endpoints);
    const heavy = endpoints[2];
    const picks = repeat(3000, () => b.pick((e) => e !== heavy));
    t.same(shares(endpoints, picks), [1 / 3, 2 / 3, 0]);
  });

  t.test('null when no endpoint is usable, or there are none', async (t) => {
    t.equal(new RoundRobinBalancer(fakeEndpoints([1, 2, 7])).pick(never), null);
    t.equal(new RoundRobinBalancer([]).pick(always), null);
  });
});

t.test('LeastRequest', async (t) => {
  /**
   * 10,000 picks with 200 requests kept in flight; each one is equally likely to finish next,
   * as if every endpoint were equally fast, so only the weights can skew the shares.
   */
  function simulate(endpoints: Endpoint[]): Endpoint[] {
    const b = new LeastRequestBalancer(endpoints);
    const inFlight: Endpoint[] = [];
    return repeat(10_000, function sendOne() {
      const chosen = b.pick(always) as Endpoint;
      chosen.health.inFlight++;
      inFlight.push(chosen);
      if (inFlight.length > 200) {
        const i = Math.floor(Math.random() * inFlight.length);
        const done = inFlight[i] as Endpoint;
        inFlight[i] = inFlight[inFlight.length - 1] as Endpoint;
        inFlight.pop();
        done.health.inFlight--;
      }
      return chosen;
    });
  }

  t.test('weights 1/2/3 share 10,000 picks by weight as requests complete', async (t) => {
    const endpoints = fakeEndpoints([1, 2, 3]);
    assertWeightedShares(t, endpoints, simulate(endpoints));
  });

  t.test('no endpoint gets more than the 2/n of picks it is drawn in', async (t) => {
    // Weights 1/2/7 ask 70% for the heavy endpoint, but it is in only 2 of 3 random pairs.
    const endpoints = fakeEndpoints([1, 2, 7]);
    const [, , heavy] = shares(endpoints, simulate(endpoints));
    t.ok((heavy as number) < 0.7, `weight 7: ${((heavy as number) * 100).toFixed(1)}%`);
  });

  t.test('an idle endpoint wins over a stalled one', async (t) => {
    // Both draws are distinct endpoints and only one is stalled, so the stalled one never wins.
    for (const n of [2, 3, 5]) {
      const endpoints = fakeEndpoints(repeat(n, () => 1));
      const stalled = endpoints[0] as Endpoint;
      stalled.health.inFlight = 50;
      const b = new LeastRequestBalancer(endpoints);
      const picks = repeat(1000, () => b.pick(always));
      t.equal(picks.filter((e) => e === stalled).length, 0, `${n} endpoints: stalled one never`);
      for (const idle of endpoints.slice(1)) {
        t.ok(picks.includes(idle), `${n} endpoints: ${idle.origin} used`);
      }
    }
  });

  t.test('a stalled endpoint beats none', async (t) => {
    const endpoints = fakeEndpoints([1, 1, 1]);
    const stalled = endpoints[0] as Endpoint;
    stalled.health.inFlight = 50;
    const b = new LeastRequestBalancer(endpoints);
    t.equal(
      b.pick((e) => e === stalled),
      stalled,
    );
  });

  t.test('weight scales the in-flight count', async (t) => {
    // 8 in flight on weight 4 is a lighter load than 3 on weight 1.
    const endpoints = fakeEndpoints([4, 1]);
    (endpoints[0] as Endpoint).health.inFlight = 8;
    (endpoints[1] as Endpoint).health.inFlight = 3;
    const b = new LeastRequestBalancer(endpoints);
    t.ok(repeat(100, () => b.pick(always)).every((e) => e === endpoints[0]));
  });

  t.test('unusable endpoints are skipped; null when none is usable', async (t) => {
    const endpoints = fakeEndpoints([1, 1, 1, 1]);
    const [a, b, c] = endpoints;
    const balancer = new LeastRequestBalancer(endpoints);
    const twoUsable = repeat(1000, () => balancer.pick((e) => e === a || e === b));
    t.ok(
      twoUsable.every((e) => e === a || e === b),
      'only usable ones',
    );
    t.ok(twoUsable.includes(a as Endpoint) && twoUsable.includes(b as Endpoint), 'both used');
    t.ok(
      repeat(100, () => balancer.pick((e) => e === c)).every((e) => e === c),
      'the only usable one',
    );
    t.equal(balancer.pick(never), null);
    t.equal(new LeastRequestBalancer([]).pick(always), null);
    const single = fakeEndpoints([1]);
    t.equal(new LeastRequestBalancer(single).pick(always), single[0]);
  });
});

t.test('ConsistentHash', async (t) => {
  const keys = repeat(10_000, (i) => `user-${i}`);

  t.test('weights 1/2/7 share 10,000 keys by weight', async (t) => {
    const endpoints = fakeEndpoints([1, 2, 7]);
    const b = new ConsistentHashBalancer(endpoints);
    assertWeightedShares(
      t,
      endpoints,
      keys.map((k) => b.pick(always, k)),
    );
  });

  t.test('a key always maps to the same endpoint, in any build', async (t) => {
    const endpoints = fakeEndpoints(repeat(10, () => 1));
    const b = new ConsistentHashBalancer(endpoints);
    const first = keys.map((k) => b.pick(always, k));
    t.same(
      keys.map((k) => b.pick(always, k)),
      first,
      'the same balancer',
    );
    // Another worker builds its own ring, perhaps from the endpoints listed in another order.
    const reversed = new ConsistentHashBalancer([...endpoints].reverse());
    t.same(
      keys.map((k) => reversed.pick(always, k)),
      first,
      'another build',
    );
  });

  t.test('when one of 10 endpoints leaves, only its keys move', async (t) => {
    const endpoints = fakeEndpoints(repeat(10, () => 1));
    const b = new ConsistentHashBalancer(endpoints);
    const before = keys.map((k) => b.pick(always, k));
    for (const gone of endpoints) {
      const after = keys.map((k) => b.pick((e) => e !== gone, k));
      const moved = keys.filter((_, i) => after[i] !== before[i]);
      const itsKeys = keys.filter((_, i) => before[i] === gone);
      t.same(moved, itsKeys, `${gone.origin}: exactly its keys moved`);
      t.notOk(after.includes(gone), `${gone.origin}: none go to it`);
      // The stay ratio is 1 - the endpoint's share, 90% on average; 160 points each keep every
      // share within 2 points of 10%.
      const stay = 1 - moved.length / keys.length;
      t.ok(stay >= 0.88, `${gone.origin}: ${(stay * 100).toFixed(2)}% stay`);

      const rebuilt = new ConsistentHashBalancer(endpoints.filter((e) => e !== gone));
      t.same(
        keys.map((k) => rebuilt.pick(always, k)),
        after,
        `${gone.origin}: rebuilt without it, the same keys move`,
      );
    }
  });

  t.test('weights 90/10 share keys by weight', async (t) => {
    const endpoints = fakeEndpoints([90, 10]);
    const b = new ConsistentHashBalancer(endpoints);
    assertWeightedShares(
      t,
      endpoints,
      keys.map((k) => b.pick(always, k)),
    );
  });

  t.test('requests without a key go round robin over usable endpoints', async (t) => {
    const endpoints = fakeEndpoints([1, 1, 1]);
    const b = new ConsistentHashBalancer(endpoints);
    const [first, second, third] = endpoints;
    const picks = repeat(6, () => b.pick((e) => e !== second, null));
    t.same(picks, [first, third, first, third, first, third]);
  });

  t.test('null when no endpoint is usable, or there are none', async (t) => {
    const b = new ConsistentHashBalancer(fakeEndpoints([1, 1, 1]));
    t.equal(b.pick(never, 'user-1'), null);
    t.equal(b.pick(never, null), null);
    t.equal(new ConsistentHashBalancer([]).pick(always, 'user-1'), null);
  });
});

t.test('createBalancer maps each type to its balancer', async (t) => {
  const endpoints = fakeEndpoints([1, 2]);
  t.type(createBalancer('RoundRobin', endpoints), RoundRobinBalancer);
  t.type(createBalancer('Weighted', endpoints), RoundRobinBalancer);
  t.type(createBalancer('LeastRequest', endpoints), LeastRequestBalancer);
  t.type(createBalancer('ConsistentHash', endpoints), ConsistentHashBalancer);
  t.same(sequence(createBalancer('RoundRobin', endpoints), endpoints, 3), [1, 0, 1], 'weighted');
});
