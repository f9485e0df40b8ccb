import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { runCli, startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { jsonCall as call, type JsonAnswer } from '../helpers/json-call.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const ENV = { ADMIN_PASSWORD: 'admin-password-from-env', USER_PASSWORD: 'password123' };
const DAY_MS = 86_400_000;

/** Seed 004's shape: /auth/login with an email, keys at /api-keys/*, tier-gated modules. */
function config(upstream: string, store = 'memory', head = ''): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
${head}
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, require_session: true }
  api_keys: { store: ${store} }
  tiers: [free, pro, enterprise]
identity:
  store: ${store}
  sessions: { check_cache: 0s }
  registration: { default_roles: [user], default_tier: free }
  bootstrap_users:
    - { username: admin, password: "\${ADMIN_PASSWORD}", roles: [admin], tier: enterprise }
    - { username: user@example.com, password: "\${USER_PASSWORD}", roles: [user], tier: pro }
  api_keys: { max_per_user: 3, max_expiry_days: 365, key_prefix: 100x_ }
  paths: { prefix: /auth }
routes:
  - { name: code-sandbox, path: /modules/code-sandbox/*, upstream: svc, required_tier: pro }
  - { path: /api/*, upstream: svc, auth_required: true }
  - { path: /limited/*, upstream: svc, auth_required: true, rate_limit: { limit: 2/minute, key: api_key } }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: debug, access_log: true }
`;
}

async function login(gw: GatewaydProcess, name: string, password: string): Promise<string> {
  const res = await call(gw, 'POST', '/auth/login', { body: { email: name, password } });
  if (res.status !== 200)
    throw new Error(`login ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

async function createKey(gw: GatewaydProcess, token: string, body: Record<string, unknown>) {
  return call(gw, 'POST', '/api-keys/create', { token, body });
}

/** Waits, bounded, until `key` is refused: expiry is a clock, there is no event to await. */
async function refusedWithin(gw: GatewaydProcess, key: string, ms: number): Promise<JsonAnswer> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await call(gw, 'GET', '/api/x', { apiKey: key });
    if (res.status !== 200 || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('seed 004 flow: login, create, use on a tier-gated route, list, revoke', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(upstream.url), {
    env: ENV,
    args: ['--log-level', 'debug'],
  });
  const secrets: string[] = [];
  const token = await login(gw, 'user@example.com', ENV.USER_PASSWORD);

  const before = Date.now();
  const created = await createKey(gw, token, {
    name: 'Production API Key',
    tier: 'pro',
    expires_days: 365,
  });
  t.equal(created.status, 201);
  t.match(created.body, {
    api_key: /^100x_[A-Za-z0-9_-]{43}$/,
    id: /^[0-9a-f-]{36}$/,
    name: 'Production API Key',
    tier: 'pro',
    roles: ['user'],
    created_at: String,
    expires_at: String,
  });
  const key = created.body.api_key as string;
  const id = created.body.id as string;
  secrets.push(key, hashApiKey(key));
  const lifetime =
    Date.parse(created.body.expires_at as string) - Date.parse(created.body.created_at as string);
  t.equal(lifetime, 365 * DAY_MS, 'expires_days: 365');
  t.ok(Date.parse(created.body.created_at as string) >= before - 1000);

  const used = await call(gw, 'POST', '/modules/code-sandbox/execute', { apiKey: key });
  t.equal(used.status, 200, 'the key passes the pro tier gate');
  const seen = upstream.seen.at(-1);
  t.equal(seen?.headers['x-user-id'], 'user@example.com', 'the key acts as its owner');
  t.equal(seen?.headers['x-user-tier'], 'pro');
  t.equal(seen?.headers['x-user-roles'], 'user');
  t.equal(seen?.headers['x-auth-method'], 'api_key');
  t.equal(seen?.headers['x-client-id'], id, 'the key id is the client id');
  t.equal(
    (await call(gw, 'GET', '/api/x', { token: key })).status,
    200,
    'Authorization: Bearer <key> works too',
  );

  const free = await createKey(gw, token, { name: 'cheap', tier: 'free' });
  t.equal(free.status, 201, 'a tier below the owner is allowed');
  secrets.push(free.body.api_key as string);
  t.equal(
    Date.parse(free.body.expires_at as string) - Date.parse(free.body.created_at as string),
    365 * DAY_MS,
    'no expiry asked: max_expiry_days',
  );
  const gated = await call(gw, 'GET', '/modules/code-sandbox/x', {
    apiKey: free.body.api_key as string,
  });
  t.equal(gated.status, 403);
  t.match(gated.body, {
    error: 'TIER_REQUIRED',
    message: "Module 'code-sandbox' requires 'pro' tier. Your tier: 'free'",
  });

  // Limits keyed by api_key count each key apart, though both act as the same user.
  const freeKey = free.body.api_key as string;
  for (const k of [key, key])
    t.equal((await call(gw, 'GET', '/limited/x', { apiKey: k })).status, 200);
  t.equal(
    (await call(gw, 'GET', '/limited/x', { apiKey: key })).status,
    429,
    'the key has used its 2',
  );
  t.equal(
    (await call(gw, 'GET', '/limited/x', { apiKey: freeKey })).status,
    200,
    'its sibling has not',
  );

  const listed = await call(gw, 'GET', '/api-keys/list', { token });
  t.equal(listed.status, 200);
  t.equal(listed.body.total, 2);
  t.match(listed.body.api_keys, [
    { id, name: 'Production API Key', tier: 'pro', status: 'active', revoked_at: null },
    { id: free.body.id, tier: 'free', status: 'active' },
  ]);
  const listText = JSON.stringify(listed.body);
  t.notOk(listText.includes(key), 'no key listed');
  t.notOk(listText.includes('sha256') || listText.includes('100x_'), 'no hash, no key prefix');
  t.notOk(listText.includes('"api_key"'), 'no api_key field');

  t.equal(
    (await call(gw, 'GET', '/api-keys/list', { apiKey: key })).status,
    401,
    'a key cannot manage keys',
  );

  const revoked = await call(gw, 'DELETE', `/api-keys/${id}`, { token });
  t.equal(revoked.status, 200);
  t.match(revoked.body, { message: 'API key revoked', id });
  const after = await call(gw, 'POST', '/modules/code-sandbox/execute', { apiKey: key });
  t.equal(after.status, 401, 'a revoked key is refused');
  t.match(after.body, { error: 'UNAUTHORIZED', message: 'API key has been revoked' });
  t.equal((await call(gw, 'DELETE', `/api-keys/${id}`, { token })).status, 200, 'idempotent');
  const relisted = await call(gw, 'GET', '/api-keys/list', { token });
  t.match(relisted.body.api_keys, [{ id, status: 'revoked', revoked_at: String }]);
  t.equal((await call(gw, 'DELETE', '/api-keys/not-an-id', { token })).status, 404);
  t.equal((await call(gw, 'POST', '/api-keys/create', { body: { name: 'x' } })).status, 401);

  // Refusals: tier above the owner's, unknown tier, roles the owner lacks, bad expiry, the cap.
  const above = await createKey(gw, token, { name: 'big', tier: 'enterprise' });
  t.equal(above.status, 403);
  t.match(above.body, { error: 'FORBIDDEN', message: /above yours \('pro'\)/ });
  const unknown = await createKey(gw, token, { name: 'gold', tier: 'gold' });
  t.equal(unknown.status, 400);
  t.match(unknown.body, { error: 'BAD_REQUEST', message: 'tier: one of free, pro, enterprise' });
  t.equal((await createKey(gw, token, { name: 'r', roles: ['admin'] })).status, 403);
  t.equal((await createKey(gw, token, { name: 'd', expires_days: 366 })).status, 400);
  t.equal((await createKey(gw, token, { name: 'd', expires_days: 1.5 })).status, 400);
  t.equal((await createKey(gw, token, { tier: 'pro' })).status, 400, 'name is required');
  const third = await createKey(gw, token, { name: 'third', roles: [] });
  t.equal(third.status, 201, 'fewer roles than the owner are allowed');
  t.same(third.body.roles, []);
  secrets.push(third.body.api_key as string);
  const fourth = await createKey(gw, token, { name: 'fourth' });
  t.equal(fourth.status, 201, 'the revoked key does not count against max_per_user');
  secrets.push(fourth.body.api_key as string);
  const fifth = await createKey(gw, token, { name: 'fifth' });
  t.equal(fifth.status, 403, 'max_per_user: 3 live keys');
  t.match(fifth.body, { message: /3 live API keys/ });

  // Nothing secret reached the logs: no key, no hash. Access log lines leave in batches (up to
  // 100 ms), so the scan waits for the last request's line: the third refused creation.
  let refusedCreations = 0;
  await gw.waitForLog(
    (l) =>
      l.msg === 'request' &&
      l.path === '/api-keys/create' &&
      l.status === 403 &&
      ++refusedCreations === 3,
    3000,
  );
  const logs = JSON.stringify(gw.logs) + gw.stderr;
  t.ok(gw.logs.length > 20, `scanned ${gw.logs.length} log lines`);
  for (const secret of secrets) {
    t.notOk(logs.includes(secret), `the logs never contain ${secret.slice(0, 9)}…`);
  }
  t.notOk(logs.includes('100x_'), 'no key prefix in any log line');
});

t.test("another user's keys, admins, expiry, demotion and deletion", async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(upstream.url), { env: ENV });
  const userToken = await login(gw, 'user@example.com', ENV.USER_PASSWORD);
  const adminToken = await login(gw, 'admin', ENV.ADMIN_PASSWORD);
  const registered = await call(gw, 'POST', '/auth/register', {
    body: { username: 'bob', password: 'bob-password-1' },
  });
  t.equal(registered.status, 201);
  const bobToken = await login(gw, 'bob', 'bob-password-1');

  const users = await createKey(gw, userToken, { name: 'mine' });
  const userKeyId = users.body.id as string;
  const bobs = await createKey(gw, bobToken, { name: 'bobs' });
  t.equal(bobs.status, 201);
  t.equal(bobs.body.tier, 'free', "a key defaults to its owner's tier");
  t.equal((await createKey(gw, bobToken, { name: 'p', tier: 'pro' })).status, 403);

  const bobList = await call(gw, 'GET', '/api-keys/list', { token: bobToken });
  t.equal(bobList.body.total, 1, "bob sees only bob's key");
  t.notOk(JSON.stringify(bobList.body).includes(userKeyId));
  const stolen = await call(gw, 'DELETE', `/api-keys/${userKeyId}`, { token: bobToken });
  t.equal(stolen.status, 404, "another user's key is not found");
  t.match(stolen.body, { error: 'NOT_FOUND' });
  t.equal(
    (await call(gw, 'GET', '/api/x', { apiKey: users.body.api_key as string })).status,
    200,
    'and still works',
  );
  const byAdmin = await call(gw, 'DELETE', `/api-keys/${userKeyId}`, { token: adminToken });
  t.equal(byAdmin.status, 200, "an admin may revoke any user's key");
  t.equal((await call(gw, 'GET', '/api/x', { apiKey: users.body.api_key as string })).status, 401);

  // Expiry: a key given 1.5 s works, then is refused.
  const soon = await createKey(gw, userToken, {
    name: 'short',
    expires_at: new Date(Date.now() + 1500).toISOString(),
  });
  t.equal(soon.status, 201);
  const shortKey = soon.body.api_key as string;
  t.equal((await call(gw, 'GET', '/api/x', { apiKey: shortKey })).status, 200);
  const expired = await refusedWithin(gw, shortKey, 5000);
  t.equal(expired.status, 401, 'an expired key is refused');
  t.match(expired.body, { message: 'API key has expired' });
  const past = await createKey(gw, userToken, { name: 'p', expires_at: '2020-01-01T00:00:00Z' });
  t.equal(past.status, 400, 'expires_at in the past');

  // Demotion revokes the keys that carry the removed role, and only those.
  t.equal(
    (
      await call(gw, 'POST', '/admin/users/promote', {
        token: adminToken,
        body: { username: 'bob', role: 'editor' },
      })
    ).status,
    200,
  );
  const editorKey = await createKey(gw, bobToken, { name: 'editor' });
  t.same(editorKey.body.roles, ['user', 'editor'], 'a key carries the roles the store has now');
  const demoted = await call(gw, 'POST', '/admin/users/demote', {
    token: adminToken,
    body: { username: 'bob', role: 'editor' },
  });
  t.equal(demoted.body.keys_revoked, 1);
  t.equal(
    (await call(gw, 'GET', '/api/x', { apiKey: editorKey.body.api_key as string })).status,
    401,
  );
  const bobKey = bobs.body.api_key as string;
  t.equal((await call(gw, 'GET', '/api/x', { apiKey: bobKey })).status, 200);

  // Deleting a user revokes their keys.
  const deleted = await call(gw, 'DELETE', '/auth/admin/users/bob', { token: adminToken });
  t.equal(deleted.status, 200);
  t.match(deleted.body, { keys_revoked: 1 });
  const gone = await call(gw, 'GET', '/api/x', { apiKey: bobKey });
  t.equal(gone.status, 401, "a deleted user's key is refused");
  t.match(gone.body, { message: 'API key has been revoked' });
});

t.test('two gatewayd processes on one Redis share user keys', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  const prefix = `akt${randomBytes(4).toString('hex')}:`;
  const yaml = config(
    upstream.url,
    'redis',
    `redis: { url: "${redis.url}", key_prefix: "${prefix}" }`,
  );
  const [a, b] = await Promise.all([
    startGatewayd(t, yaml, { env: ENV }),
    startGatewayd(t, yaml, { env: ENV }),
  ]);
  const tokenA = await login(a, 'user@example.com', ENV.USER_PASSWORD);
  const created = await createKey(a, tokenA, { name: 'shared', tier: 'pro' });
  t.equal(created.status, 201);
  const key = created.body.api_key as string;
  t.equal(
    (await call(b, 'POST', '/modules/code-sandbox/run', { apiKey: key })).status,
    200,
    'a key made on A works on B',
  );
  const tokenB = await login(b, 'user@example.com', ENV.USER_PASSWORD);
  const listed = await call(b, 'GET', '/api-keys/list', { token: tokenB });
  t.match(listed.body, { total: 1, api_keys: [{ id: created.body.id, status: 'active' }] });

  const second = await createKey(b, tokenB, { name: 'second' });
  t.equal((await call(b, 'DELETE', `/api-keys/${created.body.id}`, { token: tokenB })).status, 200);
  t.equal(
    (await call(a, 'GET', '/api/x', { apiKey: key })).status,
    401,
    'revoked on B, refused on A',
  );

  const adminToken = await login(a, 'admin', ENV.ADMIN_PASSWORD);
  const deleted = await call(a, 'DELETE', '/auth/admin/users/user@example.com', {
    token: adminToken,
  });
  t.match(deleted.body, { keys_revoked: 1 }, 'the owner index finds the live key in Redis');
  t.equal(
    (await call(b, 'GET', '/api/x', { apiKey: second.body.api_key as string })).status,
    401,
    "the deleted user's key is refused on B",
  );
});

t.test('gatewayd check: identity.api_keys needs auth.api_keys.store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-keys-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `auth:
  jwt: { secret: "${SECRET}", algorithm: HS256 }
identity:
  paths: { prefix: /auth }
  api_keys: { key_prefix: 100x_ }
routes: []
`,
  );
  const res = await runCli(['check', file]);
  t.equal(res.code, 1);
  t.match(
    res.stdout + res.stderr,
    /gateway\.yaml:5:3: GW_ERR_CONFIG_IDENTITY identity\.api_keys lets users make managed API keys, but auth\.api_keys\.store is not set/,
  );

  writeFileSync(
    file,
    `auth:
  jwt: { secret: "${SECRET}", algorithm: HS256 }
  api_keys: { store: memory }
identity:
  paths: { prefix: /auth }
  api_keys: { key_prefix: 100x_ }
routes: []
`,
  );
  const ok = await runCli(['check', file]);
  t.equal(ok.code, 0, ok.stdout + ok.stderr);
  const routes = await runCli(['routes', file]);
  t.match(routes.stdout, /POST\s+\*\s+\/api-keys\/create\s/, 'the endpoints stay at /api-keys/*');
  t.match(routes.stdout, /DELETE\s+\*\s+\/api-keys\/\{key_id\}\s/);
  t.match(routes.stdout, /POST\s+\*\s+\/auth\/login\s/);
});
