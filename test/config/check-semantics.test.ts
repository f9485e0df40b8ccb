import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config/load-config.js';

function upstream(name: string, extra: string[] = []): string[] {
  return [
    `  ${name}:`,
    '    discovery:',
    '      type: Static',
    `      endpoints: ["http://${name}:3001"]`,
    ...extra,
  ];
}

/** Errors and warnings alike, whether or not the config loaded. */
function report(lines: string[]): ConfigProblem[] {
  const result = loadConfigText(lines.join('\n'), 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

function where(p: ConfigProblem): string {
  return `${p.code} ${p.line}:${p.column}`;
}

t.test('a route names an undefined upstream', async (t) => {
  const found = report([
    'routes:',
    '  - path: /orders',
    '    upstream: order-servise',
    '  - path: /carts',
    '    upstream: shopping',
    'upstreams:',
    ...upstream('order-service'),
    ...upstream('cart-service'),
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_UNDEFINED_UPSTREAM 3:15',
    'GW_ERR_CONFIG_UNDEFINED_UPSTREAM 5:15',
    'GW_WARN_CONFIG_UNUSED_UPSTREAM 7:3',
    'GW_WARN_CONFIG_UNUSED_UPSTREAM 11:3',
  ]);
  t.match(found[0], {
    message: 'route "/orders" names upstream "order-servise", which is not defined under upstreams',
    hint: 'did you mean "order-service"?',
  });
  t.match(found[1]?.hint, 'defined upstreams: order-service, cart-service');
  t.match(found[3]?.message, 'upstream "cart-service" is not used by any route');

  const none = report(['routes:', '  - path: /a', '    upstream: a']);
  t.match(none[0]?.hint, /no upstreams are defined/);
});

t.test('a route needs exactly one of upstream and direct_response', async (t) => {
  const found = report([
    'routes:',
    '  - path: /neither',
    '  - path: /both',
    '    upstream: users',
    '    direct_response: { status: 200 }',
    'upstreams:',
    ...upstream('users'),
  ]);
  t.same(found.map(where), ['GW_ERR_CONFIG_ROUTE_TARGET 2:5', 'GW_ERR_CONFIG_ROUTE_TARGET 5:5']);
  t.match(
    found.map((p) => p.message),
    [/neither upstream nor direct_response/, /both upstream and direct_response/],
  );
});

t.test('routes on /health and /ready hide the built-in endpoints', async (t) => {
  const found = report([
    'routes:',
    '  - path: /health',
    '    direct_response: { status: 200 }',
    '  - path: /ready',
    '    direct_response: { status: 200 }',
    '  - path: /health/deep',
    '    direct_response: { status: 200 }',
  ]);
  t.same(found.map(where), [
    'GW_WARN_CONFIG_RESERVED_PATH 2:11',
    'GW_WARN_CONFIG_RESERVED_PATH 4:11',
  ]);
  t.match(
    found.map((p) => p.message),
    [
      'route "/health" takes precedence over the built-in health endpoint',
      'route "/ready" takes precedence over the built-in readiness endpoint',
    ],
  );
  t.ok(found.every((p) => p.severity === 'warning'));
});

t.test('each block the engine does not act on yet is a warning at its key', async (t) => {
  const result = loadConfigText(
    [
      'server:',
      '  https_port: 8443',
      '  metrics_port: 9090',
      'routes:',
      '  - path: /users',
      '    upstream: users',
      '    auth_required: true',
      '  - path: /admin',
      '    upstream: users',
      '    required_roles: [admin]',
      '  - path: /public',
      '    upstream: users',
      '    auth_required: false',
      '    required_roles: []',
      'upstreams:',
      ...upstream('users', [
        '    health_check: { path: /health, interval: 10s }',
        '    circuit_breaker: { failure_threshold: 5 }',
      ]),
      'auth:',
      '  jwt: { secret: 0123456789abcdef0123456789abcdef, algorithm: HS256 }',
      'middleware:',
      '  rate_limiting: { default_limit: 100 }',
      '  cors: { allowed_origins: ["*"] }',
      'observability:',
      '  metrics: { prometheus_enabled: true }',
      '  tracing: { enabled: true }',
    ].join('\n'),
    'gateway.yaml',
    {},
  );
  t.ok(result.ok, 'warnings do not stop a config loading');
  if (!result.ok) return;
  t.ok(result.warnings.every((p) => p.code === 'GW_WARN_CONFIG_NOT_IMPLEMENTED'));
  // Auth, rate limits and CORS are enforced: neither they nor the routes using them warn.
  t.same(
    result.warnings.map((p) => `${p.line}:${p.column} ${p.path.join('.')}`),
    [
      '2:3 server.https_port',
      '3:3 server.metrics_port',
      '28:3 observability.metrics',
      '29:3 observability.tracing',
    ],
  );
  t.match(result.warnings[0]?.message, /TLS is not served yet; port 8443 is not opened/);
});

t.test('explicitly disabled metrics and tracing are not reported', async (t) => {
  const found = report([
    'routes: []',
    'observability:',
    '  metrics: { prometheus_enabled: false }',
    '  tracing: { enabled: false }',
  ]);
  t.same(found, []);
});

t.test('semantic checks wait for a config the schema accepts', async (t) => {
  const found = report(['routes:', '  - path: /a', '    upstream: nowhere', '    timeout: soon']);
  t.same(found.map(where), ['GW_ERR_CONFIG_DURATION 4:14']);
});
