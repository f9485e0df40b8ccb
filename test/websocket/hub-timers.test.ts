import { SignJWT } from 'jose';
import t from 'tap';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

function yaml(server: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, handler: websocket }
websocket:
  server: ${server}
  channels:
    default: { require_auth: false }
observability:
  logging: { level: info, access_log: false }
`;
}

function token(sub: string, expiresInSeconds: number): Promise<string> {
  return new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(SECRET));
}

t.test('ping, pong timeout, idle timeout, message size', async (t) => {
  const gw = await startGatewayd(
    t,
    yaml(
      '{ require_auth: false, ping_interval: 200ms, pong_timeout: 300ms, idle_timeout: 1s, max_message_size: 1kb }',
    ),
  );
  const url = `ws://127.0.0.1:${gw.port}/ws`;

  t.test('the server pings every ping_interval; a client that answers stays', async (t) => {
    const c = await HubClient.connect(t, url);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${pings} pings`)), 2000);
      c.ws.on('ping', () => {
        if (pings < 3) return;
        clearTimeout(timer);
        resolve();
      });
    });
    const elapsed = Date.now() - started;
    t.ok(elapsed >= 350 && elapsed < 1000, `3 pings in ${elapsed} ms (every ~200 ms)`);
    t.equal(c.ws.readyState, c.ws.OPEN, 'still open: its pongs count');
  });

  t.test('a client that does not answer pings is closed after pong_timeout', async (t) => {
    const c = await HubClient.connect(t, url, { autoPong: false });
    const started = Date.now();
    const closed = await c.closedWithin(2000);
    t.same(closed, { code: 1008, reason: 'pong timeout' });
    const elapsed = Date.now() - started;
    t.ok(elapsed >= 450 && elapsed < 1200, `closed after ${elapsed} ms (ping at 200 + 300)`);
  });

  t.test('a silent client is closed after idle_timeout; a talking one is not', async (t) => {
    const silent = await HubClient.connect(t, url);
    const talking = await HubClient.connect(t, url);
    const started = Date.now();
    const timer = setInterval(() => talking.send({ type: 'ping' }), 200);
    t.teardown(() => clearInterval(timer));
    t.same(await silent.closedWithin(3000), { code: 1000, reason: 'idle timeout' });
    const elapsed = Date.now() - started;
    t.ok(elapsed >= 950 && elapsed < 1800, `idle close after ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(talking.ws.readyState, talking.ws.OPEN, 'the client that sends messages stays');
  });

  t.test('a message above max_message_size closes with 1009', async (t) => {
    const c = await HubClient.connect(t, url);
    c.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(2000) }));
    t.equal((await c.closedWithin(2000)).code, 1009);
  });
});

t.test('rate limit and token expiry', async (t) => {
  const gw = await startGatewayd(
    t,
    yaml(
      '{ ping_interval: 0s, idle_timeout: 0s, auth_grace_period: 600ms, rate_limit: { messages_per_minute: 60, burst_limit: 3 } }',
    ),
  );
  const url = `ws://127.0.0.1:${gw.port}/ws`;

  t.test('an upgrade without a credential is refused when anonymous is not allowed', async (t) => {
    t.equal(await HubClient.refusal(url), 401);
  });

  t.test('beyond the burst: RATE_LIMITED, then 1008 on continued abuse', async (t) => {
    const c = await HubClient.connect(t, `${url}?token=${await token('spammer', 600)}`);
    for (let i = 0; i < 3; i++) c.send({ type: 'ping', id: `p${i}` });
    await c.next((m) => m.type === 'pong' && m.id === 'p2');
    c.send({ type: 'subscribe', channel: 'x', id: 's' });
    t.match(await c.next((m) => m.type === 'error'), {
      code: 'RATE_LIMITED',
      message: /more than 60 messages a minute/,
    });
    t.notOk(
      c.received.some((m) => m.id === 's'),
      'the limited message was dropped',
    );
    for (let i = 0; i < 5; i++) c.send({ type: 'ping' });
    t.same(await c.closedWithin(2000), { code: 1008, reason: 'message rate limit exceeded' });
  });

  t.test('an expired token closes the connection after the grace period', async (t) => {
    const c = await HubClient.connect(t, `${url}?token=${await token('short', 2)}`);
    const expired = await c.next((m) => m.code === 'TOKEN_EXPIRED', 4000);
    const at = Date.now();
    t.match(expired, { type: 'error', code: 'TOKEN_EXPIRED' });
    const closed = await c.closedWithin(2000);
    t.same(closed, { code: 1008, reason: 'token expired' });
    const grace = Date.now() - at;
    t.ok(grace >= 450 && grace < 1200, `closed ${grace} ms after the expiry notice (grace 600)`);
  });

  t.test('an auth message with a fresh token keeps the connection', async (t) => {
    const c = await HubClient.connect(t, `${url}?token=${await token('renewer', 2)}`);
    await c.next((m) => m.code === 'TOKEN_EXPIRED', 4000);
    const ack = await c.request({ type: 'auth', token: await token('renewer', 600) });
    t.match(ack, { type: 'ack', user: 'renewer' });
    t.ok((ack.expires_at as number) > Date.now() + 500_000, 'the new expiry');
    await new Promise((r) => setTimeout(r, 1000));
    t.equal(c.ws.readyState, c.ws.OPEN, 'open past the grace period');
    t.match(await c.request({ type: 'auth', token: await token('mallory', 600) }), {
      type: 'error',
      code: 'FORBIDDEN',
    });
    t.match(await c.request({ type: 'auth', token: 'garbage' }), {
      type: 'error',
      code: 'UNAUTHORIZED',
    });
  });
});

t.test('json pings (seed 000) and max_connections', async (t) => {
  const gw = await startGatewayd(
    t,
    yaml(
      '{ require_auth: false, ping_format: json, ping_interval: 200ms, pong_timeout: 400ms, idle_timeout: 0s, max_connections: 2 }',
    ),
  );
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const answering = await HubClient.connect(t, url);
  answering.ws.on('message', (raw) => {
    if ((JSON.parse(raw.toString()) as { type: string }).type === 'ping') {
      answering.send({ type: 'pong', timestamp: Date.now() / 1000 });
    }
  });
  const silent = await HubClient.connect(t, url, { autoPong: true });
  t.match(await answering.next((m) => m.type === 'ping', 2000), { type: 'ping' });
  t.equal(await HubClient.refusal(url), 503, 'a third connection gets 503');
  t.same(await silent.closedWithin(2000), { code: 1008, reason: 'pong timeout' });
  t.equal(answering.ws.readyState, answering.ws.OPEN, 'the client answering {type: pong} stays');
});
