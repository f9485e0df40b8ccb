import t from 'tap';
import {
  CircuitBreaker,
  type BreakerState,
  type CircuitBreakerSettings,
} from '../../engine/upstream/circuit-breaker.js';

const base: CircuitBreakerSettings = {
  failureThreshold: 3,
  openMs: 5000,
  successThreshold: 2,
  halfOpenMaxProbes: 1,
};

/** A breaker on a fake clock that records every transition. */
function setup(settings: Partial<CircuitBreakerSettings> = {}) {
  const clock = { ms: 1000 };
  const changes: string[] = [];
  const breaker = new CircuitBreaker(
    { ...base, ...settings },
    (from: BreakerState, to: BreakerState) => changes.push(`${from}->${to}`),
    () => clock.ms,
  );
  return { breaker, clock, changes };
}

function fail(breaker: CircuitBreaker, n: number): void {
  for (let i = 0; i < n; i++) {
    breaker.tryAcquire();
    breaker.onFailure();
  }
}

t.test('consecutive failures open the circuit; a success resets the count', async (t) => {
  const { breaker, changes } = setup();
  fail(breaker, 2);
  breaker.tryAcquire();
  breaker.onSuccess();
  fail(breaker, 2);
  t.equal(breaker.state, 'closed');
  t.equal(breaker.snapshot().consecutiveFailures, 2);
  fail(breaker, 1);
  t.equal(breaker.state, 'open');
  t.same(changes, ['closed->open']);
  t.equal(breaker.tryAcquire(), false);
});

t.test('open becomes half-open lazily once openMs has passed', async (t) => {
  const { breaker, clock, changes } = setup();
  fail(breaker, 3);
  clock.ms += 4999;
  t.equal(breaker.state, 'open');
  clock.ms += 1;
  t.same(changes, ['closed->open'], 'no transition until something reads the state');
  t.equal(breaker.state, 'half_open');
  t.equal(breaker.state, 'half_open');
  t.same(changes, ['closed->open', 'open->half_open'], 'one onChange per transition');
});

t.test('tryAcquire also moves open to half-open and takes a probe', async (t) => {
  const { breaker, clock, changes } = setup();
  fail(breaker, 3);
  clock.ms += 5000;
  t.equal(breaker.tryAcquire(), true);
  t.equal(breaker.snapshot().probesInFlight, 1);
  t.same(changes, ['closed->open', 'open->half_open']);
});

t.test('half-open lets only halfOpenMaxProbes through at once', async (t) => {
  const { breaker, clock } = setup({ halfOpenMaxProbes: 2, successThreshold: 3 });
  fail(breaker, 3);
  clock.ms += 5000;
  t.equal(breaker.tryAcquire(), true);
  t.equal(breaker.tryAcquire(), true);
  t.equal(breaker.tryAcquire(), false, 'both slots taken');
  breaker.onSuccess();
  t.equal(breaker.snapshot().probesInFlight, 1);
  t.equal(breaker.tryAcquire(), true, 'a finished probe frees its slot');
  t.equal(breaker.tryAcquire(), false);
  t.equal(breaker.state, 'half_open');
});

t.test('successThreshold consecutive probe successes close the circuit', async (t) => {
  const { breaker, clock, changes } = setup();
  fail(breaker, 3);
  clock.ms += 5000;
  t.ok(breaker.tryAcquire());
  breaker.onSuccess();
  t.equal(breaker.state, 'half_open');
  t.ok(breaker.tryAcquire());
  breaker.onSuccess();
  t.equal(breaker.state, 'closed');
  t.same(changes, ['closed->open', 'open->half_open', 'half_open->closed']);
  t.same(breaker.snapshot(), {
    state: 'closed',
    consecutiveFailures: 0,
    openedAt: null,
    probesInFlight: 0,
  });
  fail(breaker, 2);
  t.equal(breaker.state, 'closed', 'counts start again from zero');
});

t.test('a probe failure reopens the circuit with a fresh openMs', async (t) => {
  const { breaker, clock, changes } = setup();
  fail(breaker, 3);
  clock.ms += 5000;
  t.ok(breaker.tryAcquire());
  breaker.onSuccess();
  clock.ms += 700;
  t.ok(breaker.tryAcquire());
  breaker.onFailure();
  t.equal(breaker.state, 'open');
  t.equal(breaker.snapshot().openedAt, clock.ms);
  t.equal(breaker.snapshot().probesInFlight, 0);
  clock.ms += 4999;
  t.equal(breaker.tryAcquire(), false, 'the timeout starts at the probe failure');
  clock.ms += 1;
  t.ok(breaker.tryAcquire());
  breaker.onSuccess();
  t.equal(breaker.state, 'half_open', 'the success before reopening no longer counts');
  t.same(changes, ['closed->open', 'open->half_open', 'half_open->open', 'open->half_open']);
});

t.test('retryAfterSeconds rounds up, is at least 1 while open and 0 otherwise', async (t) => {
  const { breaker, clock } = setup({ openMs: 2500 });
  t.equal(breaker.retryAfterSeconds(), 0);
  fail(breaker, 3);
  t.equal(breaker.retryAfterSeconds(), 3);
  clock.ms += 500;
  t.equal(breaker.retryAfterSeconds(), 2);
  clock.ms += 1999;
  t.equal(breaker.retryAfterSeconds(), 1, '1 ms left is still a whole second');
  clock.ms += 1;
  t.equal(breaker.retryAfterSeconds(), 0, 'half-open now');
  t.equal(breaker.state, 'half_open');
});

t.test('results of stale requests while open are ignored', async (t) => {
  const { breaker, clock, changes } = setup();
  // Three slow requests acquired while closed; the circuit opens before they finish.
  t.ok(breaker.tryAcquire());
  t.ok(breaker.tryAcquire());
  t.ok(breaker.tryAcquire());
  fail(breaker, 3);
  breaker.onSuccess();
  breaker.onFailure();
  t.same(breaker.snapshot(), {
    state: 'open',
    consecutiveFailures: 3,
    openedAt: 1000,
    probesInFlight: 0,
  });
  clock.ms += 5000;
  // The last one finishes after openMs but before anyone read the state: still ignored.
  breaker.onFailure();
  t.equal(breaker.state, 'half_open');
  t.same(changes, ['closed->open', 'open->half_open']);
});

t.test('in half-open, results with no probe in flight are ignored', async (t) => {
  const { breaker, clock, changes } = setup();
  fail(breaker, 3);
  clock.ms += 5000;
  t.equal(breaker.state, 'half_open');
  breaker.onFailure();
  breaker.onSuccess();
  breaker.onSuccess();
  t.equal(breaker.state, 'half_open');
  t.same(changes, ['closed->open', 'open->half_open']);
});

t.test('probes still in flight when the circuit reopens lose their slots', async (t) => {
  const { breaker, clock } = setup({ halfOpenMaxProbes: 2 });
  fail(breaker, 3);
  clock.ms += 5000;
  t.ok(breaker.tryAcquire());
  t.ok(breaker.tryAcquire());
  breaker.onFailure();
  breaker.onSuccess();
  t.equal(breaker.state, 'open');
  clock.ms += 5000;
  t.ok(breaker.tryAcquire());
  t.ok(breaker.tryAcquire());
  t.notOk(breaker.tryAcquire());
});

t.test('the failure-rate window', async (t) => {
  const window = { windowMs: 10_000, minRequests: 10, failureRate: 0.5 };

  t.test('trips once minRequests finished at the failure rate', async (t) => {
    const { breaker, changes } = setup({ failureThreshold: 100, window });
    for (let i = 0; i < 9; i++) {
      breaker.tryAcquire();
      if (i % 2 === 0) breaker.onFailure();
      else breaker.onSuccess();
    }
    t.equal(breaker.state, 'closed', '5 of 9 fail, below minRequests');
    breaker.tryAcquire();
    breaker.onSuccess();
    t.equal(breaker.state, 'open', '5 of 10 fail: at the rate, even on a success');
    t.same(changes, ['closed->open']);
  });

  t.test('does not trip below minRequests even when all fail', async (t) => {
    const { breaker } = setup({ failureThreshold: 100, window });
    fail(breaker, 9);
    t.equal(breaker.state, 'closed');
  });

  t.test('does not trip below the failure rate', async (t) => {
    const { breaker } = setup({ failureThreshold: 100, window });
    for (let i = 0; i < 30; i++) {
      breaker.tryAcquire();
      if (i % 3 === 0) breaker.onFailure();
      else breaker.onSuccess();
    }
    t.equal(breaker.state, 'closed', '1 in 3 fail');
  });

  t.test('results older than windowMs fall out', async (t) => {
    const { breaker, clock } = setup({ failureThreshold: 100, window });
    fail(breaker, 9);
    clock.ms += 10_000;
    fail(breaker, 1);
    t.equal(breaker.state, 'closed', 'the 9 early failures left the window');
    clock.ms += 5000;
    fail(breaker, 9);
    t.equal(breaker.state, 'open', '10 failures within the window');
  });

  t.test('is cleared when the circuit closes', async (t) => {
    const { breaker, clock } = setup({ failureThreshold: 100, successThreshold: 1, window });
    fail(breaker, 10);
    t.equal(breaker.state, 'open');
    clock.ms += 5000;
    t.ok(breaker.tryAcquire());
    breaker.onSuccess();
    t.equal(breaker.state, 'closed');
    fail(breaker, 1);
    t.equal(breaker.state, 'closed', 'the failures that opened it are forgotten');
  });
});

t.test('settings that would wedge the breaker are refused', async (t) => {
  const noop = () => {};
  t.throws(() => new CircuitBreaker({ ...base, halfOpenMaxProbes: 0 }, noop), RangeError);
  t.throws(() => new CircuitBreaker({ ...base, failureThreshold: 1.5 }, noop), RangeError);
  t.throws(() => new CircuitBreaker({ ...base, openMs: NaN }, noop), RangeError);
  t.throws(
    () =>
      new CircuitBreaker(
        { ...base, window: { windowMs: 0, minRequests: 5, failureRate: 0.5 } },
        noop,
      ),
    RangeError,
  );
  t.throws(
    () =>
      new CircuitBreaker(
        { ...base, window: { windowMs: 1000, minRequests: 5, failureRate: 0 } },
        noop,
      ),
    RangeError,
  );
});

t.test('the default clock is performance.now', async (t) => {
  const breaker = new CircuitBreaker({ ...base, failureThreshold: 1 }, () => {});
  fail(breaker, 1);
  const openedAt = breaker.snapshot().openedAt as number;
  t.ok(openedAt > 0 && openedAt <= performance.now());
});

t.test('release frees a half-open probe slot without counting a result', async (t) => {
  const { breaker, clock, changes } = setup();
  fail(breaker, 3);
  clock.ms += 5000;
  t.ok(breaker.tryAcquire(), 'the probe goes through');
  t.notOk(breaker.tryAcquire(), 'the only slot is taken');
  breaker.release();
  t.equal(breaker.state, 'half_open', 'no verdict: still half-open');
  t.ok(breaker.tryAcquire(), 'the slot is free again');
  t.same(changes, ['closed->open', 'open->half_open']);
});

t.test(
  'open moves to half_open on its own when openMs is up, and each move is counted',
  async (t) => {
    const changes: string[] = [];
    let halfOpen: () => void = () => undefined;
    const moved = new Promise<void>((resolve) => (halfOpen = resolve));
    const breaker = new CircuitBreaker({ ...base, failureThreshold: 1, openMs: 30 }, (from, to) => {
      changes.push(`${from}->${to}`);
      if (to === 'half_open') halfOpen();
    });
    t.teardown(() => breaker.stop());
    const openedAt = performance.now();
    fail(breaker, 1);
    const timeout = setTimeout(() => halfOpen(), 2000);
    await moved;
    clearTimeout(timeout);
    const ms = performance.now() - openedAt;
    t.same(changes, ['closed->open', 'open->half_open'], 'moved without anyone reading the state');
    t.ok(ms >= 30, `after ${ms.toFixed(1)} ms, not before openMs`);
    t.same(Array.from(breaker.transitionCounts()), [1, 1, 0, 0], 'in BREAKER_TRANSITIONS order');
  },
);
