import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { closedPort } from '../helpers/free-port.js';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { sign } from '../filters/auth/fixtures/tokens.js';

const JWT_SECRET = 'a-test-only-secret-of-at-least-32-bytes!';
const API_KEY = 'partner-key-for-tests';
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function config(up: string, dead: string, extraRoute = ''): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "\${JWT_SECRET}", algorithm: HS256 }
  api_keys:
    keys: [{ name: partner-app, hash: "${hashApiKey(API_KEY)}" }]
routes:
  - { name: users, path: "/users/{id}", methods: [GET], upstream: svc }
  - { name: me, path: /me, upstream: svc, auth_required: true }
  - { name: fails, path: /fails, upstream: broken }
${extraRoute}
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${up}", "${dead}"] }
    health_check: { path: /health, interval: 100ms, timeout: 200ms, unhealthy_threshold: 1 }
  broken:
    discovery: { type: Static, endpoints: ["${dead}"] }
    circuit_breaker: { failure_threshold: 2, timeout: 60s }
    outlier_detection: { enabled: false }
    retries: { attempts: 1 }
observability:
  logging: { level: info, access_log: false }
`;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await request(url, { headers });
  await res.body.dump();
  return res.statusCode;
}

t.test('the admin endpoints answer JSON of their documented shape', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const dead = `http://127.0.0.1:${await closedPort()}`;
  const gw = await startGatewayd(t, config(upstream.url, dead), { env: { JWT_SECRET } });
  await gw.waitForLog((l) => l.msg === 'endpoint failed its health checks');

  t.test('GET /admin/routes: the compiled table with each route origin', async (t) => {
    const res = await admin(gw, 'GET', '/admin/routes');
    t.equal(res.status, 200);
    t.equal(res.headers['content-type'], 'application/json');
    const body = res.json as { generation: number; inactive: unknown[]; routes: unknown[] };
    t.match(body, { generation: 1, inactive: [] });
    t.same(
      body.routes.map((r) => (r as { name: string }).name),
      ['fails', 'built-in /health', 'me', 'built-in /ready', 'users'],
      'in match order',
    );
    t.match(body.routes, [
      {
        name: 'fails',
        origin: 'file',
        config_index: 2,
        methods: null,
        host: null,
        path: '/fails',
        match: null,
        target: 'broken',
        filters: ['security_headers', 'circuit breaker', /^proxy RoundRobin/],
      },
      { origin: 'built-in', path: '/health', methods: ['GET', 'HEAD'], target: 'built-in' },
      {
        name: 'me',
        origin: 'file',
        config_index: 1,
        filters: ['auth jwt,api_key', String, String],
      },
      { origin: 'built-in', path: '/ready' },
      { name: 'users', origin: 'file', methods: ['GET'], path: '/users/{id}', target: 'svc' },
    ]);
  });

  t.test('GET /admin/upstreams: endpoint health, ejection and breaker state', async (t) => {
    for (let i = 0; i < 2; i++) t.equal(await get(gw.url('/fails')), 502);
    t.equal(await get(gw.url('/fails')), 503, 'the breaker is open');
    const res = await admin(gw, 'GET', '/admin/upstreams');
    t.equal(res.status, 200);
    t.match(res.json, {
      upstreams: [
        {
          name: 'broken',
          status: 'down',
          usable_endpoints: 1,
          panicking: false,
          breaker: { state: 'open', consecutive_failures: 2, opened_at: ISO, probes_in_flight: 0 },
          endpoints: [{ url: dead, state: 'healthy', healthy: true, ejected: false, usable: true }],
        },
        {
          name: 'svc',
          status: 'degraded',
          usable_endpoints: 1,
          breaker: null,
          endpoints: [
            { url: upstream.url, weight: 1, state: 'healthy', healthy: true, usable: true },
            { url: dead, state: 'unhealthy', healthy: false, usable: false, in_flight: 0 },
          ],
        },
      ],
    });
  });

  t.test('GET /health/detailed and /health/redis on the admin port', async (t) => {
    const res = await admin(gw, 'GET', '/health/detailed');
    t.equal(res.status, 200, 'degraded is still 200');
    t.match(res.json, {
      status: 'degraded',
      uptime_seconds: Number,
      config: { generation: 1, hash: /^[0-9a-f]{64}$/, routes: 5, inactive_runtime_routes: 0 },
      upstreams: [
        { name: 'broken', status: 'down', breaker: { state: 'open' } },
        { name: 'svc', status: 'degraded', endpoints: [{ healthy: true }, { healthy: false }] },
      ],
      redis: null,
    });
    const redis = await admin(gw, 'GET', '/health/redis');
    t.same([redis.status, redis.json], [200, { status: 'not_configured' }]);
  });

  t.test('GET /admin/usage: per route, API key and user, over the window', async (t) => {
    const jwt = await sign({ sub: 'alice' }, new TextEncoder().encode(JWT_SECRET), {
      alg: 'HS256',
    });
    for (let i = 0; i < 5; i++) t.equal(await get(gw.url(`/users/${i}`)), 200);
    for (let i = 0; i < 2; i++)
      t.equal(await get(gw.url('/me'), { authorization: `Bearer ${jwt}` }), 200);
    for (let i = 0; i < 3; i++) t.equal(await get(gw.url('/me'), { 'x-api-key': API_KEY }), 200);
    t.equal(await get(gw.url('/me')), 401);
    t.equal(await get(gw.url('/nowhere')), 404);
    const res = await admin(gw, 'GET', '/admin/usage');
    t.equal(res.status, 200);
    const body = res.json as {
      routes: Array<{ route: string; p50_ms: number; p95_ms: number }>;
    };
    t.match(body, {
      window: { minutes: 15, bucket_seconds: 60, from: ISO, to: ISO },
      routes: [
        { route: 'me', requests: 6, client_errors: 1, server_errors: 0 },
        { route: 'users', requests: 5, client_errors: 0, server_errors: 0 },
      ],
      api_keys: [{ id: 'partner-app', requests: 3, client_errors: 0 }],
      users: [{ subject: 'alice', requests: 2 }],
      tracking: {
        max_per_kind: 1000,
        tracked: { api_keys: 1, users: 1 },
        untracked: { routes: null, api_keys: null, users: null },
      },
    });
    const routes = new Map(body.routes.map((r) => [r.route, r]));
    t.match(routes.get('fails'), { requests: 3, server_errors: 3 });
    t.match(routes.get('(none)'), { requests: 1, client_errors: 1 });
    const users = routes.get('users');
    t.ok(users !== undefined && users.p50_ms > 0 && users.p95_ms >= users.p50_ms, 'latencies');
  });

  t.test('GET /admin/config, POST /admin/reload: generation, hash, last result', async (t) => {
    const text = readFileSync(gw.file, 'utf8');
    const before = await admin(gw, 'GET', '/admin/config');
    t.match(before.json, {
      file: gw.file,
      generation: 1,
      hash: createHash('sha256').update(text.replace('${JWT_SECRET}', JWT_SECRET)).digest('hex'),
      loaded_at: ISO,
      warnings: [],
      runtime_routes: { store: 'memory', stored: 0, active: 0, inactive: 0 },
      last_reload: null,
    });

    // A misspelt key, an undefined upstream and a route that repeats another: one reload says all.
    gw.writeConfig(
      text
        .replace('upstream: svc }', 'upstream: svcc }')
        .replace('upstream: svc, auth_required', 'upstream: svc, auth_requird')
        .replace('\nupstreams:', '  - { path: /fails, upstream: svc }\nupstreams:'),
    );
    const failed = await admin(gw, 'POST', '/admin/reload');
    t.equal(failed.status, 422);
    t.match(failed.json, {
      error: 'CONFIG_INVALID',
      status_code: 422,
      message: 'the config was not reloaded; generation 1 keeps serving',
      problems: [
        new RegExp(`^${gw.file}:9:\\d+: GW_ERR_CONFIG_UNDEFINED_UPSTREAM .*"svcc"`),
        new RegExp(`^${gw.file}:10:\\d+: GW_ERR_CONFIG_UNKNOWN_KEY .*"auth_requird"`),
        new RegExp(`^${gw.file}:12:\\d+: GW_ERR_CONFIG_ROUTE_SHADOWED .*\\(routes\\[2\\]\\)`),
      ],
    });
    t.equal((failed.json as { problems: unknown[] }).problems.length, 3);
    t.match((await admin(gw, 'GET', '/admin/config')).json, {
      generation: 1,
      last_reload: { ok: false, changed: true, at: ISO, problems: [/GW_ERR_CONFIG_UNDEFINED/] },
    });
    t.equal(await get(gw.url('/users/1')), 200, 'the previous config keeps serving');

    gw.writeConfig(
      config(upstream.url, dead, '  - { path: /added, direct_response: { status: 201 } }'),
    );
    const reloaded = await admin(gw, 'POST', '/admin/reload');
    t.equal(reloaded.status, 200);
    t.match(reloaded.json, { ok: true, generation: 2, hash: /^[0-9a-f]{64}$/, problems: [] });
    t.equal(await get(gw.url('/added')), 201, 'the reloaded config serves');
    t.match((await admin(gw, 'GET', '/admin/config')).json, {
      generation: 2,
      last_reload: { ok: true, generation: 2, problems: [] },
    });
  });

  t.test('POST /admin/check: problems with line and column, nothing applied', async (t) => {
    const bad = await admin(
      gw,
      'POST',
      '/admin/check',
      'routes:\n  - path: /x\n    upstream: nope\n',
    );
    t.equal(bad.status, 422);
    t.match(bad.json, {
      error: 'CONFIG_INVALID',
      message: 'the config is not valid (1 error)',
      problems: [
        {
          severity: 'error',
          code: 'GW_ERR_CONFIG_UNDEFINED_UPSTREAM',
          line: 3,
          column: 15,
          path: 'routes[0].upstream',
          message: /names upstream "nope"/,
          text: /^posted\.yaml:3:15: GW_ERR_CONFIG_UNDEFINED_UPSTREAM /,
        },
      ],
    });
    const several = await admin(
      gw,
      'POST',
      '/admin/check',
      [
        'server: { http_port: "${GATEWAYD_TEST_UNSET_PORT}" }',
        'routes:',
        '  - { path: /x, upstream: nope }',
        '  - { path: /y, direct_response: { status: 204 }, timout: 5s }',
        '  - { path: /y, direct_response: { status: 204 } }',
        '',
      ].join('\n'),
    );
    t.equal(several.status, 422);
    t.match(several.json, {
      message: 'the config is not valid (4 errors)',
      problems: [
        { code: 'GW_ERR_CONFIG_ENV_UNSET', line: 1 },
        { code: 'GW_ERR_CONFIG_UNDEFINED_UPSTREAM', line: 3 },
        { code: 'GW_ERR_CONFIG_UNKNOWN_KEY', line: 4 },
        { code: 'GW_ERR_CONFIG_ROUTE_SHADOWED', line: 5 },
      ],
    });
    const syntax = await admin(gw, 'POST', '/admin/check', 'routes:\n  - path: /x\n   bad: [\n');
    t.equal(syntax.status, 422);
    t.match(syntax.json, {
      problems: [{ code: 'GW_ERR_CONFIG_YAML', line: Number, column: Number }],
    });
    const good = await admin(
      gw,
      'POST',
      '/admin/check',
      'routes:\n  - { path: /x, direct_response: { status: 204 } }\n',
    );
    t.same([good.status, (good.json as { valid: boolean }).valid], [200, true]);
    t.equal(await get(gw.url('/x')), 404, 'a checked config is not applied');

    const leak = await admin(
      gw,
      'POST',
      '/admin/check',
      'server: { http_port: "${JWT_SECRET}" }\nroutes: []\n',
    );
    t.equal(leak.status, 422);
    const leakText = JSON.stringify(leak.json);
    t.notOk(leakText.includes(JWT_SECRET), 'the value of a referenced variable is not read back');
    t.match(leakText, /\*\*\*/);
  });

  t.test('wrong methods and unknown paths', async (t) => {
    const wrong = await admin(gw, 'GET', '/admin/reload');
    t.equal(wrong.status, 405);
    t.equal(wrong.headers.allow, 'POST');
    t.match(wrong.json, { error: 'METHOD_NOT_ALLOWED' });
    t.match((await admin(gw, 'GET', '/admin/nothing')).json, { error: 'ROUTE_NOT_FOUND' });
    const notJson = await admin(gw, 'POST', '/admin/routes', '{not json');
    t.match([notJson.status, notJson.json], [400, { error: 'BAD_REQUEST' }]);
  });
});
