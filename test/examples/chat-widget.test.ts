import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startBackendApi } from '../../examples/chat-widget/backends/backend-api.mjs';
import { startBackendSocket } from '../../examples/chat-widget/backends/backend-socket.mjs';
import { startBackendSocketIo } from '../../examples/chat-widget/backends/backend-socket-io.mjs';
import { io as socketIoClient } from 'socket.io-client';
import { signChatToken, verifyChatToken } from '../../examples/chat-widget/backends/chat-token.mjs';
import { runCli, startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { connect, type OpenClient } from '../helpers/ws-client.js';

const CONFIG = fileURLToPath(new URL('../../examples/chat-widget/gateway.yaml', import.meta.url));
const API_KEY = `gwk_${randomBytes(24).toString('base64url')}`;
const JWT_SECRET = new TextEncoder().encode(randomBytes(32).toString('hex'));
const TENANT = 'tenant-123';

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

async function nextFrame(client: OpenClient): Promise<Frame> {
  return JSON.parse(String((await client.next()).data)) as Frame;
}

/** Opens a chat socket through the gateway and waits for the backend's `connect`. */
async function openSocket(t: Test, gw: GatewaydProcess, url: string, headers = {}) {
  const client = await connect(t, `ws://127.0.0.1:${gw.port}${url}`, { headers });
  if (!client.ok) throw new Error(`refused ${client.status}: ${client.body}`);
  const hello = await nextFrame(client);
  t.equal(hello.event, 'connect', 'the backend socket server accepted the chat JWT');
  return client;
}

function api(gw: GatewaydProcess, path: string, opts: Parameters<typeof request>[1] = {}) {
  return request(gw.url(path), opts).then(async (res) => ({
    status: res.statusCode,
    headers: res.headers,
    body: (await res.body.json()) as Record<string, unknown>,
  }));
}

t.test('chat widget gateway (seed 002) end to end', async (t) => {
  const redisServer = await startRedis(t);
  if (!redisServer) return;
  const redis = new Redis(redisServer.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  t.teardown(() => redis.disconnect());
  await redis.del(`online_users:${TENANT}`, 'meta:webhook_jobs');

  const backendApi = await startBackendApi(redis, JWT_SECRET);
  t.teardown(() => backendApi.close());
  const backendWs = await startBackendSocket(redis, JWT_SECRET);
  t.teardown(() => backendWs.close());
  const socketIo = [
    await startBackendSocketIo(JWT_SECRET, 'io-1'),
    await startBackendSocketIo(JWT_SECRET, 'io-2'),
  ];
  t.teardown(() => Promise.all(socketIo.map((s) => s.close())));
  const env = {
    PORT: '0',
    GATEWAY_API_KEY_HASH: hashApiKey(API_KEY),
    BACKEND_API_URL: backendApi.url,
    BACKEND_WS_URL: backendWs.url,
    BACKEND_IO_URL_1: socketIo[0]?.url ?? '',
    BACKEND_IO_URL_2: socketIo[1]?.url ?? '',
  };

  const check = await runCli(['check', CONFIG], { ...process.env, ...env });
  t.equal(check.code, 0, `gatewayd check passes: ${check.stdout}${check.stderr}`);
  t.match(check.stdout, `${CONFIG}: OK`);

  const gw = await startGatewayd(t, '', { file: CONFIG, env });
  const key = { authorization: `Bearer ${API_KEY}` };
  const json = { ...key, 'content-type': 'application/json' };

  await t.test('a missing or bad API key is 401 and never reaches the backend', async (t) => {
    const before = backendApi.seen.length;
    const none = await api(gw, '/api/chat/anonymous-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: TENANT }),
    });
    t.equal(none.status, 401);
    t.equal(none.body.error, 'UNAUTHORIZED');
    const bad = await api(gw, `/api/chat/online-users?tenantId=${TENANT}`, {
      headers: { authorization: 'Bearer not-the-key' },
    });
    t.equal(bad.status, 401);
    t.equal(bad.body.error, 'UNAUTHORIZED');
    t.match(bad.headers['www-authenticate'], /error="invalid_token"/);
    t.notMatch(JSON.stringify(bad.body), 'not-the-key', 'the presented key is not echoed');
    const other = await api(gw, '/api/chat/messages', { headers: { 'x-api-key': 'nope' } });
    t.equal(other.status, 401, 'every /api/chat/* route needs the key');
    t.equal(backendApi.seen.length, before, 'the backend saw none of them');
  });

  await t.test('the widget on a customer site passes the CORS preflight', async (t) => {
    const res = await request(gw.url('/api/chat/anonymous-token'), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    await res.body.dump();
    t.equal(res.statusCode, 204, 'answered by the gateway, no key needed for a preflight');
    t.equal(res.headers['access-control-allow-origin'], '*');
    t.match(String(res.headers['access-control-allow-headers']), /authorization/i);
  });

  let anonToken = '';
  await t.test('POST /api/chat/anonymous-token: the backend issues the JWT', async (t) => {
    const res = await api(gw, '/api/chat/anonymous-token', {
      method: 'POST',
      headers: { ...json, 'x-tenant-id': TENANT },
      body: JSON.stringify({ tenantId: TENANT }),
    });
    t.equal(res.status, 200);
    t.equal(res.body.expiresIn, 3600);
    t.type(res.body.token, 'string');
    anonToken = String(res.body.token);
    const claims = await verifyChatToken(JWT_SECRET, anonToken);
    t.equal(claims?.tenantId, TENANT, 'the token is the backend JWT for the tenant');
    t.equal(claims?.role, 'anonymous');
    t.equal(res.headers['x-ratelimit-limit'], '30', 'token minting is rate limited');
    const seen = backendApi.seen.at(-1);
    t.equal(seen?.headers['x-tenant-id'], TENANT, 'X-Tenant-ID is forwarded');
    t.equal(
      seen?.headers['x-auth-method'],
      'api_key',
      'the backend is told how the caller was checked',
    );

    const missing = await api(gw, '/api/chat/anonymous-token', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({}),
    });
    t.equal(missing.status, 400, 'no tenantId: 400');
    t.same(missing.body, { error: 'tenantId is required' });
  });

  await t.test(
    'the chat JWT is not a gateway credential (the gateway has no JWT secret)',
    async (t) => {
      const res = await api(gw, `/api/chat/online-users?tenantId=${TENANT}`, {
        headers: { authorization: `Bearer ${anonToken}` },
      });
      t.equal(res.status, 401);
      t.equal(res.body.error, 'UNAUTHORIZED');
    },
  );

  await t.test('GET /api/chat/online-users: 400 without tenantId, empty list', async (t) => {
    const asked = backendApi.seen.length;
    const missing = await api(gw, '/api/chat/online-users', { headers: key });
    t.equal(missing.status, 400);
    t.match(missing.body, {
      error: 'BAD_REQUEST',
      message: 'query parameter "tenantId" is required',
    });
    const empty = await api(gw, '/api/chat/online-users?tenantId=', { headers: key });
    t.equal(empty.status, 400, 'an empty tenantId is missing too');
    t.equal(backendApi.seen.length, asked, 'the gateway answered; the backend was not asked');
    const noKey = await api(gw, '/api/chat/online-users');
    t.equal(noKey.status, 401, 'the key is checked first');
    const none = await api(gw, `/api/chat/online-users?tenantId=${TENANT}`, {
      headers: { ...key, 'x-tenant-id': TENANT },
    });
    t.equal(none.status, 200);
    t.same(none.body, { users: [] });
    const seen = backendApi.seen.at(-1)?.headers ?? {};
    t.equal(seen['x-tenant-id'], TENANT, 'X-Tenant-ID is forwarded');
    t.equal(seen.authorization, undefined, 'the API key stays at the gateway');
    t.equal(seen['x-api-key'], undefined);
  });

  await t.test(
    'the WebSocket needs the key; the backend gets the upgrade without it',
    async (t) => {
      const before = backendWs.handshakes.length;
      const url = `ws://127.0.0.1:${gw.port}/ws?token=${anonToken}`;
      const refused = await connect(t, url, { headers: { authorization: 'Bearer wrong' } });
      t.equal(refused.ok, false);
      if (!refused.ok) {
        t.equal(refused.status, 401, 'bad key on the upgrade: 401');
        t.equal((JSON.parse(refused.body) as { error: string }).error, 'UNAUTHORIZED');
      }
      const bare = await connect(t, url);
      t.equal(bare.ok ? 101 : bare.status, 401, 'no key on the upgrade: 401');
      t.equal(backendWs.handshakes.length, before, 'the backend socket server was not contacted');

      const noJwt = await connect(t, `ws://127.0.0.1:${gw.port}/ws?api_key=${API_KEY}`);
      if (!noJwt.ok) throw new Error(`refused ${noJwt.status}`);
      t.same(
        await noJwt.closed,
        { code: 1008, reason: 'Invalid JWT token' },
        'backend close passes through',
      );
      const upstreamUrl = backendWs.handshakes.at(-1)?.url ?? '';
      t.notMatch(upstreamUrl, 'api_key', 'the key in the query is removed before the backend');
    },
  );

  await t.test('presence: user_online, Redis, online-users, user_offline', async (t) => {
    const adminToken = await signChatToken(JWT_SECRET, {
      userId: 'admin-1',
      tenantId: TENANT,
      role: 'admin',
    });
    // The admin UI (a server or a non-browser client) sends the key as Authorization.
    const admin = await openSocket(t, gw, `/ws?token=${adminToken}`, key);
    t.equal(
      backendWs.handshakes.at(-1)?.headers.authorization,
      undefined,
      'the Authorization key does not reach the socket server',
    );
    // The widget in a browser cannot set headers: it sends the key as ?api_key=.
    const page = encodeURIComponent('https://example.com/page');
    const visitor = await openSocket(
      t,
      gw,
      `/ws?api_key=${API_KEY}&token=${anonToken}&domain=example.com&url=${page}`,
      { origin: 'https://example.com' },
    );
    const claims = await verifyChatToken(JWT_SECRET, anonToken);
    const userId = claims?.userId ?? '';

    const online = await nextFrame(admin);
    t.equal(online.event, 'user_online');
    t.match(online.data, {
      userId,
      sessionId: String,
      connectedAt: String,
      domain: 'example.com',
      origin: 'https://example.com',
      url: 'https://example.com/page',
    });
    const stored = await redis.hget(`online_users:${TENANT}`, userId);
    t.match(
      JSON.parse(stored ?? '{}'),
      { sessionId: online.data.sessionId },
      'presence is in Redis',
    );

    const list = await api(gw, `/api/chat/online-users?tenantId=${TENANT}`, {
      headers: { ...key, 'x-tenant-id': TENANT },
    });
    t.equal(list.status, 200);
    t.same(list.body, { users: [online.data] }, 'the HTTP list matches the pushed event');

    admin.ws.send(JSON.stringify({ event: 'get_online_users', data: { tenantId: TENANT } }));
    t.same(await nextFrame(admin), { event: 'online_users_list', data: { users: [online.data] } });

    visitor.ws.send(JSON.stringify({ event: 'message', data: { text: 'Hello, I need help' } }));
    const created = await nextFrame(visitor);
    t.equal(created.event, 'meta_message_created');
    t.match(created.data.message, {
      text: 'Hello, I need help',
      sender: 'user',
      userId,
      tenantId: TENANT,
    });
    const jobs = await redis.xrange('meta:webhook_jobs', '-', '+');
    t.equal(jobs.length, 1, 'the message is queued on the Redis stream');

    visitor.ws.close(1000);
    t.same(await nextFrame(admin), { event: 'user_offline', data: { userId } });
    t.same(await redis.hgetall(`online_users:${TENANT}`), {}, 'gone from Redis');
    admin.ws.close(1000);
    await admin.closed;
  });
  await t.test(
    'a socket.io widget: polling, the upgrade and a message, behind the key',
    async (t) => {
      const token = await signChatToken(JWT_SECRET, {
        userId: 'anon-io',
        tenantId: TENANT,
        role: 'anonymous',
      });
      const open = (query: Record<string, string>) => {
        const socket = socketIoClient(`http://127.0.0.1:${gw.port}`, {
          query,
          auth: { token },
          reconnection: false,
          timeout: 10_000,
        });
        t.teardown(() => void socket.close());
        return socket;
      };
      const refused = open({});
      const error = await new Promise<Error>((resolve) => refused.once('connect_error', resolve));
      t.ok(error, 'without the key the gateway refuses the polling handshake');

      const socket = open({ api_key: API_KEY });
      const connected = await new Promise<{ sessionId: string; server: string }>(
        (resolve, reject) => {
          socket.once('connect_error', reject);
          socket.once('connected', resolve);
        },
      );
      t.ok(connected.server, `the backend accepted the chat JWT (on ${connected.server})`);
      if (socket.io.engine.transport.name !== 'websocket') {
        await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
      }
      t.equal(socket.io.engine.transport.name, 'websocket', 'upgraded from polling to WebSocket');
      const created = new Promise<{ message: Record<string, unknown> }>((resolve) =>
        socket.once('meta_message_created', resolve),
      );
      socket.emit('message', { text: 'Hi over socket.io' });
      t.match((await created).message, {
        text: 'Hi over socket.io',
        sender: 'user',
        userId: 'anon-io',
        sessionId: connected.sessionId,
      });
    },
  );
});
