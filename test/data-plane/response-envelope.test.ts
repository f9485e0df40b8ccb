import t, { type Test } from 'tap';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { jsonCall as call, type JsonAnswer } from '../helpers/json-call.js';

type Tap = Parameters<typeof startGatewayd>[0];

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const PASSWORD = 'a-password-from-the-env';
const FREE_KEY = 'free-key-0123456789';
/** A gateway-generated timestamp: ISO 8601 in UTC. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Seed 004's gateway in small: identity at /auth, a tier-gated module, a limit, a dead upstream. */
function config(upstream: string, envelope: boolean | null): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
${envelope === null ? '' : `response_envelope: ${envelope}`}
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, issuer: gatewayd, audience: api }
  api_keys:
    header: X-API-Key
    keys:
      - { name: free-app, hash: "${hashApiKey(FREE_KEY)}", tier: free }
  tiers: [free, pro, enterprise, admin]
identity:
  paths: { prefix: /auth }
  bootstrap_users:
    - { username: user@example.com, password: "\${USER_PASSWORD}", roles: [user], tier: free }
routes:
  - { name: drone-system, path: /modules/drone-system/*, upstream: svc, required_tier: enterprise }
  - { name: fundraising, path: /modules/fundraising/*, upstream: svc, auth_required: true, rate_limit: 1/minute }
  - { path: /modules/dead/*, upstream: dead }
  - { path: /upstream/*, methods: [GET], upstream: svc }
  - { path: /static, direct_response: { status: 200, body: { hello: world } } }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
  dead: { discovery: { type: Static, endpoints: ["http://127.0.0.1:1"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

async function setup(t: Tap, envelope: boolean | null) {
  const upstream = await UpstreamServer.start(t, {
    '/upstream/own-error': (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"detail":"the upstream\'s own 404"}');
    },
  });
  const gw = await startGatewayd(t, config(upstream.url, envelope), {
    env: { USER_PASSWORD: PASSWORD },
  });
  return { upstream, gw };
}

function login(gw: GatewaydProcess) {
  return call(gw, 'POST', '/auth/login', {
    body: { email: 'user@example.com', password: PASSWORD },
  });
}

/** Asserts seed 004's error envelope and returns it. */
function assertErrorEnvelope(
  t: Test,
  res: JsonAnswer,
  status: number,
  code: string,
  error: string | RegExp,
): void {
  t.equal(res.status, status, `${code}: status ${status}`);
  t.match(res.body, {
    success: false,
    error,
    code,
    message: String,
    status_code: status,
    timestamp: ISO,
    request_id: res.headers['x-request-id'],
  });
  t.same(
    Object.keys(res.body).filter((key) => key !== 'service'),
    ['success', 'error', 'code', 'message', 'status_code', 'timestamp', 'request_id'],
    `${code}: seed 004's keys, in its order`,
  );
}

t.test('response_envelope: true wraps every gateway-generated answer', async (t) => {
  const { upstream, gw } = await setup(t, true);

  t.test('404, 405: requests no route takes use the table setting', async (t) => {
    assertErrorEnvelope(
      t,
      await call(gw, 'GET', '/nowhere'),
      404,
      'ROUTE_NOT_FOUND',
      'Route not found',
    );
    const wrong = await call(gw, 'POST', '/upstream/x');
    assertErrorEnvelope(t, wrong, 405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
    t.equal(wrong.headers.allow, 'GET');
    t.match(wrong.body.message, /method POST is not allowed here/);
  });

  t.test('401, 403 TIER_REQUIRED in seed 004 wording, 429, 502', async (t) => {
    const anonymous = await call(gw, 'GET', '/modules/drone-system/fly');
    assertErrorEnvelope(t, anonymous, 401, 'UNAUTHORIZED', 'Invalid authentication credentials');
    t.ok(anonymous.headers['www-authenticate'], 'the challenge header is kept');

    const tier = await call(gw, 'GET', '/modules/drone-system/fly', {
      headers: { 'x-api-key': FREE_KEY },
    });
    assertErrorEnvelope(
      t,
      tier,
      403,
      'TIER_REQUIRED',
      "Module 'drone-system' requires 'enterprise' tier. Your tier: 'free'",
    );

    const first = await call(gw, 'GET', '/modules/fundraising/campaigns', {
      headers: { 'x-api-key': FREE_KEY },
    });
    t.equal(first.status, 200, 'the first call of the minute passes');
    const limited = await call(gw, 'GET', '/modules/fundraising/campaigns', {
      headers: { 'x-api-key': FREE_KEY },
    });
    assertErrorEnvelope(t, limited, 429, 'RATE_LIMITED', 'Rate limit exceeded');
    t.match(limited.body.message, /rate limit of 1 requests per 60 s exceeded/);
    t.equal(limited.headers['x-ratelimit-limit'], '1');
    t.ok(Number(limited.headers['retry-after']) >= 1);

    const dead = await call(gw, 'GET', '/modules/dead/x');
    assertErrorEnvelope(t, dead, 502, 'BAD_GATEWAY', 'Bad gateway');
    t.match(dead.body.message, /"dead"/);
    t.equal(dead.body.service, 'dead', 'an upstream failure names the upstream');
  });

  t.test('identity login and verify answer in the envelope', async (t) => {
    const res = await login(gw);
    t.equal(res.status, 200);
    t.equal(res.headers['cache-control'], 'no-store');
    t.match(res.body, {
      success: true,
      data: {
        access_token: /^eyJ/,
        token_type: 'bearer',
        expires_in: Number,
        user: { user_id: 'user@example.com', tier: 'free' },
      },
      timestamp: ISO,
      request_id: res.headers['x-request-id'],
    });
    const token = (res.body.data as { access_token: string }).access_token;
    const verified = await call(gw, 'POST', '/auth/verify', {
      headers: { authorization: `Bearer ${token}` },
    });
    t.equal(verified.status, 200);
    t.match(verified.body, {
      success: true,
      data: { valid: true, user: { username: 'user@example.com', tier: 'free' } },
      timestamp: ISO,
    });

    const wrong = await call(gw, 'POST', '/auth/login', {
      body: { email: 'user@example.com', password: 'not-the-password' },
    });
    assertErrorEnvelope(t, wrong, 401, 'UNAUTHORIZED', 'Invalid authentication credentials');
    t.equal(wrong.body.message, 'invalid username or password');
    t.notOk(wrong.text.includes(PASSWORD), 'no password in the answer');
  });

  t.test('/health and /ready', async (t) => {
    const health = await call(gw, 'GET', '/health', { headers: { 'x-request-id': 'req_abc123' } });
    t.equal(health.status, 200);
    t.same(Object.keys(health.body), ['success', 'data', 'timestamp', 'request_id']);
    t.match(health.body, {
      success: true,
      data: { status: 'ok' },
      timestamp: ISO,
      request_id: 'req_abc123',
    });
    const ready = await call(gw, 'GET', '/ready');
    t.match(ready.body, { success: true, data: { status: 'ready' } });
  });

  t.test('upstream answers and direct_response bodies are never wrapped', async (t) => {
    const echoed = await call(gw, 'GET', '/upstream/hello');
    t.equal(echoed.status, 200);
    t.equal(echoed.body.url, '/upstream/hello', "the upstream's echo, as it sent it");
    t.notOk('success' in echoed.body);
    const own = await call(gw, 'GET', '/upstream/own-error');
    t.equal(own.status, 404);
    t.equal(own.text, '{"detail":"the upstream\'s own 404"}', "an upstream's error passes through");
    const direct = await call(gw, 'GET', '/static');
    t.equal(direct.text, '{"hello":"world"}', 'a configured direct_response is the user’s own');
    t.ok(
      upstream.seen.some((r) => r.url === '/upstream/own-error'),
      'the 404 came from the upstream, not the gateway',
    );
  });
});

t.test('off by default: the plain shapes; a reload flips the envelope on and off', async (t) => {
  const { upstream, gw } = await setup(t, null);

  async function assertPlain(t: Test) {
    const missing = await call(gw, 'GET', '/nowhere');
    t.equal(missing.status, 404);
    t.same(Object.keys(missing.body), [
      'error',
      'message',
      'status_code',
      'request_id',
      'timestamp',
    ]);
    t.match(missing.body, { error: 'ROUTE_NOT_FOUND', status_code: 404 });
    const tier = await call(gw, 'GET', '/modules/drone-system/fly', {
      headers: { 'x-api-key': FREE_KEY },
    });
    t.match(tier.body, {
      error: 'TIER_REQUIRED',
      message: "Module 'drone-system' requires 'enterprise' tier. Your tier: 'free'",
    });
    const res = await login(gw);
    t.match(res.body, { access_token: /^eyJ/, user: { tier: 'free' } });
    t.notOk('success' in res.body);
    const health = await call(gw, 'GET', '/health');
    t.equal(health.text, '{"status":"ok"}');
  }

  t.test('without the key', assertPlain);

  t.test('a reload with response_envelope: true wraps the next answers', async (t) => {
    const from = gw.logs.length;
    gw.writeConfig(config(upstream.url, true));
    await gw.waitForLog((l) => l.msg === 'config loaded', 5000, from);
    assertErrorEnvelope(
      t,
      await call(gw, 'GET', '/nowhere'),
      404,
      'ROUTE_NOT_FOUND',
      'Route not found',
    );
    const res = await login(gw);
    t.match(res.body, { success: true, data: { access_token: /^eyJ/, user: { tier: 'free' } } });
    t.match((await call(gw, 'GET', '/health')).body, { success: true, data: { status: 'ok' } });
    const echoed = await call(gw, 'GET', '/upstream/again');
    t.equal(echoed.body.url, '/upstream/again', 'upstream answers still untouched');
  });

  t.test('a reload with response_envelope: false brings the plain shapes back', async (t) => {
    const from = gw.logs.length;
    gw.writeConfig(config(upstream.url, false));
    await gw.waitForLog((l) => l.msg === 'config loaded', 5000, from);
    await assertPlain(t);
  });
});
