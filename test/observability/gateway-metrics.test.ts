import t from 'tap';
import { AggregatorRegistry } from 'prom-client';
import { HistogramFamily, CounterFamily } from '../../engine/observability/metrics/cell-family.js';
import { GatewayMetrics } from '../../engine/observability/metrics/gateway-metrics.js';
import type { Exchange } from '../../engine/data-plane/exchange.js';
import { parsePrometheus, valueOf } from '../helpers/prometheus.js';

/** The two fields RequestMetrics reads. */
function exchange(method: string, startedAt = performance.now()): Exchange {
  return { method, startedAt } as Exchange;
}

t.test('a histogram family prints cumulative buckets, sum and count', async (t) => {
  const h = new HistogramFamily({
    name: 'test_seconds',
    help: 'h',
    labelNames: ['route'],
    buckets: [0.1, 1],
  });
  const cell = h.cell('a');
  for (const v of [0.05, 0.1, 0.5, 3]) cell.observe(v);
  h.cell('quote"back\\slash\nline');
  const text = await h.exposition();
  t.match(text, /^# HELP test_seconds h\n# TYPE test_seconds histogram\n/);
  t.match(text, 'test_seconds_count{route="quote\\"back\\\\slash\\nline"} 0\n', 'labels escaped');
  const m = parsePrometheus(text);
  const bucket = (le: string) => valueOf(m, 'test_seconds_bucket', { route: 'a', le });
  t.same([bucket('0.1'), bucket('1'), bucket('+Inf')], [2, 3, 4], 'le is inclusive, cumulative');
  t.equal(valueOf(m, 'test_seconds_sum', { route: 'a' }), 3.65);
  t.equal(valueOf(m, 'test_seconds_count', { route: 'a' }), 4);
  t.equal(h.cell('a'), cell, 'the same labels give the same cell');
  t.throws(() => h.cell('a', 'b'), /takes 1 labels, got 2/);
});

t.test("workers' families merge with prom-client's aggregator", async (t) => {
  const worker = (n: number) => {
    const c = new CounterFamily({ name: 'test_total', help: 'c', labelNames: ['x'] });
    const h = new HistogramFamily({ name: 'test_h', help: 'h', labelNames: [], buckets: [1] });
    c.cell('a').value += n;
    h.cell().observe(n);
    return [c.json(), h.json()];
  };
  const merged = AggregatorRegistry.aggregate([worker(1), worker(2)]);
  const m = parsePrometheus(await merged.metrics());
  t.equal(valueOf(m, 'test_total', { x: 'a' }), 3);
  t.equal(valueOf(m, 'test_h_bucket', { le: '1' }), 1);
  t.equal(valueOf(m, 'test_h_bucket', { le: '+Inf' }), 2);
  t.equal(valueOf(m, 'test_h_sum'), 3);
});

t.test('a retired route makes no new series; retain drops the old ones', async (t) => {
  const metrics = new GatewayMetrics();
  const keep = metrics.route('keep').requests();
  const gone = metrics.route('gone');
  const goneRequests = gone.requests();
  keep.record(exchange('GET'), 200, 1);
  goneRequests.record(exchange('GET'), 200, 1);
  metrics.retain(new Set(['keep']), []);
  goneRequests.record(exchange('POST'), 500, 1);
  gone.authFailure('expired');
  keep.record(exchange('GET'), 200, 1);
  const m = parsePrometheus(await metrics.exposition());
  const routes = new Set(m.filter((s) => s.labels.route !== undefined).map((s) => s.labels.route));
  t.same([...routes], ['keep']);
  t.equal(valueOf(m, 'gatewayd_http_requests_total', { route: 'keep' }), 2);
  t.notOk(m.some((s) => s.name === 'gatewayd_auth_failures_total'));
});

t.test('a scrape of 2,000 routes stays cheap and never holds the event loop long', async (t) => {
  const metrics = new GatewayMetrics();
  for (let i = 0; i < 2000; i++) {
    const r = metrics.route(`GET /api/v1/resource-${i}/{id}`).requests('backend');
    r.record(exchange('GET'), 200, 1);
    r.record(exchange('GET'), 404, 1);
  }
  let longest = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  const text = await metrics.exposition();
  const ms = performance.now() - started;
  clearInterval(ticker);
  const samples = parsePrometheus(text).filter(
    (s) => s.name.startsWith('gatewayd_http_') && s.labels.route !== undefined,
  );
  t.equal(samples.length, 2000 * 2 * (1 + 16 + 2), 'counter, 16 buckets, sum and count');
  t.ok(ms < 3000, `scraped ${samples.length} samples in ${ms.toFixed(0)} ms`);
  t.ok(longest < 250, `the event loop waited at most ${longest.toFixed(0)} ms at a time`);
  t.comment(
    `2,000 routes × 2 status classes: ${(text.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms, longest stall ${longest.toFixed(0)} ms`,
  );
});

t.test('recording a request costs well under a microsecond', async (t) => {
  // The duration is measured once by the caller; the counter and histogram are field updates.
  const metrics = new GatewayMetrics();
  const r = metrics.route('GET /hot').requests('up');
  const ex = exchange('GET');
  const n = 1_000_000;
  for (let i = 0; i < 10_000; i++) r.record(ex, 200, 1);
  const started = performance.now();
  for (let i = 0; i < n; i++) r.record(ex, 200, 1);
  const ns = ((performance.now() - started) * 1e6) / n;
  t.ok(ns < 1000, `${ns.toFixed(0)} ns per request (counter + histogram)`);
  t.comment(`RequestMetrics.record: ${ns.toFixed(0)} ns`);
});
