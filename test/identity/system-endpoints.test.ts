import t from 'tap';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { jsonCall as call } from '../helpers/json-call.js';
import { startRedis } from '../helpers/redis.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const PASSWORD = 'securepassword123';

function config(redisUrl: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${redisUrl}", key_prefix: "sysinfo-test:" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
identity:
  registration: { default_roles: [user] }
  bootstrap_users:
    - { username: admin, password: "\${ADMIN_PASSWORD}", roles: [admin] }
routes:
  - { path: /ws, methods: [GET], handler: websocket }
websocket:
  server: { ping_interval: 0s, idle_timeout: 0s }
observability:
  logging: { level: info, access_log: false }
`;
}

async function login(gw: GatewaydProcess, username: string, register = true): Promise<string> {
  if (register) {
    await call(gw, 'POST', '/sessions/register', {
      body: { username, email: `${username}@example.com`, password: PASSWORD },
    });
  }
  const res = await call(gw, 'POST', '/sessions/login', { body: { username, password: PASSWORD } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

t.test("seed 000's connection and system monitoring endpoints", async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const gw = await startGatewayd(t, config(redis.url), { env: { ADMIN_PASSWORD: PASSWORD } });
  const alice = await login(gw, 'alice');
  const bob = await login(gw, 'bob');
  const admin = await login(gw, 'admin', false);
  const socket = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws?token=${alice}`);
  t.match(await socket.request({ type: 'subscribe', channel: 'news' }), { type: 'ack' });

  t.test('GET /sessions/users/{id}/connection: own, or any for an admin', async (t) => {
    const own = await call(gw, 'GET', '/sessions/users/alice/connection', { token: alice });
    t.equal(own.status, 200);
    t.match(own.body, {
      user_id: 'alice',
      role: 'user',
      roles: ['user'],
      connected: true,
      connections: [{ connection_id: /./, connected_at: /^\d{4}-/, channels: ['news'] }],
    });
    const other = await call(gw, 'GET', '/sessions/users/alice/connection', { token: bob });
    t.equal(other.status, 403);
    const byAdmin = await call(gw, 'GET', '/sessions/users/bob/connection', { token: admin });
    t.match(byAdmin.body, { user_id: 'bob', connected: false, connections: [] });
    const nobody = await call(gw, 'GET', '/sessions/users/nobody/connection', { token: admin });
    t.equal(nobody.status, 404);
  });

  t.test('GET /admin/system/stats: admins only', async (t) => {
    t.equal((await call(gw, 'GET', '/admin/system/stats', { token: alice })).status, 403);
    const stats = await call(gw, 'GET', '/admin/system/stats', { token: admin });
    t.equal(stats.status, 200);
    t.match(stats.body, {
      version: /^\d+\.\d+\.\d+/,
      uptime_seconds: Number,
      memory: { rss: Number },
      routes: Number,
      websocket: { connections: 1, authenticated: 1, subscriptions: 1 },
      identity: { total_users: 3, active_sessions: 3 },
    });
  });

  t.test('GET /admin/system/redis-info: versions and counts, no address', async (t) => {
    t.equal((await call(gw, 'GET', '/admin/system/redis-info', { token: bob })).status, 403);
    const info = await call(gw, 'GET', '/admin/system/redis-info', { token: admin });
    t.equal(info.status, 200);
    t.match(info.body, {
      connected: true,
      redis_version: /^\d+\./,
      used_memory: Number,
      connected_clients: Number,
      key_prefix: 'sysinfo-test:',
      keys_under_prefix: Number,
    });
    for (const field of ['tcp_port', 'executable', 'config_file', 'os', 'process_id']) {
      t.notOk(field in info.body, `no ${field}`);
    }
    t.notOk(info.text.includes('127.0.0.1'), 'no host');
  });
});
