import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfigText } from '../../engine/config-loader/load-config.js';
import { readEnvOverrides } from '../../engine/config/env-overrides.js';
import { runCli } from '../helpers/gatewayd-process.js';

const YAML = `server:
  http_port: 8080
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false }
websocket:
  server: { max_connections: 10000 }
`;

/** The variables of the microservices guide's compose and Kubernetes files. */
const SEED_ENV = {
  GATEWAY_SERVER_HTTP_PORT: '9000',
  GATEWAY_LOG_LEVEL: 'debug',
  GATEWAY_METRICS_ENABLED: 'true',
  GATEWAY_WEBSOCKET_ENABLED: 'true',
  GATEWAY_WEBSOCKET_MAX_CONNECTIONS: '500',
};

t.test("the guide's variables set the keys they name, typed, before validation", async (t) => {
  const result = loadConfigText(YAML, 'gateway.yaml', SEED_ENV);
  if (!result.ok) return t.fail(JSON.stringify(result.problems));
  const c = result.config;
  t.equal(c.server?.http_port, 9000);
  t.equal(c.observability?.logging?.level, 'debug');
  t.equal(c.observability?.metrics?.prometheus_enabled, true);
  t.equal(c.websocket?.enabled, true);
  t.equal(c.websocket?.server?.max_connections, 500);
  const plain = loadConfigText(YAML, 'gateway.yaml', {});
  t.ok(plain.ok && plain.hash !== result.hash, 'values from the environment change the hash');
});

t.test('one rule: path words in order, fewest left out, then fewest shortened', async (t) => {
  const pathOf = (variable: string) =>
    readEnvOverrides({ [variable]: '1' }).overrides.map((o) => o.path.join('.'));
  t.same(pathOf('GATEWAY_SERVER_HTTPS_PORT'), ['server.https_port'], 'not http_port');
  t.same(pathOf('GATEWAY_SERVER_HTTP_PORT'), ['server.http_port'], 'exact beats shortened');
  t.same(pathOf('GATEWAY_OBSERVABILITY_LOGGING_LEVEL'), ['observability.logging.level']);
  t.same(pathOf('GATEWAY_WEBSOCKET_SERVER_MAX_CONNECTIONS'), ['websocket.server.max_connections']);
  t.same(
    pathOf('GATEWAY_WEBSOCKET_REQUIRE_AUTH'),
    ['websocket.server.require_auth'],
    'an alias section is never a target',
  );
});

t.test('a variable that names no key, or several, is refused', async (t) => {
  const result = loadConfigText(YAML, 'gateway.yaml', {
    GATEWAY_SERVER_HTTP_PORTT: '1',
    GATEWAY_ENABLED: 'true',
  });
  t.notOk(result.ok);
  if (result.ok) return;
  t.match(result.problems, [
    {
      code: 'GW_ERR_CONFIG_ENV_OVERRIDE',
      message: /GATEWAY_ENABLED names several config keys equally well: /,
      hint: 'name more of the path',
    },
    {
      code: 'GW_ERR_CONFIG_ENV_OVERRIDE',
      message: 'environment variable GATEWAY_SERVER_HTTP_PORTT names no config key',
      hint: 'did you mean GATEWAY_SERVER_HTTP_PORT?',
    },
  ]);
});

t.test('a GATEWAY_ variable the file reads as ${...} is an input, not an override', async (t) => {
  const text = `${YAML}admin:\n  port: 9901\n  token: \${GATEWAY_ADMIN_SECRET}\n`;
  const env = { GATEWAY_ADMIN_SECRET: 'a-long-enough-admin-token', GATEWAY_NO_SUCH_THING: 'x' };
  const result = loadConfigText(text, 'gateway.yaml', env);
  t.notOk(result.ok, 'another GATEWAY_ variable is still refused');
  if (result.ok) return;
  t.same(
    result.problems.map((p) => p.message),
    ['environment variable GATEWAY_NO_SUCH_THING names no config key'],
    'only the variable the file does not read',
  );
  const read = loadConfigText(text, 'gateway.yaml', {
    GATEWAY_ADMIN_SECRET: 'a-long-enough-admin-token',
  });
  t.ok(read.ok, 'the variable the file reads is just its input');
  if (read.ok) t.equal(read.config.admin?.token, 'a-long-enough-admin-token');
});

t.test('a value that does not fit its key is the schema error, naming the variable', async (t) => {
  const result = loadConfigText(YAML, 'gateway.yaml', {
    GATEWAY_WEBSOCKET_MAX_CONNECTIONS: 'lots',
  });
  t.notOk(result.ok);
  if (result.ok) return;
  t.match(result.problems, [
    {
      code: 'GW_ERR_CONFIG_TYPE',
      line: 6,
      message:
        /max_connections: expected an integer.*\(set by GATEWAY_WEBSOCKET_MAX_CONNECTIONS\)$/,
    },
  ]);
});

t.test('check and routes show where a value comes from, never a secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-env-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, YAML);
  const env = {
    ...process.env,
    ...SEED_ENV,
    GATEWAY_WEBHOOK_AUTH_TOKEN: 'do-not-print-this-0123456789',
  };
  const check = await runCli(['check', file], env);
  t.equal(check.code, 0, check.stdout + check.stderr);
  t.match(check.stdout, `${file}: server.http_port = 9000 (from GATEWAY_SERVER_HTTP_PORT)`);
  t.match(
    check.stdout,
    `${file}: websocket.server.max_connections = 500 (from GATEWAY_WEBSOCKET_MAX_CONNECTIONS)`,
  );
  t.match(
    check.stdout,
    'websocket.integration.webhook.auth_token = (value not shown) (from GATEWAY_WEBHOOK_AUTH_TOKEN)',
  );
  t.notMatch(check.stdout + check.stderr, 'do-not-print-this');
  const routes = await runCli(['routes', file], env);
  t.equal(routes.code, 0, routes.stderr);
  t.match(routes.stdout, 'observability.logging.level = "debug" (from GATEWAY_LOG_LEVEL)');
});
