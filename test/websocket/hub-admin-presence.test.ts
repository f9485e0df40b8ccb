import t from 'tap';
import { until } from '../helpers/until.js';
import { once } from 'node:events';
import { request } from 'undici';
import { createRedisClient } from '../../engine/state/redis-connection.js';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { HubClient, SECRET, jwt, sleep } from './hub-helpers.js';
import { pick } from '../helpers/pick.js';

const ADMIN_TOKEN = 'admin-token-for-hubnet-tests';

function config(redisUrl: string, presenceTtl = '1s'): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${redisUrl}" }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false, timeout: "0s" }
websocket:
  server: { ping_interval: "0s", idle_timeout: "0s", allowed_origins: ["https://shop.example.com"] }
  channels:
    default: { allow_publish: true, message_history: 10 }
    'presence.*': { required_roles: [admin] }
    alerts: {}
  routing:
    service_events: { mappings: { "system.alert": alerts } }
  integration:
    redis_pubsub: { enabled: true, channels: [events] }
  presence: { ttl: "${presenceTtl}", required_roles: [admin] }
observability:
  logging: { level: info, access_log: false }
`;
}

async function connect(gw: GatewaydProcess, sub: string, claims = {}): Promise<HubClient> {
  const c = await HubClient.connect(
    `ws://127.0.0.1:${gw.port}/ws?token=${await jwt(sub, claims)}`,
    { origin: 'https://shop.example.com' },
  );
  await c.next((f) => f.type === 'connected');
  return c;
}

async function admin(gw: GatewaydProcess, method: string, path: string, body?: unknown) {
  const line = await gw.waitForLog((l) => l.msg === 'admin API listening', 5000);
  const res = await request(`http://127.0.0.1:${Number(line.port)}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  // `any`: the admin answers are many shapes, and each test reads the fields it asserts on.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.statusCode, json: (text === '' ? null : JSON.parse(text)) as any };
}

async function onlineUsers(gw: GatewaydProcess, tenant: string, token: string) {
  const res = await request(gw.url(`/presence/online-users?tenantId=${tenant}`), {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: res.statusCode,
    json: (await res.body.json()) as { users: Array<{ userId: string }> },
  };
}

t.test('admin operations on the hub', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const a = await startGatewayd(t, config(redis.url));
  const b = await startGatewayd(t, config(redis.url));
  const alice = await connect(a, 'alice');
  const bob = await connect(b, 'bob');
  t.teardown(() => {
    alice.close();
    bob.close();
  });
  await alice.subscribe('news');
  await bob.subscribe('news');

  const list = await admin(a, 'GET', '/admin/websocket/connections');
  t.equal(list.status, 200);
  t.equal(list.json.connections.length, 1, 'this instance only');
  const conn = list.json.connections[0];
  t.match(conn, { since: Number, bytesIn: Number });
  t.same(pick(conn, { subject: 1, channels: 1 }), { subject: 'alice', channels: ['news'] });
  t.ok(typeof list.json.instance === 'string');

  const one = await admin(a, 'GET', `/admin/websocket/connections/${conn.id}`);
  t.equal(one.status, 200);
  t.same(pick(one.json, { id: 1, subject: 1 }), { id: conn.id, subject: 'alice' });
  t.equal((await admin(a, 'GET', '/admin/websocket/connections/nope')).status, 404);

  const sent = await admin(a, 'POST', `/admin/websocket/connections/${conn.id}/send`, {
    message: { type: 'direct_message', text: 'Hello from admin!' },
  });
  t.equal(sent.status, 200);
  t.match(await alice.next((f) => f.type === 'message'), {
    data: { type: 'direct_message', text: 'Hello from admin!' },
  });

  const channels = await admin(a, 'GET', '/admin/websocket/channels');
  t.same(channels.json.channels, [{ channel: 'news', subscribers: 1 }]);

  const broadcast = await admin(a, 'POST', '/admin/websocket/channels/news/broadcast', {
    message: { title: 'Maintenance Notice' },
  });
  t.match(broadcast, { status: 202, json: { channel: 'news', seq: Number } });
  await bob.next((f) => f.type === 'event' && f.channel === 'news');
  await alice.next((f) => f.type === 'event' && f.channel === 'news');
  t.pass('a broadcast on A reaches subscribers on A and B');

  const stats = await admin(a, 'GET', '/admin/websocket/statistics');
  t.match(stats.json, { connections: 1, subscriptions: 1, published: 1 });
  t.equal(
    (await admin(a, 'POST', '/admin/websocket/channels/a.*/broadcast', { data: 1 })).status,
    400,
  );
  t.equal((await admin(a, 'PUT', '/admin/websocket/statistics')).status, 405);

  const kicked = await admin(a, 'DELETE', `/admin/websocket/connections/${conn.id}`);
  t.equal(kicked.status, 204);
  t.match(await alice.closed, { code: 1000, reason: 'closed by an administrator' });
});

t.test('redis_pubsub ingress maps service events to channels', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const a = await startGatewayd(t, config(redis.url));
  const c = await connect(a, 'carol');
  t.teardown(() => c.close());
  await c.subscribe('alerts');
  const pub = createRedisClient(redis.url);
  t.teardown(() => pub.disconnect());
  await once(pub, 'ready');
  // The ingress subscribes once its connection is ready; publish until it is heard.
  const end = Date.now() + 5000;
  while (c.events('alerts').length === 0 && Date.now() < end) {
    await pub.publish('events', JSON.stringify({ event: 'system.alert', data: { level: 'high' } }));
    await sleep(100);
  }
  t.match(c.events('alerts')[0], { data: { level: 'high' } });
  await pub.publish('events', 'not json');
  await pub.publish('events', JSON.stringify({ event: 'unmapped', data: 1 }));
  await a.waitForLog((l) => l.msg === 'redis_pubsub ingress: message dropped', 3000);
  t.pass('bad messages are logged and dropped');
});

t.test(
  'presence: online users across instances, events, a SIGKILLed instance expires',
  async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    const a = await startGatewayd(t, config(redis.url));
    const b = await startGatewayd(t, config(redis.url));
    const tenant = `acme${process.pid}`;
    const adminToken = await jwt('boss', { roles: ['admin'], tenant_id: tenant });
    const watcher = await HubClient.connect(`ws://127.0.0.1:${a.port}/ws?token=${adminToken}`);
    t.teardown(() => watcher.close());
    t.match(await watcher.subscribe(`presence.${tenant}`), { type: 'ack' });

    const u1 = await connect(a, 'u1', { tenant_id: tenant });
    const u2 = await connect(b, 'u2', { tenant_id: tenant });
    t.teardown(() => {
      u1.close();
      u2.close();
    });
    const online = await watcher.next(
      (f) => f.type === 'event' && (f.data as { userId?: string }).userId === 'u2',
    );
    t.match(online.data, {
      event: 'user_online',
      userId: 'u2',
      sessionId: String,
      connectedAt: String,
      origin: 'https://shop.example.com',
      domain: 'shop.example.com',
    });

    await until(
      async () => (await onlineUsers(a, tenant, adminToken)).json.users.length === 3,
      3000,
      50,
    );
    const listed = await onlineUsers(a, tenant, adminToken);
    t.equal(listed.status, 200);
    t.same(listed.json.users.map((u) => u.userId).sort(), ['boss', 'u1', 'u2']);
    t.equal(
      (await onlineUsers(a, tenant, await jwt('u1', { tenant_id: tenant }))).status,
      403,
      'admins only',
    );
    t.equal(
      (await onlineUsers(a, 'other', adminToken)).status,
      403,
      'an identity with a tenant lists only its own',
    );
    const raw = createRedisClient(redis.url);
    t.teardown(() => raw.disconnect());
    await once(raw, 'ready');
    const entry = JSON.parse((await raw.hget(`online_users:${tenant}`, 'u1')) as string);
    t.match(entry, { sessionId: String, connectedAt: String, origin: 'https://shop.example.com' });

    u1.close();
    await watcher.next(
      (f) => f.type === 'event' && (f.data as { event?: string }).event === 'user_offline',
    );
    const viaAdmin = await admin(a, 'GET', `/admin/websocket/presence/${tenant}`);
    t.same(viaAdmin.json.users.map((u: { userId: string }) => u.userId).sort(), ['boss', 'u2']);

    // B crashes: its users go within the ttl (1 s), with user_offline to the admins.
    b.proc.kill('SIGKILL');
    await b.exited;
    const gone = await until(
      async () =>
        !(await onlineUsers(a, tenant, adminToken)).json.users.some((u) => u.userId === 'u2'),
      3000,
      50,
    );
    t.ok(gone <= 2000, `u2 gone ${gone} ms after the SIGKILL (ttl 1 s)`);
    await watcher.next(
      (f) =>
        f.type === 'event' &&
        (f.data as { userId?: string; event?: string }).event === 'user_offline' &&
        (f.data as { userId?: string }).userId === 'u2',
    );
    t.equal(await raw.hexists(`online_users:${tenant}`, 'u2'), 0, 'removed from the hash');
  },
);
