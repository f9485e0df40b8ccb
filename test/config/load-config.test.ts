import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigFile, loadConfigText } from '../../engine/config-loader/load-config.js';

const UPSTREAM = [
  'upstreams:',
  '  users:',
  '    discovery:',
  '      type: Static',
  '      endpoints: ["http://users:3001"]',
];

/** The errors of a config that must fail to load (its warnings are other tests' business). */
function problems(lines: string[]): ConfigProblem[] {
  const result = loadConfigText(lines.join('\n'), 'gateway.yaml', {});
  return result.ok ? [] : result.problems.filter((p) => p.severity === 'error');
}

function where(p: ConfigProblem | undefined): string {
  return p ? `${p.code} ${p.line}:${p.column}` : 'none';
}

t.test('a valid config loads with its values, no warnings and a hash', async (t) => {
  const text = ['routes:', '  - path: /users', '    upstream: users', ...UPSTREAM].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', {});
  t.ok(result.ok);
  if (!result.ok) return;
  t.equal(result.config.routes[0]?.upstream, 'users');
  t.same(result.warnings, []);
  t.match(result.hash, /^[0-9a-f]{64}$/);
  t.equal(result.file, 'gateway.yaml');
});

t.test('YAML syntax errors carry the position yaml reports', async (t) => {
  const found = problems(['routes:', '  - path: /a', '   upstream: b', '  - {path: /c']);
  t.ok(found.length > 0);
  t.ok(found.every((p) => p.code === 'GW_ERR_CONFIG_YAML' && p.line >= 3));
});

t.test('YAML syntax errors point at the mistake, with a hint', async (t) => {
  const cases: Array<[string[], string, RegExp]> = [
    [['routes:', '  - path: /a', '    upstream: b', '      timeout: 5s'], '4:7', /deeper/],
    [['server:', '  http_port 8080', '  workers: 2', 'routes: []'], '2:3', /has no ":"/],
    [['routes: [', '  {path: /a}', 'upstreams: {}'], '1:9', /never closed/],
    [['routes:', '  - path: "/a', '    upstream: b'], '2:11', /never closed/],
    [['server:', '  http_port: 1', ' workers: 2', 'routes: []'], '3:2', /same column/],
    [['routes:', '  - path: /a:b: c'], '2:11', /cannot hold/],
  ];
  for (const [lines, at, message] of cases) {
    const found = problems(lines);
    t.same(found.map(where), [`GW_ERR_CONFIG_YAML ${at}`], lines.join('\n'));
    t.match(found[0], { message, hint: /\w/ }, lines.join('\n'));
  }
});

t.test('a duplicate key is a YAML error at the second key', async (t) => {
  const found = problems([
    'routes:',
    '  - path: /a',
    '    path: /b',
    '    upstream: users',
    ...UPSTREAM,
  ]);
  t.same(found.map(where), ['GW_ERR_CONFIG_YAML 3:5']);
  t.match(found[0]?.message, /duplicate key "path"/);
});

t.test('an unknown key points at the key and suggests the near one', async (t) => {
  const found = problems(['routes:', '  - path: /users', '    upstrem: users', ...UPSTREAM]);
  t.same(found.map(where), ['GW_ERR_CONFIG_UNKNOWN_KEY 3:5']);
  t.match(found[0], {
    message: 'routes[0]: unknown key "upstrem"',
    hint: 'did you mean "upstream"?',
  });
});

t.test('an unknown key with nothing close lists the allowed keys', async (t) => {
  const found = problems(['routes: []', 'gizmos: {}']);
  t.same(found.map(where), ['GW_ERR_CONFIG_UNKNOWN_KEY 2:1']);
  t.match(found[0]?.hint, /allowed keys here: server, routes, upstreams, auth/);
});

t.test('a missing required key points at the mapping that lacks it', async (t) => {
  const found = problems(['routes:', '  - methods: [GET]', '    direct_response: { status: 200 }']);
  t.same(found.map(where), ['GW_ERR_CONFIG_MISSING_KEY 2:5']);
  t.match(found[0], {
    message: 'routes[0]: missing required key "path"',
    hint: /^path: Path pattern/,
  });
  t.same(problems(['server: {}']).map(where), ['GW_ERR_CONFIG_MISSING_KEY 1:1']);
});

t.test('a wrong type says what was expected and what was found', async (t) => {
  const found = problems(['server:', '  http_port: "8080"', 'routes: []']);
  t.same(found.map(where), ['GW_ERR_CONFIG_TYPE 2:14']);
  t.match(found[0], {
    message: 'server.http_port: expected an integer, got a string ("8080")',
    hint: /remove the quotes/,
  });
  const yes = problems([
    'routes:',
    '  - path: /a',
    '    upstream: users',
    '    auth_required: yes',
    ...UPSTREAM,
  ]);
  t.match(yes[0], { code: 'GW_ERR_CONFIG_TYPE', hint: /YAML 1.2 reads yes as a string/ });
  t.match(problems([''])[0], {
    code: 'GW_ERR_CONFIG_TYPE',
    line: 1,
    column: 1,
    message: /expected a mapping/,
  });
});

t.test('enum, range, pattern and uniqueness problems are GW_ERR_CONFIG_VALUE', async (t) => {
  const found = problems([
    'server:',
    '  http_port: 70000',
    'routes:',
    '  - path: users',
    '    methods: [GET, GET, get]',
    '    host: "bad host"',
    '    upstream: users',
    ...UPSTREAM,
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_VALUE 2:14',
    'GW_ERR_CONFIG_VALUE 4:11',
    'GW_ERR_CONFIG_VALUE 5:20',
    'GW_ERR_CONFIG_VALUE 5:25',
    'GW_ERR_CONFIG_VALUE 6:11',
  ]);
  t.match(
    found.map((p) => p.message),
    [
      /http_port: must be at most 65535, got 70000/,
      /path: "users" must start with "\/"/,
      /methods\[1\]: "GET" is listed twice/,
      /methods\[2\]: "get" is not one of the allowed values/,
      /host: "bad host" is not a host name/,
    ],
  );
  t.match(found[3]?.hint, /did you mean "GET"\? \(allowed: GET, HEAD, POST/);
});

t.test('empty strings and lists are GW_ERR_CONFIG_VALUE', async (t) => {
  const found = problems([
    'routes:',
    '  - path: /a',
    '    upstream: ""',
    'upstreams:',
    '  api.v1:',
    '    discovery: { type: Static, endpoints: [] }',
  ]);
  t.same(found.map(where), ['GW_ERR_CONFIG_VALUE 3:15', 'GW_ERR_CONFIG_VALUE 6:43']);
  t.match(
    found.map((p) => p.message),
    [
      'routes[0].upstream: must not be empty',
      'upstreams["api.v1"].discovery.endpoints: must list at least 1 item',
    ],
  );
});

t.test('an invalid upstream name is reported at the key', async (t) => {
  const found = problems([
    'routes: []',
    'upstreams:',
    '  "bad name":',
    '    discovery: { type: Static, endpoints: ["http://a:1"] }',
  ]);
  t.same(found.map(where), ['GW_ERR_CONFIG_VALUE 3:3']);
  t.match(found[0]?.message, /key "bad name" is not a valid name/);
});

t.test('format problems have their own codes and examples', async (t) => {
  const found = problems([
    'server:',
    '  trust_proxy: ["10.0.0.0/8", "10.1"]',
    '  timeouts: { request_timeout: 30 }',
    '  limits: { max_body_size: 10 megabytes }',
    'routes:',
    '  - path: /a',
    '    upstream: users',
    '    timeout: forever',
    'upstreams:',
    '  users:',
    '    discovery:',
    '      type: Static',
    '      endpoints: ["http://users:3001/api"]',
    'observability:',
    '  tracing: { backend: { endpoint: "jaeger:14268" } }',
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_CIDR 2:31',
    'GW_ERR_CONFIG_TYPE 3:32',
    'GW_ERR_CONFIG_SIZE 4:28',
    'GW_ERR_CONFIG_DURATION 8:14',
    'GW_ERR_CONFIG_URL 13:19',
    'GW_ERR_CONFIG_URL 15:35',
  ]);
  t.match(
    found.map((p) => p.hint),
    [
      /"10.0.0.0\/8", "192.168.1.10"/,
      /"250ms", "30s"/,
      /"512kb", "1mb"/,
      /"250ms", "30s"/,
      /"http:\/\/10.0.0.5:3001"/,
      /"http:\/\/otel-collector:4318\/v1\/traces"/,
    ],
  );
  t.match(found[1]?.message, /expected a duration, got an integer \(30\)/);
  t.match(found[4]?.message, /it has a path \(\/api\)/);
});

t.test('an endpoint gets one problem, from the form it was written in', async (t) => {
  const endpoints = (lines: string[]): ConfigProblem[] =>
    problems([
      'routes: []',
      'upstreams:',
      '  users:',
      '    discovery:',
      '      type: Static',
      '      endpoints:',
      ...lines,
    ]);
  t.same(endpoints(['        - 3001']).map(where), ['GW_ERR_CONFIG_TYPE 7:11']);
  t.match(
    endpoints(['        - 3001'])[0]?.message,
    /expected a string or a mapping, got an integer/,
  );
  t.same(endpoints(['        - ftp://x']).map(where), ['GW_ERR_CONFIG_URL 7:11']);
  t.same(endpoints(['        - { weight: 2 }']).map(where), ['GW_ERR_CONFIG_MISSING_KEY 7:11']);
  t.same(endpoints(['        - { url: "http://a:1", weight: 0 }']).map(where), [
    'GW_ERR_CONFIG_VALUE 7:40',
  ]);
});

t.test('every problem is reported at once, sorted by position', async (t) => {
  const found = problems([
    'server:',
    '  workers: two',
    '  bind_address: ${ADDR}',
    'routes:',
    '  - path: /a',
    '    upstream: users',
    '    timeot: 5s',
    'upstreams:',
    '  users:',
    '    discovery:',
    '      endpoints: ["users:3001"]',
  ]);
  t.same(found.map(where), [
    'GW_ERR_CONFIG_TYPE 2:12',
    'GW_ERR_CONFIG_ENV_UNSET 3:17',
    'GW_ERR_CONFIG_UNKNOWN_KEY 7:5',
    'GW_ERR_CONFIG_MISSING_KEY 11:7',
    'GW_ERR_CONFIG_URL 11:19',
  ]);
});

t.test('a value whose variable is unset gets no schema problem as well', async (t) => {
  const found = problems(['server:', '  http_port: ${PORT}', 'routes: []']);
  t.same(found.map(where), ['GW_ERR_CONFIG_ENV_UNSET 2:14']);
});

t.test('YAML merge keys are applied before validation', async (t) => {
  const text = [
    'routes:',
    '  - &base { path: /a, upstream: users, timeout: 5s }',
    '  - <<: *base',
    '    path: /b',
    ...UPSTREAM,
  ].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', {});
  t.ok(result.ok);
  if (result.ok) t.same(result.config.routes[1], { path: '/b', upstream: 'users', timeout: '5s' });
});

t.test('an alias bomb is refused, not expanded', async (t) => {
  const found = problems([
    'a: &a [x, x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  ]);
  t.same(found.map(where), ['GW_ERR_CONFIG_YAML 1:1']);
});

t.test('locate places config paths, falling back to the nearest ancestor', async (t) => {
  const text = ['routes:', '  - path: /a', '    upstream: users', ...UPSTREAM].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', {});
  if (!result.ok) return t.fail('expected ok');
  const at = (path: Array<string | number>, atKey = false): string => {
    const p = result.locate({ severity: 'error', code: 'X', message: 'm', path, atKey });
    return `${p.file}:${p.line}:${p.column}`;
  };
  t.equal(at(['routes', 0, 'path']), 'gateway.yaml:2:11');
  t.equal(at(['routes', 0, 'path'], true), 'gateway.yaml:2:5');
  t.equal(at(['routes', 0]), 'gateway.yaml:2:5');
  t.equal(at(['upstreams', 'users', 'discovery', 'endpoints', 0]), 'gateway.yaml:8:19');
  t.equal(at(['routes', 0, 'rewrite']), 'gateway.yaml:2:5', 'missing key: its mapping');
  t.equal(at(['routes', 7, 'path']), 'gateway.yaml:2:3', 'missing index: the list');
  t.equal(at(['routes', 0, 'path', 'x']), 'gateway.yaml:2:11', 'below a scalar: the scalar');
  t.equal(at([]), 'gateway.yaml:1:1');
});

t.test('loadConfigFile reads the file, or reports why it cannot', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gatewayd-config-'));
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, 'routes:\n  - path: /a\n    direct_response: { status: 204 }\n');
  const loaded = await loadConfigFile(file, {});
  t.ok(loaded.ok);
  t.equal(loaded.file, file);

  const missing = await loadConfigFile(join(dir, 'nope.yaml'), {});
  t.notOk(missing.ok);
  if (missing.ok) return;
  t.same(missing.problems.map(where), ['GW_ERR_CONFIG_READ 1:1']);
  t.match(missing.problems[0]?.message, /ENOENT/);
  t.equal(missing.locate, undefined);
});
