import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { loadConfigFile } from '../../engine/config-loader/load-config.js';
import { compileFileOffline } from '../../engine/runtime/offline-build.js';

/**
 * Each fixture opens with comment lines that say what it needs and what it must produce:
 *   # expect: GW_ERR_CONFIG_UNKNOWN_KEY 4:5   (one line per error, invalid fixtures only)
 *   # env: JWT_SECRET=seed-secret             (variables the file reads)
 */
interface Header {
  expect: string[];
  env: Record<string, string>;
}

const FIXTURES = new URL('../fixtures/', import.meta.url);

function header(file: URL): Header {
  const result: Header = { expect: [], env: {} };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const expect = /^# expect: (\S+ \d+:\d+)$/.exec(line);
    const env = /^# env: (\w+)=(.*)$/.exec(line);
    if (expect?.[1]) result.expect.push(expect[1]);
    if (env?.[1]) result.env[env[1]] = env[2] ?? '';
  }
  return result;
}

function fixtures(kind: 'invalid' | 'valid'): URL[] {
  const dir = new URL(`${kind}/`, FIXTURES);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => new URL(name, dir));
}

t.test('each invalid fixture produces exactly the errors its header expects', async (t) => {
  const files = fixtures('invalid');
  t.ok(files.length >= 12, `${files.length} invalid fixtures`);
  for (const file of files) {
    const { expect, env } = header(file);
    const name = file.pathname.split('/').at(-1);
    t.ok(expect.length > 0, `${name} has an expect line`);
    // The whole pipeline, as `gatewayd check` runs it: the compiler's problems count too.
    const result = await compileFileOffline(file.pathname, env);
    t.notOk(result.ok, `${name} fails to load`);
    if (result.ok) continue;
    const errors = result.problems.filter((p) => p.severity === 'error');
    t.same(
      errors.map((p) => `${p.code} ${p.line}:${p.column}`),
      expect,
      `${name}: ${errors.map((p) => p.message).join('; ')}`,
    );
  }
});

t.test('each valid fixture loads', async (t) => {
  for (const file of fixtures('valid')) {
    const result = await loadConfigFile(file.pathname, header(file).env);
    const problems = result.ok
      ? []
      : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    t.ok(result.ok, `${file.pathname.split('/').at(-1)} ${problems.join('; ')}`);
  }
});

t.test('seed 001 as written: its /health route names an upstream it never defines', async (t) => {
  const file = new URL('invalid/seed-001-missing-health-service.yaml', FIXTURES).pathname;
  const result = await loadConfigFile(file, { JWT_SECRET: 'seed-secret' });
  if (result.ok) return t.fail('seed 001 must not load as written');
  const errors = result.problems.filter((p) => p.severity === 'error');
  t.equal(errors.length, 1);
  t.match(errors[0], {
    code: 'GW_ERR_CONFIG_UNDEFINED_UPSTREAM',
    line: 82,
    column: 15,
    message:
      'route "/health" names upstream "health-service", which is not defined under upstreams',
    hint: 'defined upstreams: auth-service, user-service, metrics-service',
  });
  t.equal(readFileSync(file, 'utf8').split('\n')[81], '    upstream: "health-service"');
  const warnings = result.problems.filter((p) => p.severity === 'warning');
  t.ok(warnings.some((p) => p.code === 'GW_WARN_CONFIG_RESERVED_PATH'));
  t.ok(warnings.some((p) => p.code === 'GW_WARN_CONFIG_NO_CERTIFICATE'));
});

t.test('seed 001 with health-service defined loads with warnings only', async (t) => {
  const file = new URL('valid/seed-001-microservices.yaml', FIXTURES).pathname;
  const result = await loadConfigFile(file, {
    JWT_SECRET: 'seed-secret',
    WEBHOOK_AUTH_TOKEN: 'seed-webhook-token',
  });
  if (!result.ok) return t.fail(JSON.stringify(result.problems));
  t.equal(result.config.routes.length, 11);
  t.equal(result.config.routes[10]?.handler, 'websocket');
  t.equal(result.config.websocket?.channels?.notifications?.user_specific, true);
  t.equal(result.config.auth?.jwt?.secret, 'seed-secret');
  t.equal(result.config.server?.http_port, 8080);
  t.same(Object.keys(result.config.upstreams ?? {}), [
    'auth-service',
    'user-service',
    'metrics-service',
    'health-service',
  ]);
  const codes = new Set(result.warnings.map((p) => p.code));
  t.same([...codes].sort(), [
    'GW_WARN_CONFIG_JAEGER_ENDPOINT',
    'GW_WARN_CONFIG_LOCAL_HISTORY',
    'GW_WARN_CONFIG_NO_CERTIFICATE',
    'GW_WARN_CONFIG_RESERVED_PATH',
    'GW_WARN_CONFIG_WEAK_SECRET',
  ]);
  // Seed 001 gives https_port without certificate files: the port is not opened, and says so.
  t.same(
    result.warnings
      .filter((p) => p.code === 'GW_WARN_CONFIG_NO_CERTIFICATE')
      .map((p) => p.path.join('.')),
    ['server.https_port'],
  );
  t.match(
    result.warnings.find((p) => p.code === 'GW_WARN_CONFIG_JAEGER_ENDPOINT'),
    {
      message:
        "http://jaeger:14268/api/traces is Jaeger's Thrift collector; spans go as OTLP to http://jaeger:4318/v1/traces instead",
      path: ['observability', 'tracing', 'backend', 'endpoint'],
    },
  );
  t.match(
    result.warnings.find((p) => p.code === 'GW_WARN_CONFIG_WEAK_SECRET'),
    { line: 147, column: 13, message: 'auth.jwt.secret is 11 bytes long; HS256 needs at least 32' },
  );
  t.notMatch(JSON.stringify(result.warnings), 'seed-secret', 'the secret is never quoted');
});

t.test('seed 001 without JWT_SECRET says so at the secret', async (t) => {
  const file = new URL('valid/seed-001-microservices.yaml', FIXTURES).pathname;
  const result = await loadConfigFile(file, { WEBHOOK_AUTH_TOKEN: 'seed-webhook-token' });
  if (result.ok) return t.fail('must not load');
  t.same(
    result.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.code} ${p.line}:${p.column}`),
    ['GW_ERR_CONFIG_ENV_UNSET 147:13'],
  );
  // The secret's placeholder is never judged: no weak-secret warning about "${JWT_SECRET}".
  t.notOk(result.problems.some((p) => p.code === 'GW_WARN_CONFIG_WEAK_SECRET'));
  t.ok(
    result.problems.some((p) => p.code === 'GW_WARN_CONFIG_RESERVED_PATH'),
    'warnings too',
  );
});

t.test(
  'seed 001 as written without JWT_SECRET: the variable and the undefined upstream',
  async (t) => {
    const file = new URL('invalid/seed-001-missing-health-service.yaml', FIXTURES).pathname;
    const result = await loadConfigFile(file, {});
    if (result.ok) return t.fail('must not load');
    t.same(
      result.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.code} ${p.line}:${p.column}`),
      ['GW_ERR_CONFIG_UNDEFINED_UPSTREAM 82:15', 'GW_ERR_CONFIG_ENV_UNSET 134:13'],
    );
  },
);
