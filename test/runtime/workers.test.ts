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
