import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { request } from 'undici';
import { startAuthService } from '../../examples/microservices/backends/auth-service.mjs';
import { startContextService } from '../../examples/microservices/backends/context-service.mjs';
import { startNotificationService } from '../../examples/microservices/backends/notification-service.mjs';
import { GatewayWebSocketClient } from '../fixtures/microservices/seed-websocket-client.mjs';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { scrape, type PromSample } from '../helpers/prometheus.js';
import { startRedis } from '../helpers/redis.js';
import { pick } from '../helpers/pick.js';

const CONFIG = fileURLToPath(new URL('../../examples/microservices/gateway.yaml', import.meta.url));
const JWT_SECRET = randomBytes(32).toString('hex');
const WEBHOOK_AUTH_TOKEN = randomBytes(24).toString('hex');
const ADMIN_TOKEN = randomBytes(24).toString('hex');

type Json = Record<string, unknown>;

async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

/** Resolves with the `data` of the next message of `type` the seed's client handles. */
function nextOf(client: GatewayWebSocketClient, type: string, ms = 5000): Promise<Json> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" within ${ms} ms`)), ms);
    client.onMessage(type, (data) => {
      clearTimeout(timer);
      client.messageHandlers.delete(type);
      resolve(data);
    });
  });
}

/** Every `broadcast` the seed's client gets, kept (its onMessage keeps one handler a type). */
function broadcasts(client: GatewayWebSocketClient): Json[] {
  const seen: Json[] = [];
  const handle = client.handleMessage.bind(client);
  client.handleMessage = (message) => {
    if (message.type === 'broadcast') seen.push(message.data);
    handle(message);
  };
  return seen;
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test('microservices gateway (seed 001) end to end', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const auth = await startAuthService(JWT_SECRET);
  const users = await startContextService('user-service');
  const metrics = await startContextService('metrics-service');
  const health = await startContextService('health-service');
  let gatewayUrl = '';
  const notifications = await startNotificationService(() => gatewayUrl, WEBHOOK_AUTH_TOKEN);
  for (const service of [auth, users, metrics, health, notifications]) {
    t.teardown(() => service.close());
  }
  const env = {
    PORT: '0',
    METRICS_PORT: '0',
    ADMIN_PORT: '0',
    BIND_ADDRESS: '127.0.0.1',
    JWT_SECRET,
    WEBHOOK_AUTH_TOKEN,
    ADMIN_TOKEN,
    REDIS_URL: redis.url,
    REDIS_PUBSUB_URL: `${redis.url}/1`,
    AUTH_SERVICE_URL: auth.url,
    USER_SERVICE_URL: users.url,
    METRICS_SERVICE_URL: metrics.url,
    HEALTH_SERVICE_URL: health.url,
  };

  const check = await runCli(['check', CONFIG], { ...process.env, ...env });
  t.equal(check.code, 0, `gatewayd check passes: ${check.stdout}${check.stderr}`);
  t.match(check.stdout, `${CONFIG}: OK`);

  const gw = await startGatewayd(t, '', { file: CONFIG, env });
  gatewayUrl = `http://127.0.0.1:${gw.port}`;
  const adminLog = await gw.waitForLog((l) => l.msg === 'admin API listening');
  const metricsLog = await gw.waitForLog((l) => l.msg === 'metrics listening');
  const adminBase = `http://127.0.0.1:${Number(adminLog.port)}`;
  const metricsUrl = `http://127.0.0.1:${Number(metricsLog.port)}${String(metricsLog.path)}`;
  const api = (method: string, path: string, opts?: { token?: string; body?: unknown }) =>
    call(gatewayUrl, method, path, opts);
  const admin = (method: string, path: string, body?: unknown) =>
    call(adminBase, method, path, { token: ADMIN_TOKEN, body });

  /** Registers and logs in through the gateway, as the seed's integration test does. */
  async function signUp(username: string): Promise<{ id: string; token: string }> {
    const registered = await api('POST', '/auth/register', {
      body: { username, password: 'password123', email: `${username}@example.com` },
    });
    const login = await api('POST', '/auth/login', {
      body: { username, password: 'password123' },
    });
    return { id: registered.body.id as string, token: login.body.token as string };
  }

  /** The seed's browser client on the gateway, authenticated as its usage example does. */
  async function seedClient(t: Test, token: string) {
    const client = new GatewayWebSocketClient(`ws://127.0.0.1:${gw.port}`, token);
    const authenticated = nextOf(client, 'auth_success');
    client.connect();
    t.teardown(() => {
      // The class reconnects 5 s after any close; a finished test must not.
      client.connect = () => undefined;
      client.ws?.terminate();
    });
    return { client, auth: await authenticated };
  }

  t.test("the seed's integration test: register, login, /api/v1/users/me", async (t) => {
    const registered = await api('POST', '/auth/register', {
      body: { username: 'testuser', password: 'password123', email: 'test@example.com' },
    });
    t.equal(registered.status, 201, 'register: 201');
    const login = await api('POST', '/auth/login', {
      body: { username: 'testuser', password: 'password123' },
    });
    t.equal(login.status, 200, 'login: 200');
    const token = login.body.token as string;
    t.type(token, 'string');

    const me = await api('GET', '/api/v1/users/me', { token });
    t.equal(me.status, 200, '/api/v1/users/me with the token: 200');
    const expected = { service: 'user-service', id: registered.body.id, roles: 'user' };
    t.same(pick(me.body, expected), expected);
    const seen = users.seen.findLast((r) => r.path === '/api/v1/users/me');
    t.equal(seen?.headers['x-user-id'], registered.body.id, 'the user service gets X-User-ID');

    const anonymous = await api('GET', '/api/v1/users/me');
    t.equal(anonymous.status, 401);
    t.match(anonymous.body, { error: 'UNAUTHORIZED', status_code: 401 });
    t.equal((await api('GET', '/api/v1/users/me', { token: `${token}x` })).status, 401);
    t.equal((await api('GET', '/api/v1/admin/users', { token })).status, 403, 'admin only');
    t.match(await api('GET', '/api/v1/metrics', { token }), {
      status: 200,
      body: { service: 'metrics-service' },
    });
    t.match(await api('GET', '/health'), { status: 200, body: { service: 'health-service' } });
    t.equal(
      (await api('POST', '/auth/login', { body: { username: 'testuser', password: 'wrong' } }))
        .status,
      401,
      "the auth service's own 401 passes through",
    );
  });

  t.test('WebSocket: Auth, Subscribe, Broadcast, webhook notifications, admin', async (t) => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');

    // The seed's usage example: subscribe to its two channels once authenticated.
    const a = await seedClient(t, alice.token);
    t.match(a.auth, { authenticated: true, user: alice.id }, 'Auth → auth_success');
    const aliceBroadcasts = broadcasts(a.client);
    for (const channel of ['notifications', 'user_updates']) {
      const subscribed = nextOf(a.client, 'subscribed');
      a.client.subscribe(channel);
      t.match(await subscribed, { channel }, `Subscribe ${channel} → subscribed`);
    }
    const b = await seedClient(t, bob.token);
    const bobBroadcasts = broadcasts(b.client);
    for (const channel of ['notifications', 'test-broadcast']) {
      const subscribed = nextOf(b.client, 'subscribed');
      b.client.subscribe(channel);
      await subscribed;
    }

    // The seed's "should receive broadcast messages": subscribe, Broadcast, receive it.
    const subscribed = nextOf(a.client, 'subscribed');
    a.client.subscribe('test-broadcast');
    await subscribed;
    a.client.broadcast('test-broadcast', { text: 'Hello World!' });
    for (const [who, seen] of [
      ['the sender', aliceBroadcasts],
      ['another subscriber', bobBroadcasts],
    ] as const) {
      const got = await waitFor('Hello World!', () =>
        seen.find((d) => d.channel === 'test-broadcast'),
      );
      t.match(got, { message: { text: 'Hello World!' } }, `${who} gets the broadcast`);
    }

    const refused = nextOf(a.client, 'Error');
    a.client.subscribe('admin');
    t.match(await refused, { code: 'FORBIDDEN' }, 'admin channel: Error for a user');

    // The seed's notification service: createUser's welcome (user_specific) and admin broadcast.
    const created = await call(notifications.url, 'POST', '/users', {
      body: { user_id: alice.id },
    });
    t.match(created.body, {
      welcome: { status: 202, body: { status: 'accepted', channel: 'notifications' } },
      admin: { status: 202, body: { channel: 'admin' } },
    });
    const welcome = await waitFor('welcome', () =>
      aliceBroadcasts.find((d) => d.channel === 'notifications'),
    );
    t.match(welcome, { message: { type: 'notification', title: 'Welcome!' } });
    await call(notifications.url, 'POST', '/users', { body: { user_id: bob.id } });
    await waitFor("bob's welcome", () => bobBroadcasts.find((d) => d.channel === 'notifications'));
    t.equal(
      bobBroadcasts.filter((d) => d.channel === 'notifications').length,
      1,
      "notifications is user_specific: bob gets his welcome, not alice's",
    );
    const noToken = await call(gatewayUrl, 'POST', '/webhook/websocket', {
      body: { type: 'channel_broadcast', channel: 'public', message: {} },
    });
    t.equal(noToken.status, 401, 'the webhook needs its token');

    // The seed's "WebSocket Admin Management" curls, on the admin port.
    t.equal((await call(adminBase, 'GET', '/admin/websocket/connections')).status, 401);
    const listed = await admin('GET', '/admin/websocket/connections');
    t.equal(listed.status, 200);
    const conns = listed.body.connections as Array<{ id: string; subject: string }>;
    const aliceConn = conns.find((c) => c.subject === alice.id);
    t.ok(aliceConn, "alice's connection is listed");
    const id = aliceConn?.id ?? '';
    t.match(await admin('GET', `/admin/websocket/connections/${id}`), {
      status: 200,
      body: {
        id,
        subject: alice.id,
        channels: ['notifications', 'user_updates', 'test-broadcast'],
      },
    });
    const channels = await admin('GET', '/admin/websocket/channels');
    t.match(channels.body.channels, [{ channel: 'notifications', subscribers: 2 }]);
    const announcement = {
      type: 'system_announcement',
      title: 'Maintenance Notice',
      body: 'System maintenance scheduled for tonight at 2 AM UTC',
    };
    // notifications is user_specific: the seed's curl, without a user, would reach nobody, so
    // it is refused; the broadcast names its user.
    t.match(
      await admin('POST', '/admin/websocket/channels/notifications/broadcast', {
        message: announcement,
      }),
      {
        status: 400,
        body: { error: 'BAD_REQUEST', message: /notifications.*user_specific.*target_user/ },
      },
    );
    t.match(
      await admin('POST', '/admin/websocket/channels/notifications/broadcast', {
        message: announcement,
        target_user: alice.id,
      }),
      { status: 202, body: { channel: 'notifications' } },
    );
    await waitFor('the announcement', () =>
      aliceBroadcasts.find((d) => (d.message as Json | undefined)?.type === 'system_announcement'),
    );
    t.pass('the admin broadcast reaches the user');
    const direct = nextOf(a.client, 'message');
    t.match(
      await admin('POST', `/admin/websocket/connections/${id}/send`, {
        message: { type: 'direct_message', text: 'Hello from admin!' },
      }),
      { status: 200, body: { sent: true } },
    );
    t.match(await direct, { type: 'direct_message', text: 'Hello from admin!' });
    t.match(await admin('GET', '/admin/websocket/statistics'), {
      status: 200,
      body: { connections: Number, subscriptions: Number, published: Number },
    });
    const doomed = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws?token=${bob.token}`);
    const doomedId = (doomed.received[0]?.data as Json).connection_id as string;
    t.equal((await admin('DELETE', `/admin/websocket/connections/${doomedId}`)).status, 204);
    t.equal((await doomed.closedWithin(5000)).code, 1000, 'disconnected by the admin');
  });

  t.test('Prometheus scrape of metrics_port', async (t) => {
    const token = (await signUp('carol')).token;
    t.equal((await api('GET', '/api/v1/users/me', { token })).status, 200);
    const c = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws?token=${token}`);
    c.send({ type: 'Subscribe', data: { channel: 'notifications' } });
    await c.next((m) => m.type === 'subscribed');
    const samples = await scrape(metricsUrl);
    const sum = (name: string, labels: Record<string, string> = {}) =>
      samples
        .filter(
          (s: PromSample) =>
            s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )
        .reduce((n, s) => n + s.value, 0);
    t.ok(sum('gatewayd_http_requests_total') > 0, 'request series');
    t.ok(
      samples.some(
        (s) => s.name === 'gatewayd_http_requests_total' && /users/.test(JSON.stringify(s.labels)),
      ),
      'a series of the users route',
    );
    t.ok(sum('gatewayd_websocket_connections') >= 1, 'gatewayd_websocket_connections');
    t.ok(
      sum('gatewayd_websocket_messages_received_total') >= 1,
      'gatewayd_websocket_messages_received_total',
    );
    t.ok(
      sum('gatewayd_websocket_messages_sent_total') >= 1,
      'gatewayd_websocket_messages_sent_total',
    );
    t.ok(
      sum('gatewayd_websocket_channel_subscribers', { channel: 'notifications' }) >= 1,
      'gatewayd_websocket_channel_subscribers of notifications',
    );
    t.ok(samples.some((s) => s.name.startsWith('gatewayd_websocket_message_size_bytes')));
  });
});
