import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import t from 'tap';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { TestCa } from '../helpers/certificates.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { WsUpstream } from '../helpers/ws-upstream.js';

const ca = TestCa.create(t);
const main = ca.issue({ names: ['localhost', 'gw.test'], stem: 'main' });
const api = ca.issue({ names: ['api.example.com'] });
const wild = ca.issue({ names: ['*.example.com'] });
const upstream = await WsUpstream.start(t);

function config(https: string): string {
  return `
server:
  http_port: 0
  metrics_port: 0
  bind_address: 127.0.0.1
${https}
admin: { token: ${ADMIN_TOKEN}, port: 0 }
routes:
  - { path: /hello, direct_response: { status: 200, body: "hello" } }
  - { path: /ws, upstream: chat, websocket: proxy }
upstreams:
  chat: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
middleware:
  security_headers: {}
observability:
  logging: { level: info, access_log: false }
`;
}

const gw = await startGatewayd(
  t,
  config(`  https_port: 0
  redirect_to_https: true
  tls:
    cert_file: ${main.certFile}
    key_file: ${main.keyFile}
    certificates:
      - { server_names: [api.example.com], cert_file: ${api.certFile}, key_file: ${api.keyFile} }
      - { server_names: ["*.example.com"], cert_file: ${wild.certFile}, key_file: ${wild.keyFile} }`),
);
const httpsLine = await gw.waitForLog((l) => l.msg === 'gatewayd listening (HTTPS)');
const httpsPort = Number(httpsLine.port);
const trusted = new Agent({ connect: { ca: ca.pem, servername: 'localhost' } });
t.teardown(() => trusted.close());

/** The serial of the certificate a new TLS connection is served (and the handshake's outcome). */
function handshake(options: ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: httpsPort, ca: ca.pem, ...options });
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('secureConnect', () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

t.test('HTTPS with the private CA: 200, HSTS, X-Forwarded-Proto', async (t) => {
  const res = await request(`https://127.0.0.1:${httpsPort}/hello`, { dispatcher: trusted });
  t.equal(res.statusCode, 200);
  t.equal(await res.body.text(), 'hello');
  t.match(res.headers['strict-transport-security'], /max-age=/);
});

t.test('plain HTTP: 308 to the HTTPS port, same path and query, no HSTS', async (t) => {
  const res = await request(gw.url('/hello/there?a=1&b=2'), {
    method: 'POST',
    headers: { host: 'gw.test:1234' },
    body: 'x',
  });
  t.equal(res.statusCode, 308);
  t.equal(res.headers.location, `https://gw.test:${httpsPort}/hello/there?a=1&b=2`);
  t.equal(res.headers['strict-transport-security'], undefined);
  await res.body.dump();
});

t.test('SNI picks the certificate per name: exact, wildcard, default', async (t) => {
  t.equal(await handshake({ servername: 'api.example.com' }), api.serial, 'exact name');
  t.equal(await handshake({ servername: 'shop.example.com' }), wild.serial, 'wildcard');
  t.equal(await handshake({ servername: 'localhost' }), main.serial, 'an unlisted name');
  // Node checks the name it connected to; without SNI that is the address, not in the certificate.
  const anyName = { checkServerIdentity: () => undefined };
  t.equal(await handshake({ servername: '', ...anyName }), main.serial, 'no name at all');
  await t.rejects(
    handshake({ servername: 'a.b.example.com' }),
    /altnames|does not match/i,
    'a wildcard covers one label only: the default certificate does not name a.b.example.com',
  );
});

t.test('TLS 1.0 and 1.1 clients are refused by the server', async (t) => {
  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    const err = await handshake({
      servername: 'localhost',
      minVersion: version,
      maxVersion: version,
      ciphers: 'DEFAULT@SECLEVEL=0',
    }).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
    t.equal(err?.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', `${version}: the server's alert`);
  }
  t.equal(
    await handshake({ servername: 'localhost', maxVersion: 'TLSv1.2' }),
    main.serial,
    'TLS 1.2 is served',
  );
});

t.test('wss through TLS to a plain ws upstream', async (t) => {
  const ws = new WebSocket(`wss://localhost:${httpsPort}/ws`, { ca: ca.pem });
  t.teardown(() => ws.terminate());
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const echoed = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
  ws.send('over tls');
  t.equal(await echoed, 'over tls');
  const seen = upstream.connections.at(-1);
  t.equal(seen?.headers['x-forwarded-proto'], 'https');
});

t.test('the admin API and the metrics show each certificate and its expiry', async (t) => {
  const answer = await admin(gw, 'GET', '/admin/tls/certificates');
  t.equal(answer.status, 200);
  const body = answer.json as {
    https_port: number;
    certificates: Array<{ cert_file: string; serial: string; not_after: string; default: boolean }>;
  };
  t.equal(body.https_port, httpsPort);
  t.same(
    body.certificates.map((c) => [c.cert_file, c.serial, c.default]),
    [
      [main.certFile, main.serial, true],
      [api.certFile, api.serial, false],
      [wild.certFile, wild.serial, false],
    ],
  );
  const metricsLine = await gw.waitForLog((l) => l.msg === 'metrics listening');
  const text = await (
    await request(`http://127.0.0.1:${Number(metricsLine.port)}/metrics`)
  ).body.text();
  const expiry = parsePrometheus(text).filter(
    (s) => s.name === 'gatewayd_tls_certificate_expiry_timestamp_seconds',
  );
  t.same(
    expiry.map((s) => [s.labels.cert_file, s.labels.server_names]),
    [
      [main.certFile, ''],
      [api.certFile, 'api.example.com'],
      [wild.certFile, '*.example.com'],
    ],
  );
  t.equal(expiry[0]?.value, Date.parse(body.certificates[0]?.not_after ?? '') / 1000);
});

t.test('a replaced certificate is served to new connections; none fails meanwhile', async (t) => {
  const renewed = ca.issue({ names: ['localhost', 'gw.test'], stem: 'renewed' });
  // Requests on fresh connections all along: each must succeed, on the old or the new certificate.
  let stop = false;
  let failures = 0;
  const errors: string[] = [];
  let sent = 0;
  const load = (async () => {
    while (!stop) {
      const agent = new Agent({ connect: { ca: ca.pem, servername: 'localhost' } });
      try {
        const res = await request(`https://127.0.0.1:${httpsPort}/hello`, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode !== 200) failures++;
      } catch (err) {
        failures++;
        errors.push(String((err as Error).cause ?? err));
      } finally {
        sent++;
        await agent.close();
      }
    }
  })();
  const open = new Agent({ connect: { ca: ca.pem, servername: 'localhost' } });
  t.teardown(() => open.close());
  await (await request(`https://127.0.0.1:${httpsPort}/hello`, { dispatcher: open })).body.dump();

  t.teardown(async () => {
    stop = true;
    await load;
  });
  const from = gw.logs.length;
  // As certbot and most renewals do: write beside, then rename over the served file.
  copyFileSync(renewed.keyFile, join(ca.dir, 'main-key.pem.new'));
  copyFileSync(renewed.certFile, join(ca.dir, 'main.pem.new'));
  renameSync(join(ca.dir, 'main-key.pem.new'), main.keyFile);
  renameSync(join(ca.dir, 'main.pem.new'), main.certFile);
  const started = performance.now();
  await gw.waitForLog((l) => l.msg === 'TLS certificates loaded', 3000, from);
  t.ok(performance.now() - started < 1000, 'loaded within a second');
  t.equal(await handshake({ servername: 'localhost' }), renewed.serial, 'new connections');
  const reused = await request(`https://127.0.0.1:${httpsPort}/hello`, { dispatcher: open });
  t.equal(reused.statusCode, 200, 'an open connection continues');
  await reused.body.dump();
  stop = true;
  await load;
  t.ok(sent > 0);
  t.equal(failures, 0, `no request failed out of ${sent}: ${errors.join('; ')}`);

  // A broken file keeps the renewed certificate serving, and says why.
  const before = gw.logs.length;
  writeFileSync(main.certFile, 'not a certificate');
  const logged = await gw.waitForLog(
    (l) => l.msg === 'TLS certificates not reloaded; still serving the previous ones',
    3000,
    before,
  );
  t.match(logged.problem, /holds no PEM certificate/);
  t.equal(await handshake({ servername: 'localhost' }), renewed.serial);
});
