import t, { type Test } from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { HubClient, SECRET, WEBHOOK_TOKEN, jwt, sleep } from './hub-helpers.js';

const ADMIN_TOKEN = 'admin-token-for-hubnet-tests';

function config(redisUrl: string, extra = ''): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${redisUrl}" }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false, timeout: "0s" }
websocket:
  server: { require_auth: true, ping_interval: "0s", idle_timeout: "0s" }
  channels:
    default: { require_auth: true, message_history: 50, allow_publish: true }
    notifications: { user_specific: true, message_history: 20 }
    news: { allow_publish: false }
    'presence.*': { required_roles: [admin] }
  routing:
    service_events: { enabled: true, mappings: { "user.created": notifications, "news.posted": news } }
    persistence: { enabled: true, ttl: 1h }
  integration:
    webhook: { enabled: true, auth_token: "${WEBHOOK_TOKEN}" }
${extra}
observability:
  logging: { level: info, access_log: false }
`;
}

async function client(gw: GatewaydProcess, sub: string, claims = {}): Promise<HubClient> {
  const c = await HubClient.connect(`ws://127.0.0.1:${gw.port}/ws?token=${await jwt(sub, claims)}`);
  await c.next((f) => f.type === 'connected');
  return c;
}

async function webhook(gw: GatewaydProcess, body: unknown, token = WEBHOOK_TOKEN) {
  const res = await request(gw.url('/webhook/websocket'), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

async function twoInstances(t: Test, extra = '') {
  const redis = await startRedis(t);
  if (!redis) return null;
  const a = await startGatewayd(t, config(redis.url, extra));
  const b = await startGatewayd(t, config(redis.url, extra));
  return { redis, a, b };
}

// The first three tests share two instances and their Redis (each on channels and users of its
// own); the last one stops Redis, so it has its own.
const shared = await twoInstances(t);

t.test(
  'two instances: a publish on one reaches a subscriber on the other exactly once',
  async (t) => {
    const setup = shared;
    if (!setup) return;
    const { a, b } = setup;
    const channel = `room${process.pid}`;
    const onA = await client(a, 'alice');
    const onB = await client(b, 'bob');
    t.teardown(() => {
      onA.close();
      onB.close();
    });
    t.match(await onA.subscribe(channel), { type: 'ack' });
    t.match(await onB.subscribe(channel), { type: 'ack' });

    onA.send({ type: 'publish', channel, data: { text: 'hello' }, id: 'p1' });
    const got = await onB.next((f) => f.type === 'event' && f.channel === channel);
    t.match(got, { channel, data: { text: 'hello' } });
    await onA.next((f) => f.type === 'event' && f.channel === channel);
    await sleep(300); // a bounded wait for any duplicate
    t.equal(onB.events(channel).length, 1, 'exactly once on the other instance');
    t.equal(onA.events(channel).length, 1, 'exactly once on the publishing instance');

    // History replay on B of what was published on A.
    for (let i = 0; i < 3; i++) onA.send({ type: 'publish', channel, data: i, id: `h${i}` });
    await onB.next((f) => f.type === 'event' && f.data === 2);
    const late = await client(b, 'carol');
    t.teardown(() => late.close());
    const firstSeq = got.seq as number;
    await late.subscribe(channel, firstSeq);
    await late.next((f) => f.type === 'event' && f.data === 2);
    t.same(
      late.events(channel).map((f) => f.data),
      [0, 1, 2],
      'replayed on B after the seq seen, from the Redis history',
    );
    t.same(
      late.events(channel).map((f) => f.seq),
      [firstSeq + 1, firstSeq + 2, firstSeq + 3],
      'one sequence across instances',
    );
  },
);

t.test('webhook on A reaches the user connected to B, and only that user', async (t) => {
  const setup = shared;
  if (!setup) return;
  const { a, b } = setup;
  const user = `u${process.pid}`;
  const target = await client(b, user);
  const other = await client(b, `${user}-other`);
  t.teardown(() => {
    target.close();
    other.close();
  });
  t.match(await target.subscribe('notifications'), { type: 'ack' });
  t.match(await other.subscribe('notifications'), { type: 'ack' });

  const sent = await webhook(a, {
    type: 'user_notification',
    target_user: user,
    channel: 'notifications',
    message: { title: 'Welcome!' },
  });
  t.equal(sent.status, 202);
  t.match(sent.json, { status: 'accepted', channel: 'notifications', seq: Number });
  const got = await target.next((f) => f.type === 'event' && f.channel === 'notifications');
  t.same(got.data, { title: 'Welcome!' });
  t.equal(got.seq, sent.json.seq, 'the seq the webhook answered');

  // A mapped service event and a broadcast.
  const news = `news`;
  t.match(await other.subscribe(news), { type: 'ack' });
  const event = await webhook(a, { event: 'news.posted', data: { id: 1 } });
  t.equal(event.status, 202);
  await other.next((f) => f.type === 'event' && f.channel === news);
  const broadcast = await webhook(a, { type: 'channel_broadcast', channel: news, message: 'hi' });
  t.equal(broadcast.status, 202);
  await other.next((f) => f.type === 'event' && f.data === 'hi');
  await sleep(300);
  t.equal(
    other.events('notifications').length,
    0,
    "another user subscribed to the same channel never gets the user's message",
  );
  t.equal(target.events('notifications').length, 1);
});

t.test('webhook refusals', async (t) => {
  const setup = shared;
  if (!setup) return;
  const { a } = setup;
  const wrong = await webhook(a, { type: 'channel_broadcast', channel: 'x', data: 1 }, 'nope');
  t.equal(wrong.status, 401);
  t.match(wrong.json, { error: 'UNAUTHORIZED', status_code: 401, request_id: String });
  for (const [body, reason] of [
    ['not json', /not JSON/],
    [{ type: 'shout', channel: 'x', data: 1 }, /type: expected/],
    [{ event: 'unknown.event', data: 1 }, /no service_events mapping/],
    [{ type: 'user_notification', data: 1 }, /target_user: required/],
    [{ channel: 'a.*', data: 1 }, /not a pattern/],
    [{ event: 'user.created', data: 1 }, /"notifications" is user_specific: give target_user/],
    [{ type: 'channel_broadcast', channel: 'notifications', data: 1 }, /user_specific/],
  ] as const) {
    const res = await webhook(a, body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(res.json, { error: 'BAD_REQUEST', message: reason });
  }
  const get = await request(a.url('/webhook/websocket'));
  t.equal(get.statusCode, 405, 'POST only');
  await get.body.dump();
});

t.test('webhook answers 503 while Redis is down; sockets stay open', async (t) => {
  const setup = await twoInstances(t);
  if (!setup?.redis.controllable) return;
  const { a, redis } = setup;
  const c = await client(a, 'dora');
  t.teardown(() => c.close());
  await c.subscribe('room');
  await redis.stop();
  const down = await webhook(a, { type: 'channel_broadcast', channel: 'room', data: 1 });
  t.equal(down.status, 503);
  t.match(down.json, { error: 'SERVICE_UNAVAILABLE' });
  c.send({ type: 'publish', channel: 'room', data: 2, id: 'down' });
  t.match(await c.next((f) => f.id === 'down'), { type: 'error' }, 'the publisher hears of it');
  await redis.restart();
  let status = 0;
  const end = Date.now() + 8000;
  while (status !== 202 && Date.now() < end) {
    status = (await webhook(a, { type: 'channel_broadcast', channel: 'room', data: 3 })).status;
    if (status !== 202) await sleep(100);
  }
  t.equal(status, 202, 'accepted again after Redis is back');
  await c.next((f) => f.type === 'event' && f.data === 3, 5000);
  t.pass('the connection stayed open and receives again');
});
