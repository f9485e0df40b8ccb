import t from 'tap';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

/** Errors and warnings alike, whether or not the config loaded. */
function report(lines: string[]): ConfigProblem[] {
  const result = loadConfigText(lines.join('\n'), 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

const AUTH = [
  'auth:',
  '  jwt: { secret: "a-secret-long-enough-for-hs256-checks", algorithm: HS256 }',
];

t.test('origins on WebSocket routes and the hub load without a problem', async (t) => {
  const found = report([
    ...AUTH,
    'routes:',
    '  - { path: /ws, handler: websocket, allowed_origins: ["https://app.example.com"] }',
    'websocket:',
    '  server: { allowed_origins: ["https://*.example.com", "*"], refused_upgrade: close }',
  ]);
  t.same(found, []);
});

t.test('refused_upgrade: close with a guarded hub route is said', async (t) => {
  const found = report([
    ...AUTH,
    'routes:',
    '  - { path: /ws, handler: websocket, auth_required: true }',
    'websocket:',
    '  server: { refused_upgrade: close }',
  ]);
  t.same(
    found.map((p) => `${p.code} ${p.line}:${p.column}`),
    ['GW_WARN_CONFIG_IGNORED_KEY 4:38'],
  );
  t.match(found[0]?.message, /refuses with 401\/403 before the hub can answer in band/);
});
