import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Agent, request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

function versioned(version: string, extra = ''): string {
  return `
server:
  http_port: 0
  bind_address: 127.0.0.1
routes:
  - path: /version
    direct_response: { status: 200, body: "${version}" }
${extra}
observability:
  logging: { level: info, access_log: false }
`;
}

async function body(url: string): Promise<string> {
  return (await request(url)).body.text();
}

function tempDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-reload-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a Kubernetes-style ConfigMap update (a swapped ..data symlink) is picked up', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, '..v1'));
  writeFileSync(join(dir, '..v1', 'gateway.yaml'), versioned('v1'));
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync(join('..data', 'gateway.yaml'), join(dir, 'gateway.yaml'));
  const gw = await startGatewayd(t, '', { file: join(dir, 'gateway.yaml') });
  t.equal(await body(gw.url('/version')), 'v1');

  const from = gw.logs.length;
  mkdirSync(join(dir, '..v2'));
  writeFileSync(join(dir, '..v2', 'gateway.yaml'), versioned('v2'));
  symlinkSync('..v2', join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  await gw.waitForLog((l) => l.msg === 'config loaded', 3000, from);
  t.equal(await body(gw.url('/version')), 'v2');
});

t.test('SIGHUP reloads a change the file watch cannot see', async (t) => {
  // The config is a symlink into another directory: writes there are invisible to the watch.
  const target = tempDir(t);
  const link = tempDir(t);
  writeFileSync(join(target, 'real.yaml'), versioned('v1'));
  symlinkSync(join(target, 'real.yaml'), join(link, 'gateway.yaml'));
  const gw = await startGatewayd(t, '', { file: join(link, 'gateway.yaml') });

  writeFileSync(join(target, 'real.yaml'), versioned('v2'));
  const from = gw.logs.length;
  gw.proc.kill('SIGHUP');
  const loaded = await gw.waitForLog((l) => l.msg === 'config loaded', 3000, from);
  t.equal(loaded.reason, 'SIGHUP');
  t.equal(await body(gw.url('/version')), 'v2');
});

t.test(
  'a reload keeps the warm pool of an unchanged endpoint and closes a removed one',
  async (t) => {
    const kept = await UpstreamServer.start(t);
    const removed = await UpstreamServer.start(t);
    const routes = (version: string, withRemoved: boolean) =>
      versioned(
        version,
        `  - path: /kept/*
    upstream: kept
${withRemoved ? '  - path: /removed/*\n    upstream: removed\n' : ''}upstreams:
  kept:
    discovery: { type: Static, endpoints: ["${kept.url}"] }
${withRemoved ? `  removed:\n    discovery: { type: Static, endpoints: ["${removed.url}"] }\n` : ''}`,
      );
    const gw = await startGatewayd(t, routes('v1', true));
    // One client connection, so requests are sequential and the gateway needs one upstream socket.
    const agent = new Agent({ connections: 1 });
    t.teardown(() => agent.close());
    for (const path of ['/kept/a', '/removed/a']) {
      const res = await request(gw.url(path), { dispatcher: agent });
      t.equal(res.statusCode, 200);
      await res.body.dump();
    }
    t.equal(kept.connections, 1);

    const from = gw.logs.length;
    gw.writeConfig(routes('v2', false));
    await gw.waitForLog((l) => l.msg === 'config loaded', 3000, from);
    t.equal(await body(gw.url('/version')), 'v2');
    const again = await request(gw.url('/kept/b'), { dispatcher: agent });
    await again.body.dump();
    t.equal(kept.connections, 1, 'the kept endpoint is reached over the connection it had');
    await removed.waitFor((u) => u.closedConnections === u.connections, 3000);
    t.equal(removed.closedConnections, 1, "the removed endpoint's pool was closed");
    const gone = await request(gw.url('/removed/a'), { dispatcher: agent });
    t.equal(gone.statusCode, 404);
    await gone.body.dump();
  },
);

t.test('a second gatewayd on a port already in use fails loudly', async (t) => {
  const first = await startGatewayd(t, versioned('first'));
  const config = versioned('second').replace('http_port: 0', `http_port: ${first.port}`);
  await t.rejects(startGatewayd(t, config), /exited with 1 before listening: .*cannot listen/s);
  t.equal(await body(first.url('/version')), 'first', 'the first one still serves');
});
