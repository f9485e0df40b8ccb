import { renameSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { Agent, request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const CONCURRENCY = 100;
const VERSIONS = 50;

function config(version: number, endpoint: string): string {
  return `
server:
  http_port: 0
  bind_address: 127.0.0.1
routes:
  - path: /version
    direct_response: { status: 200, body: "v${version}" }
  - path: /load/*
    upstream: svc
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${endpoint}"] }
observability:
  logging: { level: info, access_log: false }
`;
}

const INVALID = [
  'routes:\n  - path: /version\n    upstream: nowhere\n',
  'routes: [ {path: /x\n',
  'server:\n  http_port: "eighty"\nroutes: []\n',
];

t.test('50 reloads, valid and invalid, under 100 concurrent requests: none fails', async (t) => {
  const a = await UpstreamServer.start(t);
  const b = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, config(0, a.url));
  const agent = new Agent({ connections: CONCURRENCY });
  t.teardown(() => agent.close());

  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const client = async (id: number) => {
    while (running) {
      try {
        const res = await request(gw.url(`/load/${id}`), { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200) ok++;
        else failures.push(`status ${res.statusCode}`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const clients = Array.from({ length: CONCURRENCY }, (_, i) => client(i));

  const lateness: number[] = [];
  let version = 0;
  for (let i = 1; i <= VERSIONS; i++) {
    const from = gw.logs.length;
    if (i % 2 === 1) {
      version = i;
      const text = config(version, version % 4 === 1 ? b.url : a.url);
      const written = Date.now();
      // Alternate between writing in place and the rename an editor does.
      if (i % 4 === 1) writeFileSync(gw.file, text);
      else {
        writeFileSync(`${gw.file}.tmp`, text);
        renameSync(`${gw.file}.tmp`, gw.file);
      }
      await gw.waitForLog((l) => l.msg === 'config loaded', 2000, from);
      const served = await (await request(gw.url('/version'), { dispatcher: agent })).body.text();
      lateness.push(Date.now() - written);
      t.equal(served, `v${version}`, `version ${version} served`);
    } else {
      writeFileSync(gw.file, INVALID[i % INVALID.length] as string);
      await gw.waitForLog(
        (l) => l.msg === 'config reload failed; still serving the previous config',
        2000,
        from,
      );
      const served = await (await request(gw.url('/version'), { dispatcher: agent })).body.text();
      t.equal(served, `v${version}`, `invalid write ${i} left v${version} serving`);
    }
  }
  running = false;
  await Promise.all(clients);

  t.same(failures, [], 'no request failed');
  t.ok(ok > CONCURRENCY, `${ok} requests succeeded during the reloads`);
  t.ok(
    a.seen.length > 0 && b.seen.length > 0,
    'traffic moved between upstreams as the config changed',
  );
  const worst = Math.max(...lateness);
  t.ok(worst < 1000, `every valid version served within 1 s of its write (worst ${worst} ms)`);
  const failedLog = gw.logs.find(
    (l) => l.msg === 'config reload failed; still serving the previous config',
  );
  t.match(
    JSON.stringify(failedLog?.problems),
    /gateway\.yaml:\d+:\d+: GW_ERR_CONFIG_/,
    'errors carry file:line:col',
  );
});
