import t from 'tap';
import { request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

t.test('SIGTERM stops accepting, lets requests under way finish, exits 0', async (t) => {
  let release: () => void = () => {};
  const released = new Promise<void>((r) => (release = r));
  const upstream = await UpstreamServer.start(t, {
    '/held': (_req, res) => {
      void released.then(() => res.end('finished'));
    },
  });
  const gw = await startGatewayd(
    t,
    `
server:
  http_port: 0
  bind_address: 127.0.0.1
  timeouts: { shutdown_timeout: 10s }
routes:
  - path: /*
    upstream: svc
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
`,
  );
  const inFlight = request(gw.url('/held'));
  await upstream.waitFor((u) => u.seen.some((r) => r.url === '/held'));
  gw.proc.kill('SIGTERM');
  await gw.waitForLog((l) => l.msg === 'shutting down');

  await t.rejects(request(gw.url('/other')), 'new connections are refused while draining');
  t.equal(gw.proc.exitCode, null, 'still running while a request is under way');
  release();
  const res = await inFlight;
  t.equal(res.statusCode, 200);
  t.equal(await res.body.text(), 'finished', 'the request under way completed');
  const exit = await gw.exited;
  t.equal(exit.code, 0);
});
