import t from 'tap';
import { Agent, request } from 'undici';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { freePort } from '../helpers/free-port.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/**
 * GET `path` on fresh connections (the kernel spreads them across the workers) until every pid
 * in `pids` has answered; the X-Cache of each worker's first answer, by pid.
 */
async function firstAnswerPerWorker(
  gw: GatewaydProcess,
  path: string,
  pids: readonly number[],
): Promise<Map<number, string>> {
  const first = new Map<number, string>();
  for (let i = 0; i < 200 && first.size < pids.length; i++) {
    const agent = new Agent({ connections: 1 });
    const from = gw.logs.length;
    const res = await request(gw.url(path), { dispatcher: agent });
    await res.body.text();
    const line = await gw.waitForLog((l) => l.msg === 'request', 2000, from);
    const pid = line.pid as number;
    if (!first.has(pid)) first.set(pid, String(res.headers['x-cache']));
    await agent.close();
  }
  return first;
}

t.test('server.workers: 2 runs two processes sharing one port, both reloading', async (t) => {
  // Workers share one fixed port (port 0 would give each its own): take a free one from the kernel.
  const port = await freePort();
  const config = (version: string) => `
server:
  http_port: ${port}
  bind_address: 127.0.0.1
  workers: 2
routes:
  - path: /who
    direct_response: { status: 200, body: "${version}" }
observability:
  logging: { level: info, access_log: true }
`;
  const gw = await startGatewayd(t, config('one'));
  gw.port = port;
  const started = await gw.waitForLog((l) => l.msg === 'workers started');
  const pids = started?.pids as number[];
  t.equal(pids.length, 2);

  // Fresh connections are spread across the processes by the kernel.
  const served = new Set<number>();
  for (let i = 0; i < 200 && served.size < 2; i++) {
    const agent = new Agent({ connections: 1 });
    const from = gw.logs.length;
    const res = await request(gw.url('/who'), { dispatcher: agent });
    t.equal(await res.body.text(), 'one');
    const line = await gw.waitForLog((l) => l.msg === 'request', 2000, from);
    served.add(line.pid as number);
    await agent.close();
  }
  t.same([...served].sort(), [...pids].sort(), 'both workers answered on the same port');

  const from = gw.logs.length;
  gw.writeConfig(config('two'));
  for (const pid of pids) {
    await gw.waitForLog((l) => l.msg === 'config loaded' && l.pid === pid, 3000, from);
  }
  const res = await request(gw.url('/who'));
  t.equal(await res.body.text(), 'two');

  gw.proc.kill('SIGTERM');
  t.equal((await gw.exited).code, 0, 'supervisor and workers exit cleanly');
});

t.test('a start refuses a port another gatewayd serves, unless told to share it', async (t) => {
  const port = await freePort();
  const config = (workers: number) => `
server: { http_port: ${port}, bind_address: 127.0.0.1, workers: ${workers} }
routes:
  - { path: /who, direct_response: { status: 200, body: "first" } }
observability:
  logging: { level: info, access_log: false }
`;
  const first = await startGatewayd(t, config(2));
  first.port = port;

  for (const workers of [2, 1]) {
    const second = startGatewayd(t, config(workers));
    await t.rejects(second, /exited with 1 before listening/, `workers: ${workers} is refused`);
  }
  const res = await request(first.url('/who'));
  t.equal(await res.body.text(), 'first', 'the first gateway keeps serving');

  const sharing = await startGatewayd(t, config(2), {
    args: ['--log-level', 'info', '--share-port'],
  });
  const started = await sharing.waitForLog((l) => l.msg === 'workers started');
  t.equal((started.pids as number[]).length, 2, '--share-port starts both workers on the port');
});

t.test("a cache purge through the admin API reaches every worker's memory", async (t) => {
  const upstream = await UpstreamServer.start(t);
  const port = await freePort();
  const gw = await startGatewayd(
    t,
    `
server: { http_port: ${port}, bind_address: 127.0.0.1, workers: 2, admin_port: 0 }
admin: { token: "\${ADMIN_TOKEN}" }
routes:
  - { name: api, path: /api/*, upstream: svc, cache: { ttl: 1h } }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability:
  logging: { level: info, access_log: true }
`,
    { env: { ADMIN_TOKEN } },
  );
  gw.port = port;
  const pids = (await gw.waitForLog((l) => l.msg === 'workers started')).pids as number[];

  // Each worker keeps its own memory entry: both miss once, then hit.
  t.same([...(await firstAnswerPerWorker(gw, '/api/item', pids)).values()], ['MISS', 'MISS']);
  t.same([...(await firstAnswerPerWorker(gw, '/api/item', pids)).values()], ['HIT', 'HIT']);

  const purged = await admin(gw, 'DELETE', '/admin/cache?prefix=api%7C');
  t.equal(purged.status, 200);
  t.same(purged.json, { purged: 1 }, 'the answering worker counts its own entry');
  // The other worker drops its entry on the supervisor's message: its next answer is a miss too.
  const relayed = await gw.waitForLog((l) => l.msg === 'cache purged by another worker', 3000);
  t.equal(relayed.purged, 1);
  t.ok(pids.includes(relayed.pid as number), 'logged by a worker');
  const after = await firstAnswerPerWorker(gw, '/api/item', pids);
  t.same([...after.values()], ['MISS', 'MISS'], 'no worker serves the purged entry');
});
