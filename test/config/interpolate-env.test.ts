import { createHash } from 'node:crypto';
import t, { type Test } from 'tap';
import { loadConfigText, type LoadResult } from '../../engine/config-loader/load-config.js';
import type { GatewayConfig } from '../../engine/config/gateway-config.js';

const ROUTE = ['routes:', '  - path: /status', '    direct_response: { status: 200 }'];

function load(lines: string[], env: NodeJS.ProcessEnv = {}): LoadResult {
  return loadConfigText(lines.join('\n'), 'gateway.yaml', env);
}

function config(t: Test, result: LoadResult): GatewayConfig {
  if (!result.ok) t.fail(`expected ok, got ${JSON.stringify(result.problems)}`);
  return result.ok ? result.config : ({} as GatewayConfig);
}

t.test('${VAR:-default} takes the default when the variable is unset or empty', async (t) => {
  const lines = ['server:', '  bind_address: ${ADDR:-127.0.0.1}', ...ROUTE];
  t.equal(config(t, load(lines)).server?.bind_address, '127.0.0.1');
  t.equal(config(t, load(lines, { ADDR: '' })).server?.bind_address, '127.0.0.1');
  t.equal(config(t, load(lines, { ADDR: '10.0.0.1' })).server?.bind_address, '10.0.0.1');
});

t.test('an unset variable without default is an error at its scalar, naming it', async (t) => {
  const result = load(['server:', '  bind_address: ${ADDR}', ...ROUTE]);
  t.notOk(result.ok);
  if (result.ok) return;
  t.equal(result.problems.length, 1);
  t.match(result.problems[0], {
    code: 'GW_ERR_CONFIG_ENV_UNSET',
    line: 2,
    column: 17,
    message: /ADDR is not set/,
    hint: /\$\{ADDR:-value\}/,
    path: ['server', 'bind_address'],
  });
});

t.test('several unset variables in one scalar make one problem', async (t) => {
  const result = load(['server:', '  bind_address: ${A}.${B}.${A}', ...ROUTE]);
  t.notOk(result.ok);
  if (result.ok) return;
  t.equal(result.problems.length, 1);
  t.match(result.problems[0]?.message, /variables A, B are not set/);
});

t.test('a plain scalar that is one whole reference is re-read as YAML', async (t) => {
  const lines = [
    'server:',
    '  http_port: ${PORT:-8080}',
    '  workers: ${WORKERS}',
    'observability:',
    '  logging:',
    '    access_log: ${ACCESS_LOG:-false}',
    ...ROUTE,
  ];
  const c = config(t, load(lines, { WORKERS: '4' }));
  t.equal(c.server?.http_port, 8080);
  t.equal(c.server?.workers, 4);
  t.equal(c.observability?.logging?.access_log, false);
});

t.test('quoted scalars and partial references stay strings', async (t) => {
  const quoted = load(['server:', '  http_port: "${PORT:-8080}"', ...ROUTE]);
  t.notOk(quoted.ok);
  if (!quoted.ok) {
    t.match(quoted.problems, [{ code: 'GW_ERR_CONFIG_TYPE', line: 2, column: 14 }]);
  }
  const partial = load(['server:', '  bind_address: 10.0.0.${N}', ...ROUTE], { N: '5' });
  t.equal(config(t, partial).server?.bind_address, '10.0.0.5');
  const single = load(['server:', "  bind_address: '${ADDR:-0.0.0.0}'", ...ROUTE]);
  t.equal(config(t, single).server?.bind_address, '0.0.0.0');
});

t.test('$${ escapes a literal ${', async (t) => {
  const lines = [
    'routes:',
    '  - path: /price',
    '    direct_response: { status: 200, body: "cost: $${AMOUNT}" }',
  ];
  const body = config(t, load(lines)).routes[0]?.direct_response?.body;
  t.equal(body, 'cost: ${AMOUNT}');
});

t.test('block scalars are interpolated; keys and comments are not', async (t) => {
  const lines = [
    '# ${NOT_SET} in a comment is ignored',
    'routes:',
    '  - path: /hello',
    '    direct_response:',
    '      status: 200',
    '      headers: { "x-${NOT_SET}": "v" }',
    '      body: |',
    '        hello ${NAME}',
  ];
  const response = config(t, load(lines, { NAME: 'world' })).routes[0]?.direct_response;
  t.equal(response?.body, 'hello world\n');
  t.same(response?.headers, { 'x-${NOT_SET}': 'v' });
});

t.test('a malformed reference is GW_ERR_CONFIG_ENV_SYNTAX', async (t) => {
  const result = load(['server:', '  bind_address: "${ADDR"', ...ROUTE]);
  t.notOk(result.ok);
  if (result.ok) return;
  t.match(result.problems, [{ code: 'GW_ERR_CONFIG_ENV_SYNTAX', line: 2, column: 17 }]);
});

t.test('the hash covers the text after interpolation', async (t) => {
  const lines = [
    'server:',
    '  bind_address: ${ADDR:-0.0.0.0}  # ${ADDR} stays in comments',
    ...ROUTE,
  ];
  const a = load(lines, { ADDR: '10.0.0.1' });
  const b = load(lines, { ADDR: '10.0.0.2' });
  const again = load(lines, { ADDR: '10.0.0.1' });
  if (!a.ok || !b.ok || !again.ok) return t.fail('expected all to load');
  const expected = lines.join('\n').replace('${ADDR:-0.0.0.0}', '10.0.0.1');
  t.equal(a.hash, createHash('sha256').update(expected).digest('hex'));
  t.equal(a.hash, again.hash);
  t.not(a.hash, b.hash);
});
