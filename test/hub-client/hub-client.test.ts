import { SignJWT } from 'jose';
import t from 'tap';
import WebSocket from 'ws';
import {
  HubClient,
  HubError,
  type ChannelEvent,
  type HubClientOptions,
  type HubState,
  type SocketConstructor,
} from '../../packages/hub-client/dist/index.js';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

const SECRET = 'a-hub-client-test-secret-long-enough-for-hs256';

const CONFIG = `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, handler: websocket }
  - { path: /td, handler: websocket, message_format: type_data }
websocket:
  server:
    ping_interval: 0s
    auth_grace_period: 10s
    refused_upgrade: close
  channels:
    default: { allow_publish: true, message_history: 100 }
    staff: { required_roles: [admin] }
observability:
  logging: { level: info, access_log: false }
`;

const gw = await startGatewayd(t, CONFIG);

function jwt(sub: string, expiresAt: string | number = '10m'): Promise<string> {
  return new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));
}

/** The `ws` class (Node 20 has no global WebSocket), remembering each socket the client opens. */
function recordingSocket(): { Socket: SocketConstructor; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Recorded extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { Socket: Recorded as unknown as SocketConstructor, sockets };
}

type Tap = Parameters<typeof startGatewayd>[0];

interface Harness {
  hub: HubClient;
  sockets: WebSocket[];
  states: HubState[];
  received: ChannelEvent[];
  tokenCalls: number;
  /** Resolves once the client is in `state` (at once if it is), within 5 s. */
  reach(state: HubState): Promise<void>;
}

function client(t: Tap, options: Partial<HubClientOptions> & { sub?: string } = {}): Harness {
  const { Socket, sockets } = recordingSocket();
  const harness: Harness = {
    hub: null as unknown as HubClient,
    sockets,
    states: [],
    received: [],
    tokenCalls: 0,
    reach: (state) =>
      new Promise((resolve, reject) => {
        if (harness.hub.state === state) return resolve();
        const timer = setTimeout(() => reject(new Error(`not ${state} within 5 s`)), 5000);
        const off = harness.hub.on('state', (now) => {
          if (now !== state) return;
          clearTimeout(timer);
          off();
          resolve();
        });
      }),
  };
  harness.hub = new HubClient({
    url: `ws://127.0.0.1:${gw.port}/ws`,
    WebSocket: Socket,
    token: () => {
      harness.tokenCalls++;
      return jwt(options.sub ?? 'u1');
    },
    backoff: { initialMs: 50, maxMs: 200 },
    ...options,
  });
  harness.hub.on('state', (state) => harness.states.push(state));
  t.teardown(() => harness.hub.close());
  return harness;
}

/** Resolves once `harness` has received `count` events, within 5 s. */
async function eventsReach(harness: Harness, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (harness.received.length < count) {
    if (Date.now() > deadline) throw new Error(`${harness.received.length} of ${count} events`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

t.test('subscribe before connecting, publish with acks, a refusal rejects', async (t) => {
  const a = client(t);
  const b = client(t, { sub: 'u2' });
  const subscribed = a.hub.subscribe('room.1', (_data, event) => a.received.push(event));
  t.equal(a.hub.state, 'connecting', 'subscribe right after the constructor is fine');
  t.match(await subscribed, { channel: 'room.1' });
  const ack = await b.hub.publish('room.1', { text: 'hello' });
  t.match(ack, { channel: 'room.1', seq: Number });
  await eventsReach(a, 1);
  t.match(a.received[0], { channel: 'room.1', data: { text: 'hello' }, seq: ack.seq });
  const refused = await a.hub.subscribe('staff', () => undefined).catch((e: unknown) => e);
  t.ok(refused instanceof HubError, 'the refusal is a HubError');
  t.equal((refused as HubError).code, 'FORBIDDEN');
});

t.test('a dropped connection resumes with since: exactly the missed messages', async (t) => {
  const reader = client(t);
  const writer = client(t, { sub: 'u2' });
  await reader.hub.subscribe('room.2', (_d, e) => reader.received.push(e));
  await writer.hub.publish('room.2', 1);
  await eventsReach(reader, 1);
  const first = reader.sockets.at(-1) as WebSocket;
  first.terminate();
  await reader.reach('reconnecting');
  for (const n of [2, 3, 4]) await writer.hub.publish('room.2', n);
  await reader.reach('open');
  await eventsReach(reader, 4);
  await writer.hub.publish('room.2', 5);
  await eventsReach(reader, 5);
  t.same(
    reader.received.map((e) => e.data),
    [1, 2, 3, 4, 5],
    'each once, in order',
  );
  t.equal(reader.sockets.length, 2, 'one reconnect');
});

t.test('publish while disconnected waits in a bounded queue', async (t) => {
  const c = client(t, { maxQueued: 2 });
  await c.reach('open');
  (c.sockets.at(-1) as WebSocket).terminate();
  await c.reach('reconnecting');
  const queued = [c.hub.publish('room.3', 'a'), c.hub.publish('room.3', 'b')];
  const overflow = await c.hub.publish('room.3', 'c').catch((e: unknown) => e);
  t.equal((overflow as HubError).code, 'QUEUE_FULL', 'beyond maxQueued: rejected at once');
  const acks = await Promise.all(queued);
  t.ok(acks[0]?.seq !== undefined && Number(acks[1]?.seq) === Number(acks[0]?.seq) + 1);
});

t.test('an expired token is replaced in band, on the same connection', async (t) => {
  let calls = 0;
  const c = client(t, {
    // The first token expires in 2 s; the refresh gets a 10-minute one.
    token: () => (++calls === 1 ? jwt('u1', Math.floor(Date.now() / 1000) + 2) : jwt('u1')),
  });
  const connected = new Promise<string>((resolve) =>
    c.hub.on('connected', (info) => resolve(info.connectionId)),
  );
  const id = await connected;
  await c.hub.subscribe('room.4', (_d, e) => c.received.push(e));
  const deadline = Date.now() + 6000;
  while (calls < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(calls, 2, 'the provider was asked again after TOKEN_EXPIRED');
  // The hub closes a connection whose grace period passes without a valid auth; it stays.
  const writer = client(t, { sub: 'u2' });
  await writer.hub.publish('room.4', 'after refresh');
  await eventsReach(c, 1);
  t.equal(c.sockets.length, 1, 'no reconnect');
  const listed = await admin(gw, 'GET', '/admin/websocket/connections');
  const conns = (listed.json as { connections: Array<{ id: string; subject: string }> })
    .connections;
  t.ok(conns.some((conn) => conn.id === id));
});

t.test('a refused token ends in unauthorized without retrying', async (t) => {
  const c = client(t, { token: async () => 'not-a-token' });
  await c.reach('unauthorized');
  const later = await c.hub.publish('room.5', 1).catch((e: unknown) => e);
  t.equal((later as HubError).code, 'UNAUTHORIZED');
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.equal(c.sockets.length, 1, 'one attempt, none after');
  t.same(c.states, ['unauthorized'], 'no reconnecting state in between');
});

t.test('an expired token at connect gets one fresh try', async (t) => {
  let calls = 0;
  const c = client(t, {
    token: () => (++calls === 1 ? jwt('u1', Math.floor(Date.now() / 1000) - 60) : jwt('u1')),
  });
  await c.reach('open');
  t.equal(calls, 2);
  t.equal(c.sockets.length, 2);
});

t.test('a failing token provider is retried, never an unhandled rejection', async (t) => {
  let calls = 0;
  const errors: string[] = [];
  const c = client(t, {
    token: () => {
      if (++calls === 1) return Promise.reject(new Error('token endpoint answered 503'));
      return jwt('u1');
    },
  });
  c.hub.on('error', (e) => errors.push(e.code));
  await c.reach('open');
  t.same(errors, ['TOKEN_UNAVAILABLE']);
  t.ok(c.states.includes('reconnecting'));
});

t.test('the type_data format speaks the same hub', async (t) => {
  const seed = client(t, { url: `ws://127.0.0.1:${gw.port}/td`, format: 'type_data' });
  const native = client(t, { sub: 'u2' });
  await seed.hub.subscribe('room.6', (_d, e) => seed.received.push(e));
  const ack = await native.hub.publish('room.6', { n: 1 });
  await eventsReach(seed, 1);
  t.match(seed.received[0], { channel: 'room.6', data: { n: 1 }, seq: ack.seq });
  t.match(await seed.hub.publish('room.6', { n: 2 }), { channel: 'room.6', seq: Number });
});

t.test('backoff: each wait between half and all of a doubling ceiling, capped', async (t) => {
  let calls = 0;
  const waits: Array<[number, number]> = [];
  const c = client(t, {
    token: () => {
      if (++calls <= 5) return Promise.reject(new Error('token endpoint down'));
      return jwt('u1');
    },
  });
  c.hub.on('error', () => {});
  c.hub.on('state', (state, detail) => {
    if (state === 'reconnecting') waits.push([detail.attempt ?? -1, detail.delayMs ?? -1]);
  });
  await c.reach('open');
  t.same(
    waits.map(([attempt]) => attempt),
    [1, 2, 3, 4, 5],
  );
  // initialMs 50, maxMs 200: ceilings 50, 100, 200, 200, 200.
  waits.forEach(([attempt, delayMs]) => {
    const ceiling = Math.min(200, 50 * 2 ** (attempt - 1));
    t.ok(
      delayMs >= ceiling / 2 && delayMs <= ceiling,
      `attempt ${attempt}: ${delayMs} ms in [${ceiling / 2}, ${ceiling}]`,
    );
  });
});

t.test('close() and reconnect() while a token is awaited open one socket', async (t) => {
  const pending: Array<(token: string) => void> = [];
  const c = client(t, { token: () => new Promise<string>((resolve) => pending.push(resolve)) });
  c.hub.close();
  c.hub.reconnect();
  t.equal(pending.length, 2, 'each connect asked for a token');
  const token = await jwt('u1');
  for (const resolve of pending) resolve(token);
  await c.reach('open');
  await c.hub.subscribe('room.7', () => {});
  t.equal(c.sockets.length, 1, 'the overtaken connect opened nothing');
});
