import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { jsonCall as call } from '../helpers/json-call.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const PASSWORD = 'securepassword123';
/** identity.sessions.inactivity_timeout below; the waits are fractions and multiples of it. */
const IDLE_MS = 1500;

function config(upstream: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, require_session: true, query_parameter: token }
identity:
  sessions: { ttl: 1h, inactivity_timeout: ${IDLE_MS}ms, check_cache: 0s }
  registration: { default_roles: [user] }
routes:
  - { path: /api/*, upstream: svc, auth_required: true }
  - { path: /ws, methods: [GET], handler: websocket }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
websocket:
  server: { ping_interval: 0s, idle_timeout: 0s }
observability:
  logging: { level: info, access_log: false }
`;
}

async function login(gw: GatewaydProcess, username: string): Promise<string> {
  await call(gw, 'POST', '/sessions/register', {
    body: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  const res = await call(gw, 'POST', '/sessions/login', { body: { username, password: PASSWORD } });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

t.test('sessions end after inactivity; requests and hub messages renew them', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(upstream.url));

  t.test('requests keep a session alive past the timeout; silence ends it', async (t) => {
    const token = await login(gw, 'walker');
    const me = await call(gw, 'GET', '/sessions/me', { token });
    t.match(me.body, { session: { inactive_expires_at: /^\d{4}-/ } }, 'the session shows when');
    for (let i = 0; i < 4; i++) {
      await sleep(IDLE_MS / 3);
      t.equal((await call(gw, 'GET', '/api/x', { token })).status, 200, `request ${i + 1}`);
    }
    await sleep(IDLE_MS + 300);
    const ended = await call(gw, 'GET', '/api/x', { token });
    t.equal(ended.status, 401, 'idle for longer than the timeout');
    t.match(ended.body, { error: 'UNAUTHORIZED', message: 'Session has ended' });
  });

  t.test('messages on a hub connection are activity too', async (t) => {
    const token = await login(gw, 'talker');
    const socket = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws?token=${token}`);
    for (let i = 0; i < 4; i++) {
      await sleep(IDLE_MS / 3);
      t.match(await socket.request({ type: 'subscribe', channel: `room${i}` }), { type: 'ack' });
    }
    t.equal(
      (await call(gw, 'GET', '/api/x', { token })).status,
      200,
      'alive after 2 s of messages',
    );
    await sleep(IDLE_MS + 300);
    t.equal(
      (await call(gw, 'GET', '/api/x', { token })).status,
      401,
      'a silent socket does not renew',
    );
  });
});
