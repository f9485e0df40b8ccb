import { SignJWT } from 'jose';
import t from 'tap';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

function token(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET));
}

t.test('message_routes: seed 000 user and admin message types', async (t) => {
  const chat = await UpstreamServer.start(t, {
    '/messages': (req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ stored: true, echo: JSON.parse(body) as unknown }));
      });
    },
    '/admin': (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ users: 42 }));
    },
    '/slow': () => undefined,
    '/broken': (_req, res) => {
      res.statusCode = 500;
      res.end('database down');
    },
  });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false }
upstreams:
  chat: { discovery: { type: Static, endpoints: ["${chat.url}"] } }
  nowhere: { discovery: { type: Static, endpoints: ["http://127.0.0.1:1"] } }
websocket:
  server: { ping_interval: 0s, idle_timeout: 0s }
  message_routes:
    chat_message: { upstream: chat, path: /messages, roles: [user, admin] }
    admin_command: { upstream: chat, path: /admin, roles: [admin] }
    slow_command: { upstream: chat, path: /slow, timeout: 300ms }
    broken_command: { upstream: chat, path: /broken }
    lost_command: { upstream: nowhere, path: /x }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const user = await HubClient.connect(t, `${url}?token=${await token('u1', ['user'])}`);
  const admin = await HubClient.connect(t, `${url}?token=${await token('a1', ['admin'])}`);

  const reply = await user.request({ type: 'chat_message', content: 'Hello WebSocket!' });
  t.match(reply, {
    type: 'ack',
    message_type: 'chat_message',
    status: 200,
    data: { stored: true, echo: { type: 'chat_message', content: 'Hello WebSocket!' } },
  });
  const seen = chat.seen.find((r) => r.url === '/messages');
  t.equal(seen?.method, 'POST');
  t.equal(seen?.headers['x-user-id'], 'u1', 'context headers go upstream');
  t.equal(seen?.headers['x-user-roles'], 'user');
  t.equal(seen?.headers['content-type'], 'application/json');
  t.ok(seen?.headers['x-websocket-connection-id'], 'the connection id goes upstream');

  t.match(await user.request({ type: 'admin_command', command: 'user_stats' }), {
    type: 'error',
    code: 'FORBIDDEN',
  });
  t.notOk(
    chat.seen.some((r) => r.url === '/admin'),
    'a refused message never reaches the upstream',
  );
  t.match(await admin.request({ type: 'admin_command', command: 'user_stats' }), {
    type: 'ack',
    data: { users: 42 },
  });
  t.match(await user.request({ type: 'slow_command' }), { code: 'UPSTREAM_TIMEOUT' });
  t.match(await user.request({ type: 'broken_command' }), {
    code: 'UPSTREAM_ERROR',
    status: 500,
    message: 'database down',
  });
  t.match(await user.request({ type: 'lost_command' }), { code: 'BAD_GATEWAY' });
  t.equal(user.ws.readyState, user.ws.OPEN, 'upstream failures do not close the socket');
});

t.test(
  'message_routes reply: merge puts a JSON object reply at the top level of the ack',
  async (t) => {
    const keys = await UpstreamServer.start(t, {
      '/keys': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ api_key: 'stored-key', type: 'spoofed', status: 999 }));
      },
      '/list': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify([1, 2]));
      },
    });
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false }
upstreams:
  keys: { discovery: { type: Static, endpoints: ["${keys.url}"] } }
websocket:
  server: { ping_interval: 0s, idle_timeout: 0s }
  message_routes:
    update_api_key: { upstream: keys, path: /keys, reply: merge }
    list_keys: { upstream: keys, path: /list, reply: merge }
    plain_keys: { upstream: keys, path: /keys, reply: data }
observability:
  logging: { level: info, access_log: false }
`,
    );
    const url = `ws://127.0.0.1:${gw.port}/ws?token=${await token('u1', ['user'])}`;
    const user = await HubClient.connect(t, url);
    const merged = await user.request({ type: 'update_api_key', key: 'k-1' });
    t.same(
      merged,
      {
        type: 'ack',
        id: merged.id,
        message_type: 'update_api_key',
        status: 200,
        api_key: 'stored-key',
      },
      'the reply fields sit beside the ack fields, which keep their own values',
    );
    t.notOk('data' in merged, 'no data field when the reply is merged');
    t.match(await user.request({ type: 'list_keys' }), { type: 'ack', status: 200, data: [1, 2] });
    t.match(await user.request({ type: 'plain_keys' }), {
      type: 'ack',
      data: { api_key: 'stored-key' },
    });
  },
);
