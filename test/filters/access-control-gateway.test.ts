import { createHash, generateKeyPairSync } from 'node:crypto';
import { request as rawRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { SignJWT } from 'jose';
import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const KEYS = { free: 'free-key-0123456789', enterprise: 'ent-key-0123456789', old: 'old-key-0123' };

function config(upstream: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, issuer: auth-service, audience: api-gateway }
  api_keys:
    keys:
      - { name: free-app, hash: "${hashApiKey(KEYS.free)}", tier: free }
      - { name: ent-app, hash: "${hashApiKey(KEYS.enterprise)}", tier: enterprise, roles: [admin] }
      - { name: old-app, hash: "${hashApiKey(KEYS.old)}", tier: pro, expires: "2020-01-01T00:00:00Z" }
  tiers: [free, pro, enterprise, admin]
middleware:
  cors:
    allowed_origins: ["https://app.example.com", "https://*.example.org"]
    allowed_methods: [GET, POST, DELETE]
    allowed_headers: [Content-Type, Authorization]
    allow_credentials: true
    max_age: 600
routes:
  - { path: /public/*, upstream: svc }
  - { path: /admin/*, upstream: svc, auth_required: true, required_roles: [admin] }
  - { path: /me/*, upstream: svc, auth_required: true }
  - { path: /upload, upstream: svc, auth_required: true }
  - { name: drone-system, path: /drone-system/*, upstream: svc, auth: [api_key], required_tier: enterprise }
  - { path: /blocked/*, upstream: svc, ip_filter: { deny: [127.0.0.0/8] } }
  - { path: /plain/*, upstream: svc, cors: false, security_headers: false }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

/** An upstream that answers CORS itself, more loosely than the gateway's policy. */
function upstreamCors(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'access-control-allow-origin': '*',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'PUT',
    'access-control-expose-headers': 'x-internal-token',
  });
  res.end('cors from upstream');
}

async function setup(t: Parameters<typeof startGatewayd>[0]) {
  const upstream = await UpstreamServer.start(t, {
    '/public/upstream-cors': upstreamCors,
    '/plain/upstream-cors': upstreamCors,
    '/public/framed': (_req, res) => {
      res.setHeader('x-frame-options', 'SAMEORIGIN');
      res.end('framed');
    },
    '/upload': (req, res) => {
      const hash = createHash('sha256');
      req.on('data', (c: Buffer) => hash.update(c));
      req.on('end', () => res.end(hash.digest('hex')));
    },
  });
  const gw = await startGatewayd(t, config(upstream.url));
  return { upstream, gw };
}

// One upstream and one gatewayd serve every test but the last; each first forgets the requests
// the upstream saw before it.
const shared = await setup(t);

function fresh(): Awaited<ReturnType<typeof setup>> {
  shared.upstream.seen.length = 0;
  return shared;
}

async function call(gw: GatewaydProcess, path: string, headers: Record<string, string> = {}) {
  const res = await request(gw.url(path), { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

function token(claims: Record<string, unknown> = {}, opts: { secret?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: 'user-1',
    roles: ['user'],
    iss: 'auth-service',
    aud: 'api-gateway',
    iat: now,
    exp: now + 300,
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

/** A base64url JSON segment, for hand-made tokens. */
const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('JWT attack matrix: every bad token is a 401 and never reaches the upstream', async (t) => {
  const { upstream, gw } = fresh();
  const good = await token();
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'user-1', iss: 'auth-service', aud: 'api-gateway', exp: now + 300 };
  const [header, payload, signature] = good.split('.') as [string, string, string];
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cases: Array<[string, string]> = [
    ['alg none', `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.`],
    ['HS256 signed with an RSA public key', await token({}, { secret: publicPem })],
    ['expired', await token({ exp: now - 120 })],
    ['not yet valid', await token({ nbf: now + 600 })],
    ['wrong iss', await token({ iss: 'someone-else' })],
    ['wrong aud', await token({ aud: 'another-api' })],
    ['tampered payload', `${header}.${segment({ ...claims, roles: ['admin'] })}.${signature}`],
    ['truncated', `${header}.${payload}.${signature.slice(0, 10)}`],
    ['two parts', `${header}.${payload}`],
    ['signed with another secret', await token({}, { secret: 'x'.repeat(48) })],
    ['missing sub', await token({ sub: undefined })],
    ['20 KB (over max_header_size)', await token({ padding: 'p'.repeat(20 * 1024) })],
  ];
  for (const [name, value] of cases) {
    const res = await call(gw, '/me/profile', bearer(value));
    t.ok([401, 431].includes(res.status), `${name}: ${res.status}`);
    if (res.status === 401) {
      t.match(JSON.parse(res.text), { error: 'UNAUTHORIZED' }, `${name}: JSON error`);
      t.match(res.headers['www-authenticate'], /^Bearer realm="gatewayd"/, `${name}: challenge`);
      t.notOk(res.text.includes(value.slice(0, 40)), `${name}: the token is not echoed`);
    }
  }
  const huge = await token({ padding: 'p'.repeat(64 * 1024) });
  const hugeStatus = await call(gw, '/me/profile', bearer(huge)).then(
    (res) => res.status,
    (err: Error) => err.message,
  );
  t.ok(
    hugeStatus === 431 || /ECONNRESET|closed|socket/i.test(String(hugeStatus)),
    `64 KB: refused (${hugeStatus}); uWS closes a connection whose headers pass 64 KB`,
  );
  t.equal(upstream.seen.length, 0, 'no bad token reached the upstream');
  const missing = await call(gw, '/me/profile');
  t.equal(missing.status, 401);
  t.equal(missing.headers['www-authenticate'], 'Bearer realm="gatewayd"');

  const ok = await call(gw, '/me/profile', bearer(good));
  t.equal(ok.status, 200, 'the good token passes');
  const seen = JSON.parse(ok.text) as { headers: Record<string, string> };
  t.equal(seen.headers['x-user-id'], 'user-1');
  t.equal(seen.headers['x-user-roles'], 'user');
  t.equal(seen.headers['x-auth-method'], 'jwt');
});

t.test('client-sent identity headers never reach the upstream', async (t) => {
  const { gw } = fresh();
  const forged = {
    'x-user-id': 'admin',
    'x-user-roles': 'admin',
    'X-User-Tier': 'admin',
    'X-User-Role': 'admin',
    'x-user-ids': 'admin',
  };
  const open = JSON.parse((await call(gw, '/public/x', forged)).text) as {
    headers: Record<string, string>;
  };
  t.equal(open.headers['x-user-id'], undefined, 'public route: X-User-ID dropped');
  t.equal(open.headers['x-user-roles'], undefined, 'public route: X-User-Roles dropped');
  t.equal(open.headers['x-user-tier'], undefined, 'public route: X-User-Tier dropped');
  t.equal(open.headers['x-user-role'], undefined, 'public route: the singular X-User-Role dropped');
  t.equal(open.headers['x-user-ids'], undefined, 'public route: the plural X-User-IDs dropped');
  const guarded = JSON.parse(
    (await call(gw, '/me/x', { ...forged, ...bearer(await token()) })).text,
  ) as { headers: Record<string, string> };
  t.equal(guarded.headers['x-user-id'], 'user-1', 'protected route: only the verified value');
  t.equal(guarded.headers['x-user-roles'], 'user');
  t.equal(guarded.headers['x-user-tier'], undefined);
  t.equal(guarded.headers['x-user-role'], undefined);
  t.equal(guarded.headers['x-user-ids'], undefined);
});

t.test('a claim with CR/LF is refused, never split into headers', async (t) => {
  const { upstream, gw } = fresh();
  const res = await call(gw, '/me/x', bearer(await token({ sub: 'evil\r\nx-injected: 1' })));
  t.equal(res.status, 403);
  t.match(JSON.parse(res.text), { error: 'FORBIDDEN' });
  t.equal(upstream.seen.length, 0);
});

t.test('roles, API keys and the tier gate (seed 004 wording)', async (t) => {
  const { gw } = fresh();
  t.equal((await call(gw, '/admin/x', bearer(await token()))).status, 403, 'no admin role');
  t.equal(
    (await call(gw, '/admin/x', bearer(await token({ roles: ['admin'] })))).status,
    200,
    'admin role',
  );
  t.equal((await call(gw, '/admin/x', { 'x-api-key': KEYS.enterprise })).status, 200, 'API key');
  t.equal((await call(gw, '/me/x', bearer(KEYS.free))).status, 200, 'API key as Bearer');
  const wrong = await call(gw, '/me/x', { 'x-api-key': 'not-a-key' });
  t.equal(wrong.status, 401, 'unknown key');
  t.equal((await call(gw, '/me/x', { 'x-api-key': 'x' })).status, 401, 'key of another length');
  const expired = await call(gw, '/me/x', { 'x-api-key': KEYS.old });
  t.equal(expired.status, 401, 'expired key');
  t.match(JSON.parse(expired.text), { message: /expired/ });

  const free = await call(gw, '/drone-system/status', { 'x-api-key': KEYS.free });
  t.equal(free.status, 403);
  t.match(JSON.parse(free.text), {
    error: 'TIER_REQUIRED',
    message: "Module 'drone-system' requires 'enterprise' tier. Your tier: 'free'",
  });
  const ent = await call(gw, '/drone-system/status', { 'x-api-key': KEYS.enterprise });
  t.equal(ent.status, 200);
  t.equal(
    (await call(gw, '/drone-system/status', bearer(await token({ tier: 'enterprise' })))).status,
    401,
    'a route that accepts API keys only refuses a JWT',
  );
});

t.test('path tricks cannot reach a protected route without its auth', async (t) => {
  const { upstream, gw } = fresh();
  const raw = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = rawRequest({ host: '127.0.0.1', port: gw.port, path, method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  t.equal(await raw('/admin/../public/x'), 200, '/admin/../public/x is the public route');
  t.equal(await raw('/public/..%2fadmin/x'), 400, 'an encoded slash is refused (PATH_REJECTED)');
  t.equal(await raw('//admin/x'), 401, '//admin/x is the admin route, with its auth');
  t.equal(await raw('/public/../admin/x'), 401, '/public/../admin/x is the admin route');
  t.equal(await raw('/ADMIN/x'), 404, 'routes are case-sensitive: /ADMIN is no route');
  t.notOk(
    upstream.seen.some((r) => r.url.startsWith('/admin')),
    'the upstream never saw an admin path',
  );
});

t.test('a request body waits for the auth check and arrives whole', async (t) => {
  const { gw } = fresh();
  const body = Buffer.alloc(1024 * 1024 + 17, 'b');
  const res = await request(gw.url('/upload'), {
    method: 'POST',
    headers: bearer(await token()),
    body,
  });
  t.equal(res.statusCode, 200);
  t.equal(await res.body.text(), createHash('sha256').update(body).digest('hex'));
  const refused = await request(gw.url('/upload'), { method: 'POST', body });
  t.equal(refused.statusCode, 401);
  await refused.body.dump();
});

t.test(
  'CORS: preflight at the gateway, allow-list, credentials, no headers for others',
  async (t) => {
    const { upstream, gw } = fresh();
    const preflight = (origin: string, method = 'POST', headers = 'content-type') =>
      request(gw.url('/me/x'), {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': headers,
        },
      });
    const allowed = await preflight('https://app.example.com');
    await allowed.body.dump();
    t.equal(allowed.statusCode, 204, 'preflight answered at the gateway, before auth');
    t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com');
    t.equal(allowed.headers['access-control-allow-credentials'], 'true');
    t.equal(allowed.headers['access-control-max-age'], '600');
    t.match(allowed.headers['access-control-allow-methods'], /POST/);

    const sub = await preflight('https://deep.api.example.org', 'DELETE');
    await sub.body.dump();
    t.equal(sub.statusCode, 204, 'wildcard subdomain');
    for (const origin of ['https://evil.com', 'https://example.org', 'http://app.example.com']) {
      const denied = await preflight(origin);
      await denied.body.dump();
      t.equal(denied.statusCode, 403, `${origin}: refused`);
      t.equal(denied.headers['access-control-allow-origin'], undefined, `${origin}: no CORS`);
    }
    const badMethod = await preflight('https://app.example.com', 'PATCH');
    await badMethod.body.dump();
    t.equal(badMethod.statusCode, 403, 'a method outside the list');
    t.equal(upstream.seen.length, 0, 'no preflight went upstream');

    const actual = await call(gw, '/public/x', { origin: 'https://app.example.com' });
    t.equal(actual.headers['access-control-allow-origin'], 'https://app.example.com');
    t.match(actual.headers['vary'], /Origin/);
    const other = await call(gw, '/public/x', { origin: 'https://evil.com' });
    t.equal(other.headers['access-control-allow-origin'], undefined);
    const unauthorized = await call(gw, '/me/x', { origin: 'https://app.example.com' });
    t.equal(unauthorized.status, 401);
    t.equal(
      unauthorized.headers['access-control-allow-origin'],
      'https://app.example.com',
      'a 401 is readable by the allowed origin',
    );
    const plain = await call(gw, '/plain/x', { origin: 'https://app.example.com' });
    t.equal(plain.headers['access-control-allow-origin'], undefined, 'cors: false on the route');
  },
);

t.test(
  "a CORS route answers CORS itself: the upstream's Access-Control-* never pass",
  async (t) => {
    const { gw } = fresh();
    const corsHeaders = (headers: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('access-control-')));
    const allowed = await call(gw, '/public/upstream-cors', { origin: 'https://app.example.com' });
    t.equal(allowed.text, 'cors from upstream');
    t.same(
      corsHeaders(allowed.headers),
      {
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-allow-credentials': 'true',
      },
      "the gateway's policy only: its origin, no upstream methods or exposed headers",
    );
    const other = await call(gw, '/public/upstream-cors', { origin: 'https://evil.com' });
    t.same(corsHeaders(other.headers), {}, 'an origin the policy refuses gets none at all');
    const none = await call(gw, '/public/upstream-cors');
    t.same(corsHeaders(none.headers), {}, 'nor does a request without Origin');
    const plain = await call(gw, '/plain/upstream-cors', { origin: 'https://evil.com' });
    t.equal(
      plain.headers['access-control-allow-origin'],
      '*',
      'a route with cors: false passes the upstream CORS headers as they are',
    );
  },
);

t.test('security headers on by default, off per route; IP filter refuses with 403', async (t) => {
  const { upstream, gw } = fresh();
  const res = await call(gw, '/public/x');
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.equal(res.headers['x-frame-options'], 'DENY');
  t.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  const framed = await call(gw, '/public/framed');
  t.equal(framed.headers['x-frame-options'], 'SAMEORIGIN', "the upstream's own value wins");
  t.equal(framed.headers['x-content-type-options'], 'nosniff', 'the others are added');
  const error = await call(gw, '/nowhere');
  t.equal(error.status, 404);
  t.equal(error.headers['x-frame-options'], 'DENY', 'a 404 no route made carries them too');
  const health = await call(gw, '/health');
  t.equal(health.headers['x-content-type-options'], 'nosniff');
  t.equal(health.headers['x-frame-options'], 'DENY', 'and the built-in /health');
  const plain = await call(gw, '/plain/x');
  t.equal(plain.headers['x-frame-options'], undefined);
  const blocked = await call(gw, '/blocked/x');
  t.equal(blocked.status, 403);
  t.match(JSON.parse(blocked.text), { error: 'FORBIDDEN' });
  // No trust_proxy: the peer is no proxy, so what it claims in X-Forwarded-For changes nothing.
  const disguised = await call(gw, '/blocked/x', { 'x-forwarded-for': '203.0.113.9' });
  t.equal(disguised.status, 403, 'a forged X-Forwarded-For does not get past ip_filter');
  t.equal(upstream.seen.filter((r) => r.url === '/blocked/x').length, 0, 'no request upstream');
});

t.test('a held body over max_body_size ends in 413, and the gateway keeps serving', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    config(upstream.url).replace(
      'server: { http_port: 0, bind_address: 127.0.0.1 }',
      'server: { http_port: 0, bind_address: 127.0.0.1, limits: { max_body_size: 1kb } }',
    ),
  );
  const res = await request(gw.url('/upload'), {
    method: 'POST',
    headers: bearer(await token()),
    // A stream, so the body goes chunked: no Content-Length for the gateway to refuse up front.
    body: Readable.from([Buffer.alloc(8 * 1024, 'x')]),
  }).then(
    async (r) => {
      await r.body.dump();
      return r.statusCode;
    },
    (err: Error) => err.message,
  );
  t.ok(res === 413 || /closed|reset|socket/i.test(String(res)), `over the limit: ${res}`);
  t.equal((await call(gw, '/public/x')).status, 200, 'still serving');
  t.equal(gw.proc.exitCode, null, 'the process is alive');
});
