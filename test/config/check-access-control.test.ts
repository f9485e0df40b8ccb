import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import {
  authRequirement,
  contextHeaderMapping,
  corsSettings,
  jwtAlgorithms,
} from '../../engine/filters/access-control-settings.js';
import { checkAccessControl } from '../../engine/filters/check-access-control.js';
import type { ConfigProblem, PathProblem } from '../../engine/config/config-problem.js';
import type { GatewayConfig } from '../../engine/config/gateway-config.js';
import { loadConfigFile, loadConfigText } from '../../engine/config-loader/load-config.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const HASH_A = 'sha256:103538bcfa382400e32a158a484a479049b9578893ccf25d345bfd084f38c115';
const HASH_B = 'sha256:d07cec7b58692fa639296e33c002cb9eba63e938fc76c053bb848a81c6c7f466';

/** Errors and warnings alike, whether or not the config loaded. */
function report(lines: string[]): ConfigProblem[] {
  const result = loadConfigText(lines.join('\n'), 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

function where(p: ConfigProblem): string {
  return `${p.code} ${p.line}:${p.column}`;
}

/** A route on /r answered by the gateway, with extra lines indented under it. */
function route(path: string, extra: string[] = []): string[] {
  return [`  - path: ${path}`, '    direct_response: { status: 200 }', ...extra];
}

/** checkAccessControl on a config object, with one route unless given. */
function check(config: Partial<GatewayConfig>, now?: number): PathProblem[] {
  return checkAccessControl({ routes: [], ...config }, { now });
}

function pemOf(key: { export(o: { type: 'spki'; format: 'pem' }): string | Buffer }): string {
  return String(key.export({ type: 'spki', format: 'pem' }));
}

t.test('auth.jwt needs exactly one key source', async (t) => {
  const none = report(['auth:', '  jwt: { algorithm: HS256, issuer: me }', 'routes: []']);
  t.same(none.map(where), ['GW_ERR_CONFIG_JWT 2:3']);
  t.match(none[0], { message: 'auth.jwt has no key to verify tokens with', hint: /secret/ });

  const two = report([
    'auth:',
    '  jwt:',
    `    public_key: "-----BEGIN PUBLIC KEY-----"`,
    '    jwks_url: https://auth.example.com/jwks.json',
    '    algorithms: [RS256]',
    'routes: []',
  ]);
  t.same(two.map(where), ['GW_ERR_CONFIG_JWT 4:5'], 'at the second source; no PEM check then');
  t.match(two[0]?.message, 'auth.jwt has both public_key and jwks_url');
});

t.test('auth.jwt needs algorithm or algorithms, not both', async (t) => {
  const none = check({ auth: { jwt: { secret: SECRET } } });
  t.match(none, [{ code: 'GW_ERR_CONFIG_JWT', path: ['auth', 'jwt'], hint: /algorithm: HS256/ }]);
  const jwks = check({ auth: { jwt: { jwks_url: 'https://a.example/jwks' } } });
  t.match(jwks, [{ message: 'auth.jwt names no algorithm to accept', hint: /\[RS256\]/ }]);
  const both = check({
    auth: { jwt: { secret: SECRET, algorithm: 'HS256', algorithms: ['HS512'] } },
  });
  t.match(both, [
    { path: ['auth', 'jwt', 'algorithms'], hint: 'keep one: algorithms: [HS256, HS512]' },
  ]);
  t.same(jwtAlgorithms({ algorithm: 'HS256' }), ['HS256']);
  t.same(jwtAlgorithms({ algorithms: ['RS256', 'ES256'] }), ['RS256', 'ES256']);
  t.same(jwtAlgorithms({}), []);
});

t.test('HMAC and public-key algorithms never share a key (algorithm confusion)', async (t) => {
  const secretRs = check({ auth: { jwt: { secret: SECRET, algorithms: ['HS256', 'RS256'] } } });
  t.match(secretRs, [
    {
      severity: 'error',
      code: 'GW_ERR_CONFIG_JWT',
      path: ['auth', 'jwt', 'algorithms', 1],
      message: /RS256 cannot be verified with a secret/,
      hint: /refused by design \(algorithm confusion\)/,
    },
  ]);
  t.equal(secretRs.length, 1, 'no secret-length warning on top');

  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pemHs = check({ auth: { jwt: { public_key: pemOf(publicKey), algorithm: 'HS256' } } });
  t.match(pemHs, [
    {
      path: ['auth', 'jwt', 'algorithm'],
      message: /HS256 with public_key would use a public key as an HMAC secret/,
      hint: /refused by design \(HS\/RS algorithm confusion\)/,
    },
  ]);
  const jwksHs = report([
    'auth:',
    '  jwt:',
    '    jwks_url: https://auth.example.com/jwks.json',
    '    algorithms: [ES256, HS384, HS512]',
    'routes: []',
  ]);
  t.same(jwksHs.map(where), ['GW_ERR_CONFIG_JWT 4:25'], 'at the first HS algorithm');
  t.match(jwksHs[0]?.message, 'HS384, HS512 with jwks_url');
  t.same(check({ auth: { jwt: { public_key: pemOf(publicKey), algorithm: 'ES256' } } }), []);
});

t.test('a short HMAC secret is a warning, without the secret in it', async (t) => {
  const short = report(['auth:', '  jwt: { secret: too-short, algorithm: HS256 }', 'routes: []']);
  t.same(short.map(where), ['GW_WARN_CONFIG_WEAK_SECRET 2:18']);
  t.match(short[0], {
    severity: 'warning',
    message: 'auth.jwt.secret is 9 bytes long; HS256 needs at least 32 (RFC 7518 section 3.2)',
    hint: /openssl rand -base64 32/,
  });
  t.notMatch(short[0]?.message, 'too-short');
  t.same(check({ auth: { jwt: { secret: SECRET, algorithm: 'HS256' } } }), []);
  const hs512 = check({ auth: { jwt: { secret: SECRET, algorithms: ['HS256', 'HS512'] } } });
  t.match(hs512, [
    { code: 'GW_WARN_CONFIG_WEAK_SECRET', message: /32 bytes long; HS512 needs at least 64/ },
  ]);
  // Bytes, not characters: 16 two-byte characters are 32 bytes.
  t.same(check({ auth: { jwt: { secret: 'é'.repeat(16), algorithm: 'HS256' } } }), []);
});

t.test('auth.jwt.public_key must be a PEM public key of a safe size', async (t) => {
  const at = ['auth', 'jwt', 'public_key'];
  t.match(check({ auth: { jwt: { public_key: 'not a key', algorithm: 'RS256' } } }), [
    { path: at, message: 'auth.jwt.public_key is not a PEM public key or certificate' },
  ]);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = String(privateKey.export({ type: 'pkcs8', format: 'pem' }));
  t.match(check({ auth: { jwt: { public_key: pem, algorithm: 'RS256' } } }), [
    { path: at, message: 'auth.jwt.public_key is a private key', hint: /-pubout/ },
  ]);
  t.match(check({ auth: { jwt: { public_key: pemOf(publicKey), algorithm: 'RS256' } } }), [
    {
      path: at,
      message: 'auth.jwt.public_key is a 1024-bit RSA key; at least 2048 bits are required',
    },
  ]);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  t.same(check({ auth: { jwt: { public_key: pemOf(rsa), algorithms: ['RS256', 'PS256'] } } }), []);
});

t.test('routes that authenticate need a configured provider', async (t) => {
  const none = report([
    'routes:',
    ...route('/a', ['    auth_required: true']),
    ...route('/b', ['    required_permissions: [orders:write]']),
    ...route('/c', ['    auth: [jwt]']),
    ...route('/public', ['    auth_required: false', '    required_roles: []']),
  ]);
  t.same(none.map(where), [
    'GW_ERR_CONFIG_AUTH_PROVIDER 4:5',
    'GW_ERR_CONFIG_AUTH_PROVIDER 7:5',
    'GW_ERR_CONFIG_AUTH_PROVIDER 10:12',
  ]);
  t.match(none[1], {
    message:
      'route "/b" requires authentication (required_permissions), but no provider is configured',
    hint: 'add auth.jwt or auth.api_keys; without one every request to this route would get 401',
  });
  t.match(none[2], {
    message: 'route "/c" accepts jwt, but auth.jwt is not configured',
    hint: /no provider is configured/,
  });

  const jwtOnly = check({
    auth: { jwt: { secret: SECRET, algorithm: 'HS256' } },
    routes: [{ path: '/k', auth: ['jwt', 'api_key'], direct_response: { status: 200 } }],
  });
  t.match(jwtOnly, [
    {
      code: 'GW_ERR_CONFIG_AUTH_PROVIDER',
      path: ['routes', 0, 'auth', 1],
      message: 'route "/k" accepts api_key, but auth.api_keys is not configured',
      hint: 'configured providers: jwt',
    },
  ]);
  t.equal(jwtOnly.length, 1);
});

t.test('auth_required: false contradicts a requirement', async (t) => {
  const found = check({
    auth: { api_keys: {} },
    routes: [
      { path: '/a', auth_required: false, required_tier: 'pro', direct_response: { status: 200 } },
    ],
  }).filter((p) => p.code === 'GW_ERR_CONFIG_AUTH_CONFLICT');
  t.match(found, [
    {
      path: ['routes', 0, 'auth_required'],
      message:
        'route "/a" has auth_required: false, but required_tier needs an authenticated caller',
    },
  ]);
  t.equal(authRequirement({ path: '/', auth_required: true }), 'auth_required');
  t.equal(authRequirement({ path: '/', required_roles: [] }), undefined);
  t.equal(authRequirement({ path: '/', auth: ['jwt'] }), 'auth');
});

t.test('required_tier must be one of auth.tiers', async (t) => {
  const found = report([
    'auth:',
    '  api_keys: {}',
    '  tiers: [free, pro, enterprise]',
    'routes:',
    ...route('/a', ['    required_tier: Pro']),
    ...route('/b', ['    required_tier: enterprise']),
  ]);
  t.same(found.map(where), ['GW_ERR_CONFIG_UNDEFINED_TIER 7:20']);
  t.match(found[0], {
    message: 'route "/a" requires tier "Pro", which is not one of auth.tiers',
    hint: 'did you mean "pro"?',
  });
  const noTiers = check({
    auth: { api_keys: {} },
    routes: [{ path: '/a', required_tier: 'pro', direct_response: { status: 200 } }],
  });
  t.match(noTiers, [{ message: /but auth.tiers is not defined/, hint: /lowest first/ }]);
});

t.test('API keys: store, names, hashes, expiry and tiers', async (t) => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const key = (name: string, hash: string, extra = {}) => ({ name, hash, ...extra });
  t.same(check({ redis: { url: 'redis://r:6379' }, auth: { api_keys: { store: 'redis' } } }), []);
  t.same(check({ auth: { api_keys: { store: 'memory' } } }), []);
  const found = check(
    {
      auth: {
        tiers: ['free', 'pro'],
        api_keys: {
          keys: [
            key('a', HASH_A, { expires: '2026-05-31T23:59:59Z', tier: 'pro' }),
            key('b', HASH_B, { expires: '2028-02-29', tier: 'gold' }),
            key('c', 'sha256:' + '0'.repeat(64), { expires: '2027-02-29' }),
            key('d', 'sha256:' + '1'.repeat(64), { expires: '2026-06-01T02:00:00+02:00' }),
          ],
        },
      },
    },
    now,
  );
  t.same(
    found.map((p) => `${p.code} ${p.path.join('.')}`),
    [
      'GW_WARN_CONFIG_API_KEY_EXPIRED auth.api_keys.keys.0.expires',
      'GW_WARN_CONFIG_UNKNOWN_TIER auth.api_keys.keys.1.tier',
      'GW_ERR_CONFIG_API_KEY auth.api_keys.keys.2.expires',
      'GW_WARN_CONFIG_API_KEY_EXPIRED auth.api_keys.keys.3.expires',
    ],
  );
  t.match(found[0]?.message, 'API key "a" expired on 2026-05-31T23:59:59Z; it is refused with 401');
  t.match(found[1]?.message, 'API key "b" has tier "gold", which is not one of auth.tiers');
  t.match(found[2]?.message, '"2027-02-29" is not a date on the calendar');
});

t.test('rate limit storage and workers', async (t) => {
  const rl = (rateLimiting: object, extra: Partial<GatewayConfig> = {}) =>
    check({ middleware: { rate_limiting: rateLimiting }, ...extra });
  t.same(rl({ storage: { type: 'Redis' } }, { redis: { url: 'redis://r:6379' } }), []);
  t.same(rl({ storage: { type: 'Redis', url: 'redis://r:6379' } }), []);
  t.match(rl({ storage: { type: 'Redis' } }), [
    {
      code: 'GW_ERR_CONFIG_REDIS_REQUIRED',
      path: ['middleware', 'rate_limiting', 'storage', 'type'],
    },
  ]);
  t.match(rl({ storage: { type: 'Memory', url: 'redis://r:6379' } }), [
    { code: 'GW_WARN_CONFIG_IGNORED_KEY', path: ['middleware', 'rate_limiting', 'storage', 'url'] },
  ]);
  const workers = { server: { workers: 4 } };
  t.match(rl({ default_limit: 10 }, workers), [
    {
      code: 'GW_WARN_CONFIG_PER_PROCESS_LIMIT',
      path: ['middleware', 'rate_limiting'],
      message: /each of the 4 worker processes .* up to 4 times each limit/,
    },
  ]);
  t.same(rl({ default_limit: 10 }, { ...workers, redis: { url: 'redis://r:6379' } }), []);
  t.same(rl({ enabled: false }, workers), []);
});

t.test('rates are read with parseRate; a bare integer is per minute', async (t) => {
  const found = report([
    'middleware:',
    '  rate_limiting:',
    '    default_limit: 1000',
    '    route_limits: { "/a": "1,000/hour", "/b": 5/10s, "/c": 0/minute }',
    '    tiers: { free: "100 / hour", pro: 10/fortnight }',
    'routes:',
    ...route('/a'),
    ...route('/b', ['    rate_limit: 100']),
    ...route('/c'),
    ...route('/d', ['    rate_limit: { limit: "20/2ms", key: [user, route] }']),
  ]);
  t.same(found.map(where), [
    'GW_WARN_CONFIG_IGNORED_KEY 4:41',
    'GW_ERR_CONFIG_RATE 4:60',
    'GW_ERR_CONFIG_RATE 5:39',
    'GW_ERR_CONFIG_RATE 16:26',
  ]);
  t.match(found[0]?.message, 'route_limits["/b"] is not used: routes[1] has its own rate_limit');
  t.match(found[1], {
    message:
      'middleware.rate_limiting.route_limits["/c"]: "0/minute" must allow at least 1 request per window',
  });
  t.match(found[2], {
    message:
      'middleware.rate_limiting.tiers.pro: "10/fortnight" has an unknown time unit "fortnight"',
    hint: /e\.g\. "100\/hour"/,
  });
  t.match(found[3]?.hint, 'windows shorter than a second are not supported');
});

t.test('route_limits keys name route paths', async (t) => {
  const found = report([
    'middleware:',
    '  rate_limiting:',
    '    route_limits: { "/auth/logn": 10, "/api/v1/admin/*": 50/minute, "/nowhere": 1 }',
    'routes:',
    ...route('/auth/login'),
    ...route('/api/v1/admin/*'),
  ]);
  t.same(found.map(where), [
    'GW_WARN_CONFIG_UNUSED_ROUTE_LIMIT 3:21',
    'GW_WARN_CONFIG_UNUSED_ROUTE_LIMIT 3:69',
  ]);
  t.match(found[0], {
    message: 'route_limits["/auth/logn"] is not the path of any route, so it limits nothing',
    hint: 'did you mean "/auth/login"?',
  });
  t.match(found[1]?.hint, 'route paths: /auth/login, /api/v1/admin/*');
});

t.test('rate limit keys and tiers', async (t) => {
  const found = check({
    auth: { api_keys: {}, tiers: ['free', 'pro'] },
    middleware: {
      rate_limiting: {
        key: ['user', 'header:x-tenant', 'user'],
        tiers: { free: '100/hour', prro: '1000/hour' },
      },
    },
    routes: [
      {
        path: '/a',
        direct_response: { status: 200 },
        rate_limit: { limit: 5, key: 'header:' },
      },
    ],
  });
  t.match(found, [
    {
      code: 'GW_ERR_CONFIG_RATE_LIMIT_KEY',
      path: ['middleware', 'rate_limiting', 'key'],
      message: 'middleware.rate_limiting.key: the key list repeats a part',
    },
    {
      code: 'GW_WARN_CONFIG_UNKNOWN_TIER',
      path: ['middleware', 'rate_limiting', 'tiers', 'prro'],
      hint: 'did you mean "pro"?',
    },
    {
      code: 'GW_ERR_CONFIG_RATE_LIMIT_KEY',
      path: ['routes', 0, 'rate_limit', 'key'],
      message: /"header:" does not name a valid header/,
    },
  ]);
  t.equal(found.length, 3);
  // Without auth.tiers, a tier is whatever the credential says: nothing to compare with.
  t.same(check({ middleware: { rate_limiting: { tiers: { gold: 10 } } } }), []);
});

t.test('a route limit while rate limiting is disabled is a warning', async (t) => {
  const found = check({
    middleware: { rate_limiting: { enabled: false } },
    routes: [
      { path: '/a', direct_response: { status: 200 }, rate_limit: '10/s' },
      { path: '/b', direct_response: { status: 200 }, rate_limit: false },
    ],
  });
  t.match(found, [{ code: 'GW_WARN_CONFIG_IGNORED_KEY', path: ['routes', 0, 'rate_limit'] }]);
  t.equal(found.length, 1);
});

t.test('CORS problems come from checkCorsSettings, at the entry they name', async (t) => {
  const found = check({
    middleware: {
      cors: {
        allowed_origins: ['https://a.example.com', '*'],
        exposed_headers: ['*'],
        allow_credentials: true,
      },
    },
    routes: [
      {
        path: '/a',
        direct_response: { status: 200 },
        cors: { allowed_origins: [], allowed_headers: ['x ok'] },
      },
      { path: '/b', direct_response: { status: 200 }, cors: false },
    ],
  });
  t.same(
    found.map((p) => `${p.code} ${p.path.join('.')}`),
    [
      'GW_ERR_CONFIG_CORS middleware.cors.allow_credentials',
      'GW_ERR_CONFIG_CORS middleware.cors.exposed_headers.0',
      'GW_ERR_CONFIG_CORS routes.0.cors.allowed_origins',
      'GW_ERR_CONFIG_CORS routes.0.cors.allowed_headers.0',
    ],
  );
  t.match(found[2]?.message, 'routes[0].cors: no allowed origin is listed');
  t.same(corsSettings({ allowed_origins: ['*'], max_age: '1h' }).maxAgeSeconds, 3600);
  t.same(corsSettings({ allowed_origins: ['*'], max_age: 600 }).maxAgeSeconds, 600);
});

t.test('security headers: false is off; problems at the header they name', async (t) => {
  t.same(check({ middleware: { security_headers: false } }), []);
  const found = report([
    'middleware:',
    '  security_headers: { Transfer-Encoding: chunked, x-frame-options: "a\\r\\nb" }',
    'routes:',
    ...route('/a', ['    security_headers: false']),
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_SECURITY_HEADERS 2:23',
    'GW_ERR_CONFIG_SECURITY_HEADERS 2:68',
  ]);
  t.match(found[1]?.message, 'has a control character');
});

t.test('IP filters: each entry is checked on its own', async (t) => {
  const found = check({
    middleware: { ip_filter: { allow: ['10.0.0.0/8', '10.1.0.0/8'], deny: ['::1'] } },
    routes: [
      { path: '/a', direct_response: { status: 200 }, ip_filter: { deny: ['2001:db8::1/32'] } },
    ],
  });
  t.same(
    found.map((p) => p.path.join('.')),
    ['middleware.ip_filter.allow.1', 'routes.0.ip_filter.deny.0'],
  );
  t.match(found[0]?.message, 'middleware.ip_filter: allow entry "10.1.0.0/8" has bits set');
  const bad = report(['middleware:', '  ip_filter: { allow: ["10.0.0.300"] }', 'routes: []']);
  t.same(bad.map(where), ['GW_ERR_CONFIG_CIDR 2:24'], 'the schema catches what is no address');
});

t.test('context headers: one header per field, none the gateway needs', async (t) => {
  const auth = { api_keys: { header: 'X-Tenant-Key' } };
  t.same(
    check({ auth: { ...auth, context_headers: { subject: 'X-User-Roles', roles: 'X-User-ID' } } }),
    [],
    'swapping two defaults is fine',
  );
  const found = check({
    auth: {
      ...auth,
      context_headers: { subject: 'X-Who', email: 'x-who', tier: 'x-tenant-key', method: 'TE' },
    },
  });
  t.same(
    found.map((p) => `${p.path.join('.')}: ${p.message}`),
    [
      'auth.context_headers.tier: auth.context_headers.tier: x-tenant-key is the API key header (auth.api_keys.header), which would be dropped from every request',
      'auth.context_headers.email: auth.context_headers: email and subject both map to the header x-who',
      'auth.context_headers.method: auth.context_headers.method: TE is a hop-by-hop header: it describes one connection and is never forwarded',
    ],
  );
  t.same(contextHeaderMapping({ client_id: 'X-App' }), {
    subject: 'x-user-id',
    roles: 'x-user-roles',
    permissions: 'x-user-permissions',
    clientId: 'X-App',
    tier: 'x-user-tier',
    email: 'x-user-email',
    method: 'x-auth-method',
  });
});

t.test('false-or-mapping keys refuse true with one clear error', async (t) => {
  const found = report([
    'middleware:',
    '  security_headers: true',
    'routes:',
    ...route('/a', ['    cors: true', '    rate_limit: [10]', '    security_headers: { x-a: 1 }']),
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_VALUE 2:21',
    'GW_ERR_CONFIG_VALUE 6:11',
    'GW_ERR_CONFIG_TYPE 7:17',
    'GW_ERR_CONFIG_TYPE 8:30',
  ]);
  t.match(found[0], {
    message: 'middleware.security_headers: true is not allowed here, only false',
    hint: /false turns the security headers off/,
  });
  t.match(
    found[2]?.message,
    'routes[0].rate_limit: expected a boolean (true or false), an integer, a string or a mapping, got a list',
  );
});

t.test('the access-control fixtures load without a warning', async (t) => {
  for (const [name, env] of [
    ['access-control.yaml', { REDIS_URL: 'redis://127.0.0.1:6379' }],
    ['all-keys.yaml', { USERS_PORT: '3001' }],
  ] as const) {
    const file = new URL(`../fixtures/valid/${name}`, import.meta.url).pathname;
    const result = await loadConfigFile(file, env);
    if (!result.ok) {
      t.fail(
        `${name}: ${result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`,
      );
      continue;
    }
    t.same(result.warnings.map(where), [], name);
  }
});
