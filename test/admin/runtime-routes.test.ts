import { createServer } from 'node:net';
import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

function config(upstream: string, extra = { routes: '', top: '' }): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
${extra.top}
routes:
  - { name: users, path: "/users/{id}", methods: [GET], upstream: svc }
  - { name: hello, path: /hello, direct_response: { status: 200, body: file } }
${extra.routes}
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

/** Seed 000's /api/register of weather_api, as a runtime route. */
const WEATHER = {
  name: 'weather_api',
  path: '/api/proxy/weather_api/*',
  methods: ['GET'],
  upstream: 'svc',
  strip_prefix: true,
};

async function status(gw: GatewaydProcess, path: string): Promise<number> {
  const res = await request(gw.url(path));
  await res.body.dump();
  return res.statusCode;
}

/** Polls until `path` answers `expected`; resolves with the ms it took, rejects after 5 s. */
async function until(gw: GatewaydProcess, path: string, expected: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < 5000) {
    if ((await status(gw, path)) === expected) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${path} did not answer ${expected} within 5 s`);
}

t.test('runtime routes on one instance (memory store)', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(upstream.url));

  t.test('register, serve, list with origin', async (t) => {
    const res = await admin(gw, 'POST', '/admin/routes', WEATHER);
    t.equal(res.status, 201);
    t.match(res.json, {
      generation: 2,
      warnings: [],
      route: {
        name: 'weather_api',
        origin: 'runtime',
        methods: ['GET'],
        path: '/api/proxy/weather_api/*',
        target: 'svc',
        created_at: String,
        definition: WEATHER,
      },
    });
    t.equal(await status(gw, '/api/proxy/weather_api/v1/current.json?key=123&q=London'), 200);
    t.equal(upstream.seen.at(-1)?.url, '/v1/current.json?key=123&q=London');
    const listed = (await admin(gw, 'GET', '/admin/routes')).json as {
      routes: Array<{ name: string; origin: string }>;
    };
    t.same(
      listed.routes.map((r) => `${r.origin} ${r.name}`),
      [
        'runtime weather_api',
        'built-in built-in /health',
        'file hello',
        'built-in built-in /ready',
        'file users',
      ],
    );
  });

  t.test('a route that shadows another is a 409 with the compile problem', async (t) => {
    const overFile = await admin(gw, 'POST', '/admin/routes', {
      name: 'hello2',
      path: '/hello',
      direct_response: { status: 201 },
    });
    t.equal(overFile.status, 409);
    t.match(overFile.json, {
      error: 'CONFLICT',
      status_code: 409,
      message: 'route "hello2" matches the same requests as route "hello" (routes[1])',
      problems: [{ code: 'GW_ERR_CONFIG_ROUTE_SHADOWED', path: '$.path', hint: String }],
    });
    const overRuntime = await admin(gw, 'POST', '/admin/routes', {
      ...WEATHER,
      name: 'weather_2',
    });
    t.equal(overRuntime.status, 409);
    t.match(overRuntime.json, {
      problems: [
        { code: 'GW_ERR_CONFIG_ROUTE_SHADOWED', message: /"weather_api" \(a runtime route\)/ },
      ],
    });
    const param = await admin(gw, 'POST', '/admin/routes', {
      name: 'orders',
      path: '/users/{user}/orders',
      upstream: 'svc',
    });
    t.match(
      [param.status, param.json],
      [409, { problems: [{ code: 'GW_ERR_CONFIG_PARAM_CONFLICT' }] }],
    );
    t.equal(await status(gw, '/hello'), 200, 'the file route still answers');
  });

  t.test('a route the schema or the checks refuse is a 422 with JSON paths', async (t) => {
    const schema = await admin(gw, 'POST', '/admin/routes', {
      name: 'bad',
      path: '/bad',
      upstream: 'svc',
      timeout: 'soon',
      retries: { attempts: 'x' },
      upstrem: 'svc',
    });
    t.equal(schema.status, 422);
    t.match(schema.json, {
      error: 'CONFIG_INVALID',
      problems: [
        { code: 'GW_ERR_CONFIG_UNKNOWN_KEY', path: '$.upstrem', hint: /did you mean "upstream"/ },
        { code: 'GW_ERR_CONFIG_DURATION', path: '$.timeout' },
        { code: 'GW_ERR_CONFIG_TYPE', path: '$.retries.attempts' },
      ],
    });
    const upstreamless = await admin(gw, 'POST', '/admin/routes', {
      name: 'bad',
      path: '/bad',
      upstream: 'elsewhere',
    });
    t.equal(upstreamless.status, 422);
    t.match(upstreamless.json, {
      problems: [
        {
          code: 'GW_ERR_CONFIG_UNDEFINED_UPSTREAM',
          path: '$.upstream',
          hint: 'defined upstreams: svc',
        },
      ],
    });
    const nameless = await admin(gw, 'POST', '/admin/routes', { path: '/bad', upstream: 'svc' });
    t.match(
      [nameless.status, nameless.json],
      [422, { problems: [{ code: 'GW_ERR_CONFIG_ROUTE_NAME', path: '$' }] }],
    );
    const fileName = await admin(gw, 'POST', '/admin/routes', {
      name: 'users',
      path: '/u2',
      upstream: 'svc',
    });
    t.match([fileName.status, fileName.json], [409, { message: /taken by routes\[0\]/ }]);
    const validated = await admin(gw, 'POST', '/admin/routes', {
      name: 'validated',
      path: '/validated',
      upstream: 'svc',
      openapi_validation: 'pets',
    });
    t.match(
      [validated.status, validated.json],
      [422, { problems: [{ code: 'GW_ERR_CONFIG_OPENAPI', path: '$.openapi_validation' }] }],
    );
    const taken = await admin(gw, 'POST', '/admin/routes', { ...WEATHER, path: '/other/*' });
    t.match([taken.status, taken.json], [409, { message: /"weather_api" exists/ }]);
    t.equal(await status(gw, '/bad'), 404, 'nothing refused was applied');
  });

  t.test('a file reload keeps the runtime routes; a clash leaves them inactive', async (t) => {
    gw.writeConfig(
      config(upstream.url, {
        top: '',
        routes: '  - { name: added, path: /added, direct_response: { status: 201 } }',
      }),
    );
    await gw.waitForLog((l) => l.msg === 'config loaded' && l.reason === 'file changed');
    t.equal(await status(gw, '/added'), 201);
    t.equal(await status(gw, '/api/proxy/weather_api/x'), 200, 'the runtime route survives');

    const from = gw.logs.length;
    gw.writeConfig(
      config(upstream.url, {
        top: '',
        routes:
          '  - { name: mine, path: "/api/proxy/weather_api/*", direct_response: { status: 202 } }',
      }),
    );
    await gw.waitForLog(
      (l) => l.msg === 'config loaded' && l.reason === 'file changed',
      5000,
      from,
    );
    t.equal(await status(gw, '/api/proxy/weather_api/x'), 202, 'the file route wins');
    t.match((await admin(gw, 'GET', '/admin/routes')).json, {
      inactive: [
        {
          name: 'weather_api',
          origin: 'runtime',
          definition: WEATHER,
          problems: [{ code: 'GW_ERR_CONFIG_ROUTE_SHADOWED', message: /\(routes\[2\]\)/ }],
        },
      ],
    });
  });

  t.test('DELETE removes a runtime route, never a file route', async (t) => {
    t.equal((await admin(gw, 'DELETE', '/admin/routes/weather_api')).status, 204);
    t.match((await admin(gw, 'GET', '/admin/routes')).json, { inactive: [] });
    t.equal((await admin(gw, 'DELETE', '/admin/routes/weather_api')).status, 404);
    const file = await admin(gw, 'DELETE', '/admin/routes/users');
    t.match([file.status, file.json], [409, { message: /comes from the config file/ }]);
    t.equal(await status(gw, '/users/1'), 200);
  });
});

t.test('runtime routes in Redis: every instance within 1 s, and after a restart', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  // A prefix of its own, so a shared REDIS_URL holds no routes of another run.
  const prefix = `gatewayd-test-${process.pid}-${Date.now()}:`;
  const yaml = config(upstream.url, {
    top: `redis: { url: "${redis.url}", key_prefix: "${prefix}" }`,
    routes: '',
  });
  const a = await startGatewayd(t, yaml);
  const b = await startGatewayd(t, yaml);
  const path = '/api/proxy/weather_api/now';
  t.equal(await status(b, path), 404);

  const registered = performance.now();
  t.equal((await admin(a, 'POST', '/admin/routes', WEATHER)).status, 201);
  t.equal(await status(a, path), 200, 'served by A at once');
  const servedAfter = await until(b, path, 200);
  const total = performance.now() - registered;
  t.ok(total < 1000, `registered on A, served by B after ${Math.round(total)} ms`);
  t.comment(`B served the route ${servedAfter.toFixed(1)} ms after A answered the POST`);

  const removed = performance.now();
  t.equal((await admin(a, 'DELETE', `/admin/routes/${WEATHER.name}`)).status, 204);
  await until(b, path, 404);
  const gone = performance.now() - removed;
  t.ok(gone < 1000, `removed on A, gone from B after ${Math.round(gone)} ms`);

  t.equal((await admin(b, 'POST', '/admin/routes', WEATHER)).status, 201, 'registered on B');
  await until(a, path, 200);
  await a.stop();
  await b.stop();
  const c = await startGatewayd(t, yaml);
  t.equal(await status(c, path), 200, 'a restarted instance loads the stored routes at start');
  t.match((await admin(c, 'GET', '/admin/config')).json, {
    runtime_routes: { store: 'redis', stored: 1, active: 1, inactive: 0 },
  });
  t.match((await admin(c, 'GET', '/health/redis')).json, {
    status: 'ok',
    url: redis.url,
    connection: 'ready',
    latency_ms: Number,
  });
  t.match((await admin(c, 'GET', '/health/detailed')).json, {
    status: 'ok',
    redis: { status: 'ok' },
  });
  t.equal((await admin(c, 'DELETE', `/admin/routes/${WEATHER.name}`)).status, 204);
});

t.test('with several workers and no Redis, registrations are refused', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const gw = await startGatewayd(
    t,
    config('http://127.0.0.1:1').replace('http_port: 0', `http_port: ${port}, workers: 2`),
  );
  const res = await admin(gw, 'POST', '/admin/routes', WEATHER);
  t.equal(res.status, 409);
  t.match(res.json, { error: 'CONFLICT', message: /need the redis block/ });
});
