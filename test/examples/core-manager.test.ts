import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import t from 'tap';
import { startCoreManager } from '../../examples/core-manager/backends/core-manager.mjs';
import { runCli, startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { connect, type OpenClient } from '../helpers/ws-client.js';
import { pick } from '../helpers/pick.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/core-manager/gateway.yaml', import.meta.url));
const SECRET = 'core-manager-example-test-secret-0123456789';

interface Claims {
  sub: string;
  role: string;
  tier?: string;
  email?: string;
  client_id?: string;
  permissions?: string[];
}

/** A token as the seed's auth service issues it. */
function token(claims: Claims, secret = SECRET): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('auth-service')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

const alice: Claims = {
  sub: 'user-alice',
  role: 'user',
  tier: 'pro',
  email: 'alice@example.com',
  client_id: 'client-acme',
  permissions: ['personas:read', 'personas:execute'],
};
const root: Claims = {
  sub: 'admin-root',
  role: 'admin',
  tier: 'enterprise',
  email: 'root@example.com',
  client_id: 'client-acme',
  permissions: ['admin:*'],
};
const mod: Claims = { sub: 'mod-1', role: 'moderator', tier: 'free', client_id: 'client-acme' };
/** A user no other test spends from: the shared gatewayd's count for them starts at 1000. */
const bob: Claims = { ...alice, sub: 'user-bob', email: 'bob@example.com' };

/** The seed's endpoint tables: method and path (with `x1` for `{id}`). */
const personaEndpoints = [
  'GET /api/v1/personas/instances',
  'POST /api/v1/personas/instances',
  'GET /api/v1/personas/instances/x1',
  'PUT /api/v1/personas/instances/x1',
  'DELETE /api/v1/personas/instances/x1',
  'POST /api/v1/personas/instances/x1/execute',
  'GET /api/v1/personas/instances/x1/history',
  'POST /api/v1/personas/instances/x1/stop',
  'GET /api/v1/personas/instances/x1/logs',
];
const adminEndpoints = [
  'GET /api/v1/templates',
  'POST /api/v1/templates',
  'GET /api/v1/templates/x1',
  'PUT /api/v1/templates/x1',
  'DELETE /api/v1/templates/x1',
  'POST /api/v1/templates/x1/clone',
  'POST /api/v1/templates/x1/validate',
  'GET /api/v1/admin/clients',
  'POST /api/v1/admin/clients',
  'GET /api/v1/admin/clients/x1',
  'PUT /api/v1/admin/clients/x1',
  'DELETE /api/v1/admin/clients/x1',
  'GET /api/v1/admin/clients/x1/stats',
  'GET /api/v1/admin/system/health',
  'GET /api/v1/admin/system/metrics',
  'GET /api/v1/admin/system/config',
  'PUT /api/v1/admin/system/config',
  'POST /api/v1/admin/system/maintenance',
  'GET /api/v1/admin/system/logs',
  'GET /api/v1/admin/workflows',
  'POST /api/v1/admin/workflows',
  'GET /api/v1/admin/workflows/x1',
  'PUT /api/v1/admin/workflows/x1',
  'DELETE /api/v1/admin/workflows/x1',
  'GET /api/v1/admin/workflows/x1/runs',
  'GET /api/v1/admin/agent-definitions',
  'POST /api/v1/admin/agent-definitions',
  'GET /api/v1/admin/agent-definitions/x1',
  'PUT /api/v1/admin/agent-definitions/x1',
  'DELETE /api/v1/admin/agent-definitions/x1',
];

function exampleEnv(coreManagerUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PORT: '0', JWT_SECRET: SECRET, CORE_MANAGER_URL: coreManagerUrl, ...extra };
}

type Tap = Parameters<typeof startGatewayd>[0];

/** gatewayd on the example file itself, its upstream pointed at `coreManagerUrl`. */
function startExample(
  t: Tap,
  coreManagerUrl: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<GatewaydProcess> {
  return startGatewayd(t, '', { file: EXAMPLE, env: exampleEnv(coreManagerUrl, extra) });
}

async function call(
  gw: GatewaydProcess,
  endpoint: string,
  bearer?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const [method, path] = endpoint.split(' ') as [string, string];
  const hasBody = method === 'POST' || method === 'PUT';
  return fetch(gw.url(path), {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: hasBody ? JSON.stringify({ name: 'demo' }) : undefined,
  });
}

/** A port nothing listens on: core-manager is down. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// One core-manager serves every test, and one gatewayd on the example as written serves those that
// set none of its variables; each test first forgets what core-manager saw before it.
const core = await startCoreManager();
t.teardown(() => core.close());
const gw = await startExample(t, core.url);

function forgetSeen(): void {
  core.seen.length = 0;
  core.sockets.length = 0;
}

t.test('gatewayd check passes on the example, and every route has the 30 s timeout', async (t) => {
  const env = { ...process.env, JWT_SECRET: SECRET };
  const check = await runCli(['check', EXAMPLE], env);
  t.equal(check.code, 0, check.stdout + check.stderr);
  t.match(check.stdout, `${EXAMPLE}: OK`);

  const routes = await runCli(['routes', EXAMPLE], env);
  t.equal(routes.code, 0, routes.stderr);
  const rows = routes.stdout.split('\n').filter((l) => l.includes('core-manager'));
  t.equal(rows.length, 24, 'the seed endpoints, grouped by path, plus the WebSocket');
  const http = rows.filter((l) => l.includes('→ proxy RoundRobin timeout=30000ms'));
  t.equal(http.length, 23, 'every proxied HTTP route waits 30 s for core-manager');
  const ws = rows.filter((l) => l.includes('websocket proxy RoundRobin handshake_timeout=30000ms'));
  t.equal(ws.length, 1, 'and the WebSocket handshake too');
});

t.test('no token, a forged token: 401 before core-manager is asked', async (t) => {
  forgetSeen();
  const none = await call(gw, 'GET /api/v1/personas/instances');
  t.equal(none.status, 401);
  t.match(await none.json(), { error: 'UNAUTHORIZED', status_code: 401 });
  const forged = await call(
    gw,
    'GET /api/v1/personas/instances',
    await token(alice, 'not-the-auth-service-secret-0123456789'),
  );
  t.equal(forged.status, 401);
  t.equal(forged.headers.get('www-authenticate')?.includes('invalid_token'), true);
  t.equal(core.seen.length, 0, 'core-manager saw nothing');
});

t.test('every persona endpoint reaches core-manager with the six context headers', async (t) => {
  forgetSeen();
  const bearer = await token(alice);
  for (const endpoint of personaEndpoints) {
    // A client's own context headers are dropped: it cannot claim another identity.
    const res = await call(gw, endpoint, bearer, {
      'x-user-id': 'admin-root',
      'x-user-role': 'admin',
    });
    const [method, path] = endpoint.split(' ');
    t.equal(res.status, method === 'POST' ? 201 : 200, endpoint);
    const answer = (await res.json()) as { user_id?: unknown };
    t.match(answer, { service: 'core-manager', method, path });
    t.equal(answer.user_id, 'user-alice', 'the verified identity, not the forged one');
    const seen = core.seen.at(-1);
    const expected = {
      'x-user-id': 'user-alice',
      'x-client-id': 'client-acme',
      'x-user-role': 'user',
      'x-user-tier': 'pro',
      'x-user-email': 'alice@example.com',
      'x-user-permissions': 'personas:read,personas:execute',
    };
    t.same(pick(seen?.headers, expected), expected, `${endpoint}: context headers, exactly`);
    if (method === 'POST' || method === 'PUT') t.same(seen?.body, { name: 'demo' });
  }
  t.equal(core.seen.length, personaEndpoints.length);
});

t.test('admin-only endpoints: 403 for user and moderator, proxied for admin', async (t) => {
  forgetSeen();
  const [user, moderator, admin] = await Promise.all([token(alice), token(mod), token(root)]);
  for (const endpoint of adminEndpoints) {
    const refused = await call(gw, endpoint, user);
    t.equal(refused.status, 403, `${endpoint} as user`);
    t.match(await refused.json(), { error: 'FORBIDDEN', status_code: 403 });
  }
  const asModerator = await call(gw, 'GET /api/v1/admin/system/config', moderator);
  t.equal(asModerator.status, 403, 'moderator is not admin');
  await asModerator.body?.cancel();
  t.equal(core.seen.length, 0, 'no refused request reached core-manager');

  for (const endpoint of adminEndpoints) {
    const res = await call(gw, endpoint, admin);
    const [method, path] = endpoint.split(' ');
    t.equal(res.status, method === 'POST' ? 201 : 200, `${endpoint} as admin`);
    const answer = await res.json();
    t.match(answer, { method, path });
    t.same(pick(answer, { user_id: 1, role: 1 }), { user_id: 'admin-root', role: 'admin' });
    const expected = {
      'x-user-id': 'admin-root',
      'x-user-role': 'admin',
      'x-user-tier': 'enterprise',
      'x-user-email': 'root@example.com',
      'x-client-id': 'client-acme',
      'x-user-permissions': 'admin:*',
    };
    t.same(pick(core.seen.at(-1)?.headers, expected), expected);
  }
  t.equal(core.seen.length, adminEndpoints.length);

  const patch = await call(gw, 'PATCH /api/v1/templates/x1', admin);
  t.equal(patch.status, 405, 'a method the seed does not list');
  t.equal(patch.headers.get('allow'), 'DELETE, GET, PUT');
  await patch.body?.cancel();
});

t.test("core-manager's own errors pass through unchanged", async (t) => {
  forgetSeen();
  const res = await call(gw, 'GET /api/v1/templates/missing', await token(root));
  t.equal(res.status, 404);
  t.same(await res.json(), { detail: 'Template not found', template_id: 'missing' });
});

t.test(
  "core-manager's own 429 passes through; the rate limit headers are the gateway's",
  async (t) => {
    forgetSeen();
    const res = await call(gw, 'POST /api/v1/personas/instances/busy/execute', await token(bob));
    t.equal(res.status, 429);
    t.equal(res.headers.get('retry-after'), '30');
    // The gateway's X-RateLimit-* replace core-manager's: one value each, never both.
    t.equal(res.headers.get('x-ratelimit-limit'), '1000', "the gateway's limit, alone");
    t.equal(res.headers.get('x-ratelimit-remaining'), '999', "the gateway's count, alone");
    t.same(await res.json(), { detail: 'Too many executions', limit: 10 });
  },
);

t.test('X-RateLimit-* headers on every answer; 429 past the limit', async (t) => {
  forgetSeen();
  const gw = await startExample(t, core.url, { RATE_LIMIT: '3/minute' });
  const bearer = await token(alice);
  const remaining: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await call(gw, 'GET /api/v1/personas/instances', bearer);
    t.equal(res.status, 200);
    t.equal(res.headers.get('x-ratelimit-limit'), '3');
    t.ok(
      Number(res.headers.get('x-ratelimit-reset')) > Date.now() / 1000,
      'reset is in the future',
    );
    remaining.push(res.headers.get('x-ratelimit-remaining') ?? '');
    await res.body?.cancel();
  }
  t.same(remaining, ['2', '1', '0']);
  const refused = await call(gw, 'GET /api/v1/personas/instances', bearer);
  t.equal(refused.status, 429);
  t.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  t.ok(Number(refused.headers.get('retry-after')) > 0);
  t.match(await refused.json(), { error: 'RATE_LIMITED', status_code: 429 });
  const other = await call(gw, 'GET /api/v1/personas/instances', await token(root));
  t.equal(other.status, 200, 'another user has a bucket of their own');
  await other.body?.cancel();
  t.equal(core.seen.length, 4);
});

t.test('core-manager down: 502 BAD_GATEWAY naming core-manager, HTTP and WebSocket', async (t) => {
  const gw = await startExample(t, await deadUrl());
  const bearer = await token(alice);
  const res = await call(gw, 'GET /api/v1/personas/instances', bearer);
  t.equal(res.status, 502);
  const body = (await res.json()) as Record<string, unknown>;
  t.match(body, {
    error: 'BAD_GATEWAY',
    status_code: 502,
    service: 'core-manager',
    message: /upstream "core-manager" is unreachable/,
  });
  t.type(body.request_id, 'string');
  const ws = await connect(t, gw.url('/api/v1/ws').replace('http', 'ws'), {
    headers: { authorization: `Bearer ${bearer}` },
  });
  t.equal(ws.ok, false);
  if (!ws.ok) {
    t.equal(ws.status, 502);
    t.match(JSON.parse(ws.body), {
      error: 'BAD_GATEWAY',
      service: 'core-manager',
      message: /core-manager/,
    });
  }
});

t.test('a core-manager slower than the timeout gets 504 UPSTREAM_TIMEOUT', async (t) => {
  // The example's 30 s, shortened through its variable so the test does not wait 30 s.
  const gw = await startExample(t, core.url, { CORE_MANAGER_TIMEOUT: '500ms' });
  const started = Date.now();
  const res = await call(gw, 'POST /api/v1/personas/instances/slow/execute', await token(alice));
  const took = Date.now() - started;
  t.equal(res.status, 504);
  t.match(await res.json(), { error: 'UPSTREAM_TIMEOUT', message: /core-manager.*500 ms/ });
  t.ok(took >= 450 && took < 4000, `answered after ${took} ms`);
});

t.test('the WebSocket at /api/v1/ws: user context upstream, envelopes both ways', async (t) => {
  forgetSeen();
  const url = gw.url('/api/v1/ws').replace('http', 'ws');

  const anonymous = await connect(t, url);
  t.equal(anonymous.ok, false);
  if (!anonymous.ok) t.equal(anonymous.status, 401, 'no token, no upgrade');
  t.equal(core.sockets.length, 0);

  const ws = await connect(t, url, { headers: { authorization: `Bearer ${await token(alice)}` } });
  if (!ws.ok) throw new Error(`upgrade refused: ${ws.status} ${ws.body}`);
  const aliceHeaders = {
    'x-user-id': 'user-alice',
    'x-client-id': 'client-acme',
    'x-user-role': 'user',
    'x-user-tier': 'pro',
    'x-user-email': 'alice@example.com',
    'x-user-permissions': 'personas:read,personas:execute',
  };
  t.same(pick(core.sockets[0]?.headers, aliceHeaders), aliceHeaders);

  const next = async (client: OpenClient): Promise<unknown> =>
    JSON.parse((await client.next()).data.toString('utf8'));
  const subscribe = {
    type: 'command',
    event: 'subscribe',
    data: { events: ['instance.status.*', 'execution.complete'] },
    id: 'cmd_123',
  };
  ws.ws.send(JSON.stringify(subscribe));
  t.same(await next(ws), {
    type: 'response',
    event: 'subscribe',
    data: subscribe.data,
    id: 'cmd_123',
    timestamp: '2024-07-17T14:30:00Z',
  });
  t.same(await next(ws), {
    type: 'event',
    event: 'instance.status.changed',
    data: {
      instance_id: 'inst_123',
      previous_status: 'running',
      new_status: 'completed',
      reason: 'Execution completed successfully',
      user_id: 'user-alice',
    },
    timestamp: '2024-07-17T14:30:00Z',
  });

  ws.ws.send(
    JSON.stringify({
      type: 'command',
      event: 'unsubscribe',
      data: { events: ['instance.status.*'] },
      id: 'cmd_124',
    }),
  );
  t.match(await next(ws), { type: 'response', event: 'unsubscribe', id: 'cmd_124' });
  ws.ws.send(JSON.stringify({ type: 'command', event: 'ping', id: 'cmd_125' }));
  t.match(await next(ws), { type: 'response', event: 'ping', id: 'cmd_125' });
  ws.ws.send(JSON.stringify({ type: 'command', event: 'foo', id: 'cmd_126' }));
  t.same(await next(ws), {
    type: 'error',
    error: 'Invalid command',
    data: { details: "Command 'foo' not recognized", command: 'foo' },
  });
  t.same(core.sockets[0]?.received, [
    subscribe,
    {
      type: 'command',
      event: 'unsubscribe',
      data: { events: ['instance.status.*'] },
      id: 'cmd_124',
    },
    { type: 'command', event: 'ping', id: 'cmd_125' },
    { type: 'command', event: 'foo', id: 'cmd_126' },
  ]);
  ws.ws.close(1000, 'bye');
  t.equal((await ws.closed).code, 1000);
});
