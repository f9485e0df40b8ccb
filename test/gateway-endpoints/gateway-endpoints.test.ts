import t from 'tap';
import { closedPort } from '../helpers/free-port.js';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { sign } from '../filters/auth/fixtures/tokens.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pick } from '../helpers/pick.js';

const JWT_SECRET = 'a-test-only-secret-of-at-least-32-bytes!';
const PRO_KEY = 'pro-key-for-gateway-endpoint-tests';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function call(
  url: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' | 'HEAD' = 'GET',
): Promise<{ status: number; json: unknown; text: string; headers: Record<string, unknown> }> {
  const res = await request(url, { headers, method });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    text,
    json: text === '' ? null : (JSON.parse(text) as unknown),
    headers: res.headers,
  };
}

function jwt(claims: Record<string, unknown>): Promise<string> {
  return sign(claims, new TextEncoder().encode(JWT_SECRET), { alg: 'HS256' });
}

t.test('handler: catalog lists file and runtime routes under its prefix', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "\${JWT_SECRET}", algorithm: HS256 }
  tiers: [free, pro, enterprise]
routes:
  - { name: catalog, path: /modules, methods: [GET], handler: catalog }
  - { name: fundraising, path: "/modules/fundraising/*", upstream: svc, required_tier: free }
  - { name: drone-system, path: "/modules/drone-system/*", methods: [GET, POST], upstream: svc, required_tier: enterprise }
  - { name: public, path: "/modules/public/*", upstream: svc }
  - { name: other, path: "/other/*", upstream: svc }
  - { name: everything, path: /catalog/all, handler: catalog, catalog: { prefix: / } }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability: { logging: { level: info, access_log: false } }
`,
    { env: { JWT_SECRET } },
  );
  const res = await call(gw.url('/modules'));
  t.equal(res.status, 200);
  t.equal(res.headers['content-type'], 'application/json');
  t.same(res.json, {
    total: 3,
    items: [
      {
        name: 'fundraising',
        path: '/modules/fundraising/*',
        methods: null,
        required_tier: 'free',
        auth_required: true,
        origin: 'file',
      },
      {
        name: 'drone-system',
        path: '/modules/drone-system/*',
        methods: ['GET', 'POST'],
        required_tier: 'enterprise',
        auth_required: true,
        origin: 'file',
      },
      {
        name: 'public',
        path: '/modules/public/*',
        methods: null,
        required_tier: null,
        auth_required: false,
        origin: 'file',
      },
    ],
  });
  t.notMatch(res.text, upstream.url, 'no upstream address');
  t.notMatch(res.text, /svc/, 'no upstream name');

  const all = await call(gw.url('/catalog/all'));
  t.same(
    (all.json as { items: Array<{ name: string }> }).items.map((i) => i.name),
    ['catalog', 'fundraising', 'drone-system', 'public', 'other', 'everything'],
    'the prefix "/" lists every configured route, in config order',
  );

  const head = await call(gw.url('/catalog/all'), {}, 'HEAD');
  t.equal(head.status, 200, 'HEAD is answered');
  const everyMethod = await call(gw.url('/catalog/all'), {}, 'POST');
  t.equal(everyMethod.status, 405, 'a route without methods still only reads');
  t.equal(everyMethod.headers.allow, 'GET, HEAD');
  t.match(everyMethod.json, { error: 'METHOD_NOT_ALLOWED' });

  const added = await admin(gw, 'POST', '/admin/routes', {
    name: 'runtime-module',
    path: '/modules/runtime-module/*',
    upstream: 'svc',
    required_tier: 'pro',
  });
  t.equal(added.status, 201, JSON.stringify(added.json));
  const after = await call(gw.url('/modules'));
  t.match(after.json, {
    total: 4,
    items: [
      { name: 'fundraising' },
      { name: 'drone-system' },
      { name: 'public' },
      {
        name: 'runtime-module',
        path: '/modules/runtime-module/*',
        required_tier: 'pro',
        auth_required: true,
        origin: 'runtime',
      },
    ],
  });
  t.equal((await admin(gw, 'DELETE', '/admin/routes/runtime-module')).status, 204, 'removed again');
  t.match((await call(gw.url('/modules'))).json, { total: 3 }, 'the catalog follows the table');
});

t.test('handler: health_detailed and health_redis answer without addresses', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const yaml = (redisUrl: string) => `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
redis: { url: "${redisUrl}" }
routes:
  - { name: detailed, path: /health/detailed, methods: [GET], handler: health_detailed }
  - { name: redis-health, path: /health/redis, methods: [GET], handler: health_redis }
  - { name: svc, path: "/svc/*", upstream: svc }
  - { name: fails, path: /fails, upstream: broken }
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${upstream.url}", "${dead}"] }
    health_check: { path: /health, interval: 100ms, timeout: 200ms, unhealthy_threshold: 1 }
  broken:
    discovery: { type: Static, endpoints: ["${dead}"] }
    circuit_breaker: { failure_threshold: 2, timeout: 60s }
    outlier_detection: { enabled: false }
    retries: { attempts: 1 }
observability: { logging: { level: info, access_log: false } }
`;
  const gw = await startGatewayd(t, yaml(redis.url));
  await gw.waitForLog((l) => l.msg === 'endpoint failed its health checks');

  const ok = await call(gw.url('/health/detailed'));
  t.equal(ok.status, 200, 'degraded is still 200');
  t.same(ok.json, {
    status: 'degraded',
    upstreams: [
      {
        name: 'broken',
        status: 'ok',
        healthy_endpoints: 1,
        total_endpoints: 1,
        breaker: 'closed',
      },
      { name: 'svc', status: 'degraded', healthy_endpoints: 1, total_endpoints: 2, breaker: null },
    ],
    redis: {
      status: 'ok',
      latency_ms: (ok.json as { redis: { latency_ms: number } }).redis.latency_ms,
    },
  });
  t.type((ok.json as { redis: { latency_ms: unknown } }).redis.latency_ms, 'number');
  t.notMatch(ok.text, '127.0.0.1', 'no endpoint or Redis address');
  t.equal(ok.headers['x-content-type-options'], 'nosniff', 'security headers apply');

  const adminView = await admin(gw, 'GET', '/health/detailed');
  t.match(
    adminView.json,
    { status: 'degraded', redis: { url: redis.url } },
    'admin view as before',
  );
  t.match(JSON.stringify(adminView.json), dead, 'the admin port still shows addresses');

  const redisOk = await call(gw.url('/health/redis'));
  t.equal(redisOk.status, 200);
  t.match(redisOk.json, { status: 'ok', latency_ms: Number });
  t.same(Object.keys(redisOk.json as object).sort(), ['latency_ms', 'status']);

  for (let i = 0; i < 2; i++) t.equal((await call(gw.url('/fails'))).status, 502);
  const opened = await call(gw.url('/health/detailed'));
  t.match(opened.json, { upstreams: [{ name: 'broken', status: 'down', breaker: 'open' }] });

  if (!redis.controllable) {
    t.comment('REDIS_URL is set: the Redis-down half needs a private redis-server');
    return;
  }
  await redis.stop();
  const down = await call(gw.url('/health/redis'));
  t.equal(down.status, 503, 'Redis down: 503');
  t.same(down.json, { status: 'down' }, 'no error text, which would carry the address');
  const detailedDown = await call(gw.url('/health/detailed'));
  t.equal(detailedDown.status, 200, 'one upstream left: degraded, not down');
  t.match(detailedDown.json, { status: 'degraded', redis: { status: 'down' } });
  await redis.restart();
});

t.test(
  'health_redis without a redis block; health_detailed 503 when every upstream is down',
  async (t) => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /health/detailed, handler: health_detailed }
  - { path: /health/redis, handler: health_redis }
  - { path: "/svc/*", upstream: svc }
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${dead}"] }
    health_check: { path: /health, interval: 100ms, timeout: 200ms, unhealthy_threshold: 1 }
observability: { logging: { level: info, access_log: false } }
`,
    );
    await gw.waitForLog((l) => l.msg === 'endpoint failed its health checks');
    const redis = await call(gw.url('/health/redis'));
    t.same([redis.status, redis.json], [200, { status: 'not_configured' }]);
    const detailed = await call(gw.url('/health/detailed'));
    t.equal(detailed.status, 503);
    t.same(detailed.json, {
      status: 'down',
      upstreams: [
        { name: 'svc', status: 'down', healthy_endpoints: 0, total_endpoints: 1, breaker: null },
      ],
      redis: null,
    });
  },
);

t.test('handler: usage answers the caller its own usage, without an admin API', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "\${JWT_SECRET}", algorithm: HS256, claims: { tier: tier } }
  api_keys:
    keys: [{ name: partner-app, hash: "${hashApiKey(PRO_KEY)}", tier: pro }]
  tiers: [free, pro]
routes:
  - { name: usage, path: /analytics/usage, methods: [GET], handler: usage, auth_required: true }
  - { name: svc, path: "/svc/*", upstream: svc, auth_required: true }
  - { name: open, path: "/open/*", upstream: svc }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability: { logging: { level: info, access_log: false } }
`,
    { env: { JWT_SECRET } },
  );
  const alice = { authorization: `Bearer ${await jwt({ sub: 'alice', tier: 'free' })}` };
  const bob = { authorization: `Bearer ${await jwt({ sub: 'bob' })}` };
  const key = { 'x-api-key': PRO_KEY };
  for (let i = 0; i < 3; i++) t.equal((await call(gw.url(`/svc/${i}`), alice)).status, 200);
  t.equal(
    (await call(gw.url('/missing'), alice)).status,
    404,
    'no route authenticated it: not counted for the caller',
  );
  t.equal((await call(gw.url('/svc/x'), bob)).status, 200);
  for (let i = 0; i < 2; i++) t.equal((await call(gw.url('/svc/k'), key)).status, 200);
  t.equal((await call(gw.url('/open/a'), alice)).status, 200, 'a public route reads no credential');

  const mine = await call(gw.url('/analytics/usage'), alice);
  t.equal(mine.status, 200);
  // Per route in the current UTC hour, day and month (this process's counters: no redis block).
  const now = new Date().toISOString();
  const buckets = { hour: now.slice(0, 13), day: now.slice(0, 10), month: now.slice(0, 7) };
  t.equal(mine.headers['cache-control'], 'no-store');
  t.same(mine.json, {
    caller: { kind: 'user', id: 'alice', tier: 'free' },
    window: {
      minutes: 15,
      bucket_seconds: 60,
      from: (mine.json as { window: { from: string } }).window.from,
      to: (mine.json as { window: { to: string } }).window.to,
    },
    requests: 3,
    client_errors: 0,
    server_errors: 0,
    p50_ms: (mine.json as { p50_ms: number }).p50_ms,
    p95_ms: (mine.json as { p95_ms: number }).p95_ms,
    modules: {
      hour: { bucket: buckets.hour, routes: [{ route: 'svc', requests: 3, errors: 0 }] },
      day: { bucket: buckets.day, routes: [{ route: 'svc', requests: 3, errors: 0 }] },
      month: { bucket: buckets.month, routes: [{ route: 'svc', requests: 3, errors: 0 }] },
    },
  });
  t.match(mine.json, { window: { from: ISO, to: ISO }, p50_ms: Number, p95_ms: Number });

  const again = await call(gw.url('/analytics/usage'), alice);
  t.match(again.json, { requests: 4 }, 'the previous usage request counts once it finished');

  const keyUsage = await call(gw.url('/analytics/usage'), key);
  t.match(keyUsage.json, {
    caller: { kind: 'api_key', id: 'partner-app', tier: 'pro' },
    requests: 2,
  });
  const fresh = await call(gw.url('/analytics/usage'), {
    authorization: `Bearer ${await jwt({ sub: 'carol' })}`,
  });
  t.match(fresh.json, { requests: 0, p95_ms: 0 });
  t.same(pick((fresh.json as { caller?: unknown }).caller, { id: 1, tier: 1 }), {
    id: 'carol',
    tier: null,
  });

  const anonymous = await call(gw.url('/analytics/usage'));
  t.equal(anonymous.status, 401);
  t.match(anonymous.json, { error: 'UNAUTHORIZED' });
});

t.test('gatewayd check: a usage route needs auth; gateway endpoints only read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-endpoints-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `routes:
  - { path: /analytics/usage, handler: usage }
  - { path: /modules, methods: [GET, POST], handler: catalog }
  - { path: /x, direct_response: { status: 204 }, catalog: { prefix: /x/ } }
`,
  );
  const { code, stdout } = await runCli(['check', file]);
  t.equal(code, 1);
  t.match(stdout, `${file}:2:40: GW_ERR_CONFIG_GATEWAY_ENDPOINT `);
  t.match(stdout, "reports the caller's own usage but does not authenticate the caller");
  t.match(
    stdout,
    `${file}:3:32: GW_ERR_CONFIG_GATEWAY_ENDPOINT handler: catalog answers GET and HEAD only, not POST`,
  );
  t.match(
    stdout,
    `${file}:4:51: warning GW_WARN_CONFIG_IGNORED_KEY route "/x" has catalog settings`,
  );
});
