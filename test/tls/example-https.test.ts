import { readFileSync } from 'node:fs';
import t from 'tap';
import { Agent, request } from 'undici';
import { TestCa } from '../helpers/certificates.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

// Seed 001's config with certificate files given, as examples/microservices/README.md says.
const ca = TestCa.create(t);
const cert = ca.issue({ names: ['localhost'] });
const example = readFileSync(
  new URL('../../examples/microservices/gateway.yaml', import.meta.url),
  'utf8',
);
const given = example.replace(
  '  https_port: 8443\n',
  `  https_port: 0\n  tls:\n    cert_file: ${cert.certFile}\n    key_file: ${cert.keyFile}\n`,
);

t.test('seed 001 serves its https_port once certificate files are given', async (t) => {
  t.not(given, example, 'the README snippet applies to the file');
  const gw = await startGatewayd(t, given, {
    env: {
      PORT: '0',
      ADMIN_PORT: '0',
      METRICS_PORT: '0',
      BIND_ADDRESS: '127.0.0.1',
      JWT_SECRET: 'a-test-secret-of-thirty-two-bytes!!',
      WEBHOOK_AUTH_TOKEN: 'webhook-token-for-tests',
      ADMIN_TOKEN: 'admin-token-for-tests',
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_PUBSUB_URL: 'redis://127.0.0.1:1',
    },
  });
  const line = await gw.waitForLog((l) => l.msg === 'gatewayd listening (HTTPS)');
  const agent = new Agent({ connect: { ca: ca.pem, servername: 'localhost' } });
  t.teardown(() => agent.close());
  const res = await request(`https://127.0.0.1:${Number(line.port)}/api/v1/users/1`, {
    dispatcher: agent,
  });
  t.equal(res.statusCode, 401, 'the route answers over TLS (no token)');
  t.match(await res.body.json(), { error: 'UNAUTHORIZED' });
});
