import t from 'tap';
import { Agent, request } from 'undici';
import { freePort } from '../helpers/free-port.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

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
