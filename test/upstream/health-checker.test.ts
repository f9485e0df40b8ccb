import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { Pool } from 'undici';
import { EndpointHealth, type Endpoint } from '../../engine/upstream/endpoint.js';
import { HealthChecker, type HealthCheckSettings } from '../../engine/upstream/health-checker.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Tap {
  teardown(fn: () => unknown): void;
}

/** An endpoint whose pool is closed: a checker that used it instead of its own client would fail. */
async function endpointAt(origin: string): Promise<Endpoint> {
  const pool = new Pool(origin);
  await pool.close();
  return { origin, pool, weight: 1, health: new EndpointHealth() };
}

function settings(overrides: Partial<HealthCheckSettings> = {}): HealthCheckSettings {
  return {
    path: '/health',
    intervalMs: 20,
    timeoutMs: 1000,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    expectedStatuses: (status) => status >= 200 && status < 400,
    tls: null,
    ...overrides,
  };
}

/** Answers the nth check (from 1) with `statusOf(n)`. */
function statusByCheck(statusOf: (n: number) => number): Handler {
  let n = 0;
  return (_req, res) => {
    res.statusCode = statusOf(++n);
    res.end();
  };
}

interface Change {
  origin: string;
  healthy: boolean;
  /** Checks the upstream had received when onChange was called. */
  checks: number;
}

/** Records onChange calls; `waitFor(n)` resolves once n were made. */
class Changes {
  readonly list: Change[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly checksSoFar: () => number = () => 0) {}

  readonly onChange = (endpoint: Endpoint, healthy: boolean): void => {
    this.list.push({ origin: endpoint.origin, healthy, checks: this.checksSoFar() });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  };

  waitFor(count: number, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.list.length} of ${count} health changes`)),
        timeoutMs,
      );
      const check = () => {
        if (this.list.length < count) {
          this.waiters.push(check);
          return;
        }
        clearTimeout(timer);
        resolve();
      };
      check();
    });
  }
}

function startChecker(
  t: Tap,
  endpoints: Endpoint[],
  s: HealthCheckSettings,
  changes: Changes,
): HealthChecker {
  const checker = new HealthChecker('api', endpoints, s, changes.onChange);
  t.teardown(() => checker.stop());
  checker.start();
  return checker;
}

t.test('a failing endpoint is taken out after N failures and back after M successes', async (t) => {
  // Checks 1-5 fail, then every check passes.
  const upstream = await UpstreamServer.start(t, {
    '/health': statusByCheck((n) => (n <= 5 ? 500 : 200)),
  });
  const endpoint = await endpointAt(upstream.url);
  const changes = new Changes(() => upstream.seen.length);
  t.equal(endpoint.health.activeUnhealthy, false, 'endpoints start healthy');
  startChecker(t, [endpoint], settings({ unhealthyThreshold: 3, healthyThreshold: 2 }), changes);

  await changes.waitFor(1);
  t.match(changes.list[0], { origin: upstream.url, healthy: false, checks: 3 }, 'out at check 3');
  t.equal(endpoint.health.activeUnhealthy, true);

  await changes.waitFor(2);
  t.match(changes.list[1], { healthy: true, checks: 7 }, 'back after checks 6 and 7 passed');
  t.equal(endpoint.health.activeUnhealthy, false);
  t.equal(changes.list.length, 2, 'failures 4 and 5 did not call onChange again');

  t.match(upstream.seen[0], {
    method: 'GET',
    url: '/health',
    headers: { 'user-agent': 'gatewayd-health-check' },
  });
});

t.test('a healthy endpoint never calls onChange', async (t) => {
  const upstream = await UpstreamServer.start(t, { '/health': statusByCheck(() => 200) });
  const endpoint = await endpointAt(upstream.url);
  const changes = new Changes();
  startChecker(t, [endpoint], settings({ unhealthyThreshold: 1 }), changes);

  await upstream.waitFor((u) => u.seen.length >= 5);
  t.same(changes.list, []);
  t.equal(endpoint.health.activeUnhealthy, false);
});

t.test('each endpoint is judged on its own checks', async (t) => {
  const good = await UpstreamServer.start(t, { '/health': statusByCheck(() => 200) });
  const bad = await UpstreamServer.start(t, { '/health': statusByCheck(() => 503) });
  const endpoints = [await endpointAt(good.url), await endpointAt(bad.url)];
  const changes = new Changes();
  startChecker(t, endpoints, settings({ unhealthyThreshold: 2 }), changes);

  await changes.waitFor(1);
  await good.waitFor((u) => u.seen.length >= 3);
  t.same(
    changes.list.map((c) => [c.origin, c.healthy]),
    [[bad.url, false]],
  );
  t.equal(endpoints[0]?.health.activeUnhealthy, false);
  t.equal(endpoints[1]?.health.activeUnhealthy, true);
});

t.test('a refused connection counts as a failure', async (t) => {
  const closed = await UpstreamServer.start(t);
  await closed.close();
  const endpoint = await endpointAt(closed.url);
  const changes = new Changes();
  startChecker(t, [endpoint], settings({ unhealthyThreshold: 2 }), changes);

  await changes.waitFor(1);
  t.match(changes.list, [{ origin: closed.url, healthy: false }]);
  t.equal(endpoint.health.activeUnhealthy, true);
});

t.test('a hanging endpoint fails by timeout', async (t) => {
  const upstream = await UpstreamServer.start(t, { '/health': () => {} });
  const endpoint = await endpointAt(upstream.url);
  const changes = new Changes();
  const started = performance.now();
  startChecker(t, [endpoint], settings({ timeoutMs: 50, unhealthyThreshold: 2 }), changes);

  await changes.waitFor(1);
  t.match(changes.list, [{ healthy: false }]);
  t.ok(performance.now() - started >= 100, 'two checks, each ended by its 50 ms timeout');
  // The timeout aborts the request rather than leaving it open.
  await upstream.waitFor((u) => u.aborted.length >= 2);
});

t.test('the expected-status predicate decides what passes', async (t) => {
  // 200 is not accepted here: checks 1-2 fail, then 204s bring the endpoint back.
  const upstream = await UpstreamServer.start(t, {
    '/health': statusByCheck((n) => (n <= 2 ? 200 : 204)),
  });
  const endpoint = await endpointAt(upstream.url);
  const changes = new Changes(() => upstream.seen.length);
  const s = settings({
    unhealthyThreshold: 2,
    healthyThreshold: 1,
    expectedStatuses: (status) => status === 204,
  });
  startChecker(t, [endpoint], s, changes);

  await changes.waitFor(2);
  t.match(changes.list, [
    { healthy: false, checks: 2 },
    { healthy: true, checks: 3 },
  ]);
  t.equal(endpoint.health.activeUnhealthy, false);
});

t.test('checks of one endpoint never overlap, even when started twice', async (t) => {
  let active = 0;
  let maxActive = 0;
  // Each answer takes twice the interval: overlapping checks would pile up here.
  const upstream = await UpstreamServer.start(t, {
    '/health': (_req, res) => {
      maxActive = Math.max(maxActive, ++active);
      setTimeout(() => {
        active--;
        res.end('ok');
      }, 40);
    },
  });
  const endpoint = await endpointAt(upstream.url);
  const changes = new Changes();
  const checker = startChecker(t, [endpoint], settings({ intervalMs: 20 }), changes);
  checker.start();

  await upstream.waitFor((u) => u.seen.length >= 4);
  t.equal(maxActive, 1);
  t.same(changes.list, []);
});

t.test('stop() aborts the check under way, closes its client and checks no more', async (t) => {
  const upstream = await UpstreamServer.start(t, { '/health': () => {} });
  const endpoint = await endpointAt(upstream.url);
  const changes = new Changes();
  const s = settings({ timeoutMs: 5000, unhealthyThreshold: 1 });
  const checker = startChecker(t, [endpoint], s, changes);

  await upstream.waitFor((u) => u.seen.length === 1);
  checker.stop();
  checker.stop();
  await upstream.waitFor((u) => u.aborted.length === 1 && u.closedConnections === u.connections);

  // Proving that nothing happens takes a wait: ten intervals, bounded.
  await sleep(10 * s.intervalMs);
  t.equal(upstream.seen.length, 1, 'no check after stop()');
  t.same(changes.list, [], 'the aborted check was not counted as a failure');
  t.equal(endpoint.health.activeUnhealthy, false);
});

t.test('stop() called from onChange, between checks, ends the checks', async (t) => {
  const upstream = await UpstreamServer.start(t, { '/health': statusByCheck(() => 500) });
  const endpoint = await endpointAt(upstream.url);
  const s = settings({ unhealthyThreshold: 2 });
  let checker: HealthChecker | null = null;
  const changes = new Changes();
  // onChange runs after a check finished and the next one was scheduled: stop right there.
  checker = new HealthChecker('api', [endpoint], s, (e, healthy) => {
    changes.onChange(e, healthy);
    checker?.stop();
  });
  t.teardown(() => checker?.stop());
  checker.start();

  await changes.waitFor(1);
  await upstream.waitFor((u) => u.closedConnections === u.connections);
  await sleep(10 * s.intervalMs);
  t.equal(upstream.seen.length, 2, 'no check after stop()');
  t.equal(changes.list.length, 1);
});
