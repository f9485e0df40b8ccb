import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

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

t.test('an HTTPS port without a certificate is a warning at its key', async (t) => {
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
  // Auth, rate limits, CORS, metrics and tracing are in force; an HTTPS port without a
  // certificate is the one warning.
  t.same(
    result.warnings.map((p) => `${p.code} ${p.line}:${p.column} ${p.path.join('.')}`),
    ['GW_WARN_CONFIG_NO_CERTIFICATE 2:3 server.https_port'],
  );
  t.match(
    result.warnings[0]?.message,
    /https_port 8443 is not opened: server.tls gives no certificate/,
  );
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

t.test('metrics and tracing blocks that would do nothing are warnings', async (t) => {
  const found = report([
    'routes: []',
    'observability:',
    '  metrics: { endpoint_path: /prom }',
    '  tracing: { sampling_rate: 0.5 }',
  ]);
  t.same(found.map(where), ['GW_WARN_CONFIG_IGNORED_KEY 3:3', 'GW_WARN_CONFIG_IGNORED_KEY 4:3']);
  t.match(found[0]?.message, /without server.metrics_port/);
  t.match(found[1]?.message, /off unless it says enabled: true/);
});

t.test('a metrics port shared with the HTTP or admin port is an error', async (t) => {
  const http = report(['server: { http_port: 8080, metrics_port: 8080 }', 'routes: []']);
  t.same(http.map(where), ['GW_ERR_CONFIG_VALUE 1:42']);
  t.match(http[0]?.message, 'server.metrics_port 8080 is also server.http_port');
  const defaulted = report(['server: { metrics_port: 8080 }', 'routes: []']);
  t.same(defaulted.map(where), ['GW_ERR_CONFIG_VALUE 1:25'], 'http_port defaults to 8080');
  const free = report(['server: { http_port: 0, metrics_port: 0 }', 'routes: []']);
  t.same(free, [], 'port 0 (a free port each) never clashes');
});

t.test('a Jaeger Thrift collector URL is sent OTLP at the same host, with a warning', async (t) => {
  const found = report([
    'routes: []',
    'observability:',
    '  tracing:',
    '    enabled: true',
    '    backend: { type: Jaeger, endpoint: "http://jaeger-collector:14268/api/traces" }',
  ]);
  t.same(found.map(where), ['GW_WARN_CONFIG_JAEGER_ENDPOINT 5:40']);
  t.match(found[0]?.hint, 'write endpoint: "http://jaeger-collector:4318/v1/traces"');
  const otlp = report([
    'routes: []',
    'observability:',
    '  tracing:',
    '    enabled: true',
    '    backend: { type: Jaeger, endpoint: "http://jaeger-collector:4318/v1/traces" }',
  ]);
  t.same(otlp, [], "Jaeger's OTLP endpoint is fine as it is");
});

t.test('semantic checks wait for a config the schema accepts', async (t) => {
  const found = report(['routes:', '  - path: /a', '    upstream: nowhere', '    timeout: soon']);
  t.same(found.map(where), ['GW_ERR_CONFIG_DURATION 4:14']);
});

t.test('a per_try_timeout the route timeout cuts off is named as a warning', async (t) => {
  const found = report([
    'routes:',
    '  - path: /own',
    '    upstream: users',
    '    timeout: 2s',
    '    retries: { attempts: 3, per_try_timeout: 5s }',
    '  - path: /inherited',
    '    upstream: slow',
    '    timeout: 10s',
    '  - path: /fine',
    '    upstream: users',
    '    timeout: 10s',
    '    retries: { per_try_timeout: 3s }',
    '  - path: /zero',
    '    upstream: users',
    '    timeout: 0s',
    '  - path: /hub',
    '    handler: websocket',
    '    timeout: 0s',
    'websocket: {}',
    'upstreams:',
    ...upstream('users'),
    ...upstream('slow', ['    retries: { per_try_timeout: 10s }']),
  ]);
  t.same(found.map(where), [
    'GW_WARN_CONFIG_TIMEOUT_OVERRIDDEN 5:29',
    'GW_ERR_CONFIG_DURATION 15:14',
    'GW_WARN_CONFIG_TIMEOUT_OVERRIDDEN 29:16',
  ]);
  t.match(
    found[0]?.message,
    'route "/own": per_try_timeout 5s is not below the route\'s timeout 2s',
  );
  t.match(found[1]?.message, 'route "/zero" has timeout 0s, which would answer 504 at once');
  t.match(found[2]?.message, 'route "/inherited": per_try_timeout 10s');
});
