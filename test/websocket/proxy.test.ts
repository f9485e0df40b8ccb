import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { SignJWT } from 'jose';
import t from 'tap';
import { closedPort } from '../helpers/free-port.js';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { connect, within, type OpenClient, type RefusedClient } from '../helpers/ws-client.js';
import { WsUpstream, type WsUpstreamOptions } from '../helpers/ws-upstream.js';

const SECRET = 'a-websocket-test-secret-long-enough-for-hs256';
const KEYS = { user: 'widget-key-0123456789', guest: 'guest-key-0123456789' };

function config(upstream: string, down: string, silent: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256 }
  api_keys:
    keys:
      - { name: widget-app, hash: "${hashApiKey(KEYS.user)}", roles: [user] }
      - { name: guest-app, hash: "${hashApiKey(KEYS.guest)}", roles: [guest] }
  websocket: { query_parameter: token, protocol_prefix: "bearer." }
routes:
  - { path: /ws/open, upstream: chat, websocket: proxy }
  - path: /ws/chat
    upstream: chat
    websocket: proxy
    required_roles: [user]
    max_message_size: 2mb
    allowed_origins: ["https://app.example.com"]
  - { path: /ws/small, upstream: chat, websocket: proxy, max_message_size: 1kb }
  - { path: /ws/refused, upstream: chat, websocket: proxy, rewrite: /refuse }
  - { path: /ws/down, upstream: down, websocket: proxy }
  - { path: /ws/silent, upstream: silent, websocket: proxy, timeout: 300ms }
upstreams:
  chat: { discovery: { type: Static, endpoints: ["${upstream}"] } }
  down:
    discovery: { type: Static, endpoints: ["${down}"] }
    circuit_breaker: { failure_threshold: 2, timeout: 30s }
  silent: { discovery: { type: Static, endpoints: ["${silent}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

/** A TCP server that accepts connections and never answers: a hung upstream. */
async function silentServer(t: Parameters<typeof startGatewayd>[0]): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

async function setup(
  t: Parameters<typeof startGatewayd>[0],
  opts: WsUpstreamOptions = {},
): Promise<{ upstream: WsUpstream; gw: GatewaydProcess; ws: (path: string) => string }> {
  const upstream = await WsUpstream.start(t, { refuse: { '/refuse': 403 }, ...opts });
  const gw = await startGatewayd(
    t,
    config(
      upstream.url,
      `http://127.0.0.1:${await closedPort()}`,
      `http://127.0.0.1:${await silentServer(t)}`,
    ),
  );
  return { upstream, gw, ws: (path) => `ws://127.0.0.1:${gw.port}${path}` };
}

// One upstream and one gatewayd serve every test that needs no upstream options of its own; each
// such test first forgets the upstream connections the tests before it made.
const shared = await setup(t);

function fresh(): Awaited<ReturnType<typeof setup>> {
  shared.upstream.connections.length = 0;
  return shared;
}

function token(claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'user-42', roles: ['user'], iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
}

function opened(t: { pass(message: string): void }, c: OpenClient | RefusedClient): OpenClient {
  if (!c.ok) throw new Error(`upgrade refused with ${c.status}: ${c.body}`);
  t.pass('upgraded');
  return c;
}

function refused(c: OpenClient | RefusedClient): RefusedClient {
  if (c.ok) throw new Error('the upgrade was accepted');
  return c;
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

t.test('a plain request to a proxy route gets 426 with the JSON error', async (t) => {
  const { gw, upstream } = fresh();
  const res = await request(gw.url('/ws/open'));
  t.equal(res.statusCode, 426);
  t.equal(res.headers.upgrade, 'websocket');
  const body = (await res.body.json()) as { error: string; status_code: number };
  t.equal(body.error, 'UPGRADE_REQUIRED');
  t.equal(body.status_code, 426);
  // Checked before auth: a credential-less plain request on a protected route is told the same.
  const protectedRoute = await request(gw.url('/ws/chat'));
  t.equal(protectedRoute.statusCode, 426);
  await protectedRoute.body.dump();
  t.equal(upstream.connections.length, 0);
});

t.test('auth is checked before the upgrade', async (t) => {
  const { upstream, ws } = fresh();
  const none = refused(await connect(t, ws('/ws/chat')));
  t.equal(none.status, 401);
  t.match(JSON.parse(none.body), { error: 'UNAUTHORIZED', status_code: 401 });
  const badKey = refused(await connect(t, ws('/ws/chat'), { headers: { 'x-api-key': 'nope' } }));
  t.equal(badKey.status, 401);
  const guest = refused(await connect(t, ws('/ws/chat'), { headers: { 'x-api-key': KEYS.guest } }));
  t.equal(guest.status, 403, 'a key without the role');
  t.match(JSON.parse(guest.body), { error: 'FORBIDDEN' });
  const guestJwt = refused(
    await connect(t, ws('/ws/chat'), {
      headers: { authorization: `Bearer ${await token({ roles: ['guest'] })}` },
    }),
  );
  t.equal(guestJwt.status, 403, 'a token without the role');
  const expired = refused(
    await connect(t, ws('/ws/chat'), {
      headers: { authorization: `Bearer ${await token({ exp: 1000, iat: 900 })}` },
    }),
  );
  t.equal(expired.status, 401);
  t.equal(upstream.connections.length, 0, 'no refused upgrade reached the upstream');
});

t.test('credentials in each place the upgrade may carry them', async (t) => {
  const { upstream, ws } = fresh();
  const jwt = await token();

  opened(t, await connect(t, ws('/ws/chat'), { headers: { 'x-api-key': KEYS.user } }));
  t.equal(upstream.last.headers['x-user-id'], 'widget-app', 'API key header');
  t.equal(upstream.last.headers['x-api-key'], KEYS.user, 'the header is forwarded as HTTP does');

  opened(t, await connect(t, ws('/ws/chat'), { headers: { authorization: `Bearer ${jwt}` } }));
  t.equal(upstream.last.headers['x-user-id'], 'user-42', 'JWT in Authorization');

  opened(t, await connect(t, ws(`/ws/chat?room=7&token=${jwt}&lang=en`)));
  t.equal(upstream.last.headers['x-user-id'], 'user-42', 'JWT in the query');
  t.equal(upstream.last.url, '/ws/chat?room=7&lang=en', 'the token parameter is not forwarded');

  opened(t, await connect(t, ws(`/ws/chat?token=${KEYS.user}`)));
  t.equal(upstream.last.headers['x-user-id'], 'widget-app', 'API key in the query');
  t.equal(upstream.last.url, '/ws/chat');

  const viaProtocol = opened(
    t,
    await connect(t, ws('/ws/chat'), { protocols: ['chat.v1', `bearer.${jwt}`] }),
  );
  t.equal(upstream.last.headers['x-user-id'], 'user-42', 'JWT in Sec-WebSocket-Protocol');
  t.equal(upstream.last.headers['sec-websocket-protocol'], 'chat.v1', 'the entry stays here');
  t.equal(viaProtocol.ws.protocol, 'chat.v1', 'the client gets the protocol the upstream chose');

  opened(t, await connect(t, ws('/ws/chat'), { protocols: ['chat.v1', `bearer.${KEYS.user}`] }));
  t.equal(upstream.last.headers['x-user-id'], 'widget-app', 'API key in Sec-WebSocket-Protocol');
  t.equal(upstream.last.headers['sec-websocket-protocol'], 'chat.v1');
});

t.test('the upstream handshake carries context and forwarding headers', async (t) => {
  const { upstream, ws } = fresh();
  const client = opened(
    t,
    await connect(t, ws('/ws/chat'), {
      headers: {
        'x-api-key': KEYS.user,
        'x-user-id': 'admin',
        'x-user-roles': 'admin',
        'x-request-id': 'ws-trace-1',
        origin: 'https://app.example.com',
        cookie: 'session=abc',
      },
    }),
  );
  const seen = upstream.last.headers;
  t.equal(seen['x-user-id'], 'widget-app', 'client-sent X-User-ID is replaced');
  t.equal(seen['x-user-roles'], 'user');
  t.equal(seen['x-auth-method'], 'api_key');
  t.equal(seen['x-request-id'], 'ws-trace-1');
  t.equal(client.headers['x-request-id'], 'ws-trace-1', 'the 101 carries the request id');
  t.equal(seen['x-forwarded-for'], '127.0.0.1');
  t.equal(seen['x-forwarded-proto'], 'http');
  t.equal(seen['x-forwarded-host'], `127.0.0.1:${new URL(ws('/')).port}`);
  t.equal(seen.origin, 'https://app.example.com');
  t.equal(seen.cookie, 'session=abc');
  t.equal(seen.host, `127.0.0.1:${upstream.port}`, 'Host names the endpoint');
  t.notOk(seen['sec-websocket-extensions'], 'no compression offered upstream');
});

t.test('subprotocol negotiation is the upstream decision', async (t) => {
  const { upstream, ws } = await setup(t, {
    chooseProtocol: (offered) => (offered.includes('chat.v2') ? 'chat.v2' : false),
  });
  const v2 = opened(t, await connect(t, ws('/ws/open'), { protocols: ['chat.v1', 'chat.v2'] }));
  t.equal(v2.ws.protocol, 'chat.v2');
  t.equal(upstream.last.headers['sec-websocket-protocol'], 'chat.v1,chat.v2');
  const none = opened(t, await connect(t, ws('/ws/open')));
  t.equal(none.ws.protocol, '', 'no protocol offered, none chosen');
  // Offering only protocols the upstream turns down: ws (like browsers) then fails the handshake.
  const refusedProtocols = refused(
    await connect(t, ws('/ws/open'), { protocols: ['chat.v1'] }).catch(
      (err: Error): RefusedClient => ({ ok: false, status: 0, headers: {}, body: err.message }),
    ),
  );
  t.equal(refusedProtocols.status, 502, 'the upstream answer is invalid for the offer');
});

t.test('text and binary frames both ways, and a 1 MB message', async (t) => {
  const { upstream, ws } = fresh();
  const client = opened(
    t,
    await connect(t, ws('/ws/chat'), { headers: { 'x-api-key': KEYS.user } }),
  );
  client.ws.send('hello');
  const text = await client.next();
  t.equal(text.isBinary, false);
  t.equal(text.data.toString(), 'hello');
  t.same(upstream.last.received[0], { data: Buffer.from('hello'), isBinary: false });

  const bytes = Buffer.from([0, 1, 2, 255, 254]);
  client.ws.send(bytes);
  const binary = await client.next();
  t.equal(binary.isBinary, true);
  t.same(binary.data, bytes);
  t.equal(upstream.last.received[1]?.isBinary, true);

  upstream.last.ws.send('pushed by the upstream');
  t.same(await client.next(), { data: Buffer.from('pushed by the upstream'), isBinary: false });

  const big = randomBytes(1024 * 1024);
  client.ws.send(big);
  const echoed = await client.next(10_000);
  t.equal(echoed.data.length, big.length);
  t.equal(sha(echoed.data), sha(big), 'a 1 MB message arrives whole, both ways');
  t.equal(sha(upstream.last.received[2]?.data ?? Buffer.alloc(0)), sha(big));
});

t.test('a message over max_message_size closes with 1009', async (t) => {
  const { upstream, ws } = fresh();
  const client = opened(t, await connect(t, ws('/ws/small')));
  client.ws.send('x'.repeat(1024));
  t.equal((await client.next()).data.length, 1024, 'exactly the limit passes');
  client.ws.send(Buffer.alloc(1025));
  const closed = await within(client.closed, 5000, 'client close');
  t.equal(closed.code, 1009);
  const upstreamClosed = await within(upstream.last.closed, 5000, 'upstream close');
  t.equal(upstreamClosed.code, 1001, 'the upstream hears that the gateway ended the connection');
  t.equal(upstream.last.received.length, 1, 'the oversized message never reached the upstream');
});

t.test('close codes and reasons pass through both ways', async (t) => {
  const { upstream, ws } = fresh();
  const fromClient = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 1);
  fromClient.ws.close(4001, 'client says bye');
  t.same(await within(upstream.connections[0]!.closed, 5000, 'upstream close'), {
    code: 4001,
    reason: 'client says bye',
  });

  const fromUpstream = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 2);
  upstream.connections[1]!.ws.close(4002, 'upstream says bye');
  t.same(await within(fromUpstream.closed, 5000, 'client close'), {
    code: 4002,
    reason: 'upstream says bye',
  });

  const normal = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 3);
  upstream.connections[2]!.ws.close(1000);
  t.equal((await within(normal.closed, 5000, 'client close')).code, 1000);
});

t.test('an upstream that is down or refuses gets a 502 before the upgrade', async (t) => {
  const { ws } = fresh();
  const down = refused(await connect(t, ws('/ws/down')));
  t.equal(down.status, 502);
  t.match(JSON.parse(down.body), { error: 'BAD_GATEWAY', message: /upstream "down"/ });
  t.equal(refused(await connect(t, ws('/ws/down'))).status, 502);
  const open = refused(await connect(t, ws('/ws/down')));
  t.equal(open.status, 503, 'after two failed handshakes the breaker is open');
  t.match(JSON.parse(open.body), { error: 'SERVICE_UNAVAILABLE', message: /circuit breaker/ });
  t.ok(open.headers['retry-after'], 'with Retry-After');
  const refusedUpgrade = refused(await connect(t, ws('/ws/refused')));
  t.equal(refusedUpgrade.status, 502);
  t.match(JSON.parse(refusedUpgrade.body), { error: 'BAD_GATEWAY', message: /status 403/ });
});

t.test("a handshake the upstream never answers gets a 504 after the route's timeout", async (t) => {
  const { ws } = fresh();
  const started = performance.now();
  const slow = refused(await connect(t, ws('/ws/silent')));
  const elapsed = performance.now() - started;
  t.equal(slow.status, 504);
  t.match(JSON.parse(slow.body), { error: 'UPSTREAM_TIMEOUT', message: /within 300 ms/ });
  t.ok(elapsed >= 250 && elapsed < 3000, `answered after ${Math.round(elapsed)} ms`);
});

t.test('an upstream that drops after the upgrade closes the client with 1011', async (t) => {
  const { upstream, ws } = fresh();
  const client = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 1);
  upstream.last.ws.terminate();
  t.same(await within(client.closed, 5000, 'client close'), {
    code: 1011,
    reason: 'upstream connection lost',
  });
});

t.test('a client that goes away closes its upstream connection', async (t) => {
  const { upstream, ws } = fresh();
  const client = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 1);
  client.ws.terminate();
  t.same(await within(upstream.last.closed, 5000, 'upstream close'), {
    code: 1001,
    reason: 'client connection lost',
  });
});

/** The resident set size of a process, from /proc. */
function rssBytes(pid: number): Promise<number> {
  return import('node:fs/promises').then(async ({ readFile }) => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  });
}

t.test('a slow client pauses the upstream instead of filling the gateway', async (t) => {
  const { upstream, gw, ws } = await setup(t, { echo: false });
  const client = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 1);
  // The client stops reading: its socket buffers fill, then the gateway's send buffer.
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const rssBefore = await rssBytes(gw.proc.pid as number);
  const chunk = randomBytes(256 * 1024);
  const server = upstream.last.ws;
  let sent = 0;
  // Bounded: the upstream stops at 64 MiB whatever happens.
  const limit = 64 * 1024 * 1024;
  const stalled = 8 * 1024 * 1024;
  await within(
    new Promise<void>((resolve) => {
      const pump = () => {
        while (sent < limit && server.bufferedAmount < stalled) {
          server.send(chunk);
          sent += chunk.length;
        }
        if (server.bufferedAmount >= stalled || sent >= limit) resolve();
        else setTimeout(pump, 5);
      };
      pump();
    }),
    20_000,
    'upstream send buffer growth',
  );
  t.ok(
    server.bufferedAmount >= stalled,
    `the upstream's own buffer grew to ${server.bufferedAmount} bytes: the gateway stopped reading`,
  );
  t.ok(sent < limit, `the gateway stopped reading after ${sent} bytes`);
  const grown = (await rssBytes(gw.proc.pid as number)) - rssBefore;
  t.ok(grown < 40 * 1024 * 1024, `gateway RSS grew by ${Math.round(grown / 1048576)} MiB`);

  (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  await within(
    (async () => {
      while (client.messages.length * chunk.length < sent) await client.next(10_000);
    })(),
    20_000,
    'every message delivered after the client reads again',
  );
  t.equal(client.messages.length * chunk.length, sent, 'nothing was dropped');
});

t.test('a client that outruns a stalled upstream is closed with 1013', async (t) => {
  const { upstream, ws } = await setup(t, { echo: false });
  const client = opened(t, await connect(t, ws('/ws/open')));
  await upstream.waitFor((u) => u.connections.length === 1);
  (upstream.last.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const chunk = randomBytes(512 * 1024);
  let sent = 0;
  const pump = setInterval(() => {
    // Bounded: 64 MiB at most, far beyond the 4 MiB the gateway holds for a 1mb route.
    for (let i = 0; i < 4 && sent < 64 * 1024 * 1024 && client.ws.readyState === 1; i++) {
      client.ws.send(chunk);
      sent += chunk.length;
    }
  }, 5);
  t.teardown(() => clearInterval(pump));
  const closed = await within(client.closed, 20_000, 'client close');
  clearInterval(pump);
  t.equal(closed.code, 1013);
  t.equal(closed.reason, 'upstream is not keeping up');
  t.ok(sent < 64 * 1024 * 1024, `closed after ${Math.round(sent / 1048576)} MiB`);
});
