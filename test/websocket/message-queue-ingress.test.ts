import t, { type Test } from 'tap';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRabbitmq, type RabbitmqHandle } from '../helpers/rabbitmq.js';
import { pollUntil, startRedis } from '../helpers/redis.js';
import { HubClient, SECRET, jwt } from './hub-helpers.js';

const EXCHANGE = 'websocket_events';

function config(amqpUrl: string, redisUrl?: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
${redisUrl === undefined ? '' : `redis: { url: "${redisUrl}" }`}
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false, timeout: "0s" }
websocket:
  server: { ping_interval: "0s", idle_timeout: "0s" }
  channels:
    alerts: {}
  routing:
    service_events: { mappings: { "system.alert": alerts } }
  integration:
    message_queue:
      enabled: true
      type: rabbitmq
      url: "${amqpUrl}"
      exchange: ${EXCHANGE}
observability:
  logging: { level: info, access_log: false }
`;
}

/** A service publishing to the exchange; reconnects when asked (after a broker restart). */
class Publisher {
  private conn: ChannelModel | null = null;
  private ch: Channel | null = null;

  constructor(private readonly url: string) {}

  async send(routingKey: string, body: unknown): Promise<void> {
    if (this.ch === null) {
      this.conn = await connect(this.url);
      this.conn.on('error', () => undefined);
      this.ch = await this.conn.createChannel();
    }
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    this.ch.publish(EXCHANGE, routingKey, content);
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    this.ch = null;
    await conn?.close().catch(() => undefined);
  }
}

async function subscriber(gw: GatewaydProcess, sub: string): Promise<HubClient> {
  const c = await HubClient.connect(`ws://127.0.0.1:${gw.port}/ws?token=${await jwt(sub)}`);
  await c.next((f) => f.type === 'connected');
  await c.subscribe('alerts');
  return c;
}

function consuming(gw: GatewaydProcess, from = 0): Promise<unknown> {
  return gw.waitForLog((l) => l.msg === 'message_queue ingress: consuming', 30_000, from);
}

/** The password of the broker URL appears in no log line and not on stderr. */
function assertNoPassword(t: Test, gw: GatewaydProcess, rabbit: RabbitmqHandle): void {
  const text = JSON.stringify(gw.logs) + gw.stderr;
  t.notOk(text.includes(rabbit.password), 'the broker password is never logged');
  t.ok(text.includes('***@127.0.0.1'), 'the broker is logged with its password masked');
}

t.test('RabbitMQ ingress', async (t) => {
  const booting = Date.now();
  const rabbit = await startRabbitmq(t);
  if (!rabbit) return;
  t.comment(`rabbitmq-server ready in ${Date.now() - booting} ms`);
  const publisher = new Publisher(rabbit.url);
  t.teardown(() => publisher.close());
  // The gateway comes first: it declares the exchange the publisher sends to.
  const gw = await startGatewayd(t, config(rabbit.url));
  await consuming(gw);
  const client = await subscriber(gw, 'carol');
  t.teardown(() => client.close());

  await t.test('events published to the exchange reach hub channels', async (t) => {
    await publisher.send('system.alert', { event: 'system.alert', data: { level: 'high' } });
    t.match(await client.next((f) => f.type === 'event'), {
      channel: 'alerts',
      data: { level: 'high' },
    });
    await publisher.send('system.alert', { data: { level: 'from the routing key' } });
    t.match(
      await client.next(
        (f) => f.type === 'event' && (f.data as { level: string }).level === 'from the routing key',
      ),
      { channel: 'alerts' },
      'a body without event, type or channel takes its event from the routing key',
    );
    await publisher.send('x', 'not json');
    await publisher.send('unmapped.event', { data: 1 });
    const dropped = (): number =>
      gw.logs.filter((l) => l.msg === 'message_queue ingress: message dropped').length;
    await pollUntil('two messages dropped', () => Promise.resolve(dropped() === 2), 5000);
    const reasons = gw.logs
      .filter((l) => l.msg === 'message_queue ingress: message dropped')
      .map((l) => l.reason);
    t.same(reasons, [
      'the message is not JSON',
      'event "unmapped.event" has no service_events mapping',
    ]);
    const stats = await admin(gw, 'GET', '/admin/websocket/statistics');
    t.match(stats.json, {
      message_queue: { exchange: EXCHANGE, queue: null, connected: true, delivered: 2, dropped: 2 },
    });
  });

  await t.test('delivery resumes after the broker restarts', async (t) => {
    await publisher.close();
    const from = gw.logs.length;
    await rabbit.stop();
    await gw.waitForLog((l) => l.msg === 'message_queue ingress: connection lost', 10_000, from);
    const restarting = Date.now();
    await rabbit.restart();
    t.comment(`rabbitmq-server ready again in ${Date.now() - restarting} ms`);
    const reconnecting = await gw.waitForLog(
      (l) => l.msg === 'message_queue ingress: reconnecting',
      5000,
      from,
    );
    t.match(reconnecting, { attempt: Number, delay_ms: Number });
    await consuming(gw, from);
    await publisher.send('system.alert', { event: 'system.alert', data: { level: 'after' } });
    t.match(
      await client.next(
        (f) => f.type === 'event' && (f.data as { level: string }).level === 'after',
        10_000,
      ),
      { channel: 'alerts' },
    );
    const stats = await admin(gw, 'GET', '/admin/websocket/statistics');
    t.match(stats.json, { message_queue: { connected: true, reconnects: Number } });
    assertNoPassword(t, gw, rabbit);
  });

  await t.test('with Redis, instances share one queue: each event once everywhere', async (t) => {
    const redis = await startRedis(t);
    if (!redis) return;
    const [a, b] = await Promise.all([
      startGatewayd(t, config(rabbit.url, redis.url)),
      startGatewayd(t, config(rabbit.url, redis.url)),
    ]);
    await Promise.all([consuming(a), consuming(b)]);
    const [onA, onB] = await Promise.all([subscriber(a, 'dave'), subscriber(b, 'erin')]);
    t.teardown(() => {
      onA.close();
      onB.close();
    });
    for (let i = 1; i <= 4; i++) {
      await publisher.send('system.alert', { event: 'system.alert', data: { n: i } });
    }
    const delivered = async (gw: GatewaydProcess): Promise<number> =>
      (
        (await admin(gw, 'GET', '/admin/websocket/statistics')).json as {
          message_queue: { delivered: number; queue: string };
        }
      ).message_queue.delivered;
    await pollUntil(
      'both clients have the four events',
      () => Promise.resolve(onA.events('alerts').length >= 4 && onB.events('alerts').length >= 4),
      10_000,
    );
    await pollUntil(
      'the two instances took four messages between them',
      async () => (await delivered(a)) + (await delivered(b)) === 4,
      5000,
    );
    const numbers = (c: HubClient) =>
      c
        .events('alerts')
        .map((f) => (f.data as { n: number }).n)
        .sort();
    t.same(numbers(onA), [1, 2, 3, 4], 'each event once on instance A');
    t.same(numbers(onB), [1, 2, 3, 4], 'each event once on instance B');
    t.match((await admin(a, 'GET', '/admin/websocket/statistics')).json, {
      message_queue: { queue: `gatewayd.${EXCHANGE}` },
    });
  });
});
