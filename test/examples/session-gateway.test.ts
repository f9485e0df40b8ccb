import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import WebSocket from 'ws';
import {
  startMessageBackend,
  startWeatherApi,
} from '../../examples/session-gateway/backends/services.mjs';
import { runCli, startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { jsonCall as call } from '../helpers/json-call.js';
import { pick } from '../helpers/pick.js';

const EXAMPLE = fileURLToPath(
  new URL('../../examples/session-gateway/gateway.yaml', import.meta.url),
);
const SECRET = 'session-gateway-example-test-secret-0123456789';
const ADMIN_PASSWORD = 'admin-password-from-the-env';
const SUPERUSER_PASSWORD = 'superuser-password-from-the-env';
const PASSWORD = 'securepassword123';

type Tap = Parameters<typeof startGatewayd>[0];
type Body = Record<string, unknown>;

const baseEnv = {
  JWT_SECRET: SECRET,
  ADMIN_PASSWORD,
  SUPERUSER_PASSWORD,
  PORT: '0',
};

async function start(t: Tap, env: Record<string, string>): Promise<GatewaydProcess> {
  return startGatewayd(t, '', { file: EXAMPLE, env: { ...baseEnv, ...env } });
}

async function login(gw: GatewaydProcess, username: string, password: string) {
  const res = await call(gw, 'POST', '/sessions/login', { body: { username, password } });
  return { res, token: res.body.access_token as string, sid: res.body.session_id as string };
}

function socketUrl(gw: GatewaydProcess, sid: string, token: string): string {
  return `ws://127.0.0.1:${gw.port}/ws/connect?session_id=${sid}&token=${token}`;
}

t.test('gatewayd check passes; the seed timings are the defaults', async (t) => {
  const check = await runCli(['check', EXAMPLE], { ...process.env, ...baseEnv });
  t.equal(check.code, 0, check.stdout + check.stderr);
  t.match(check.stdout, `${EXAMPLE}: OK`);
  const text = readFileSync(EXAMPLE, 'utf8');
  t.match(text, /ping_interval: \$\{WS_PING_INTERVAL:-25s\}/);
  t.match(text, /pong_timeout: \$\{WS_PONG_TIMEOUT:-30s\}/);
  t.match(text, /idle_timeout: \$\{WS_IDLE_TIMEOUT:-60s\}/);
  const routes = await runCli(['routes', EXAMPLE], { ...process.env, ...baseEnv });
  t.equal(routes.code, 0, routes.stderr);
  for (const path of ['/ws/connect', '/ws/health', '/api/register', '/api/list', '/sessions/login'])
    t.match(routes.stdout, path);
  const noAdmin = await runCli(['check', EXAMPLE], {
    ...process.env,
    ...baseEnv,
    ADMIN_PASSWORD: '',
  });
  t.not(noAdmin.code, 0, 'no admin password, no start: there is no admin/admin default');
});

t.test('seed 000 HTTP flows: auth, sessions, admin, health, route registration', async (t) => {
  const external = await startWeatherApi();
  t.teardown(() => external.close());
  const backend = await startMessageBackend();
  t.teardown(() => backend.close());
  const gw = await start(t, { EXTERNAL_API_URL: external.url, BACKEND_URL: backend.url });

  t.same((await call(gw, 'GET', '/health')).body, { status: 'ok' });
  t.match((await call(gw, 'GET', '/ws/health')).body, {
    status: 'healthy',
    gateway_id: String,
    redis_connected: null,
    active_connections: 0,
  });

  const registered = await call(gw, 'POST', '/sessions/register', {
    body: { username: 'testuser', email: 'test@example.com', password: PASSWORD },
  });
  t.equal(registered.status, 201);
  const registeredUser = { username: 'testuser', role: 'user' };
  t.same(pick(registered.body.user, registeredUser), registeredUser);

  const { res, token, sid } = await login(gw, 'testuser', PASSWORD);
  t.equal(res.status, 200);
  t.match(res.body, {
    access_token: /^eyJ/,
    token_type: 'bearer',
    expires_in: 1800,
    user: { username: 'testuser', role: 'user' },
    session_id: String,
  });

  const created = await call(gw, 'POST', '/sessions/create', {
    token,
    body: { user_id: 'testuser', chat_id: 'default' },
  });
  t.equal(created.status, 201);
  const chatSession = created.body.session_id as string;
  t.ok(chatSession);
  t.match((await call(gw, 'GET', `/sessions/${chatSession}`, { token })).body, {
    session_id: chatSession,
    chat_id: 'default',
  });
  const updated = await call(gw, 'POST', `/sessions/update/${chatSession}`, {
    token,
    body: { chat_id: 'default', data: { api_key: 'new-api-key-123' } },
  });
  t.equal(updated.status, 200);
  t.match(updated.body, { data: { api_key: 'new-api-key-123' } });
  const refreshed = await call(gw, 'POST', '/sessions/refresh', { token });
  t.equal(refreshed.status, 200);
  t.equal(refreshed.body.session_id, sid, 'refresh keeps the session');
  t.equal(refreshed.body.expires_in, 1800);

  // Admin: the bootstrap admin from ADMIN_PASSWORD, never admin/admin.
  t.equal((await login(gw, 'admin', 'admin')).res.status, 401);
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  t.equal(admin.res.status, 200);
  const adminUser = { username: 'admin', role: 'admin' };
  t.same(pick(admin.res.body.user, adminUser), adminUser);
  t.equal((await login(gw, 'superuser', SUPERUSER_PASSWORD)).res.status, 200);

  t.equal((await call(gw, 'GET', '/admin/users', { token })).status, 403, 'users are refused');
  const users = await call(gw, 'GET', '/admin/users', { token: admin.token });
  t.equal(users.status, 200);
  t.equal(users.body.total, 3);
  const promoted = await call(gw, 'POST', '/admin/users/promote', {
    token: admin.token,
    body: { username: 'testuser' },
  });
  t.same(pick(promoted.body.user, adminUser), { username: 'testuser', role: 'admin' });
  const demoted = await call(gw, 'POST', '/admin/users/demote', {
    token: admin.token,
    body: { username: 'testuser' },
  });
  t.same(pick(demoted.body.user, registeredUser), registeredUser);
  t.equal(
    (await call(gw, 'GET', '/sessions/admin/all-sessions', { token: admin.token })).status,
    200,
  );

  // Dynamic routes: the seed's weather_api against the fixture external API.
  const api = {
    name: 'weather_api',
    base_url: external.url,
    path: 'v1/current.json',
    method: 'GET',
    require_auth: false,
    ws_supported: false,
  };
  t.equal((await call(gw, 'POST', '/api/register', { token, body: api })).status, 403);
  const reg = await call(gw, 'POST', '/api/register', { token: admin.token, body: api });
  t.equal(reg.status, 201);
  const proxied = await call(gw, 'GET', '/api/proxy/weather_api?key=123&q=London');
  t.equal(proxied.status, 200);
  t.match(proxied.body, {
    path: '/v1/current.json',
    query: { key: '123', q: 'London' },
    location: { name: 'London' },
  });
  const list = await call(gw, 'GET', '/api/list', { token: admin.token });
  t.match(list.body, { total: 1, apis: [{ name: 'weather_api', method: 'GET' }] });
  const ws = await call(gw, 'POST', '/api/register', {
    token: admin.token,
    body: { ...api, name: 'custom_message', ws_supported: true },
  });
  t.equal(ws.status, 400, 'ws_supported is refused with what to configure instead');
  t.match(ws.body.message, /message_routes/);
  const gone = await call(gw, 'DELETE', '/api/unregister?name=weather_api', {
    token: admin.token,
  });
  t.equal(gone.status, 200);
  t.equal((await call(gw, 'GET', '/api/proxy/weather_api?key=123&q=London')).status, 404);

  // Deleting a user ends its sessions: its token no longer works.
  const deleted = await call(gw, 'DELETE', '/sessions/admin/users/testuser', {
    token: admin.token,
  });
  t.equal(deleted.status, 200);
  t.equal((await call(gw, 'GET', `/sessions/${chatSession}`, { token })).status, 401);
});

t.test('seed 000 WebSocket: connected, ping/pong, message types, close codes', async (t) => {
  const backend = await startMessageBackend();
  t.teardown(() => backend.close());
  const gw = await start(t, {
    BACKEND_URL: backend.url,
    WS_PING_INTERVAL: '400ms',
    WS_PONG_TIMEOUT: '800ms',
    WS_IDLE_TIMEOUT: '60s',
  });
  await call(gw, 'POST', '/sessions/register', {
    body: { username: 'wsuser', password: PASSWORD },
  });
  const user = await login(gw, 'wsuser', PASSWORD);
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);

  const client = await HubClient.connect(t, socketUrl(gw, user.sid, user.token));
  const connected = await client.next((m) => m.type === 'connected');
  t.match(connected, { gateway_id: String, user: 'wsuser', ping_interval_ms: 400 });
  t.match((await call(gw, 'GET', '/ws/health')).body, { active_connections: 1 });

  // The seed's client: answer each server ping with a pong, and the connection stays.
  let pongs = 0;
  client.ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as Body;
    if (m.type === 'ping') {
      pongs++;
      client.send({ type: 'pong', timestamp: Date.now() / 1000 });
    }
  });
  await client.next((m) => m.type === 'ping', 3000);
  client.send({ type: 'ping', timestamp: Date.now() / 1000, id: 'client-ping' });
  t.match(await client.next((m) => m.id === 'client-ping'), { type: 'pong' }, 'client ping');

  const ack = await client.request({ type: 'update_api_key', key: 'your-api-key-here' });
  t.match(ack, { type: 'ack', message_type: 'update_api_key', api_key: 'your-api-key-here' });
  t.equal(ack.user_id, 'wsuser', 'the backend got the user context');
  t.match(await client.request({ type: 'chat_message', content: 'Hello WebSocket!' }), {
    type: 'ack',
    data: { delivered: true, content: 'Hello WebSocket!', from: 'wsuser' },
  });
  t.match(await client.request({ type: 'admin_command', command: 'user_stats' }), {
    type: 'error',
    code: 'FORBIDDEN',
  });

  const adminClient = await HubClient.connect(t, socketUrl(gw, admin.sid, admin.token));
  t.match(await adminClient.request({ type: 'admin_command', command: 'user_stats' }), {
    type: 'ack',
    data: { command: 'user_stats', result: { total_users: 3 } },
  });

  // A client that never answers the pings is closed with 1008 once the pong timeout passes.
  const timedOut = await adminClient.closed;
  t.equal(timedOut.code, 1008, 'pong timeout: 1008');
  t.ok(pongs >= 1, 'the answering client got pings');
  t.equal(client.ws.readyState, WebSocket.OPEN, 'the client that answers stays connected');

  // A bad token is refused at the upgrade.
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(socketUrl(gw, user.sid, 'not-a-token'));
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('error', () => undefined);
    ws.on('open', () => resolve(101));
  });
  t.equal(refused, 401);
});

t.test('seed 000 WebSocket: 1000 after the idle timeout', async (t) => {
  const gw = await start(t, { WS_PING_INTERVAL: '0s', WS_IDLE_TIMEOUT: '600ms' });
  const user = await login(gw, 'admin', ADMIN_PASSWORD);
  const client = await HubClient.connect(t, socketUrl(gw, user.sid, user.token));
  const closed = await client.closed;
  t.equal(closed.code, 1000);
  t.match(closed.reason, /idle/);
});
