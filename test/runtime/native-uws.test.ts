import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { request } from 'undici';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';

const CONFIG = `
server:
  http_port: 0
  bind_address: 127.0.0.1
routes:
  - path: /ping
    direct_response: { status: 200, body: pong }
`;

/** The glibc this process runs on, as [major, minor], or null off glibc. */
function glibc(): [number, number] | null {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } })
    .header;
  const parts = header.glibcVersionRuntime?.split('.').map(Number);
  return parts && parts.length >= 2 ? [parts[0] as number, parts[1] as number] : null;
}

t.test('the newest build that loads serves: v20.57 from glibc 2.38, else v20.30', async (t) => {
  const gw = await startGatewayd(t, CONFIG);
  const listening = await gw.waitForLog((l) => l.msg === 'gatewayd listening');
  const libc = glibc();
  const v2057 = libc !== null && (libc[0] > 2 || (libc[0] === 2 && libc[1] >= 38));
  t.equal(listening.uws, v2057 ? 'uWS v20.57' : 'uWS v20.30', `glibc ${libc?.join('.')}`);
  const res = await request(gw.url('/ping'));
  t.equal(res.statusCode, 200);
  t.equal(await res.body.text(), 'pong');
});

t.test(
  'no native binary loads: exit 1 before reading the config, with what to run on',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gatewayd-native-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, CONFIG);
    // --no-addons makes every native binary fail to load, as a missing ABI or glibc would; uWS's
    // own entry points would then fall back to JavaScript.
    const res = await runCli(['--config', file], process.env, ['--no-addons']);
    t.equal(res.code, 1);
    t.equal(res.stdout, '', 'no log line: no config loaded, nothing listened');
    t.match(res.stderr, 'no native uWebSockets.js binary loads');
    t.match(res.stderr, `Node.js ${process.version} (ABI ${process.versions.modules})`);
    t.match(res.stderr, `glibc ${glibc()?.join('.') ?? 'none'}`);
    t.match(res.stderr, /uWS v20\.57 \(@btc-vision\/uwebsockets\.js@20\.57\.0\): .*addons/);
    t.match(
      res.stderr,
      /uWS v20\.30 \(@trufflesuite\/uws-js-unofficial@20\.30\.0-unofficial\.0\): /,
    );
    t.match(res.stderr, 'Node.js 20, 22, 24 with glibc >= 2.38: uWS v20.57');
    t.match(res.stderr, 'Node.js 20 with glibc >= 2.27: uWS v20.30');
    t.notMatch(res.stderr, 'Falling back', 'the JavaScript fallback was never loaded');
  },
);
