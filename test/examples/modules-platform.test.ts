import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startModuleBackend } from '../../examples/modules-platform/backends/module-backend.mjs';
import { runCli, startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { pick } from '../helpers/pick.js';
import { createConfig, lintFromString } from '@redocly/openapi-core';

const EXAMPLE = fileURLToPath(
  new URL('../../examples/modules-platform/gateway.yaml', import.meta.url),
);
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The seed's users: its own user@example.com (free) and one per paid tier. */
const PASSWORDS = {
  USER_PASSWORD: 'password123',
  PRO_USER_PASSWORD: `pro-${randomBytes(8).toString('hex')}`,
  ENTERPRISE_USER_PASSWORD: `ent-${randomBytes(8).toString('hex')}`,
  ADMIN_PASSWORD: `adm-${randomBytes(8).toString('hex')}`,
};
/** One static key per tier; the config holds their hashes only. */
const KEYS = {
  free: `100x_${randomBytes(16).toString('hex')}`,
  pro: `100x_${randomBytes(16).toString('hex')}`,
  enterprise: `100x_${randomBytes(16).toString('hex')}`,
  admin: `100x_${randomBytes(16).toString('hex')}`,
};
/** Low enough for the test to reach a 429: the seed's 100/hour would take 100 requests. */
const FREE_LIMIT = 12;

/** The seed's module table, in its order: name and tier. */
const MODULES: Array<[string, string]> = [
  ['fundraising', 'free'],
  ['marketing', 'pro'],
  ['design-hub', 'pro'],
  ['social-media', 'free'],
  ['customer-service', 'pro'],
  ['bookkeeping', 'pro'],
  ['email-campaigns', 'pro'],
  ['project-manager', 'pro'],
  ['testing-suite', 'enterprise'],
  ['shopping-cart', 'free'],
  ['code-sandbox', 'free'],
  ['drone-system', 'enterprise'],
  ['voice-assistant', 'pro'],
  ['video-editing', 'pro'],
  ['podcast-production', 'pro'],
  ['stock-media', 'pro'],
  ['music-production', 'pro'],
  ['content-repurposing', 'pro'],
  ['seo-content', 'pro'],
  ['corruption-mapping', 'free'],
  ['pattern-security', 'pro'],
  ['law-module', 'pro'],
  ['legal-documents', 'pro'],
  ['spreadsheet-brain', 'free'],
  ['data-crystals', 'pro'],
  ['data-analytics', 'pro'],
  ['personal-trainer', 'free'],
  ['social-automation', 'pro'],
  ['jarvis-assistant', 'pro'],
  ['dropshipping', 'pro'],
];

function exampleEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    JWT_SECRET: 'modules-platform-example-test-secret-0123456789',
    ...PASSWORDS,
    FREE_API_KEY_HASH: hashApiKey(KEYS.free),
    PRO_API_KEY_HASH: hashApiKey(KEYS.pro),
    ENTERPRISE_API_KEY_HASH: hashApiKey(KEYS.enterprise),
    ADMIN_API_KEY_HASH: hashApiKey(KEYS.admin),
    ...extra,
  };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  gw: GatewaydProcess,
  method: string,
  path: string,
  opts: { token?: string; apiKey?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey !== undefined) headers['x-api-key'] = opts.apiKey;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(gw.url(path), {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** The words seed 004 puts in `error`, by code (a tier gate's is its own sentence). */
const SUMMARY: Record<string, string> = {
  UNAUTHORIZED: 'Invalid authentication credentials',
  FORBIDDEN: 'Insufficient permissions',
  ROUTE_NOT_FOUND: 'Route not found',
  RATE_LIMITED: 'Rate limit exceeded',
  NOT_FOUND: 'Not found',
};

/**
 * A gateway-generated error in seed 004's envelope (`response_envelope: true`):
 * `{success: false, error, code, message, status_code, timestamp, request_id}`.
 */
function assertError(
  t: Test,
  res: Answer,
  status: number,
  code: string,
  message?: string | RegExp,
): void {
  t.equal(res.status, status, `${status} ${code}`);
  t.match(res.body, {
    success: false,
    error: code === 'TIER_REQUIRED' ? (message ?? String) : SUMMARY[code],
    code,
    message: message ?? String,
    status_code: status,
    request_id: res.headers.get('x-request-id'),
    timestamp: ISO,
  });
}

/** A gateway-generated success in seed 004's envelope: its `data`. */
function dataOf(t: Test, res: Answer): Record<string, unknown> {
  t.match(res.body, {
    success: true,
    data: Object,
    timestamp: ISO,
    request_id: res.headers.get('x-request-id'),
  });
  return (res.body.data ?? {}) as Record<string, unknown>;
}

async function login(gw: GatewaydProcess, email: string, password: string): Promise<string> {
  const res = await call(gw, 'POST', '/auth/login', { body: { email, password } });
  if (res.status !== 200)
    throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.data as Record<string, unknown>).access_token as string;
}

t.test('gatewayd check passes on the example', async (t) => {
  const check = await runCli(['check', EXAMPLE], { ...process.env, ...exampleEnv() });
  t.equal(check.code, 0, check.stdout + check.stderr);
  t.match(check.stdout, `${EXAMPLE}: OK`);
  const without = await runCli(['check', EXAMPLE], {
    ...process.env,
    ...exampleEnv(),
    USER_PASSWORD: '',
  });
  t.equal(without.code, 1, 'no password in the environment: no start');
});

t.test('seed 004 flows against the example', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const backend = await startModuleBackend();
  t.teardown(() => backend.close());
  const gw = await startGatewayd(t, '', {
    file: EXAMPLE,
    env: exampleEnv({
      PORT: '0',
      MODULES_URL: backend.url,
      REDIS_URL: redis.url,
      RATE_LIMIT_FREE: `${FREE_LIMIT}/minute`,
    }),
  });

  // Seed: curl -X POST /auth/login -d '{"email": "user@example.com", "password": ...}'
  const loggedIn = await call(gw, 'POST', '/auth/login', {
    body: { email: 'user@example.com', password: PASSWORDS.USER_PASSWORD },
  });
  t.equal(loggedIn.status, 200);
  const session = dataOf(t, loggedIn);
  t.match(session, {
    access_token: /^eyJ/,
    token_type: 'bearer',
    expires_in: 86400,
    user: { user_id: String, email: 'user@example.com', tier: 'free' },
  });
  const token = session.access_token as string;
  assertError(
    t,
    await call(gw, 'POST', '/auth/login', {
      body: { email: 'user@example.com', password: 'wrong-password' },
    }),
    401,
    'UNAUTHORIZED',
  );
  const verified = await call(gw, 'POST', '/auth/verify', { token });
  t.equal(verified.status, 200);
  t.match(dataOf(t, verified), { valid: true, user: { email: 'user@example.com', tier: 'free' } });

  t.test('GET /modules lists the 30 modules with their tiers', async (t) => {
    const res = await call(gw, 'GET', '/modules', { token });
    t.equal(res.status, 200);
    const list = dataOf(t, res);
    t.equal(list.total, 30);
    const items = list.items as Array<Record<string, unknown>>;
    t.same(
      items.map((i) => [i.name, i.required_tier]),
      MODULES,
      'the seed table, in its order',
    );
    t.same(items[0], {
      name: 'fundraising',
      display_name: 'Fundraising',
      category: 'Infrastructure',
      path: '/modules/fundraising/*',
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
      required_tier: 'free',
      auth_required: true,
      origin: 'file',
    });
    t.notMatch(JSON.stringify(res.body), backend.url, 'no upstream address');
    const byKey = await call(gw, 'GET', '/modules', { apiKey: KEYS.pro });
    t.equal(byKey.status, 200, 'X-API-Key works too');
    t.equal(dataOf(t, byKey).total, 30);
    assertError(t, await call(gw, 'GET', '/modules'), 401, 'UNAUTHORIZED');
    assertError(
      t,
      await call(gw, 'GET', '/modules', { token: 'not-a-token' }),
      401,
      'UNAUTHORIZED',
    );
  });

  t.test('module calls with the JWT and with X-API-Key', async (t) => {
    // Seed: curl -X POST /modules/code-sandbox/execute -H "Authorization: Bearer ..."
    const code = await call(gw, 'POST', '/modules/code-sandbox/execute', {
      token,
      body: { code: 'print("Hello World")', language: 'python' },
    });
    t.equal(code.status, 200);
    t.same(dataOf(t, code), {
      module: 'code-sandbox',
      method: 'POST',
      path: '/execute',
      user_id: 'user@example.com',
      tier: 'free',
      auth_method: 'jwt',
      received: { code: 'print("Hello World")', language: 'python' },
    });
    // Seed: curl -X GET /modules/personal-trainer/workout-plan; and the JavaScript client's POST.
    const plan = await call(gw, 'GET', '/modules/personal-trainer/workout-plan', { token });
    t.match(dataOf(t, plan), { module: 'personal-trainer', method: 'GET', path: '/workout-plan' });
    const jsClient = await call(gw, 'POST', '/modules/personal-trainer/workout-plan', {
      token,
      body: { goal: 'weight-loss', days: 7 },
    });
    t.match(dataOf(t, jsClient), { received: { goal: 'weight-loss', days: 7 } });
    // Seed: curl -X POST /modules/data-analytics/query: a pro module, here with the pro API key.
    const query = await call(gw, 'POST', '/modules/data-analytics/query', {
      apiKey: KEYS.pro,
      body: { query: 'Show sales by region' },
    });
    t.equal(query.status, 200);
    const byKey = {
      module: 'data-analytics',
      user_id: 'pro-app',
      tier: 'pro',
      auth_method: 'api_key',
      received: { query: 'Show sales by region' },
    };
    t.same(pick(dataOf(t, query), byKey), byKey);
    const proUser = await login(gw, 'pro@example.com', PASSWORDS.PRO_USER_PASSWORD);
    const proQuery = await call(gw, 'POST', '/modules/data-analytics/query', {
      token: proUser,
      body: { query: 'Show sales by region' },
    });
    const byToken = { module: 'data-analytics', user_id: 'pro@example.com', tier: 'pro' };
    t.same(pick(dataOf(t, proQuery), byToken), byToken);
    for (const call of backend.calls.slice(-4)) {
      t.equal(call.headers.authorization, undefined, 'the module never sees the token');
      t.equal(call.headers['x-api-key'], undefined, 'nor the key');
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await call(gw, method, '/modules/fundraising/campaigns/1', { apiKey: KEYS.free });
      t.match([res.status, res.body.data], [200, { method, path: '/campaigns/1' }], method);
    }
    assertError(
      t,
      await call(gw, 'GET', '/modules/invalid-module/anything', { token }),
      404,
      'ROUTE_NOT_FOUND',
    );
  });

  t.test('the tier gate: drone-system needs enterprise', async (t) => {
    assertError(
      t,
      await call(gw, 'GET', '/modules/drone-system/status', { token }),
      403,
      'TIER_REQUIRED',
      "Module 'drone-system' requires 'enterprise' tier. Your tier: 'free'",
    );
    assertError(
      t,
      await call(gw, 'POST', '/modules/data-analytics/query', { apiKey: KEYS.free }),
      403,
      'TIER_REQUIRED',
      "Module 'data-analytics' requires 'pro' tier. Your tier: 'free'",
    );
    const ent = await login(gw, 'enterprise@example.com', PASSWORDS.ENTERPRISE_USER_PASSWORD);
    const drone = await call(gw, 'GET', '/modules/drone-system/status', { token: ent });
    t.equal(drone.status, 200);
    const enterprise = { module: 'drone-system', tier: 'enterprise' };
    t.same(pick(dataOf(t, drone), enterprise), enterprise);
    const byKey = await call(gw, 'GET', '/modules/drone-system/status', {
      apiKey: KEYS.enterprise,
    });
    t.equal(byKey.status, 200, 'enterprise key');
    const admin = await call(gw, 'GET', '/modules/drone-system/status', { apiKey: KEYS.admin });
    t.equal(admin.status, 200, 'admin is above enterprise');
  });

  t.test('tier rate limits: X-RateLimit-* headers, then 429', async (t) => {
    const first = await call(gw, 'GET', '/modules/shopping-cart/items', { apiKey: KEYS.free });
    t.equal(first.status, 200);
    t.equal(first.headers.get('x-ratelimit-limit'), String(FREE_LIMIT));
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    t.ok(remaining < FREE_LIMIT, `remaining ${remaining}`);
    t.match(first.headers.get('x-ratelimit-reset'), /^\d+$/);
    let refused: Answer | null = null;
    for (let i = 0; i <= remaining && refused === null; i++) {
      const res = await call(gw, 'GET', '/modules/shopping-cart/items', { apiKey: KEYS.free });
      if (res.status === 429) refused = res;
      else t.equal(res.status, 200);
    }
    t.ok(refused !== null, 'refused within the limit');
    const res = refused as Answer;
    assertError(t, res, 429, 'RATE_LIMITED');
    t.equal(res.headers.get('x-ratelimit-limit'), String(FREE_LIMIT));
    t.equal(res.headers.get('x-ratelimit-remaining'), '0');
    t.match(res.headers.get('retry-after'), /^\d+$/);
    const pro = await call(gw, 'GET', '/modules/shopping-cart/items', { apiKey: KEYS.pro });
    t.equal(pro.status, 200, 'another caller is not affected');
    t.equal(pro.headers.get('x-ratelimit-limit'), '1000', "the pro tier's 1,000 per hour");
  });

  t.test('security headers on every answer', async (t) => {
    const answers = [
      await call(gw, 'GET', '/modules/code-sandbox/x', { token }),
      await call(gw, 'GET', '/modules/drone-system/x', { token }),
      await call(gw, 'GET', '/health/detailed'),
      await call(gw, 'GET', '/modules'),
      await call(gw, 'GET', '/health'),
      await call(gw, 'GET', '/modules/invalid-module/x', { token }),
    ];
    for (const res of answers) {
      t.match(
        Object.fromEntries(res.headers),
        {
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'x-xss-protection': '1; mode=block',
          'content-security-policy': "default-src 'self'",
        },
        `on a ${res.status}`,
      );
      // HSTS is for HTTPS answers only: browsers ignore it over plain HTTP.
      t.equal(
        res.headers.get('strict-transport-security'),
        null,
        `no HSTS over HTTP (${res.status})`,
      );
    }
    const preflight = await fetch(gw.url('/modules/code-sandbox/execute'), {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    await preflight.arrayBuffer();
    t.equal(preflight.status, 204, 'CORS preflight from the development origin');
    t.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  });

  t.test('health endpoints', async (t) => {
    const health = await call(gw, 'GET', '/health');
    t.equal(health.status, 200);
    t.same(dataOf(t, health), { status: 'ok' });
    const detailed = await call(gw, 'GET', '/health/detailed');
    t.equal(detailed.status, 200);
    t.match(dataOf(t, detailed), {
      status: 'ok',
      upstreams: [
        {
          name: 'modules',
          status: 'ok',
          healthy_endpoints: 1,
          total_endpoints: 1,
          breaker: 'closed',
        },
      ],
      redis: { status: 'ok', latency_ms: Number },
    });
    t.notMatch(JSON.stringify(detailed.body), '127.0.0.1', 'no addresses');
    const redisHealth = await call(gw, 'GET', '/health/redis');
    t.equal(redisHealth.status, 200);
    t.match(dataOf(t, redisHealth), { status: 'ok', latency_ms: Number });
  });

  t.test('API keys of users: create, use, list, revoke', async (t) => {
    // Python client step 2: the free user asks for a pro key. A key above the user's own tier
    // would be a free upgrade, so the gateway refuses it; the user's own tier works.
    const user = await login(gw, 'user@example.com', PASSWORDS.USER_PASSWORD);
    const above = await call(gw, 'POST', '/api-keys/create', {
      token: user,
      body: { name: 'My API Key', tier: 'pro', expires_days: 365 },
    });
    assertError(t, above, 403, 'FORBIDDEN', "a key cannot have a tier above yours ('free')");
    // Seed: curl -X POST /api-keys/create -d '{"name":"Production API Key","tier":"pro","expires_days":365}'
    const pro = await login(gw, 'pro@example.com', PASSWORDS.PRO_USER_PASSWORD);
    const created = await call(gw, 'POST', '/api-keys/create', {
      token: pro,
      body: { name: 'Production API Key', tier: 'pro', expires_days: 365 },
    });
    t.equal(created.status, 201);
    const key = dataOf(t, created);
    t.match(key, {
      api_key: /^100x_/,
      id: String,
      name: 'Production API Key',
      tier: 'pro',
      created_at: ISO,
      expires_at: ISO,
    });
    const lifetime = Date.parse(key.expires_at as string) - Date.parse(key.created_at as string);
    t.equal(lifetime, 365 * 24 * 3600 * 1000, 'expires_days: 365');

    // Seed: curl -X GET /modules -H "X-API-Key: 100x_..."
    const apiKey = key.api_key as string;
    const modules = await call(gw, 'GET', '/modules', { apiKey });
    t.equal(dataOf(t, modules).total, 30);
    const query = await call(gw, 'POST', '/modules/data-analytics/query', {
      apiKey,
      body: { query: 'Show sales by region' },
    });
    t.match(
      [query.status, query.body.data],
      [
        200,
        {
          module: 'data-analytics',
          user_id: 'pro@example.com',
          tier: 'pro',
          auth_method: 'api_key',
        },
      ],
    );
    t.equal(backend.calls.at(-1)?.headers['x-api-key'], undefined, 'the module never sees it');
    assertError(
      t,
      await call(gw, 'GET', '/modules/drone-system/status', { apiKey }),
      403,
      'TIER_REQUIRED',
      "Module 'drone-system' requires 'enterprise' tier. Your tier: 'pro'",
    );

    const listed = await call(gw, 'GET', '/api-keys/list', { token: pro });
    const keys = dataOf(t, listed);
    t.match(keys, {
      total: 1,
      api_keys: [{ id: key.id, name: 'Production API Key', tier: 'pro' }],
    });
    t.notMatch(JSON.stringify(listed.body), apiKey, 'a listing never shows the key');
    const others = await call(gw, 'GET', '/api-keys/list', { token: user });
    t.equal(dataOf(t, others).total, 0, "another user's list is their own");
    assertError(
      t,
      await call(gw, 'DELETE', `/api-keys/${String(key.id)}`, { token: user }),
      404,
      'NOT_FOUND',
    );

    const revoked = await call(gw, 'DELETE', `/api-keys/${String(key.id)}`, { token: pro });
    t.equal(revoked.status, 200);
    t.match(dataOf(t, revoked), { id: key.id });
    assertError(t, await call(gw, 'GET', '/modules', { apiKey }), 401, 'UNAUTHORIZED');
  });

  t.test('the API documentation: /api/openapi.json, /api/docs, /api/redoc', async (t) => {
    const res = await fetch(gw.url('/api/openapi.json'));
    t.equal(res.status, 200);
    t.equal(res.headers.get('content-type'), 'application/json');
    const source = await res.text();
    const doc = JSON.parse(source) as {
      openapi: string;
      info: Record<string, unknown>;
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { securitySchemes: Record<string, unknown> };
      'x-tiers': unknown;
    };
    t.equal(doc.openapi, '3.0.3', 'the document itself, not in the envelope');
    t.same(doc.info, { title: '100X Platform API', version: '1.0.0' });
    t.notMatch(source, backend.url, 'no upstream address');

    // Validated against the OpenAPI 3 rules by Redocly's linter; a broken document is refused.
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    t.same(
      problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`),
      [],
      'no error from the OpenAPI linter',
    );
    const broken = await lintFromString({
      source: JSON.stringify({ openapi: '3.0.3', paths: { '/x/{id}': { get: {} } } }),
      absoluteRef: 'broken.json',
      config,
    });
    t.ok(
      broken.some((p) => p.severity === 'error'),
      'the linter does refuse a document without info or responses',
    );

    t.same(doc.components.securitySchemes, {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKeyAuth: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    });
    t.same(doc['x-tiers'], [
      { name: 'free', rate_limit: `${FREE_LIMIT}/minute` },
      { name: 'pro', rate_limit: '1000/hour' },
      { name: 'enterprise', rate_limit: '10000/hour' },
      { name: 'admin', rate_limit: '100000/hour' },
    ]);
    for (const [name, tier] of MODULES) {
      const item = doc.paths[`/modules/${name}/{path}`];
      if (item === undefined) {
        t.fail(`module ${name} is in the document`);
        continue;
      }
      t.same(
        Object.keys(item),
        ['parameters', 'get', 'post', 'put', 'delete', 'patch'],
        `${name}: the path parameter and five methods`,
      );
      t.match(item.post, {
        'x-required-tier': tier,
        'x-gateway-route': name,
        security: [{ bearerAuth: [] }, { apiKeyAuth: [] }],
      });
    }
    t.match(doc.paths['/modules/code-sandbox/{path}']?.get, {
      summary: 'Code Sandbox',
      tags: ['Advanced'],
      'x-category': 'Advanced',
    });
    t.match(doc.paths['/modules']?.get, { security: [{ bearerAuth: [] }, { apiKeyAuth: [] }] });
    t.match(doc.paths['/health/detailed']?.get, { security: [] });
    t.ok(doc.paths['/auth/login']?.post, 'the identity endpoints are listed');
    t.ok(doc.paths['/api-keys/{key_id}']?.delete, 'with their path parameters');
    t.notOk(doc.paths['/api/docs/{path}'], 'the documentation routes are not');

    for (const [page, script] of [
      ['/api/docs', 'swagger-ui-bundle.js'],
      ['/api/redoc', 'redoc.standalone.js'],
    ] as const) {
      for (const at of [page, `${page}/`]) {
        const html = await fetch(gw.url(at));
        t.equal(html.status, 200, `${at} answers`);
        t.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
      }
      const html = await (await fetch(gw.url(page))).text();
      t.notMatch(html, /https?:\/\//, `${page}: no external URL in the page`);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
      t.ok(assets.includes(`${page}/${script}`), `${page} loads ${script}`);
      for (const asset of assets) {
        const got = await fetch(gw.url(asset));
        t.equal(got.status, 200, `${asset} loads through the gateway`);
        const body = await got.text();
        if (asset.endsWith('/init.js')) {
          t.match(body, '"/api/openapi.json"', `${asset} reads the gateway's document`);
          t.notMatch(body, /https?:\/\//, `${asset}: no external URL`);
        }
      }
      const missing = await call(gw, 'GET', `${page}/nope.js`);
      assertError(t, missing, 404, 'NOT_FOUND');
    }
  });

  t.test('GET /analytics/usage shows the calls made', async (t) => {
    // Python client: login, list modules, code-sandbox execute, then usage.
    const python = await login(gw, 'user@example.com', PASSWORDS.USER_PASSWORD);
    const before = await call(gw, 'GET', '/analytics/usage', { token: python });
    t.equal(before.status, 200);
    const usage = dataOf(t, before);
    const counted = usage.requests as number;
    t.match(usage, {
      caller: { kind: 'user', id: 'user@example.com', tier: 'free' },
      window: { minutes: 15, from: ISO, to: ISO },
      client_errors: Number,
      server_errors: 0,
    });
    t.ok(counted >= 6, `the earlier calls of user@example.com are counted (${counted})`);
    t.equal((await call(gw, 'GET', '/modules', { token: python })).status, 200);
    const exec = await call(gw, 'POST', '/modules/code-sandbox/execute', {
      token: python,
      body: { code: "print('Hello from 100X Platform!')", language: 'python' },
    });
    t.equal(exec.status, 200);
    const after = await call(gw, 'GET', '/analytics/usage', { token: python });
    t.equal(
      dataOf(t, after).requests,
      counted + 3,
      'the usage call before, /modules and the module call',
    );

    // Per module this hour, day and month, counted in the example's Redis.
    const modules = dataOf(t, after).modules as Record<
      string,
      { routes: Array<Record<string, unknown>> }
    >;
    for (const window of ['hour', 'day', 'month']) {
      t.match(
        modules[window]?.routes.find((r) => r.route === 'code-sandbox'),
        { display_name: 'Code Sandbox', category: 'Advanced', requests: Number, errors: 0 },
        `${window}: the code-sandbox module, with its display name and category`,
      );
    }
    const keyUsage = await call(gw, 'GET', '/analytics/usage', { apiKey: KEYS.enterprise });
    t.match(dataOf(t, keyUsage), {
      caller: { kind: 'api_key', id: 'enterprise-app', tier: 'enterprise' },
      requests: 1,
      client_errors: 0,
    });
    assertError(t, await call(gw, 'GET', '/analytics/usage'), 401, 'UNAUTHORIZED');
  });
});
