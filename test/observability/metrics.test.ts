import { createHash } from 'node:crypto';
import t from 'tap';
import { freePort } from '../helpers/free-port.js';
import { Agent, request } from 'undici';
import { EndpointProcess } from '../helpers/endpoint-process.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { scrape, seriesKey, valueOf, type PromSample } from '../helpers/prometheus.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { sign } from '../filters/auth/fixtures/tokens.js';

const SECRET = 'metrics-test-secret-of-at-least-32-bytes';
const QUIET = `observability:
  logging: { level: info, access_log: false }`;

async function metricsUrl(gw: GatewaydProcess): Promise<string> {
  // Generous: with workers it comes once every worker has started, on a busy 2-core machine.
  const line = await gw.waitForLog((l) => l.msg === 'metrics listening', 20_000);
  return `http://127.0.0.1:${String(line.port)}${String(line.path)}`;
}

async function send(gw: GatewaydProcess, path: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(gw.url(path), init);
  await res.body.dump();
  return res.statusCode;
}

/** The request, upstream, auth, rate-limit and config series: those traffic could add to. */
function gatewaySeries(samples: readonly PromSample[]): string[] {
  return samples
    .filter((s) => /^gatewayd_(http|upstream|auth|rate_limit|config)_/.test(s.name))
    .map(seriesKey)
    .sort();
}

t.test('requests are counted by route name, method, status class and upstream', async (t) => {
  const users = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
  - path: /api/users/{id}
    upstream: users
  - name: hello
    path: /hello
    methods: [GET]
    direct_response: { status: 200, body: hi }
upstreams:
  users:
    discovery: { type: Static, endpoints: ["${users.url}"] }
${QUIET}
`,
  );
  const url = await metricsUrl(gw);
  for (const id of [1, 2, 3]) t.equal(await send(gw, `/api/users/${id}`), 200);
  t.equal(await send(gw, '/api/users/4', { method: 'DELETE' }), 200);
  t.equal(await send(gw, '/hello'), 200);
  t.equal(await send(gw, '/hello', { method: 'POST' }), 405);
  t.equal(await send(gw, '/nowhere'), 404);

  const m = await scrape(url);
  const requests = (labels: Record<string, string>) =>
    valueOf(m, 'gatewayd_http_requests_total', labels);
  const users1 = { route: 'ANY /api/users/{id}', status_class: '2xx', upstream: 'users' };
  t.equal(requests({ ...users1, method: 'GET' }), 3, 'three paths, one series: the template');
  t.equal(requests({ ...users1, method: 'DELETE' }), 1);
  t.equal(
    requests({ route: 'hello', method: 'GET', status_class: '2xx', upstream: '(none)' }),
    1,
    'a direct response has no upstream',
  );
  t.equal(
    requests({ route: '(none)', method: 'GET', status_class: '4xx', upstream: '(none)' }),
    1,
    'a 404 counts under route "(none)"',
  );
  t.equal(requests({ route: '(none)', method: 'POST', status_class: '4xx' }), 1, 'so does a 405');
  t.notOk(
    m.some((s) => Object.values(s.labels).some((v) => v.startsWith('/api/users/1'))),
    'no raw path in any label',
  );
  t.equal(
    valueOf(m, 'gatewayd_http_request_duration_seconds_count', { ...users1, method: 'GET' }),
    3,
  );
  t.equal(
    valueOf(m, 'gatewayd_http_request_duration_seconds_bucket', {
      ...users1,
      method: 'GET',
      le: '+Inf',
    }),
    3,
  );
  t.equal(
    valueOf(m, 'gatewayd_upstream_attempts_total', { upstream: 'users', endpoint: users.url }),
    4,
  );
  t.equal(
    valueOf(m, 'gatewayd_upstream_attempt_duration_seconds_count', { endpoint: users.url }),
    4,
  );
  t.equal(valueOf(m, 'gatewayd_http_requests_in_flight'), 0);
  t.equal(valueOf(m, 'gatewayd_upstream_requests_in_flight', { endpoint: users.url }), 0);
  t.ok((valueOf(m, 'gatewayd_process_resident_memory_bytes') ?? 0) > 0, 'process metrics');
  t.ok(
    m.some((s) => s.name === 'gatewayd_nodejs_heap_size_used_bytes'),
    'Node.js metrics',
  );

  // A 404 flood to distinct paths adds to one series' count, never new series.
  const before = gatewaySeries(m);
  const agent = new Agent({ connections: 20 });
  t.teardown(() => agent.close());
  const paths = Array.from({ length: 1000 }, (_, i) => `/missing/${i}/${'x'.repeat(i % 7)}`);
  for (let i = 0; i < paths.length; i += 50) {
    const batch = paths.slice(i, i + 50).map((p) => send(gw, p, { dispatcher: agent }));
    t.ok((await Promise.all(batch)).every((s) => s === 404));
  }
  const after = await scrape(url);
  t.same(gatewaySeries(after), before, '1,000 distinct 404 paths add no series');
  t.equal(
    valueOf(after, 'gatewayd_http_requests_total', {
      route: '(none)',
      method: 'GET',
      status_class: '4xx',
    }),
    1001,
  );
});

t.test('health and breaker gauges follow an upstream that dies', async (t) => {
  const endpoint = await EndpointProcess.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
  - path: /checked
    upstream: checked
  - path: /guarded
    upstream: guarded
upstreams:
  checked:
    discovery: { type: Static, endpoints: ["${endpoint.url}"] }
    health_check: { path: /health, interval: 100ms, timeout: 200ms, healthy_threshold: 1, unhealthy_threshold: 1 }
  guarded:
    discovery: { type: Static, endpoints: ["${endpoint.url}"] }
    circuit_breaker: { failure_threshold: 2, timeout: 30s }
    outlier_detection: { enabled: false }
    retries: { attempts: 1 }
${QUIET}
`,
  );
  const url = await metricsUrl(gw);
  t.equal(await send(gw, '/checked'), 200);
  t.equal(await send(gw, '/guarded'), 200);
  const health = (m: PromSample[], state: string) =>
    valueOf(m, 'gatewayd_upstream_endpoint_health', { upstream: 'checked', state });
  const breaker = (m: PromSample[], state: string) =>
    valueOf(m, 'gatewayd_upstream_circuit_breaker_state', { upstream: 'guarded', state });

  const up = await scrape(url);
  t.same(
    [health(up, 'healthy'), health(up, 'unhealthy'), health(up, 'ejected')],
    [1, 0, 0],
    'healthy while it answers',
  );
  t.same([breaker(up, 'closed'), breaker(up, 'open'), breaker(up, 'half_open')], [1, 0, 0]);
  t.notOk(
    up.some(
      (s) =>
        s.name === 'gatewayd_upstream_circuit_breaker_state' && s.labels.upstream === 'checked',
    ),
    'an upstream without a breaker has no breaker series',
  );

  const from = gw.logs.length;
  await endpoint.kill();
  await gw.waitForLog((l) => l.msg === 'endpoint failed its health checks', 5000, from);
  t.equal(await send(gw, '/guarded'), 502);
  t.equal(await send(gw, '/guarded'), 502);
  await gw.waitForLog((l) => l.msg === 'circuit breaker open', 5000, from);
  t.equal(await send(gw, '/guarded'), 503, 'the open breaker answers without an attempt');

  const down = await scrape(url);
  t.same(
    [health(down, 'healthy'), health(down, 'unhealthy')],
    [0, 1],
    'unhealthy once checks fail',
  );
  t.same([breaker(down, 'closed'), breaker(down, 'open')], [0, 1], 'the breaker is open');
  t.equal(
    valueOf(down, 'gatewayd_upstream_attempt_errors_total', {
      upstream: 'guarded',
      reason: 'connect_error',
    }),
    2,
  );
  t.equal(valueOf(down, 'gatewayd_upstream_attempts_total', { upstream: 'guarded' }), 3);
  t.equal(
    valueOf(down, 'gatewayd_http_requests_total', {
      route: 'ANY /guarded',
      status_class: '5xx',
      upstream: 'guarded',
    }),
    3,
  );
});

t.test('retries and an exhausted retry budget are counted per upstream', async (t) => {
  const flaky = await UpstreamServer.start(t, {
    '/busy': (_req, res) => res.writeHead(503).end(),
  });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
  - path: /busy
    upstream: flaky
upstreams:
  flaky:
    discovery: { type: Static, endpoints: ["${flaky.url}"] }
    retries: { attempts: 2, on: [503], backoff: { base: 1ms, max: 1ms } }
    retry_budget: { percent: 0, min_retries: 2 }
    outlier_detection: { enabled: false }
${QUIET}
`,
  );
  const url = await metricsUrl(gw);
  for (let i = 0; i < 4; i++) t.equal(await send(gw, '/busy'), 503);
  const m = await scrape(url);
  t.equal(valueOf(m, 'gatewayd_upstream_retries_total', { upstream: 'flaky' }), 2);
  t.equal(valueOf(m, 'gatewayd_upstream_retry_budget_exhausted_total', { upstream: 'flaky' }), 2);
  t.equal(valueOf(m, 'gatewayd_upstream_attempts_total', { upstream: 'flaky' }), 6);
  t.equal(
    valueOf(m, 'gatewayd_upstream_attempt_errors_total', { upstream: 'flaky', reason: 'http_5xx' }),
    6,
  );
});

t.test('reloads are counted by result; generation and hash follow the config', async (t) => {
  const config = (routes: string[]) => `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
${routes.map((p) => `  - path: ${p}\n    direct_response: { status: 200, body: ok }`).join('\n')}
${QUIET}
`;
  const first = config(['/a', '/b']);
  const gw = await startGatewayd(t, first);
  const url = await metricsUrl(gw);
  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
  t.equal(await send(gw, '/a'), 200);
  t.equal(await send(gw, '/b'), 200);

  const start = await scrape(url);
  t.equal(valueOf(start, 'gatewayd_config_generation'), 1);
  t.equal(valueOf(start, 'gatewayd_config_info', { hash: hash(first) }), 1);
  t.equal(valueOf(start, 'gatewayd_config_last_reload_success'), 1);
  t.same(
    start.filter((s) => s.name === 'gatewayd_config_reloads_total').map((s) => s.value),
    [0, 0, 0],
    'the start is no reload: each result at 0',
  );
  t.equal(valueOf(start, 'gatewayd_http_requests_total', { route: 'ANY /b' }), 1);

  let from = gw.logs.length;
  const second = config(['/a', '/c']);
  gw.writeConfig(second);
  await gw.waitForLog((l) => l.msg === 'config loaded' && l.reason === 'file changed', 5000, from);
  const reloaded = await scrape(url);
  t.equal(valueOf(reloaded, 'gatewayd_config_reloads_total', { result: 'success' }), 1);
  t.equal(valueOf(reloaded, 'gatewayd_config_generation'), 2);
  t.same(
    reloaded.filter((s) => s.name === 'gatewayd_config_info').map((s) => s.labels.hash),
    [hash(second)],
    'one info series: the config in force',
  );
  t.notOk(
    reloaded.some((s) => s.labels.route === 'ANY /b'),
    'the series of a route that left the config are gone',
  );
  t.equal(
    valueOf(reloaded, 'gatewayd_http_requests_total', { route: 'ANY /a' }),
    1,
    'a route that stays keeps its counts',
  );

  from = gw.logs.length;
  gw.writeConfig('routes: [ { path: /a } ]\n');
  await gw.waitForLog(
    (l) => l.msg === 'config reload failed; still serving the previous config',
    5000,
    from,
  );
  const failed = await scrape(url);
  t.equal(valueOf(failed, 'gatewayd_config_reloads_total', { result: 'failure' }), 1);
  t.equal(valueOf(failed, 'gatewayd_config_last_reload_success'), 0);
  t.equal(valueOf(failed, 'gatewayd_config_generation'), 2, 'a failed reload installs nothing');

  from = gw.logs.length;
  gw.writeConfig(second);
  await gw.waitForLog((l) => l.msg.startsWith('config reload recovered'), 5000, from);
  const recovered = await scrape(url);
  t.equal(
    valueOf(recovered, 'gatewayd_config_reloads_total', { result: 'unchanged' }),
    1,
    'the config in force, written again, is an unchanged reload',
  );
  t.equal(
    valueOf(recovered, 'gatewayd_config_last_reload_success'),
    1,
    'the file is good again: an alert on the failed reload clears',
  );
});

t.test('auth failures by reason and rate-limit decisions by route, each from 0', async (t) => {
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
  - path: /private
    auth_required: true
    direct_response: { status: 200, body: secret }
  - path: /limited
    rate_limit: 2/minute
    direct_response: { status: 200, body: ok }
auth:
  jwt: { secret: ${SECRET}, algorithm: HS256 }
middleware:
  rate_limiting: { key: ip }
${QUIET}
`,
  );
  const url = await metricsUrl(gw);
  // Before any traffic: every series whose labels the config decides is there at 0, so
  // Prometheus's increase() counts the first burst instead of taking it as its baseline.
  const fresh = await scrape(url);
  const reasons = fresh
    .filter((s) => s.name === 'gatewayd_auth_failures_total' && s.labels.route === 'ANY /private')
    .map((s) => [s.labels.reason, s.value]);
  t.equal(reasons.length, 14, 'every reason of a route with auth');
  t.ok(
    reasons.every(([, v]) => v === 0),
    'all at 0',
  );
  t.notOk(
    fresh.some(
      (s) => s.name === 'gatewayd_auth_failures_total' && s.labels.route === 'ANY /limited',
    ),
    'none for a route without auth',
  );
  t.same(
    fresh
      .filter((s) => s.name === 'gatewayd_rate_limit_decisions_total')
      .map((s) => `${s.labels.route} ${s.labels.decision} ${s.labels.degraded} ${s.value}`)
      .sort(),
    [
      'ANY /limited allowed false 0',
      'ANY /limited allowed true 0',
      'ANY /limited refused false 0',
      'ANY /limited refused true 0',
    ],
  );
  t.same(
    ['success', 'failure', 'unchanged'].map((result) =>
      valueOf(fresh, 'gatewayd_config_reloads_total', { result }),
    ),
    [0, 0, 0],
    'reload results from 0',
  );
  const good = await sign({ sub: 'alice' }, Buffer.from(SECRET), { alg: 'HS256' });
  const forged = await sign({ sub: 'alice' }, Buffer.from(`${SECRET}-other`), { alg: 'HS256' });
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  t.equal(await send(gw, '/private'), 401);
  t.equal(await send(gw, '/private', bearer('not-a-jwt')), 401);
  t.equal(await send(gw, '/private', bearer(forged)), 401);
  t.equal(await send(gw, '/private', bearer(forged)), 401);
  t.equal(await send(gw, '/private', bearer(good)), 200);
  for (let i = 0; i < 3; i++) await send(gw, '/limited');

  const m = await scrape(url);
  const failures = (reason: string) =>
    valueOf(m, 'gatewayd_auth_failures_total', { route: 'ANY /private', reason });
  t.equal(failures('missing_credentials'), 1);
  t.equal(failures('malformed'), 1);
  t.equal(failures('bad_signature'), 2);
  const decisions = (decision: string) =>
    valueOf(m, 'gatewayd_rate_limit_decisions_total', {
      route: 'ANY /limited',
      decision,
      degraded: 'false',
    });
  t.equal(decisions('allowed'), 2);
  t.equal(decisions('refused'), 1);
  t.equal(
    valueOf(m, 'gatewayd_http_requests_total', { route: 'ANY /limited', status_class: '4xx' }),
    1,
  );
});

t.test('without metrics_port, or with prometheus_enabled: false, nothing listens', async (t) => {
  for (const yaml of [
    'server: { http_port: 0, bind_address: 127.0.0.1 }',
    'server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }\nobservability: { metrics: { prometheus_enabled: false } }',
  ]) {
    const gw = await startGatewayd(t, `${yaml}\nroutes: []\n`);
    t.equal(await send(gw, '/health'), 200);
    t.notOk(gw.logs.some((l) => l.msg === 'metrics listening'));
    await gw.stop();
  }
});

t.test('with workers, the supervisor serves the sum of every worker', async (t) => {
  const port = await freePort();
  const gw = await startGatewayd(
    t,
    `
server: { http_port: ${port}, bind_address: 127.0.0.1, workers: 2, metrics_port: 0 }
routes:
  - path: /who
    direct_response: { status: 200, body: ok }
observability:
  logging: { level: info, access_log: true }
  metrics: { endpoint_path: /prom }
`,
  );
  gw.port = port;
  const url = await metricsUrl(gw);
  t.match(url, /\/prom$/);
  const pids = new Set<number>();
  for (let i = 0; i < 40; i++) {
    // A fresh connection each time, so the kernel spreads them over both workers.
    const agent = new Agent({ connections: 1 });
    const from = gw.logs.length;
    t.equal(await send(gw, '/who', { dispatcher: agent }), 200);
    pids.add(Number((await gw.waitForLog((l) => l.msg === 'request', 2000, from)).pid));
    await agent.close();
  }
  t.equal(pids.size, 2, 'both workers served requests');
  const m = await scrape(url);
  t.equal(
    valueOf(m, 'gatewayd_http_requests_total', { route: 'ANY /who', status_class: '2xx' }),
    40,
    'the counts of both workers, summed',
  );
  t.equal(valueOf(m, 'gatewayd_config_generation'), 1, 'a gauge merged by its own rule (max)');
  t.equal(valueOf(m, 'gatewayd_config_info'), 2, 'both workers on one config');
  gw.proc.kill('SIGTERM');
  t.equal((await gw.exited).code, 0);
});
