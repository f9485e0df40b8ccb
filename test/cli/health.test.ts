import t from 'tap';
import { freePort } from '../helpers/free-port.js';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';

t.test(
  'gatewayd health asks the port and address the config gives, read with the same env',
  async (t) => {
    const port = await freePort();
    const env = { ...process.env, HEALTH_TEST_PORT: String(port) };
    const gw = await startGatewayd(
      t,
      `
server:
  http_port: \${HEALTH_TEST_PORT}
  bind_address: 0.0.0.0
routes:
  - path: /x
    direct_response: { status: 200, body: x }
`,
      { env },
    );
    const up = await runCli(['health', '--config', gw.file], env);
    t.equal(up.code, 0, up.stderr);
    t.equal(
      up.stdout.trim(),
      `http://127.0.0.1:${port}/health: 200`,
      'a wildcard bind is asked on loopback',
    );

    const other = await runCli(['health', '--config', gw.file], {
      ...env,
      HEALTH_TEST_PORT: String(await freePort()),
    });
    t.equal(other.code, 1, 'nothing answers on another port');
    t.match(other.stderr, 'ECONNREFUSED');

    gw.proc.kill('SIGTERM');
    await gw.exited;
    const down = await runCli(['health', '--config', gw.file], env);
    t.equal(down.code, 1, 'a stopped gateway is unhealthy');
  },
);
