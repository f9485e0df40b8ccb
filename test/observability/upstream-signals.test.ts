import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { parsePrometheus, scrapeText, valueOf, type PromSample } from '../helpers/prometheus.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

interface EndpointView {
  url: string;
  state: string;
  healthy: boolean;
  ejected: boolean;
  consecutive_failures: number;
}

interface UpstreamView {
  name: string;
  endpoints: EndpointView[];
}

async function get(url: string): Promise<number> {
  const res = await request(url);
  await res.body.dump();
  return res.statusCode;
}

t.test('upstream state, breaker moves, admin actions and timeouts, as they happen', async (t) => {
  const failing = await UpstreamServer.start(t, {
    '/': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('broken'),
  });
  const working = await UpstreamServer.start(t);
  const silent = await UpstreamServer.start(t, { '/': () => undefined });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
routes:
  - { name: lonely, path: /lonely, methods: [GET], upstream: lonely, strip_prefix: true }
  - { name: pair, path: /pair, methods: [GET], upstream: pair, strip_prefix: true }
  - { name: tripping, path: /trip, methods: [GET], upstream: tripping, strip_prefix: true }
  - { name: silent, path: /silent, methods: [GET], upstream: silent, strip_prefix: true, timeout: 1s }
upstreams:
  lonely:
    discovery: { type: Static, endpoints: ["${failing.url}"] }
    retries: { attempts: 1 }
    outlier_detection: { consecutive_failures: 5, max_ejection_percent: 50 }
  pair:
    discovery: { type: Static, endpoints: ["${failing.url}", "${working.url}"] }
    retries: { attempts: 1 }
    outlier_detection: { consecutive_failures: 3, max_ejection_percent: 50, base_ejection_time: 60s }
  tripping:
    discovery: { type: Static, endpoints: ["${failing.url}"] }
    retries: { attempts: 1 }
    outlier_detection: { enabled: false }
    circuit_breaker: { failure_threshold: 2, timeout: 300ms }
  silent:
    discovery: { type: Static, endpoints: ["${silent.url}"] }
    retries: { attempts: 1 }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const metricsLine = await gw.waitForLog((l) => l.msg === 'metrics listening');
  const metricsUrl = `http://127.0.0.1:${String(metricsLine.port)}/metrics`;
  const scrape = async (): Promise<PromSample[]> => parsePrometheus(await scrapeText(metricsUrl));
  const upstreams = async (): Promise<UpstreamView[]> =>
    ((await admin(gw, 'GET', '/admin/upstreams')).json as { upstreams: UpstreamView[] }).upstreams;

  t.test('admin requests and refusals: a log line each (no token) and a count', async (t) => {
    const before = await scrape();
    t.same(
      ['success', 'unauthorized', 'client_error', 'server_error'].map((outcome) =>
        valueOf(before, 'gatewayd_admin_requests_total', {
          method: 'GET',
          endpoint: '/admin/upstreams',
          outcome,
        }),
      ),
      [0, 0, 0, 0],
      'every admin endpoint starts at 0',
    );
    const from = gw.logs.length;
    t.equal((await admin(gw, 'GET', '/admin/upstreams', undefined, null)).status, 401);
    t.equal((await admin(gw, 'GET', '/admin/upstreams', undefined, 'guessed-token')).status, 401);
    t.equal((await admin(gw, 'GET', '/admin/upstreams')).status, 200);
    t.equal((await admin(gw, 'DELETE', '/admin/nothing-here')).status, 404);
    const adminLines = () => gw.logs.slice(from).filter((l) => l.msg.startsWith('admin request'));
    await gw.waitForLog(() => adminLines().length >= 4);
    const admins = adminLines();
    t.match(admins, [
      {
        msg: 'admin request refused',
        level: 40,
        method: 'GET',
        path: '/admin/upstreams',
        endpoint: '/admin/upstreams',
        status: 401,
        reason: 'no bearer token',
        client: '127.0.0.1',
      },
      { msg: 'admin request refused', status: 401, reason: 'wrong token' },
      { msg: 'admin request', level: 30, endpoint: '/admin/upstreams', status: 200 },
      { msg: 'admin request', method: 'DELETE', endpoint: '(none)', status: 404 },
    ]);
    const text = JSON.stringify(gw.logs);
    t.notOk(text.includes('guessed-token') || text.includes(ADMIN_TOKEN), 'no token is logged');
    const after = await scrape();
    const count = (method: string, endpoint: string, outcome: string) =>
      valueOf(after, 'gatewayd_admin_requests_total', { method, endpoint, outcome });
    t.equal(count('GET', '/admin/upstreams', 'unauthorized'), 2);
    t.equal(count('GET', '/admin/upstreams', 'success'), 1);
    t.equal(count('DELETE', '(none)', 'client_error'), 1);
  });

  t.test('consecutive_failures keeps counting when the ejection is refused', async (t) => {
    for (let i = 0; i < 12; i++) t.equal(await get(gw.url('/lonely')), 500);
    const lonely = (await upstreams()).find((u) => u.name === 'lonely') as UpstreamView;
    t.match(lonely.endpoints, [
      { url: failing.url, state: 'healthy', ejected: false, consecutive_failures: 12 },
    ]);
  });

  t.test(
    'an ejected endpoint is in one state, the same in the metrics and the admin API',
    async (t) => {
      const ejectedLog = gw.waitForLog(
        (l) => l.msg === 'endpoint ejected after failures' && l.upstream === 'pair',
      );
      for (let i = 0; i < 6; i++) await get(gw.url('/pair'));
      await ejectedLog;
      const m = await scrape();
      const pair = (await upstreams()).find((u) => u.name === 'pair') as UpstreamView;
      for (const e of pair.endpoints) {
        const states = ['healthy', 'unhealthy', 'ejected'].map((state) =>
          valueOf(m, 'gatewayd_upstream_endpoint_health', {
            upstream: 'pair',
            endpoint: e.url,
            state,
          }),
        );
        t.equal(
          states.reduce((a, b) => (a ?? 0) + (b ?? 0), 0),
          1,
          `${e.url}: 1 in exactly one state`,
        );
        t.equal(
          valueOf(m, 'gatewayd_upstream_endpoint_health', {
            upstream: 'pair',
            endpoint: e.url,
            state: e.state,
          }),
          1,
          `${e.url}: the metric says ${e.state}, as the admin API does`,
        );
      }
      t.match(pair.endpoints, [
        { url: failing.url, state: 'ejected', healthy: false, ejected: true },
        { url: working.url, state: 'healthy', healthy: true, ejected: false },
      ]);
    },
  );

  t.test(
    'the breaker moves to half_open when its time is up, not when someone looks',
    async (t) => {
      const transitions = (m: PromSample[], from: string, to: string) =>
        valueOf(m, 'gatewayd_upstream_circuit_breaker_transitions_total', {
          upstream: 'tripping',
          from,
          to,
        });
      const before = await scrape();
      t.same(
        [
          transitions(before, 'closed', 'open'),
          transitions(before, 'open', 'half_open'),
          transitions(before, 'half_open', 'open'),
          transitions(before, 'half_open', 'closed'),
        ],
        [0, 0, 0, 0],
        'every move starts at 0',
      );
      const opened = gw.waitForLog(
        (l) => l.msg === 'circuit breaker open' && l.upstream === 'tripping',
      );
      for (let i = 0; i < 2; i++) t.equal(await get(gw.url('/trip')), 500);
      const openLine = await opened;
      // Nothing reads the breaker from here on: no request, no scrape, no admin call.
      const halfOpenLine = await gw.waitForLog(
        (l) => l.msg === 'circuit breaker half_open' && l.upstream === 'tripping',
        5000,
      );
      const afterMs = Date.parse(String(halfOpenLine.time)) - Date.parse(String(openLine.time));
      t.ok(
        afterMs >= 299 && afterMs < 3000,
        `logged ${afterMs} ms after it opened (timeout 300ms)`,
      );
      t.match(halfOpenLine, { level: 30, from: 'open', to: 'half_open' });
      const after = await scrape();
      t.equal(transitions(after, 'closed', 'open'), 1);
      t.equal(transitions(after, 'open', 'half_open'), 1);
      t.equal(
        valueOf(after, 'gatewayd_upstream_circuit_breaker_state', {
          upstream: 'tripping',
          state: 'half_open',
        }),
        1,
      );
    },
  );

  t.test('timeout: 1s answers after 1 s, not on a half-second tick', async (t) => {
    // undici's own timer ticks every ~0.5 s (1.50-1.51 s measured before the gateway's timer);
    // three answers in a row within 150 ms of the deadline are not its luck.
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await request(gw.url('/silent'));
      const body = (await res.body.json()) as { error: string; message: string };
      const ms = performance.now() - started;
      t.equal(res.statusCode, 504);
      t.match(body, { error: 'UPSTREAM_TIMEOUT', message: /within 1000 ms/ });
      t.ok(ms >= 1000 && ms < 1150, `answered after ${ms.toFixed(0)} ms`);
    }
  });
});
