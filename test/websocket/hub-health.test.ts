import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';

t.test('handler: websocket_health answers the hub health (seed 000 GET /ws/health)', async (t) => {
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /ws/connect, methods: [GET], handler: websocket }
  - { path: /ws/health, methods: [GET], handler: websocket_health }
websocket:
  server: { require_auth: false, ping_interval: 0s, idle_timeout: 0s }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const health = async () => {
    const res = await request(gw.url('/ws/health'));
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  const before = await health();
  t.equal(before.status, 200);
  t.match(before.body, {
    status: 'healthy',
    timestamp: /^\d{4}-\d\d-\d\dT/,
    gateway_id: String,
    version: String,
    redis_connected: null,
    active_connections: 0,
  });
  const client = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws/connect`);
  const connected = await client.next((m) => m.type === 'connected');
  const during = await health();
  t.equal(during.body.active_connections, 1, 'the open connection is counted');
  t.equal(during.body.gateway_id, connected.gateway_id, 'the gateway_id of connected frames');
  client.ws.close(1000);
  await client.closed;
  const deadline = Date.now() + 2000;
  let after = await health();
  while (after.body.active_connections !== 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    after = await health();
  }
  t.equal(after.body.active_connections, 0, 'and no longer once closed');
  const routes = await runCli(['routes', gw.file]);
  t.match(routes.stdout, /\/ws\/health/);
});

t.test('gatewayd check: websocket_health needs the websocket block', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-wsh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, 'routes:\n  - { path: /ws/health, handler: websocket_health }\n');
  const out = await runCli(['check', file]);
  t.equal(out.code, 1);
  t.match(
    out.stdout + out.stderr,
    /gateway\.yaml:2:\d+: GW_ERR_CONFIG_WEBSOCKET route "\/ws\/health" answers the WebSocket hub's health, but there is no websocket block/,
  );
});
