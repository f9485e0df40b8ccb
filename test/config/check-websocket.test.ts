import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { compileFileOffline } from '../../engine/runtime/offline-build.js';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

/** Errors and warnings alike, whether or not the config loaded. */
function report(lines: string[]): ConfigProblem[] {
  const result = loadConfigText(lines.join('\n'), 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

function where(p: ConfigProblem): string {
  return `${p.code} ${p.line}:${p.column}`;
}

const UPSTREAM = [
  'upstreams:',
  '  chat:',
  '    discovery: { type: Static, endpoints: ["http://chat:3001"] }',
];

t.test('a hub route needs a websocket block, and GET', async (t) => {
  const found = report([
    'routes:',
    '  - { path: /ws, methods: [POST], handler: websocket }',
    '  - { path: /ws2, handler: websocket, upstream: chat }',
    ...UPSTREAM,
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_WEBSOCKET 2:27',
    'GW_ERR_CONFIG_WEBSOCKET 2:44',
    'GW_ERR_CONFIG_ROUTE_TARGET 3:19',
    'GW_ERR_CONFIG_WEBSOCKET 3:28',
  ]);
  t.match(found[0]?.message, /not GET/);
  t.match(found[1]?.message, /there is no websocket block/);
  t.match(found[2]?.message, /has both upstream and handler/);
});

t.test(
  'message routes: unknown upstream, reserved type; they count as using the upstream',
  async (t) => {
    const found = report([
      'routes:',
      '  - { path: /ws, handler: websocket }',
      'websocket:',
      '  message_routes:',
      '    chat_message: { upstream: chatt, path: /messages, roles: [user] }',
      '    subscribe: { upstream: chat, path: /x }',
      ...UPSTREAM,
    ]);
    t.same(found.map(where), [
      'GW_ERR_CONFIG_UNDEFINED_UPSTREAM 5:31',
      'GW_ERR_CONFIG_WEBSOCKET 6:5',
    ]);
    t.match(found[0], { message: /upstream "chatt"/, hint: /did you mean "chat"/ });
    t.notOk(found.some((p) => p.code === 'GW_WARN_CONFIG_UNUSED_UPSTREAM'));
  },
);

t.test('service event mappings name configured channels', async (t) => {
  const found = report([
    'routes:',
    '  - { path: /ws, handler: websocket }',
    'websocket:',
    '  channels:',
    '    notifications: {}',
    '    "instance.status.*": {}',
    '  routing:',
    '    service_events:',
    '      mappings:',
    '        user.created: notifications',
    '        user.updated: notificatons',
    '        instance.moved: instance.status.moved',
    '        any: "instance.*"',
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_UNDEFINED_CHANNEL 11:23',
    'GW_ERR_CONFIG_UNDEFINED_CHANNEL 13:14',
  ]);
  t.match(found[0]?.hint, /did you mean "notifications"/);
});

t.test('contradictory channel ACLs, ingress without credentials, oversized messages', async (t) => {
  const found = report([
    'routes:',
    '  - { path: /ws, handler: websocket }',
    'websocket:',
    '  server: { max_message_size: 32mb }',
    '  channels:',
    '    mine: { require_auth: false, user_specific: true }',
    '    ops: { require_auth: false, required_roles: [ops] }',
    '  routing:',
    '    persistence: { storage: redis }',
    '  integration:',
    '    webhook: { enabled: true }',
    '    redis_pubsub: { enabled: true, channels: [events] }',
    '    message_queue: { enabled: true, type: rabbitmq, url: "amqp://mq:5672" }',
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_SIZE 4:31',
    'GW_ERR_CONFIG_WEBSOCKET 6:34',
    'GW_ERR_CONFIG_WEBSOCKET 7:33',
    'GW_WARN_CONFIG_LOCAL_HISTORY 9:29',
    'GW_ERR_CONFIG_MISSING_KEY 11:5',
    'GW_ERR_CONFIG_REDIS_REQUIRED 12:5',
    'GW_ERR_CONFIG_MISSING_KEY 13:5',
  ]);
});

t.test('message_queue: url, exchange, binding keys; kafka is not consumed', async (t) => {
  const block = (...lines: string[]) =>
    report([
      'routes:',
      '  - { path: /ws, handler: websocket }',
      'websocket:',
      '  integration:',
      '    message_queue:',
      ...lines.map((l) => `      ${l}`),
    ]);
  t.same(
    block('enabled: true', 'type: rabbitmq', 'url: "amqp://u:p@mq:5672/"', 'exchange: ev'),
    [],
  );
  t.same(block('enabled: false', 'type: rabbitmq', 'url: "http://mq"'), [], 'off: not checked');

  const bad = block('enabled: true', 'url: "http://user:hunter2@mq:5672"', 'exchange_type: direct');
  t.same(bad.map(where), [
    'GW_ERR_CONFIG_MISSING_KEY 5:5',
    'GW_ERR_CONFIG_URL 7:12',
    'GW_ERR_CONFIG_MISSING_KEY 8:22',
  ]);
  t.match(bad[0]?.message, /without an exchange/);
  t.notOk(JSON.stringify(bad).includes('hunter2'), 'the URL password is not quoted');

  const fanout = block(
    'enabled: true',
    'url: "amqp://mq"',
    'exchange: ev',
    'exchange_type: fanout',
    'binding_keys: ["#"]',
  );
  t.same(fanout.map(where), ['GW_WARN_CONFIG_IGNORED_KEY 10:7']);

  const nats = block(
    'enabled: true',
    'type: nats',
    'url: "amqp://mq:5672"',
    'exchange: "events.>"',
    'exchange_type: topic',
  );
  t.same(nats.map(where), ['GW_ERR_CONFIG_URL 8:12', 'GW_WARN_CONFIG_IGNORED_KEY 10:7']);
  t.match(nats[0]?.message, /not a nats:\/\/ or tls:\/\/ URL/);
  t.same(block('enabled: true', 'type: nats', 'url: "nats://tok@mq:4222"', 'exchange: ev'), []);

  const kafka = block('enabled: true', 'type: kafka', 'url: "kafka://mq:9092"', 'exchange: ev');
  t.same(kafka.map(where), ['GW_WARN_CONFIG_NOT_IMPLEMENTED 7:7']);
  t.match(kafka[0]?.message, /kafka ingress is not implemented/);
});

t.test('the hub path clashes with a route: reported at websocket.server.path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-hub-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    [
      'routes:',
      '  - { path: /live, methods: [GET], direct_response: { status: 200 } }',
      'websocket:',
      '  server: { path: /live }',
    ].join('\n'),
  );
  const built = await compileFileOffline(file);
  t.notOk(built.ok);
  if (built.ok) return;
  t.same(built.problems.map(where), ['GW_ERR_CONFIG_ROUTE_SHADOWED 4:19']);
});

t.test('workers without redis: each worker has its own hub', async (t) => {
  const found = report([
    'server: { workers: 2 }',
    'routes:',
    '  - { path: /ws, handler: websocket }',
    'websocket: {}',
  ]);
  t.same(found.map(where), ['GW_WARN_CONFIG_PER_PROCESS_LIMIT 1:20']);
  t.match(found[0]?.message, /its own WebSocket hub/);
});

t.test(
  'a socket.io route takes GET and POST, one upstream, and a timeout above zero',
  async (t) => {
    const found = report([
      'routes:',
      '  - { path: /socket.io/*, websocket: socket.io, upstream: chat, methods: [GET, POST] }',
      '  - { path: /io2/*, websocket: socket.io, upstream: chat, methods: [GET, PUT] }',
      '  - { path: /io3/*, websocket: socket.io, upstreams: [{ name: chat, weight: 1 }] }',
      '  - { path: /io4/*, websocket: socket.io, upstream: chat, timeout: 0s }',
      ...UPSTREAM,
    ]);
    t.same(found.map(where), [
      'GW_ERR_CONFIG_WEBSOCKET_ROUTE 3:59',
      'GW_ERR_CONFIG_WEBSOCKET_ROUTE 4:43',
      'GW_ERR_CONFIG_DURATION 5:68',
    ]);
    t.match(found[0]?.message, /socket.io clients send GET and POST only; PUT can never reach/);
    t.match(found[2]?.message, /would answer 504 at once/);
  },
);
