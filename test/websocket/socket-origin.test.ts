import { SignJWT } from 'jose';
import t from 'tap';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { connect, type OpenClient, type RefusedClient } from '../helpers/ws-client.js';
import { WsUpstream } from '../helpers/ws-upstream.js';

const SECRET = 'an-origin-policy-test-secret-long-enough';

function config(upstream: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, handler: websocket, auth_required: false }
  - { path: /proxy/listed, upstream: chat, websocket: proxy, allowed_origins: ["https://*.example.com"] }
  - { path: /proxy/any, upstream: chat, websocket: proxy, allowed_origins: ["*"] }
  - { path: /proxy/cors, upstream: chat, websocket: proxy, cors: { allowed_origins: ["https://cors.example.com"] } }
  - { path: /proxy/default, upstream: chat, websocket: proxy }
upstreams:
  chat: { discovery: { type: Static, endpoints: ["${upstream}"] } }
websocket:
  server:
    allowed_origins: [https://app.example.com]
    refused_upgrade: close
    ping_interval: 0s
observability:
  logging: { level: debug, access_log: true }
`;
}

function token(sub: string, expiresAt: string | number = '10m'): Promise<string> {
  return new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));
}

type Tap = Parameters<typeof startGatewayd>[0];

async function setup(t: Tap): Promise<GatewaydProcess> {
  const upstream = await WsUpstream.start(t);
  // Debug level: the refusals' own log lines must not carry the token either.
  return startGatewayd(t, config(`http://127.0.0.1:${upstream.port}`), {
    args: ['--log-level', 'debug'],
  });
}

function opened(t: Tap, result: OpenClient | RefusedClient): OpenClient {
  if (!result.ok) throw new Error(`refused with ${result.status}: ${result.body}`);
  return result;
}

function refused(result: OpenClient | RefusedClient): RefusedClient {
  if (result.ok) throw new Error('the upgrade was accepted');
  return result;
}

// One gateway for the whole file: every case opens its own connections.
const gw = await setup(t);

t.test('hub upgrades: the listed origin, the own origin and non-browsers only', async (t) => {
  const url = `ws://127.0.0.1:${gw.port}/ws?token=${await token('u1')}`;
  const own = `http://127.0.0.1:${gw.port}`;
  for (const origin of [undefined, 'https://app.example.com', own]) {
    const headers = origin === undefined ? undefined : { origin };
    const client = opened(t, await connect(t, url, { headers }));
    t.match(JSON.parse((await client.next()).data.toString()), { type: 'connected', user: 'u1' });
    client.ws.close();
  }
  const foreign = refused(await connect(t, url, { headers: { origin: 'https://evil.test' } }));
  t.equal(foreign.status, 403, 'a foreign origin gets 403 before the upgrade');
  t.match(JSON.parse(foreign.body), { error: 'FORBIDDEN', message: /"https:\/\/evil.test"/ });
});

t.test('proxy routes: their own list, "*" without cookies, CORS origins, own origin', async (t) => {
  const at = (path: string) => `ws://127.0.0.1:${gw.port}${path}`;
  const status = async (path: string, headers: Record<string, string>) => {
    const result = await connect(t, at(path), { headers });
    if (result.ok) result.ws.close();
    return result.ok ? 101 : result.status;
  };
  const own = `http://127.0.0.1:${gw.port}`;
  t.same(
    {
      sub: await status('/proxy/listed', { origin: 'https://chat.example.com' }),
      subWithCookie: await status('/proxy/listed', {
        origin: 'https://a.b.example.com',
        cookie: 's=1',
      }),
      apex: await status('/proxy/listed', { origin: 'https://example.com' }),
      other: await status('/proxy/listed', { origin: 'https://evil.test' }),
      anyOrigin: await status('/proxy/any', { origin: 'https://evil.test' }),
      anyWithCookie: await status('/proxy/any', { origin: 'https://evil.test', cookie: 's=1' }),
      anyOwnWithCookie: await status('/proxy/any', { origin: own, cookie: 's=1' }),
      cors: await status('/proxy/cors', { origin: 'https://cors.example.com' }),
      notCors: await status('/proxy/cors', { origin: 'https://app.example.com' }),
      defaultOwn: await status('/proxy/default', { origin: own, cookie: 's=1' }),
      defaultForeign: await status('/proxy/default', { origin: 'https://app.example.com' }),
      noOrigin: await status('/proxy/default', { cookie: 's=1' }),
    },
    {
      sub: 101,
      subWithCookie: 101,
      apex: 403,
      other: 403,
      anyOrigin: 101,
      anyWithCookie: 403,
      anyOwnWithCookie: 101,
      cors: 101,
      notCors: 403,
      defaultOwn: 101,
      defaultForeign: 403,
      noOrigin: 101,
    },
  );
});

t.test('refused_upgrade: close answers a refused credential in band with 4401', async (t) => {
  const base = `ws://127.0.0.1:${gw.port}/ws`;
  const bad = `${(await token('u1')).slice(0, -4)}AAAA`;
  const expired = await token('u1', Math.floor(Date.now() / 1000) - 60);
  const cases: Array<[string, string]> = [
    [`${base}?token=${bad}`, 'UNAUTHORIZED'],
    [`${base}?token=${expired}`, 'TOKEN_EXPIRED'],
    [base, 'UNAUTHORIZED'],
  ];
  for (const [url, code] of cases) {
    const client = opened(t, await connect(t, url));
    const error = JSON.parse((await client.next()).data.toString()) as Record<string, unknown>;
    t.match(error, { type: 'error', code, message: String }, `${code}: one error message`);
    t.same(await client.closed, { code: 4401, reason: code }, `${code}: then close 4401`);
  }
  // Log lines leave in batches: wait for the refusal's line before reading them all.
  await gw.waitForLog((l) => l.msg === 'hub upgrade refused' && l.reason === 'expired', 5000);
  const logged = JSON.stringify(gw.logs);
  t.notOk(logged.includes(bad) || logged.includes(expired), 'no token in the log');
  t.ok(
    gw.logs.some((l) => l.msg === 'hub upgrade refused' && l.reason === 'expired'),
    'the refusal is logged with its reason',
  );
});
