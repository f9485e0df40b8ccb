import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import t from 'tap';
import { request } from 'undici';
import { admin, ADMIN_TOKEN, adminUrl } from '../helpers/admin-client.js';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Seed 001's keys: the port under server, the token from the environment. */
const CONFIG = `
server: { http_port: 0, bind_address: 127.0.0.1, admin_port: 0 }
admin: { token: "\${ADMIN_TOKEN}" }
routes:
  - { path: /hello, direct_response: { status: 200, body: hi } }
observability:
  logging: { level: info, access_log: false }
`;

const ENDPOINTS: Array<['GET' | 'POST' | 'DELETE', string]> = [
  ['GET', '/admin/routes'],
  ['POST', '/admin/routes'],
  ['DELETE', '/admin/routes/x'],
  ['GET', '/admin/upstreams'],
  ['GET', '/admin/config'],
  ['POST', '/admin/reload'],
  ['POST', '/admin/check'],
  ['GET', '/admin/usage'],
  ['GET', '/admin/api-keys'],
  ['GET', '/health/detailed'],
  ['GET', '/health/redis'],
  ['GET', '/admin/no-such-endpoint'],
];

t.test(
  'every admin endpoint refuses a request without the token or with a wrong one',
  async (t) => {
    const gw = await startGatewayd(t, CONFIG, { env: { ADMIN_TOKEN } });
    for (const [method, path] of ENDPOINTS) {
      for (const token of [null, 'wrong-token', `${ADMIN_TOKEN}x`, '']) {
        const res = await admin(gw, method, path, undefined, token);
        t.equal(
          res.status,
          401,
          `${method} ${path} with ${token === null ? 'no' : 'a wrong'} token`,
        );
        t.match(res.json, {
          error: 'UNAUTHORIZED',
          status_code: 401,
          message: String,
          request_id: String,
          timestamp: String,
        });
        t.equal(res.headers['www-authenticate'], 'Bearer realm="gatewayd-admin"');
      }
    }
    const basic = await request(await adminUrl(gw, '/admin/routes'), {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
    });
    t.equal(basic.statusCode, 401, 'the token in another scheme is not accepted');
    await basic.body.dump();
    t.equal((await admin(gw, 'GET', '/admin/routes')).status, 200, 'the right token is accepted');
    t.notOk(JSON.stringify(gw.logs).includes(ADMIN_TOKEN), 'the token is never logged');
  },
);

t.test('the admin API listens on loopback by default', async (t) => {
  const gw = await startGatewayd(t, CONFIG, { env: { ADMIN_TOKEN } });
  const line = await gw.waitForLog((l) => l.msg === 'admin API listening');
  t.equal(line.address, '127.0.0.1');
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
  if (external === undefined) {
    t.comment('no non-loopback IPv4 interface here: the refusal from outside is not tried');
    return;
  }
  const refused = await new Promise<string>((resolve) => {
    const socket = connect({ host: external.address, port: Number(line.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  t.equal(refused, 'ECONNREFUSED', `not reachable on ${external.address}`);
});

t.test('the admin API refuses to start with an empty token, and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-admin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, CONFIG.replace('${ADMIN_TOKEN}', '${ADMIN_TOKEN:-}'));
  const run = await runCli(['--config', file], { ...process.env, ADMIN_TOKEN: '' });
  t.equal(run.code, 1);
  t.match(run.stderr, `${file}:3:17: GW_ERR_CONFIG_ADMIN admin.token is empty`);

  const unset = { ...process.env };
  delete unset.ADMIN_TOKEN;
  writeFileSync(file, CONFIG);
  const missing = await runCli(['--config', file], unset);
  t.equal(missing.code, 1);
  t.match(missing.stderr, 'GW_ERR_CONFIG_ENV_UNSET admin.token: environment variable ADMIN_TOKEN');
});
