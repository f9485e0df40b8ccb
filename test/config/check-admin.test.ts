import t from 'tap';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

const ROUTES = 'routes:\n  - { path: /, direct_response: { status: 204 } }\n';
const HASH = 'sha256:103538bcfa382400e32a158a484a479049b9578893ccf25d345bfd084f38c115';

function load(admin: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfigText(`${admin}\n${ROUTES}`, 'gateway.yaml', env);
}

t.test('one port and one token source, either way round', async (t) => {
  const token = 'x'.repeat(32);
  const seed = load('server: { admin_port: 8081 }\nadmin: { token: "${ADMIN_TOKEN}" }', {
    ADMIN_TOKEN: token,
  });
  t.ok(seed.ok, 'server.admin_port with admin.token from the environment');
  if (seed.ok) t.same(seed.warnings, []);
  t.ok(load(`admin: { port: 0, token_hash: "${HASH}" }`).ok, 'admin.port with token_hash');
});

t.test('two ports, two token sources, none, and an empty token are errors', async (t) => {
  const cases: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    [
      `server: { admin_port: 1 }\nadmin: { port: 2, token_hash: "${HASH}" }`,
      {},
      /admin port is given twice: server.admin_port \(1\) and admin.port \(2\)/,
    ],
    [`admin: { token_hash: "${HASH}" }`, {}, /the admin API has no port/],
    [`admin: { port: 1, token: "abcdefghijklmnopq", token_hash: "${HASH}" }`, {}, /given twice/],
    ['admin: { port: 1 }', {}, /the admin API has no token/],
    ['admin: { port: 1, token: "${T:-}" }', { T: '' }, /admin.token is empty/],
    ['admin: { port: 1, token: "${T}" }', { T: '   ' }, /admin.token is empty/],
    ['server: { admin_port: 1 }', {}, /no admin block with the token/],
  ];
  for (const [text, env, message] of cases) {
    const result = load(text, env);
    t.notOk(result.ok, text);
    if (result.ok) continue;
    t.match(result.problems, [{ code: 'GW_ERR_CONFIG_ADMIN', message }], text);
  }
});

t.test('a short token loads with a warning that never quotes it', async (t) => {
  const result = load('admin: { port: 0, token: "${T}" }', { T: 'short-token' });
  t.ok(result.ok);
  if (!result.ok) return;
  t.match(result.warnings, [{ code: 'GW_WARN_CONFIG_WEAK_SECRET', line: 1, column: 26 }]);
  t.notOk(JSON.stringify(result.warnings).includes('short-token'));
});
