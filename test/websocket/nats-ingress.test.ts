import t from 'tap';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startNats } from '../helpers/nats.js';
import { pollUntil } from '../helpers/redis.js';
import { HubClient, SECRET, jwt } from './hub-helpers.js';

function config(natsUrl: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
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
    service_events: { mappings: { "events.system.alert": alerts } }
  integration:
    message_queue: { enabled: true, type: nats, url: "${natsUrl}", exchange: "events.>" }
observability:
  logging: { level: info, access_log: false }
`;
}

function consuming(gw: GatewaydProcess, from = 0): Promise<unknown> {
  return gw.waitForLog((l) => l.msg === 'message_queue ingress: consuming', 20_000, from);
}

t.test('NATS ingress: subjects reach hub channels, and again after a server restart', async (t) => {
  const nats = await startNats(t);
  if (!nats) return;
  const gw = await startGatewayd(t, config(nats.url));
  await consuming(gw);
  const client = await HubClient.connect(`ws://127.0.0.1:${gw.port}/ws?token=${await jwt('nat')}`);
  t.teardown(() => client.close());
  await client.next((f) => f.type === 'connected');
  await client.subscribe('alerts');

  let pub: NatsConnection = await connect({
    servers: nats.url.replace(/^nats:\/\/[^@]+@/, ''),
    user: 'gatewayd-test',
    pass: nats.password,
  });
  const publish = async (subject: string, body: unknown): Promise<void> => {
    pub.publish(subject, typeof body === 'string' ? body : JSON.stringify(body));
    await pub.flush();
  };
  await publish('events.system.alert', { data: { level: 'from the subject' } });
  t.match(await client.next((f) => f.type === 'event'), {
    channel: 'alerts',
    data: { level: 'from the subject' },
  });
  await publish('events.other', 'not json');
  await pollUntil(
    'the bad message is dropped',
    () => Promise.resolve(gw.logs.some((l) => l.msg === 'message_queue ingress: message dropped')),
    5000,
  );

  await pub.close();
  const from = gw.logs.length;
  await nats.stop();
  await gw.waitForLog((l) => l.msg === 'message_queue ingress: connection lost', 10_000, from);
  await nats.restart();
  await consuming(gw, from);
  pub = await connect({
    servers: nats.url.replace(/^nats:\/\/[^@]+@/, ''),
    user: 'gatewayd-test',
    pass: nats.password,
  });
  t.teardown(() => pub.close());
  await publish('events.system.alert', { event: 'events.system.alert', data: { level: 'after' } });
  t.match(
    await client.next(
      (f) => f.type === 'event' && (f.data as { level: string }).level === 'after',
      10_000,
    ),
    { channel: 'alerts' },
    'delivery resumes after the server restarts',
  );
  t.match((await admin(gw, 'GET', '/admin/websocket/statistics')).json, {
    message_queue: {
      type: 'nats',
      exchange: 'events.>',
      queue: null,
      connected: true,
      delivered: 2,
      dropped: 1,
    },
  });
  const logs = JSON.stringify(gw.logs) + gw.stderr;
  t.notOk(logs.includes(nats.password), 'the password is never logged');
});
