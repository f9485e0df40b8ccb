import { SignJWT } from 'jose';
import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const API_KEY = 'hub-test-api-key-0123456789';

const CONFIG = `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
  api_keys:
    keys: [{ name: ingest-app, hash: "${hashApiKey(API_KEY)}", roles: [service] }]
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false, timeout: "0s" }
  - { path: /ws/ops, handler: websocket, required_roles: [admin] }
websocket:
  server:
    { require_auth: true, allow_anonymous: true, ping_interval: 0s, idle_timeout: 0s,
      # Both may upgrade; the site channel then admits only the first.
      allowed_origins: ["https://app.example.com", "https://evil.example"] }
  channels:
    default: { require_auth: false, allow_publish: true }
    chat: { require_auth: false, allow_publish: true, message_history: 5 }
    "instance.status.*": { require_auth: false, allow_publish: true }
    admin: { required_roles: [admin], allow_publish: true }
    notifications: { user_specific: true, allow_publish: true, message_history: 10 }
    announcements: { require_auth: false, allow_publish: false }
    small: { require_auth: false, max_subscribers: 2 }
    site: { require_auth: false, allowed_origins: ["https://app.example.com"] }
observability:
  logging: { level: info, access_log: false }
`;

function token(sub: string, roles: string[] = ['user']): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

async function connect(t: Tap, gw: GatewaydProcess, sub?: string, roles?: string[]) {
  const query = sub === undefined ? '' : `?token=${await token(sub, roles)}`;
  return HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws${query}`);
}

type Tap = Parameters<typeof startGatewayd>[0];

/**
 * Proves a message did NOT arrive: `marker` is published after it on a channel the client also
 * listens to, and delivery on one connection is in order, so once the marker is in, so would be.
 */
async function markerArrives(sender: HubClient, receiver: HubClient, channel: string) {
  const mark = `marker-${Math.random()}`;
  await sender.request({ type: 'publish', channel, data: mark });
  await receiver.next((m) => m.type === 'event' && m.data === mark);
}

t.test('hub routes', async (t) => {
  const gw = await startGatewayd(t, CONFIG);

  t.test('a plain request gets 426; a bad token 401; no token is anonymous', async (t) => {
    const res = await request(gw.url('/ws'));
    t.equal(res.statusCode, 426);
    t.match(await res.body.json(), { error: 'UPGRADE_REQUIRED' });
    t.equal(await HubClient.refusal(`ws://127.0.0.1:${gw.port}/ws?token=not.a.jwt`), 401);
    const anonymous = await connect(t, gw);
    t.match(anonymous.received[0], { type: 'connected', user: null });
    const alice = await connect(t, gw, 'alice');
    t.match(alice.received[0], { type: 'connected', user: 'alice' });
  });

  t.test('an API key authenticates an upgrade; route guards run before it', async (t) => {
    const url = `ws://127.0.0.1:${gw.port}`;
    const app = await HubClient.connect(t, `${url}/ws`, { headers: { 'x-api-key': API_KEY } });
    t.match(app.received[0], { type: 'connected', user: 'ingest-app' });
    const bearer = (jwt: string) => ({ headers: { authorization: `Bearer ${jwt}` } });
    t.equal(await HubClient.refusal(`${url}/ws/ops`), 401);
    t.equal(await HubClient.refusal(`${url}/ws/ops`, bearer(await token('bob'))), 403);
    const ops = await HubClient.connect(t, `${url}/ws/ops`, bearer(await token('root', ['admin'])));
    t.match(ops.received[0], { type: 'connected', user: 'root' });
  });

  t.test('subscribe, publish, unsubscribe', async (t) => {
    const a = await connect(t, gw);
    const b = await connect(t, gw);
    t.match(await a.request({ type: 'subscribe', channel: 'room.1' }), {
      type: 'ack',
      channel: 'room.1',
    });
    await a.request({ type: 'subscribe', channel: 'room.2' });
    const ack = await b.request({ type: 'publish', channel: 'room.1', data: { text: 'hi' } });
    t.match(ack, { type: 'ack', channel: 'room.1', seq: 1 });
    const event = await a.next((m) => m.type === 'event');
    t.match(event, { type: 'event', channel: 'room.1', data: { text: 'hi' }, seq: 1 });
    t.type(event.ts, 'number');
    t.match(await a.request({ type: 'unsubscribe', channel: 'room.1' }), { type: 'ack' });
    await b.request({ type: 'publish', channel: 'room.1', data: 'after unsubscribe' });
    await markerArrives(b, a, 'room.2');
    t.same(a.events('room.1').length, 1, 'nothing after unsubscribing');
    t.match(await a.request({ type: 'unsubscribe', channel: 'room.1' }), {
      type: 'error',
      code: 'NOT_SUBSCRIBED',
    });
  });

  t.test('wildcard subscriptions get the channels they match, and only those', async (t) => {
    const watcher = await connect(t, gw);
    const pub = await connect(t, gw);
    await watcher.request({ type: 'subscribe', channel: 'instance.status.*' });
    await watcher.request({ type: 'subscribe', channel: 'marks' });
    await pub.request({ type: 'publish', channel: 'instance.status.changed', data: { id: 1 } });
    await pub.request({ type: 'publish', channel: 'instance.created', data: { id: 2 } });
    await pub.request({
      type: 'publish',
      channel: 'instance.status.changed.deep',
      data: { id: 3 },
    });
    await markerArrives(pub, watcher, 'marks');
    t.same(
      watcher
        .events()
        .filter((e) => e.channel !== 'marks')
        .map((e) => [e.channel, e.data]),
      [['instance.status.changed', { id: 1 }]],
    );
  });

  t.test('a wildcard does not reach channels governed by another policy', async (t) => {
    const admin = await connect(t, gw, 'root', ['admin']);
    const snoop = await connect(t, gw, 'eve');
    t.match(await snoop.request({ type: 'subscribe', channel: '*' }), { type: 'ack' });
    await admin.request({ type: 'publish', channel: 'admin', data: 'secret' });
    await admin.request({ type: 'publish', channel: 'lobby', data: 'public' });
    await snoop.next((m) => m.type === 'event' && m.channel === 'lobby');
    t.same(
      snoop.events().map((e) => e.channel),
      ['lobby'],
    );
  });

  t.test('channel ACLs: require_auth, required_roles, allow_publish', async (t) => {
    const anonymous = await connect(t, gw);
    const user = await connect(t, gw, 'bob', ['user']);
    const admin = await connect(t, gw, 'root', ['admin']);
    t.match(await anonymous.request({ type: 'subscribe', channel: 'admin' }), {
      type: 'error',
      code: 'UNAUTHORIZED',
    });
    t.match(await user.request({ type: 'subscribe', channel: 'admin' }), {
      type: 'error',
      code: 'FORBIDDEN',
    });
    t.match(await user.request({ type: 'publish', channel: 'admin', data: 1 }), {
      type: 'error',
      code: 'FORBIDDEN',
    });
    t.match(await admin.request({ type: 'subscribe', channel: 'admin' }), { type: 'ack' });
    t.match(await admin.request({ type: 'publish', channel: 'announcements', data: 1 }), {
      type: 'error',
      code: 'FORBIDDEN',
      message: /may not publish/,
    });
    t.match(await anonymous.request({ type: 'subscribe', channel: 'announcements' }), {
      type: 'ack',
    });
  });

  t.test('user_specific: a message for one user never reaches another', async (t) => {
    const alice1 = await connect(t, gw, 'alice');
    const alice2 = await connect(t, gw, 'alice');
    const bob = await connect(t, gw, 'bob');
    for (const c of [alice1, alice2, bob]) {
      t.match(await c.request({ type: 'subscribe', channel: 'notifications' }), { type: 'ack' });
      await c.request({ type: 'subscribe', channel: 'marks2' });
    }
    await alice1.request({ type: 'publish', channel: 'notifications', data: 'for alice' });
    await alice2.next((m) => m.type === 'event' && m.data === 'for alice');
    await markerArrives(alice1, bob, 'marks2');
    t.same(bob.events('notifications'), [], 'bob got nothing');
    const bobAgain = await connect(t, gw, 'bob');
    t.match(await bobAgain.request({ type: 'subscribe', channel: 'notifications', since: 0 }), {
      type: 'ack',
      replayed: 0,
    });
    const aliceAgain = await connect(t, gw, 'alice');
    t.match(await aliceAgain.request({ type: 'subscribe', channel: 'notifications', since: 0 }), {
      type: 'ack',
      replayed: 1,
    });
    t.same(
      aliceAgain.events('notifications').map((e) => e.data),
      ['for alice'],
    );
  });

  t.test('allowed_origins: only connections from those origins', async (t) => {
    const url = `ws://127.0.0.1:${gw.port}/ws`;
    const app = await HubClient.connect(t, url, { origin: 'https://app.example.com' });
    const evil = await HubClient.connect(t, url, { origin: 'https://evil.example' });
    const none = await HubClient.connect(t, url);
    t.match(await app.request({ type: 'subscribe', channel: 'site' }), { type: 'ack' });
    t.match(await evil.request({ type: 'subscribe', channel: 'site' }), { code: 'FORBIDDEN' });
    t.match(await none.request({ type: 'subscribe', channel: 'site' }), { code: 'FORBIDDEN' });
  });

  t.test('max_subscribers: one more gets CHANNEL_FULL', async (t) => {
    const clients = [await connect(t, gw), await connect(t, gw), await connect(t, gw)];
    t.match(await clients[0]!.request({ type: 'subscribe', channel: 'small' }), { type: 'ack' });
    t.match(await clients[1]!.request({ type: 'subscribe', channel: 'small' }), { type: 'ack' });
    t.match(await clients[2]!.request({ type: 'subscribe', channel: 'small' }), {
      type: 'error',
      code: 'CHANNEL_FULL',
    });
    clients[0]!.ws.close();
    await clients[0]!.closed;
    // The hub counts the slot free once it has seen the close; retry until it has.
    let answer = await clients[2]!.request({ type: 'subscribe', channel: 'small' });
    for (let i = 0; i < 50 && answer.type === 'error'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      answer = await clients[2]!.request({ type: 'subscribe', channel: 'small' });
    }
    t.match(answer, { type: 'ack' }, 'a slot frees when a subscriber leaves');
  });

  t.test('history: the last message_history on subscribe, and resume after a seq', async (t) => {
    const pub = await connect(t, gw);
    for (let i = 1; i <= 7; i++) {
      t.match(await pub.request({ type: 'publish', channel: 'chat', data: i }), { seq: i });
    }
    const late = await connect(t, gw);
    t.match(await late.request({ type: 'subscribe', channel: 'chat' }), { replayed: 5 });
    t.same(
      late.events('chat').map((e) => [e.seq, e.data]),
      [
        [3, 3],
        [4, 4],
        [5, 5],
        [6, 6],
        [7, 7],
      ],
    );
    const resumed = await connect(t, gw);
    t.match(await resumed.request({ type: 'subscribe', channel: 'chat', since: 5 }), {
      replayed: 2,
    });
    await pub.request({ type: 'publish', channel: 'chat', data: 8 });
    await resumed.next((m) => m.type === 'event' && m.seq === 8);
    t.same(
      resumed.events('chat').map((e) => e.seq),
      [6, 7, 8],
      'replay, then live, in order',
    );
  });

  t.test('protocol errors are answered with stable codes', async (t) => {
    const c = await connect(t, gw);
    t.match(await c.request({ type: 'launch_rockets' }), { type: 'error', code: 'UNKNOWN_TYPE' });
    t.match(await c.request({ type: 'subscribe', channel: 'bad channel!' }), {
      code: 'BAD_CHANNEL',
    });
    t.match(await c.request({ type: 'publish', channel: 'a.*', data: 1 }), { code: 'BAD_CHANNEL' });
    t.match(await c.request({ type: 'publish', channel: 'a' }), { code: 'BAD_MESSAGE' });
    t.match(await c.request({ type: 'subscribe', channel: 'a', since: -1 }), {
      code: 'BAD_MESSAGE',
    });
    c.ws.send('not json');
    t.match(
      await c.next((m) => m.type === 'error' && m.code === 'BAD_MESSAGE' && m.id === undefined),
      {
        message: /not JSON/,
      },
    );
    c.send({ type: 'ping', id: 'p1' });
    t.match(await c.next((m) => m.type === 'pong' && m.id === 'p1'), { type: 'pong' });
  });
});
