import t from 'tap';
import type { Exchange } from '../../engine/data-plane/exchange.js';
import type { Identity } from '../../engine/data-plane/identity.js';
import { MAX_TRACKED, UsageRecorder } from '../../engine/observability/usage-recorder.js';
import { UsageSeries, WINDOW_MINUTES } from '../../engine/observability/usage-series.js';

/** The fields the recorder reads, nothing else. */
function exchange(routeName: string, status: number, identity: Identity | null = null): Exchange {
  return {
    routeName,
    status,
    reportedStatus: status,
    aborted: false,
    identity,
  } as unknown as Exchange;
}

function user(subject: string): Identity {
  return { subject, roles: [], permissions: [], method: 'jwt' };
}

t.test('counts and percentiles over the window, old minutes falling out', async (t) => {
  const series = new UsageSeries();
  for (let i = 1; i <= 100; i++) series.record(1000, i <= 90 ? 200 : i <= 95 ? 404 : 503, i);
  const summary = series.summary(1000);
  t.match(summary, { requests: 100, client_errors: 5, server_errors: 5 });
  const { p50_ms: p50, p95_ms: p95 } = summary as { p50_ms: number; p95_ms: number };
  // Bins are 1.5× wide: the estimate lies within the true value's bin.
  t.ok(p50 > 50 / 1.5 && p50 < 50 * 1.5, `p50 ${p50} near 50`);
  t.ok(p95 > 95 / 1.5 && p95 < 95 * 1.5, `p95 ${p95} near 95`);

  series.record(1000 + WINDOW_MINUTES - 1, 200, 1);
  t.match(series.summary(1000 + WINDOW_MINUTES - 1), { requests: 101 }, 'still in the window');
  t.match(series.summary(1000 + WINDOW_MINUTES), { requests: 1 }, 'the first minute is out');
  t.equal(series.summary(1000 + 2 * WINDOW_MINUTES), null, 'nothing left');
  series.record(1000 + 2 * WINDOW_MINUTES, 200, 1);
  t.match(
    series.summary(1000 + 2 * WINDOW_MINUTES),
    { requests: 1 },
    'a reused slot starts from zero',
  );
});

t.test('at most MAX_TRACKED keys; the rest are counted as untracked', async (t) => {
  const recorder = new UsageRecorder();
  for (let i = 0; i < MAX_TRACKED + 5; i++) recorder.record(exchange('r', 200, user(`u${i}`)), 1);
  recorder.record(exchange('r', 200, user('u0')), 1);
  const report = recorder.report();
  t.equal(report.users.tracked, MAX_TRACKED);
  t.equal(report.users.entries.length, MAX_TRACKED);
  t.match(report.users.untracked, { requests: 5 });
  t.match(report.users.entries[0], { key: 'u0', requests: 2 }, 'busiest first');
  t.match(report.routes.entries, [{ key: 'r', requests: MAX_TRACKED + 6 }]);
  t.same(report.apiKeys.entries, []);
});

t.test(
  'API keys and users apart; unmatched requests under (none), as in the metrics',
  async (t) => {
    const recorder = new UsageRecorder();
    recorder.record(exchange('', 404), 1);
    recorder.record(exchange('a', 200, { ...user('key-1'), method: 'api_key' }), 1);
    recorder.record(exchange('a', 500, user('alice')), 1);
    const report = recorder.report();
    t.match(report.routes.entries, [
      { key: 'a', requests: 2, server_errors: 1 },
      { key: '(none)', requests: 1, client_errors: 1 },
    ]);
    t.match(report.apiKeys.entries, [{ key: 'key-1', requests: 1 }]);
    t.match(report.users.entries, [{ key: 'alice', requests: 1, server_errors: 1 }]);
  },
);

t.test("callerReport: one caller's window, by key or by user, zeros when untracked", async (t) => {
  const recorder = new UsageRecorder();
  const key = { ...user('same-name'), method: 'api_key' as const };
  recorder.record(exchange('a', 200, user('same-name')), 1);
  recorder.record(exchange('a', 503, user('same-name')), 1);
  recorder.record(exchange('b', 404, key), 1);
  const now = Date.now();
  const mine = recorder.callerReport(user('same-name'), now);
  t.match(mine.summary, { requests: 2, client_errors: 0, server_errors: 1 });
  t.equal(mine.to, now);
  t.equal(mine.from, (Math.floor(now / 60_000) - WINDOW_MINUTES + 1) * 60_000);
  t.match(recorder.callerReport(key, now).summary, { requests: 1, client_errors: 1 }, 'apart');
  t.equal(recorder.callerReport(user('nobody'), now).summary, null);
  t.equal(
    recorder.callerReport(user('same-name'), now + WINDOW_MINUTES * 60_000).summary,
    null,
    'out of the window',
  );
});
