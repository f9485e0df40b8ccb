import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { BIN, runCli, startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { jsonCall as call } from '../helpers/json-call.js';
import { pick } from '../helpers/pick.js';
import { bareNode } from '../helpers/node-process.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const ADMIN_PASSWORD = 'admin-password-from-env';
const USER_PASSWORD = 'securepassword123';

function config(upstream: string, extra = ''): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt:
    secret: "${SECRET}"
    algorithm: HS256
    issuer: gatewayd-test
    audience: api
    require_session: true
  tiers: [free, pro]
identity:
  token: { ttl: 30m }
  sessions: { ttl: 1h }
  registration: { default_roles: [user], default_tier: free }
  bootstrap_users:
    - { username: admin, password: "\${ADMIN_PASSWORD}", roles: [admin], tier: pro }
  login_rate_limit: { attempts: 3, ip_attempts: 100, window: 1m }
${extra}
routes:
  - { path: /api/*, upstream: svc, auth_required: true }
  - { path: /admin-only/*, upstream: svc, required_roles: [admin] }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: debug, access_log: true }
`;
}

async function login(gw: GatewaydProcess, username: string, password: string) {
  const res = await call(gw, 'POST', '/sessions/login', { body: { username, password } });
  return { res, token: res.body.access_token as string, sid: res.body.session_id as string };
}

async function setup(t: Parameters<typeof startGatewayd>[0], extra = '') {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(upstream.url, extra), {
    env: { ADMIN_PASSWORD },
  });
  return { upstream, gw };
}

t.test('register, login, a proxied call, refresh, logout: seed 000 flow', async (t) => {
  const { upstream, gw } = await setup(t);

  const registered = await call(gw, 'POST', '/sessions/register', {
    body: { username: 'testuser', email: 'test@example.com', password: USER_PASSWORD },
  });
  t.equal(registered.status, 201);
  t.match(registered.body, {
    user: { username: 'testuser', email: 'test@example.com', roles: ['user'], tier: 'free' },
  });
  t.notOk(JSON.stringify(registered.body).includes('scrypt'), 'no hash in the response');

  const { res, token, sid } = await login(gw, 'testuser', USER_PASSWORD);
  t.equal(res.status, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.body, {
    access_token: /^eyJ/,
    token_type: 'bearer',
    expires_in: 1800,
    session_id: /^[A-Za-z0-9_-]{24}$/,
    user: { username: 'testuser', role: 'user' },
  });
  const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
  t.match(claims, {
    sub: 'testuser',
    sid,
    roles: ['user'],
    tier: 'free',
    iss: 'gatewayd-test',
    aud: 'api',
  });
  t.equal(claims.exp - claims.iat, 1800);

  const proxied = await call(gw, 'GET', '/api/orders', { token });
  t.equal(proxied.status, 200, 'the token passes the gateway auth step');
  const seen = upstream.seen.at(-1);
  t.equal(seen?.headers['x-user-id'], 'testuser');
  t.equal(seen?.headers['x-user-roles'], 'user');
  t.equal(seen?.headers['x-user-tier'], 'free');
  t.equal(seen?.headers['x-user-email'], 'test@example.com');
  t.equal(seen?.headers['x-auth-method'], 'jwt');
  t.equal((await call(gw, 'GET', '/admin-only/x', { token })).status, 403, 'roles are enforced');

  const me = await call(gw, 'GET', '/sessions/me', { token });
  t.match(me.body, { valid: true, user: { username: 'testuser' }, session: { session_id: sid } });

  const refreshed = await call(gw, 'POST', '/sessions/refresh', { token });
  t.equal(refreshed.status, 200);
  t.equal(refreshed.body.session_id, sid, 'refresh keeps the session');
  const token2 = refreshed.body.access_token as string;
  t.not(token2, token, 'refresh issues a new token');
  t.equal((await call(gw, 'GET', '/api/orders', { token: token2 })).status, 200);

  const out = await call(gw, 'POST', '/sessions/logout', { token: token2 });
  t.equal(out.status, 200);
  for (const [name, value] of [
    ['the first token', token],
    ['the refreshed token', token2],
  ] as const) {
    const refused = await call(gw, 'GET', '/api/orders', { token: value });
    t.equal(refused.status, 401, `${name} is refused after logout`);
    t.match(refused.body, { error: 'UNAUTHORIZED', message: 'Session has ended' });
  }
  t.equal((await call(gw, 'POST', '/sessions/refresh', { token })).status, 401, 'no refresh');
  const callsBefore = upstream.seen.length;
  await call(gw, 'GET', '/api/orders', { token });
  t.equal(upstream.seen.length, callsBefore, 'a refused token never reaches the upstream');
});

t.test('login failures: one message, a rate limit, conflicts and validation', async (t) => {
  const { gw } = await setup(t);
  await call(gw, 'POST', '/sessions/register', {
    body: { username: 'alice', password: USER_PASSWORD },
  });

  const dup = await call(gw, 'POST', '/sessions/register', {
    body: { username: 'ALICE', password: USER_PASSWORD },
  });
  t.equal(dup.status, 409, 'usernames ignore case');
  t.equal(dup.body.error, 'CONFLICT');
  const short = await call(gw, 'POST', '/sessions/register', {
    body: { username: 'bob', password: 'short' },
  });
  t.equal(short.status, 400);
  t.match(short.body.message, /password: 8 to 1024 characters/);
  t.equal((await call(gw, 'POST', '/sessions/register', { body: [1] })).status, 400);
  const notJson = await request(gw.url('/sessions/login'), { method: 'POST', body: '{nope' });
  t.equal(notJson.statusCode, 400);
  await notJson.body.text();
  const big = await call(gw, 'POST', '/sessions/register', {
    body: { username: 'big', password: 'x'.repeat(20_000) },
  });
  t.equal(big.status, 413, 'bodies over 16 KB are refused');

  const wrong = await login(gw, 'alice', 'not-her-password');
  const unknown = await login(gw, 'nobody', 'whatever-password');
  t.equal(wrong.res.status, 401);
  t.equal(unknown.res.status, 401);
  t.equal(wrong.res.body.message, unknown.res.body.message, 'same message for both');
  t.equal(wrong.res.body.message, 'invalid username or password');

  // attempts: 3 per username: the third failure is still a 401, the fourth attempt a 429.
  t.equal((await login(gw, 'alice', 'wrong-again-1')).res.status, 401);
  t.equal((await login(gw, 'alice', 'wrong-again-2')).res.status, 401);
  const limited = await login(gw, 'alice', USER_PASSWORD);
  t.equal(limited.res.status, 429, 'even the right password waits once the limit is hit');
  t.equal(limited.res.body.error, 'RATE_LIMITED');
  t.ok(Number(limited.res.headers['retry-after']) >= 1, 'Retry-After is set');

  // A success gives its username's attempts back.
  await call(gw, 'POST', '/sessions/register', {
    body: { username: 'carol', password: USER_PASSWORD },
  });
  for (let round = 0; round < 3; round++) {
    t.equal((await login(gw, 'carol', 'wrong-password')).res.status, 401);
    t.equal((await login(gw, 'carol', USER_PASSWORD)).res.status, 200, `round ${round}`);
  }
});

t.test('sessions: create, get, update, delete; others see 404', async (t) => {
  const { gw } = await setup(t);
  for (const username of ['dave', 'erin']) {
    await call(gw, 'POST', '/sessions/register', { body: { username, password: USER_PASSWORD } });
  }
  const dave = await login(gw, 'dave', USER_PASSWORD);
  const erin = await login(gw, 'erin', USER_PASSWORD);
  const created = await call(gw, 'POST', '/sessions/create', {
    token: dave.token,
    body: { user_id: 'dave', chat_id: 'default' },
  });
  t.equal(created.status, 201);
  const id = created.body.session_id as string;
  t.match(created.body, { user_id: 'dave', chat_id: 'default', data: {} });
  t.equal(
    (await call(gw, 'POST', '/sessions/create', { token: erin.token, body: { user_id: 'dave' } }))
      .status,
    403,
    'a session for another user needs an admin',
  );

  const updated = await call(gw, 'POST', `/sessions/update/${id}`, {
    token: dave.token,
    body: { chat_id: 'default', data: { api_key: 'new-api-key-123' } },
  });
  t.equal(updated.status, 200);
  t.same(updated.body.data, { api_key: 'new-api-key-123' });
  const got = await call(gw, 'GET', `/sessions/${id}`, { token: dave.token });
  t.same(got.body.data, { api_key: 'new-api-key-123' });
  t.equal((await call(gw, 'GET', `/sessions/${id}`, { token: erin.token })).status, 404);
  t.equal(
    (await call(gw, 'DELETE', `/sessions/${id}`, { token: erin.token })).status,
    404,
    'nor can another user end it',
  );
  t.equal((await call(gw, 'DELETE', `/sessions/${id}`, { token: dave.token })).status, 200);
  t.equal((await call(gw, 'GET', `/sessions/${id}`, { token: dave.token })).status, 404);
  t.equal((await call(gw, 'GET', '/sessions/me')).status, 401, 'no token');
});

t.test('admin: bootstrap user from the environment, list, promote, demote, delete', async (t) => {
  const { upstream, gw } = await setup(t);
  await call(gw, 'POST', '/sessions/register', {
    body: { username: 'frank', password: USER_PASSWORD },
  });
  const frank = await login(gw, 'frank', USER_PASSWORD);
  for (const [method, path, body] of [
    ['GET', '/admin/users', undefined],
    ['GET', '/admin/users/stats', undefined],
    ['POST', '/admin/users/promote', { username: 'frank' }],
    ['GET', '/sessions/admin/all-sessions', undefined],
    ['DELETE', '/sessions/admin/users/admin', undefined],
  ] as const) {
    const res = await call(gw, method, path, { token: frank.token, body });
    t.equal(res.status, 403, `${method} ${path}: 403 for a non-admin`);
    t.equal(res.body.error, 'FORBIDDEN');
  }

  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  t.equal(admin.res.status, 200, 'the bootstrap admin logs in with the password from env');
  const adminUser = { username: 'admin', role: 'admin', tier: 'pro' };
  t.same(pick(admin.res.body.user, adminUser), adminUser);
  t.equal((await login(gw, 'admin', 'admin')).res.status, 401, 'no admin/admin');

  const list = await call(gw, 'GET', '/admin/users', { token: admin.token });
  t.equal(list.status, 200);
  t.equal(list.body.total, 2);
  t.notOk(/scrypt|password/i.test(JSON.stringify(list.body)), 'no hash or password listed');

  const promoted = await call(gw, 'POST', '/admin/users/promote', {
    token: admin.token,
    body: { username: 'frank' },
  });
  const promotedUser = { username: 'frank', role: 'admin', roles: ['user', 'admin'] };
  t.same(pick(promoted.body.user, promotedUser), promotedUser);
  t.equal(
    (await call(gw, 'GET', '/admin/users', { token: frank.token })).status,
    200,
    'a promotion counts at once on the identity endpoints',
  );
  t.equal(
    (await call(gw, 'GET', '/admin-only/x', { token: frank.token })).status,
    403,
    'the old token still carries the old roles',
  );
  const fresh = await call(gw, 'POST', '/sessions/refresh', { token: frank.token });
  t.equal(
    (await call(gw, 'GET', '/admin-only/x', { token: fresh.body.access_token as string })).status,
    200,
    'a refreshed token carries the new role',
  );
  const demoted = await call(gw, 'POST', '/admin/users/demote', {
    token: admin.token,
    body: { username: 'frank' },
  });
  t.same(pick(demoted.body.user, { roles: 1, role: 1 }), { roles: ['user'], role: 'user' });
  t.equal((await call(gw, 'GET', '/admin/users', { token: frank.token })).status, 403);
  const missing = await call(gw, 'POST', '/admin/users/promote', {
    token: admin.token,
    body: { username: 'nobody' },
  });
  t.equal(missing.status, 404);
  t.equal(missing.body.error, 'NOT_FOUND');

  const stats = await call(gw, 'GET', '/admin/users/stats', { token: admin.token });
  t.match(stats.body, { total_users: 2, admins: 1, by_tier: { free: 1, pro: 1 } });
  t.ok((stats.body.active_sessions as number) >= 2);
  const sessions = await call(gw, 'GET', '/sessions/admin/all-sessions', { token: admin.token });
  t.equal(sessions.body.total, stats.body.active_sessions);

  const deleted = await call(gw, 'DELETE', '/sessions/admin/users/frank', { token: admin.token });
  t.equal(deleted.status, 200);
  t.ok((deleted.body.sessions_ended as number) >= 1);
  t.equal((await call(gw, 'GET', '/api/x', { token: frank.token })).status, 401, 'tokens end');
  t.equal((await login(gw, 'frank', USER_PASSWORD)).res.status, 401, 'the user is gone');
  t.equal(
    (await call(gw, 'DELETE', '/sessions/admin/users/frank', { token: admin.token })).status,
    404,
  );

  // Nothing secret reached the logs: no password, no hash, no token.
  const logs = JSON.stringify(gw.logs) + gw.stderr;
  t.ok(gw.logs.length > 10, `scanned ${gw.logs.length} log lines`);
  for (const secret of [ADMIN_PASSWORD, USER_PASSWORD, '$scrypt$', admin.token, frank.token]) {
    t.notOk(logs.includes(secret), `the logs never contain ${secret.slice(0, 12)}…`);
  }
  t.ok(upstream.seen.length > 0);
});

t.test('hash-password output works as a bootstrap password_hash', async (t) => {
  const password = 'a password with spaces and ünïcode';
  const hashed = await new Promise<string>((resolve, reject) => {
    const child = spawn(...bareNode([BIN, 'hash-password']));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
    child.stdin.end(`${password}\n`);
  });
  t.match(hashed, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  t.notOk(hashed.includes(password));

  const upstream = await UpstreamServer.start(t);
  const yaml = config(upstream.url).replace(
    /bootstrap_users:\n.*\n/,
    `bootstrap_users:\n    - { username: ops, password_hash: '${hashed}', roles: [admin] }\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'identity-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, yaml);
  const check = await runCli(['check', file]);
  t.equal(check.code, 0, check.stdout + check.stderr);
  const gw = await startGatewayd(t, yaml);
  const ops = await login(gw, 'ops', password);
  t.equal(ops.res.status, 200, 'the hashed password logs in');
  t.equal((await login(gw, 'ops', 'a password with spaces')).res.status, 401);
});

t.test('a configured route on an identity endpoint is an error at its line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `auth:
  jwt: { secret: "${SECRET}", algorithm: HS256 }
identity:
  paths: { prefix: /auth }
routes:
  - { path: /auth/login, methods: [POST], direct_response: { status: 200 } }
`,
  );
  const res = await runCli(['check', file]);
  t.equal(res.code, 1);
  t.match(
    res.stdout + res.stderr,
    /gateway\.yaml:6:\d+: GW_ERR_CONFIG_ROUTE_SHADOWED route "POST \/auth\/login" takes POST \/auth\/login, the path of the identity endpoint login/,
  );
});
