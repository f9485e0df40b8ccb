import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { request } from 'undici';
import type { AdminContext } from '../../engine/admin/admin-context.js';
import { createAdminApi } from '../../engine/admin/admin-api.js';
import { compileAdminSettings } from '../../engine/compile/admin-settings.js';
import type { AdminSettings, RouteTable } from '../../engine/compile/route-table.js';
import type { GatewayConfig } from '../../engine/config/gateway-config.js';
import { apiKeyDigest, hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { MemoryApiKeyStore } from '../../engine/filters/auth/memory-api-key-store.js';
import type { Logger } from '../../engine/observability/logger.js';
import { GatewayMetrics } from '../../engine/observability/metrics/gateway-metrics.js';

// The admin API's token check in process, beside admin-auth.test.ts (which runs gatewayd): every
// branch of the check answers here in milliseconds, which is what `npm run mutation` needs.

const TOKEN = 'admin-token-in-process';

function settings(config: Partial<GatewayConfig>): AdminSettings | null {
  return compileAdminSettings(config as GatewayConfig, new MemoryApiKeyStore());
}

t.test('compileAdminSettings keeps only the digest, from the token or its hash', async (t) => {
  t.equal(settings({}), null, 'no admin block, no admin API');
  const fromToken = settings({ admin: { token: TOKEN }, server: { admin_port: 9901 } });
  t.same(fromToken?.tokenDigest, apiKeyDigest(TOKEN));
  t.equal(fromToken?.port, 9901, 'server.admin_port first');
  t.equal(fromToken?.bindAddress, '127.0.0.1', 'loopback unless told');
  t.ok(fromToken?.apiKeys, 'the managed key store rides along');
  const fromHash = settings({
    admin: { token_hash: hashApiKey(TOKEN), port: 9902, bind_address: '0.0.0.0' },
  });
  t.same(fromHash?.tokenDigest, apiKeyDigest(TOKEN), 'sha256:<hex> read as the same digest');
  t.equal(fromHash?.port, 9902, 'admin.port without server.admin_port');
  t.equal(fromHash?.bindAddress, '0.0.0.0');
  t.equal(settings({ admin: { token: TOKEN } })?.port, 0, 'an ephemeral port by default');
});

interface Tap {
  teardown(fn: () => unknown): void;
}

interface Logged {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

/** An admin API on an ephemeral port over a context that holds only what these requests read. */
async function adminApi(
  t: Tap,
  admin: AdminSettings | null,
  extra: Partial<AdminContext> = {},
  metrics: GatewayMetrics | null = null,
) {
  const logged: Logged[] = [];
  const log = (level: Logged['level']) => (obj: Record<string, unknown>, msg: string) =>
    logged.push({ level, obj, msg });
  const logger = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  } as unknown as Logger; // the admin API logs with these three only
  const table = { admin, routes: [], inactiveRuntimeRoutes: [] } as unknown as RouteTable;
  const ctx = {
    table: () => table,
    upstreams: () => [],
    ...extra,
  } as unknown as AdminContext; // the endpoints used here read table() and upstreams() only
  const server = createServer(createAdminApi(ctx, logger, metrics));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, authorization?: string) => {
    const res = await request(`${base}${path}`, {
      method: method as 'GET',
      headers: authorization === undefined ? {} : { authorization },
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      json: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  return { call, logged, base };
}

t.test('the bearer token decides, compared whole', async (t) => {
  const admin = settings({ admin: { token: TOKEN } }) as AdminSettings;
  const { call } = await adminApi(t, admin);
  for (const [what, authorization] of [
    ['no Authorization', undefined],
    ['an empty one', ''],
    ['another token', 'Bearer not-the-token'],
    ['the token with a suffix', `Bearer ${TOKEN}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token without the scheme', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['the scheme glued to the token', `Bearer${TOKEN}`],
    ['the token after other text', `x Bearer ${TOKEN}`],
    ['the scheme alone', 'Bearer '],
  ] as const) {
    const res = await call('GET', '/admin/upstreams', authorization);
    t.equal(res.status, 401, what);
    t.equal(res.json?.error, 'UNAUTHORIZED', what);
    t.equal(res.json?.message, 'the admin API needs its bearer token', what);
    t.equal(res.headers['www-authenticate'], 'Bearer realm="gatewayd-admin"', what);
    t.equal(res.headers['content-type'], 'application/json');
  }
  for (const [what, authorization] of [
    ['Bearer and the token', `Bearer ${TOKEN}`],
    ['the scheme in any case', `bEARER ${TOKEN}`],
    ['a tab and trailing space', `Bearer\t${TOKEN}  `],
    // Node reads header bytes as latin1; 0xA0 is white space to JavaScript's trim.
    ['no-break space bytes around the token', `Bearer \xa0${TOKEN}\xa0`],
  ] as const) {
    const res = await call('GET', '/admin/upstreams', authorization);
    t.equal(res.status, 200, what);
    t.same(res.json, { upstreams: [] }, what);
    t.equal(res.headers['content-type'], 'application/json', what);
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  }
});

t.test('the admin API off in the config in force answers 404 to everyone', async (t) => {
  const { call } = await adminApi(t, null);
  const res = await call('GET', '/admin/upstreams', `Bearer ${TOKEN}`);
  t.equal(res.status, 404);
  t.equal(res.json?.error, 'ROUTE_NOT_FOUND');
  t.equal(res.json?.message, 'the admin API is off in the config in force');
});

t.test('behind the token: 404, 405 with Allow, 400, 204 and 500', async (t) => {
  const admin = settings({ admin: { token: TOKEN } }) as AdminSettings;
  const { call, logged } = await adminApi(t, admin, {
    upstreams: () => {
      throw new Error('broken context');
    },
  });
  const auth = `Bearer ${TOKEN}`;
  const unknown = await call('GET', '/admin/nothing', auth);
  t.equal(unknown.status, 404);
  t.equal(unknown.json?.message, 'the admin API has no /admin/nothing');
  t.equal((await call('GET', '/admin/nothing', 'Bearer wrong')).status, 401, 'the token first');

  const wrongMethod = await call('PUT', '/admin/api-keys', auth);
  t.equal(wrongMethod.status, 405);
  t.equal(wrongMethod.headers.allow, 'GET, POST');
  t.equal(wrongMethod.json?.message, 'allowed here: GET, POST');
  const registeredOutOfOrder = await call('PUT', '/admin/cache', auth);
  t.equal(registeredOutOfOrder.headers.allow, 'DELETE, GET', 'Allow is sorted');
  t.equal(registeredOutOfOrder.json?.message, 'allowed here: DELETE, GET');

  const normalised = await call('GET', '/admin/x/../api-keys?q=1', auth);
  t.equal(normalised.status, 200, 'the path is normalised before matching');
  t.same(normalised.json, { keys: [] });
  const malformed = await call('GET', '/admin/%zz', auth);
  t.equal(malformed.status, 400, 'a malformed path');
  t.equal(malformed.json?.message, 'the request path is malformed or ambiguous');

  const created = await admin.apiKeys?.create({ name: 'k', tier: 'free' });
  const revoked = await call('DELETE', `/admin/api-keys/${created?.id}`, auth);
  t.equal(revoked.status, 204);
  t.equal(revoked.json, null, 'no body');
  t.notOk('content-type' in revoked.headers);
  t.match(revoked.headers['x-request-id'], /^[0-9a-f-]{36}$/);

  const broken = await call('GET', '/admin/upstreams', auth);
  t.equal(broken.status, 500);
  t.equal(broken.json?.error, 'INTERNAL_ERROR');
  t.equal(broken.json?.message, 'the admin request failed (see the log)');
  t.equal(broken.json?.request_id, broken.headers['x-request-id']);
  const errors = logged.filter((l) => l.level === 'error');
  t.equal(errors.length, 1, 'an unexpected error is logged as an error, once');
  t.equal(errors[0]?.msg, 'admin request failed');
  t.equal(errors[0]?.obj.request_id, broken.headers['x-request-id']);
  t.equal(errors[0]?.obj.path, '/admin/upstreams');
  t.equal((errors[0]?.obj.err as Error).message, 'broken context');
  const refused = logged.filter((l) => l.level === 'warn');
  t.same(
    refused.map((l) => [l.msg, l.obj.reason, l.obj.path]),
    [['admin request refused', 'wrong token', '/admin/nothing']],
    'the refused token is on record',
  );
  t.notOk(JSON.stringify(logged).includes(TOKEN), 'never the token');
});

t.test('every request leaves one log line: its fields, and why a token was refused', async (t) => {
  const admin = settings({ admin: { token: TOKEN } }) as AdminSettings;
  const { call, logged } = await adminApi(t, admin);
  const auth = `Bearer ${TOKEN}`;
  const timed = async (method: string, path: string, authorization?: string) => {
    logged.length = 0;
    const started = performance.now();
    const res = await call(method, path, authorization);
    const took = performance.now() - started;
    t.equal(logged.length, 1, `${method} ${path}: one line`);
    const { level, msg, obj } = logged[0] as Logged;
    const { duration_ms: duration, client, ...fields } = obj;
    t.ok(
      typeof duration === 'number' && duration > 0 && duration <= took,
      `${method} ${path}: a duration within the request's (${String(duration)} of ${took} ms)`,
    );
    t.equal(client, '127.0.0.1');
    return { res, level, msg, fields };
  };

  const served = await timed('GET', '/admin/upstreams?verbose=1', auth);
  t.same(
    { level: served.level, msg: served.msg, fields: served.fields },
    {
      level: 'info',
      msg: 'admin request',
      fields: {
        request_id: served.res.headers['x-request-id'],
        method: 'GET',
        path: '/admin/upstreams',
        endpoint: '/admin/upstreams',
        status: 200,
      },
    },
  );
  const created = await admin.apiKeys?.create({ name: 'k' });
  const deleted = await timed('DELETE', `/admin/api-keys/${created?.id}`, auth);
  t.same(
    { level: deleted.level, fields: deleted.fields },
    {
      level: 'info',
      fields: {
        request_id: deleted.res.headers['x-request-id'],
        method: 'DELETE',
        path: `/admin/api-keys/${created?.id}`,
        endpoint: '/admin/api-keys/{id}',
        status: 204,
      },
    },
  );
  const long = `/admin/${'x'.repeat(300)}`;
  const unknown = await timed('GET', long, auth);
  t.same(
    { level: unknown.level, fields: unknown.fields },
    {
      level: 'info',
      fields: {
        request_id: unknown.res.headers['x-request-id'],
        method: 'GET',
        path: long.slice(0, 256),
        endpoint: '(none)',
        status: 404,
      },
    },
    'a long path is logged cut, an unmatched one under no endpoint',
  );

  for (const [authorization, reason] of [
    [undefined, 'no bearer token'],
    ['Bearer wrong', 'wrong token'],
  ] as const) {
    const refused = await timed('POST', '/admin/api-keys', authorization);
    t.same(
      { level: refused.level, msg: refused.msg, fields: refused.fields },
      {
        level: 'warn',
        msg: 'admin request refused',
        fields: {
          request_id: refused.res.headers['x-request-id'],
          method: 'POST',
          path: '/admin/api-keys',
          endpoint: '/admin/api-keys',
          status: 401,
          reason,
        },
      },
      reason,
    );
  }
});

t.test('the dashboard is served without the token, logged as one endpoint', async (t) => {
  const admin = settings({ admin: { token: TOKEN } }) as AdminSettings;
  const { base, logged } = await adminApi(t, admin);
  const res = await request(`${base}/admin/dashboard/dashboard.js`);
  t.equal(res.statusCode, 200);
  t.ok((await res.body.text()).length > 0, 'the script');
  t.equal(logged.length, 1);
  t.same(
    { level: logged[0]?.level, endpoint: logged[0]?.obj.endpoint, status: logged[0]?.obj.status },
    { level: 'info', endpoint: '/admin/dashboard', status: 200 },
  );
});

t.test('every request is counted by method, endpoint and outcome', async (t) => {
  const admin = settings({ admin: { token: TOKEN } }) as AdminSettings;
  const metrics = new GatewayMetrics();
  const { call } = await adminApi(t, admin, {}, metrics);
  t.equal((await call('GET', '/admin/upstreams', `Bearer ${TOKEN}`)).status, 200);
  const series = (await metrics.exposition())
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('gatewayd_admin_requests_total{') &&
        l.includes('method="GET"') &&
        l.includes('endpoint="/admin/upstreams"') &&
        l.includes('outcome="success"'),
    );
  t.equal(series.length, 1);
  t.equal(series[0]?.split(' ').at(-1), '1');
});

t.test('an answer that fails after its status line cuts the connection', async (t) => {
  const admin = settings({ admin: { token: TOKEN } }) as AdminSettings;
  // A name JSON cannot write (a BigInt): the body fails once the status line is set.
  const unwritable = { name: 1n, endpoints: [], breaker: null, isPanicking: false };
  const { base, logged } = await adminApi(t, admin, {
    upstreams: () => [unwritable] as unknown as ReturnType<AdminContext['upstreams']>,
  });
  const failure = await request(`${base}/admin/upstreams`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    headersTimeout: 5_000,
  }).then(
    () => null,
    (err: unknown) => err,
  );
  t.equal((failure as { code?: string } | null)?.code, 'UND_ERR_SOCKET', 'cut, not answered');
  t.same(
    logged.map((l) => [l.level, l.msg, l.obj.status]),
    [
      ['error', 'admin request failed', undefined],
      ['info', 'admin request', 500],
    ],
  );
});
