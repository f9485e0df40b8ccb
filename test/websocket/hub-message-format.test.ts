import { SignJWT } from 'jose';
import t from 'tap';
import { checkWebSocket } from '../../engine/websocket/check-websocket.js';
import { GatewayWebSocketClient } from '../fixtures/microservices/seed-websocket-client.mjs';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient, type HubMessage } from '../helpers/hub-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

// Seed 001's client connects to <gateway>/ws, so the type_data route is /ws; /hub is native.
const CONFIG = `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, handler: websocket, message_format: type_data }
  - { path: /hub, handler: websocket }
websocket:
  server: { require_auth: true, ping_interval: 0s, idle_timeout: 0s }
  channels:
    default: { allow_publish: true }
    notifications: { allow_publish: true, message_history: 10 }
    admin: { required_roles: [admin], allow_publish: true }
observability:
  logging: { level: warn, access_log: false }
`;

type Tap = Parameters<typeof startGatewayd>[0];

function token(sub: string, roles: string[] = ['user']): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

/** Resolves with the `data` of the next server message of `type` the seed's client handles. */
function nextOf(
  client: GatewayWebSocketClient,
  type: string,
  ms = 5000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" within ${ms} ms`)), ms);
    client.onMessage(type, (data) => {
      clearTimeout(timer);
      client.messageHandlers.delete(type);
      resolve(data);
    });
  });
}

/** The seed's client, connected and authenticated the way its guide does it. */
async function seedClient(t: Tap, gw: GatewaydProcess, sub: string, roles?: string[]) {
  const client = new GatewayWebSocketClient(`ws://127.0.0.1:${gw.port}`, await token(sub, roles));
  const authenticated = nextOf(client, 'auth_success');
  client.connect();
  t.teardown(() => {
    // The class reconnects 5 s after any close; a finished test must not.
    client.connect = () => undefined;
    client.ws?.terminate();
  });
  return { client, auth: await authenticated };
}

t.test('message_format: type_data speaks seed 001 client dialect', async (t) => {
  const gw = await startGatewayd(t, CONFIG);

  t.test('the seed client: Auth, Subscribe, Broadcast, Error', async (t) => {
    const alice = await seedClient(t, gw, 'alice');
    t.match(alice.auth, { authenticated: true, user: 'alice' }, 'Auth → auth_success');
    t.type(alice.auth.expires_at, 'number');

    const subscribed = nextOf(alice.client, 'subscribed');
    alice.client.subscribe('notifications');
    t.match(await subscribed, { channel: 'notifications', replayed: 0 });

    const bob = await seedClient(t, gw, 'bob');
    const received = nextOf(alice.client, 'broadcast');
    const sent = nextOf(bob.client, 'broadcast_sent');
    bob.client.broadcast('notifications', { text: 'Hello World!' });
    t.match(await sent, { channel: 'notifications', seq: 1 });
    t.match(
      await received,
      { channel: 'notifications', message: { text: 'Hello World!' }, seq: 1 },
      "another subscriber gets it as the seed's `broadcast` (data.channel, data.message)",
    );

    const refused = nextOf(alice.client, 'Error');
    alice.client.subscribe('admin');
    t.match(await refused, { code: 'FORBIDDEN', message: /admin/ }, 'Error on a forbidden channel');

    const left = nextOf(alice.client, 'unsubscribed');
    alice.client.unsubscribe('notifications');
    t.match(await left, { channel: 'notifications' });
  });

  t.test('both formats on one gateway share channels and history', async (t) => {
    const bearer = { headers: { authorization: `Bearer ${await token('carol')}` } };
    const typeData = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws`, bearer);
    const native = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/hub`, bearer);
    t.match(typeData.received[0], { type: 'connected', data: { user: 'carol' } });
    t.match(native.received[0], { type: 'connected', user: 'carol' });
    t.notOk('data' in (native.received[0] as HubMessage));

    typeData.send({ type: 'Subscribe', data: { channel: 'mixed' }, id: 1 });
    t.match(await typeData.next((m) => m.type === 'subscribed'), {
      id: 1,
      data: { channel: 'mixed', replayed: 0 },
    });
    t.match(await native.request({ type: 'subscribe', channel: 'mixed' }), { type: 'ack' });

    t.match(await native.request({ type: 'publish', channel: 'mixed', data: { n: 1 } }), {
      type: 'ack',
      seq: 1,
    });
    t.match(await typeData.next((m) => m.type === 'broadcast'), {
      data: { channel: 'mixed', message: { n: 1 }, seq: 1 },
    });
    t.match(await native.next((m) => m.type === 'event'), {
      channel: 'mixed',
      data: { n: 1 },
      seq: 1,
    });

    typeData.send({ type: 'Broadcast', data: { channel: 'mixed', message: { n: 2 } } });
    t.match(await native.next((m) => m.type === 'event' && m.seq === 2), { data: { n: 2 } });
    t.match(await typeData.next((m) => m.type === 'broadcast' && sequence(m) === 2), {
      data: { message: { n: 2 } },
    });

    // History is the channel's, not the format's: a late type_data subscriber gets it replayed.
    const stored = await native.request({ type: 'publish', channel: 'notifications', data: 'h' });
    const late = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws`, bearer);
    late.send({ type: 'Subscribe', data: { channel: 'notifications', since: 0 } });
    const replay = await late.next((m) => m.type === 'subscribed');
    const replayed = (replay.data as { replayed: number }).replayed;
    t.ok(replayed >= 1, 'notifications history replayed');
    const history = late.received.filter((m) => m.type === 'broadcast');
    t.equal(history.length, replayed);
    t.match(history.at(-1), { data: { channel: 'notifications', message: 'h', seq: stored.seq } });
  });

  t.test('what type_data refuses, and pings', async (t) => {
    const url = `ws://127.0.0.1:${gw.port}/ws?token=${await token('dave')}`;
    const c = await HubClient.connect(t, url);
    const error = async (frame: Record<string, unknown>) => {
      const before = c.received.length;
      c.send(frame);
      return c.next((m) => m.type === 'Error' && c.received.indexOf(m) >= before);
    };
    t.match(await error({ type: 'subscribe', channel: 'x' }), {
      data: { code: 'BAD_MESSAGE', message: /native hub message/ },
    });
    t.match(await error({ type: 'Broadcast', data: { channel: 'x' } }), {
      data: { code: 'BAD_MESSAGE', message: /data\.message/ },
    });
    t.match(await error({ type: 'Subscribe', data: 'notifications' }), {
      data: { code: 'BAD_MESSAGE' },
    });
    t.match(await error({ type: 'Nope', data: {}, id: 'x1' }), {
      id: 'x1',
      data: { code: 'UNKNOWN_TYPE' },
    });
    c.send({ type: 'Ping', id: 7 });
    t.match(await c.next((m) => m.type === 'pong'), { id: 7, data: { ts: Number } });

    const native = await HubClient.connect(
      t,
      `ws://127.0.0.1:${gw.port}/hub?token=${await token('dave')}`,
    );
    t.match(await native.request({ type: 'Subscribe', data: { channel: 'x' } }), {
      type: 'error',
      code: 'UNKNOWN_TYPE',
    });
  });
});

t.test('config checks of message_format', async (t) => {
  const problems = checkWebSocket({
    routes: [{ path: '/api', upstream: 'api', message_format: 'type_data' }],
    upstreams: { api: { discovery: { type: 'Static', endpoints: ['http://127.0.0.1:1'] } } },
    websocket: { message_routes: { Broadcast: { upstream: 'api', path: '/b' } } },
  } as Parameters<typeof checkWebSocket>[0]);
  t.match(problems, [
    {
      severity: 'warning',
      code: 'GW_WARN_CONFIG_IGNORED_KEY',
      path: ['routes', 0, 'message_format'],
    },
    { severity: 'error', path: ['websocket', 'message_routes', 'Broadcast'] },
  ]);
});

function sequence(m: HubMessage): unknown {
  return (m.data as { seq?: unknown } | undefined)?.seq;
}
