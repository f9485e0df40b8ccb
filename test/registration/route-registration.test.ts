import { SignJWT } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { jsonCall as call } from '../helpers/json-call.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

function token(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

function config(external: string, extra = ''): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1, admin_port: 0 }
admin: { token: ${ADMIN_TOKEN} }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256 }
route_registration:
  required_roles: [admin]
routes:
  - { name: taken, path: /api/proxy/taken, methods: [GET], direct_response: { status: 204 } }
upstreams:
  weather: { discovery: { type: Static, endpoints: ["${external}"] } }
${extra}
observability:
  logging: { level: info, access_log: false }
`;
}

const weatherApi = (base: string) => ({
  name: 'weather_api',
  base_url: base,
  path: 'v1/current.json',
  method: 'GET',
  require_auth: false,
  ws_supported: false,
});

t.test('seed 000: register, proxy, list, unregister through runtime routes', async (t) => {
  const external = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(external.url));
  const adminToken = await token('root', ['admin']);
  const userToken = await token('u1', ['user']);

  t.equal(
    (await call(gw, 'POST', '/api/register', { body: weatherApi(external.url) })).status,
    401,
  );
  const forbidden = await call(gw, 'POST', '/api/register', {
    token: userToken,
    body: weatherApi(external.url),
  });
  t.equal(forbidden.status, 403, 'a caller without the role is refused');

  const created = await call(gw, 'POST', '/api/register', {
    token: adminToken,
    body: weatherApi(external.url),
  });
  t.equal(created.status, 201);
  t.match(created.body, {
    api: {
      name: 'weather_api',
      method: 'GET',
      proxy_path: '/api/proxy/weather_api',
      upstream: 'weather',
      upstream_path: '/v1/current.json',
      require_auth: false,
      ws_supported: false,
    },
  });

  const proxied = await call(gw, 'GET', '/api/proxy/weather_api?key=123&q=London');
  t.equal(proxied.status, 200);
  t.equal(proxied.body.url, '/v1/current.json?key=123&q=London', 'path rewritten, query kept');
  t.equal((await call(gw, 'POST', '/api/proxy/weather_api')).status, 405, 'only its method');

  const routes = await admin(gw, 'GET', '/admin/routes');
  const runtime = (routes.json as { routes: Array<Record<string, unknown>> }).routes.find(
    (r) => r.name === 'weather_api',
  );
  t.match(runtime, { origin: 'runtime', path: '/api/proxy/weather_api', target: 'weather' });

  t.equal(
    (await call(gw, 'POST', '/api/register', { token: adminToken, body: weatherApi(external.url) }))
      .status,
    409,
    'a name registered twice',
  );
  const clash = await call(gw, 'POST', '/api/register', {
    token: adminToken,
    body: { ...weatherApi(external.url), name: 'taken' },
  });
  t.equal(clash.status, 409, 'a name of a file route');

  const refusals: Array<[Record<string, unknown>, RegExp]> = [
    [{ ws_supported: true }, /message_routes.*websocket: proxy/],
    [{ base_url: 'http://127.0.0.1:1' }, /not an endpoint of any upstream/],
    [{ base_url: 'ftp://example.com' }, /http:\/\/ or https:\/\//],
    [{ base_url: 'not a url' }, /not a URL/],
    [{ name: '..' }, /name must be/],
    [{ name: 'a/b' }, /name must be/],
    [{ path: 'v1/{id}' }, /plain URL path/],
    [{ path: '../secret' }, /\.\. segments/],
    [{ method: 'BREW' }, /method must be one of/],
    [{ extra: 1 }, /unknown field extra/],
  ];
  for (const [change, message] of refusals) {
    const res = await call(gw, 'POST', '/api/register', {
      token: adminToken,
      body: { ...weatherApi(external.url), name: 'other', ...change },
    });
    t.equal(res.status, 400, JSON.stringify(change));
    t.match(res.body, { error: 'BAD_REQUEST', message });
  }

  const secured = await call(gw, 'POST', '/api/register', {
    token: adminToken,
    body: {
      name: 'secure_api',
      base_url: `${external.url}/base/`,
      path: '/items/',
      method: 'post',
      require_auth: true,
    },
  });
  t.equal(secured.status, 201);
  t.equal((await call(gw, 'POST', '/api/proxy/secure_api')).status, 401, 'require_auth');
  const allowed = await call(gw, 'POST', '/api/proxy/secure_api', { token: userToken });
  t.equal(allowed.status, 200);
  t.equal(allowed.body.url, '/base/items/', 'base_url path and path joined');

  // A runtime route of the admin API is not the registration API's to list or remove.
  const own = await admin(gw, 'POST', '/admin/routes', {
    name: 'admin_own',
    path: '/own',
    direct_response: { status: 204 },
  });
  t.equal(own.status, 201);

  t.equal((await call(gw, 'GET', '/api/list', { token: userToken })).status, 403);
  const list = await call(gw, 'GET', '/api/list', { token: adminToken });
  t.equal(list.status, 200);
  t.equal(list.body.total, 2);
  t.same((list.body.apis as Array<{ name: string }>).map((a) => a.name).sort(), [
    'secure_api',
    'weather_api',
  ]);

  t.equal(
    (await call(gw, 'DELETE', '/api/unregister?name=admin_own', { token: adminToken })).status,
    404,
  );
  t.equal((await call(gw, 'DELETE', '/api/unregister', { token: adminToken })).status, 400);
  const removed = await call(gw, 'DELETE', '/api/unregister?name=weather_api', {
    token: adminToken,
  });
  t.equal(removed.status, 200);
  t.equal((await call(gw, 'GET', '/api/proxy/weather_api')).status, 404, 'gone from the table');
  t.equal(
    (await call(gw, 'DELETE', '/api/unregister?name=weather_api', { token: adminToken })).status,
    404,
  );
});

t.test('with Redis, a registration reaches every instance', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const external = await UpstreamServer.start(t);
  const extra = `redis: { url: "${redis.url}", key_prefix: "reg-${process.pid}:" }`;
  const a = await startGatewayd(t, config(external.url, extra));
  const b = await startGatewayd(
    t,
    config(external.url, extra).replace(/admin_port: 0 \}\nadmin: \{[^}]*\}/, '}'),
  );
  const adminToken = await token('root', ['admin']);
  const created = await call(a, 'POST', '/api/register', {
    token: adminToken,
    body: weatherApi(external.url),
  });
  t.equal(created.status, 201);
  const deadline = Date.now() + 3000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await call(b, 'GET', '/api/proxy/weather_api?q=x')).status;
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  t.equal(status, 200, 'the other instance serves it within 3 s');
  const listed = await call(b, 'GET', '/api/list', { token: adminToken });
  t.equal(listed.body.total, 1);
  t.equal(
    (await call(b, 'DELETE', '/api/unregister?name=weather_api', { token: adminToken })).status,
    200,
  );
});

t.test('gatewayd check: route_registration needs auth.jwt', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-reg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    [
      'route_registration:',
      '  paths: { register: /api/proxy/register }',
      'routes:',
      '  - { path: /, direct_response: { status: 204 } }',
      '',
    ].join('\n'),
  );
  const out = await runCli(['check', file]);
  t.equal(out.code, 1);
  const text = out.stdout + out.stderr;
  t.match(
    text,
    /gateway\.yaml:1:1: GW_ERR_CONFIG_ROUTE_REGISTRATION route_registration needs auth\.jwt/,
  );
  t.match(text, /gateway\.yaml:2:\d+: GW_ERR_CONFIG_ROUTE_REGISTRATION .*lies under proxy_prefix/);
});
