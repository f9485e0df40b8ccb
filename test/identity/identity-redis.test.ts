import t from 'tap';
import { request } from 'undici';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const PASSWORD = 'shared-password-123';

function config(redisUrl: string, upstream: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${redisUrl}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, require_session: true }
identity:
  store: redis
  sessions: { check_cache: 0s }
  bootstrap_users:
    - { username: root, password: "\${ROOT_PASSWORD}", roles: [admin] }
  login_rate_limit: { attempts: 2, window: 1m }
routes:
  - { path: /api/*, upstream: svc, auth_required: true }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

async function call(
  gw: GatewaydProcess,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { token?: string; body?: unknown } = {},
) {
  const res = await request(gw.url(path), {
    method,
    headers: opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
  };
}

t.test('two gatewayd processes on one Redis share users, sessions and login limits', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  const yaml = config(redis.url, upstream.url);
  const env = { ROOT_PASSWORD: 'root-password-1' };
  const [a, b] = await Promise.all([
    startGatewayd(t, yaml, { env }),
    startGatewayd(t, yaml, { env }),
  ]);

  const registered = await call(a, 'POST', '/sessions/register', {
    body: { username: 'shared', password: PASSWORD },
  });
  t.equal(registered.status, 201, 'registered on A');
  const dup = await call(b, 'POST', '/sessions/register', {
    body: { username: 'shared', password: PASSWORD },
  });
  t.equal(dup.status, 409, 'B sees the user A registered');

  const login = await call(b, 'POST', '/sessions/login', {
    body: { username: 'shared', password: PASSWORD },
  });
  t.equal(login.status, 200, 'and logs it in');
  const token = login.body.access_token as string;
  const sid = login.body.session_id as string;
  t.equal((await call(a, 'GET', '/api/x', { token })).status, 200, "A accepts B's token");
  t.equal((await call(a, 'GET', `/sessions/${sid}`, { token })).status, 200, "A sees B's session");

  const root = await call(a, 'POST', '/sessions/login', {
    body: { username: 'root', password: 'root-password-1' },
  });
  t.equal(root.status, 200, 'the bootstrap user is in Redis');
  const users = await call(b, 'GET', '/admin/users', { token: root.body.access_token as string });
  t.equal(users.body.total, 2);

  t.equal((await call(a, 'POST', '/sessions/logout', { token })).status, 200, 'logout on A');
  t.equal((await call(b, 'GET', '/api/x', { token })).status, 401, 'B refuses the token');
  t.equal((await call(b, 'POST', '/sessions/refresh', { token })).status, 401);

  // attempts: 2 per username, counted in Redis: A's failures count on B.
  const bad = { username: 'shared', password: 'wrong-password' };
  t.equal((await call(a, 'POST', '/sessions/login', { body: bad })).status, 401);
  t.equal((await call(b, 'POST', '/sessions/login', { body: bad })).status, 401);
  t.equal((await call(a, 'POST', '/sessions/login', { body: bad })).status, 429);
});
