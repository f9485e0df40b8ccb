import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { checkCommand } from '../../engine/cli/check-command.js';
import { routesCommand } from '../../engine/cli/routes-command.js';
import { runCommandInProcess } from '../helpers/cli-in-process.js';
import { runCli } from '../helpers/gatewayd-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Four distinct key hashes: one key under two names is an error. */
const keyHash = (digit: string) => `sha256:${digit.repeat(64)}`;
const EXAMPLE_ENV = {
  ...process.env,
  JWT_SECRET: 'test-only-secret',
  // examples/modules-platform and session-gateway: passwords and key hashes have no default.
  USER_PASSWORD: 'test-only-password',
  PRO_USER_PASSWORD: 'test-only-password',
  ENTERPRISE_USER_PASSWORD: 'test-only-password',
  ADMIN_PASSWORD: 'test-only-password',
  SUPERUSER_PASSWORD: 'test-only-password',
  FREE_API_KEY_HASH: keyHash('0'),
  PRO_API_KEY_HASH: keyHash('1'),
  ENTERPRISE_API_KEY_HASH: keyHash('2'),
  ADMIN_API_KEY_HASH: keyHash('3'),
  // examples/microservices: the webhook's and the admin API's secrets (no defaults).
  WEBHOOK_AUTH_TOKEN: 'test-only-webhook-token',
  ADMIN_TOKEN: 'test-only-admin-token-0123456789abcdef',
  // examples/plugins: the HMAC plugin's shared secret.
  HMAC_SECRET: 'test-only-hmac-secret',
};

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

// A real process here (the other checks run in this one): the exit code and file arguments.
t.test('every file in examples/ passes gatewayd check', async (t) => {
  const files = yamlFilesUnder(join(root, 'examples'));
  t.ok(files.length >= 2, `${files.length} example files`);
  const { code, stdout, stderr } = await runCli(['check', ...files], EXAMPLE_ENV);
  t.equal(code, 0, stdout + stderr);
  for (const file of files) t.match(stdout, `${file}: OK`);
});

t.test('each invalid fixture fails with the code and position it declares', async (t) => {
  const files = yamlFilesUnder(join(root, 'test/fixtures/invalid'));
  const { code, stdout } = await runCommandInProcess(() => checkCommand(files), EXAMPLE_ENV);
  t.equal(code, 1, 'the fixtures are invalid');
  const lines = stdout.split('\n');
  for (const file of files) {
    const expected = [...readFileSync(file, 'utf8').matchAll(/^# expect: (\S+) (\d+):(\d+)/gm)];
    t.ok(expected.length > 0, `${file} declares what it expects`);
    for (const [, errCode, line, col] of expected) {
      t.match(
        stdout,
        `${file}:${line}:${col}: ${errCode} `,
        `${file}: ${errCode} at ${line}:${col}`,
      );
    }
    const errors = lines.filter((l) => l.startsWith(`${file}:`) && / GW_ERR_/.test(l));
    t.equal(errors.length, expected.length, `${file}: no other errors\n${errors.join('\n')}`);
  }
});

t.test('seed 001 as written: exactly the missing health-service, at its line', async (t) => {
  const file = join(root, 'test/fixtures/invalid/seed-001-missing-health-service.yaml');
  const text = readFileSync(file, 'utf8').split('\n');
  const line = text.findIndex((l) => l.includes('upstream: "health-service"')) + 1;
  const { code, stdout } = await runCommandInProcess(() => checkCommand([file]), EXAMPLE_ENV);
  t.equal(code, 1);
  t.match(stdout, new RegExp(`:${line}:\\d+: GW_ERR_CONFIG_UNDEFINED_UPSTREAM .*health-service`));
});

t.test('check names an unset environment variable', async (t) => {
  const env = { ...process.env };
  delete env.JWT_SECRET;
  const { code, stdout } = await runCommandInProcess(
    () => checkCommand([join(root, 'examples/microservices/gateway.yaml')]),
    env,
  );
  t.equal(code, 1);
  t.match(stdout, /GW_ERR_CONFIG_ENV_UNSET .*JWT_SECRET/);
});

t.test('one run reports every stage: env, schema, semantic and compile problems', async (t) => {
  const file = join(root, 'test/fixtures/invalid/one-pass.yaml');
  const { code, stdout } = await runCommandInProcess(() => checkCommand([file]));
  t.equal(code, 1);
  const errors = stdout.split('\n').filter((l) => / GW_ERR_/.test(l));
  t.same(
    errors.map((l) => l.slice(file.length + 1).split(' ')[0] + ' ' + l.split(' ')[1]),
    [
      '9:14: GW_ERR_CONFIG_ENV_UNSET',
      '14:5: GW_ERR_CONFIG_UNKNOWN_KEY',
      '17:15: GW_ERR_CONFIG_UNDEFINED_UPSTREAM',
      '18:11: GW_ERR_CONFIG_ROUTE_SHADOWED',
      '25:19: GW_ERR_CONFIG_ENV_UNSET',
    ],
    stdout,
  );
  t.match(stdout, `${file}: INVALID (5 errors, 1 warning)`);
});

t.test('seed 001 as written without JWT_SECRET: the variable and health-service', async (t) => {
  const env = { ...process.env };
  delete env.JWT_SECRET;
  const file = join(root, 'test/fixtures/invalid/seed-001-missing-health-service.yaml');
  const { code, stdout } = await runCommandInProcess(() => checkCommand([file]), env);
  t.equal(code, 1);
  t.match(stdout, /:134:13: GW_ERR_CONFIG_ENV_UNSET .*JWT_SECRET/);
  t.match(stdout, /:82:15: GW_ERR_CONFIG_UNDEFINED_UPSTREAM .*health-service/);
});

t.test('routes prints the table in match order', async (t) => {
  const { code, stdout } = await runCommandInProcess(
    () => routesCommand(join(root, 'examples/microservices/gateway.yaml'), { header: [] }),
    EXAMPLE_ENV,
  );
  t.equal(code, 0);
  const lines = stdout.trim().split('\n');
  t.match(lines[0], /^METHODS\s+HOST\s+PATH\s+TARGET\s+FILTERS/);
  const paths = lines.slice(1).map((l) => l.split(/\s{2,}/)[2]);
  t.ok(paths.indexOf('/api/v1/users/{id}') < paths.indexOf('/api/v1/users/{id}/profile'));
  t.ok(
    paths.indexOf('/api/v1/admin/users') < paths.indexOf('/api/v1/users/{id}'),
    'static before param',
  );
  t.match(
    stdout,
    /POST\s+\*\s+\/auth\/login\s+auth-service\s+cors → rate_limit 10\/60s by ip \(redis\) → security_headers → proxy RoundRobin timeout=10000ms attempts=2/,
  );
});

t.test('routes on one path shadow each other unless their match conditions differ', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-shadow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    [
      'routes:',
      '  - { path: /a, upstream: v1 }',
      '  - { path: /a, upstream: v2, match: { headers: { x-canary: "true" } } }',
      '  - { path: /a, upstream: v2, match: { cookies: { release: beta } } }',
      '  - { path: /a, upstream: v1, match: { headers: { X-Canary: "true" } } }',
      '  - { path: /a, upstream: v2 }',
      'upstreams:',
      '  v1: { discovery: { type: Static, endpoints: ["http://v1:1"] } }',
      '  v2: { discovery: { type: Static, endpoints: ["http://v2:1"] } }',
      '',
    ].join('\n'),
  );
  const { code, stdout } = await runCommandInProcess(() => checkCommand([file]), EXAMPLE_ENV);
  t.equal(code, 1);
  const errors = stdout.split('\n').filter((l) => / GW_ERR_/.test(l));
  t.same(
    errors.map((l) => l.split(': ')[0]?.split(':').slice(1).join(':') + ' ' + l.split(' ')[1]),
    ['5:13 GW_ERR_CONFIG_ROUTE_SHADOWED', '6:13 GW_ERR_CONFIG_ROUTE_SHADOWED'],
    stdout,
  );
  t.match(stdout, 'as route "ANY /a" (routes[1])');
  t.match(stdout, 'as route "ANY /a" (routes[0])');
});

t.test('a misspelt command gets a suggestion, not "too many arguments"', async (t) => {
  const typo = await runCli(['chek', 'x.yaml']);
  t.equal(typo.code, 2);
  t.match(typo.stderr, 'gatewayd: unknown command "chek"; did you mean "check"?');
  t.notMatch(typo.stderr, 'too many arguments');
  const far = await runCli(['--config', 'x.yaml', 'frobnicate']);
  t.equal(far.code, 2);
  t.match(far.stderr, /unknown command "frobnicate"\ncommands: run, check, routes/);
});

t.test("help COMMAND prints that command's help", async (t) => {
  const help = await runCli(['help', 'check']);
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: gatewayd check \[options\] <file\.\.\.>/);
});

t.test('--version and --help', async (t) => {
  const version = await runCli(['--version']);
  t.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const help = await runCli(['--help']);
  t.match(help.stdout, /check/);
  t.match(help.stdout, /routes/);
  t.match(help.stdout, /--config/);
});
