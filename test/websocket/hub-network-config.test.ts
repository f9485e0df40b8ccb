import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gatewayd-process.js';

function check(t: Tap, yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hubnet-check-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, yaml);
  return { file, lines: yaml.split('\n'), run: () => runCli(['check', file]) };
}

interface Tap {
  teardown(fn: () => unknown): void;
}

const BASE = `
server: { http_port: 0 }
redis: { url: "redis://127.0.0.1:1" }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["http://127.0.0.1:9"] } }
websocket:
  channels: { notifications: { user_specific: true } }
  integration:
    webhook: { enabled: true, auth_token: "a-long-enough-webhook-token" }
  presence: { path: /api/chat/online-users }
`;

t.test('a configured route on the webhook path is reported at the webhook path', async (t) => {
  const c = check(
    t,
    `${BASE}routes:\n  - { path: /webhook/websocket, methods: [POST], upstream: svc }\n  - { path: /ws, handler: websocket }\n`,
  );
  const { code, stdout } = await c.run();
  t.equal(code, 1);
  const line = c.lines.findIndex((l) => l.includes('webhook: {')) + 1;
  t.match(stdout, new RegExp(`:${line}:\\d+: GW_ERR_CONFIG_ROUTE_SHADOWED .*built-in webhook`));
});

t.test('seed 002 online-users path served by presence; a clash is reported', async (t) => {
  const ok = check(t, `${BASE}routes:\n  - { path: /ws, handler: websocket }\n`);
  const fine = await ok.run();
  t.equal(fine.code, 0, fine.stdout);
  const clash = check(
    t,
    `${BASE}routes:\n  - { path: /api/chat/online-users, upstream: svc }\n  - { path: /ws, handler: websocket }\n`,
  );
  const { code, stdout } = await clash.run();
  t.equal(code, 1);
  t.match(stdout, /GW_ERR_CONFIG_ROUTE_SHADOWED .*built-in presence/);
});

t.test('presence without a top-level redis is an error at its key', async (t) => {
  const c = check(
    t,
    `server: { http_port: 0 }\nroutes:\n  - { path: /ws, handler: websocket }\nwebsocket:\n  presence: { ttl: 30s }\n`,
  );
  const { code, stdout } = await c.run();
  t.equal(code, 1);
  t.match(stdout, /:5:3: GW_ERR_CONFIG_REDIS_REQUIRED .*websocket.presence/);
});
