import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import t from 'tap';
import { request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { TestCa } from '../helpers/certificates.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

const ca = TestCa.create(t);
const otherCa = TestCa.create(t);
const server = ca.issue({ names: ['upstream.test'] });
const client = ca.issue({ names: ['gateway-client'], client: true });
const stranger = otherCa.issue({ names: ['stranger'], client: true });

/** An upstream that accepts only clients with a certificate from `ca`, and says whose. */
let firstHealthCheck: (client: string) => void = () => undefined;
const healthChecked = new Promise<string>((resolve) => (firstHealthCheck = resolve));
const upstream = createServer(
  {
    key: readFileSync(server.keyFile),
    cert: server.pem,
    ca: ca.pem,
    requestCert: true,
    rejectUnauthorized: true,
  },
  (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    if (req.url === '/health') firstHealthCheck(peer.subject.CN as string);
    res.end(`client ${peer.subject.CN}`);
  },
);
// WebSocket upgrades on the same mTLS server: a wss:// upstream, greeting with the client's name.
new WebSocketServer({ server: upstream }).on('connection', (ws, req) => {
  ws.send(`client ${(req.socket as TLSSocket).getPeerCertificate().subject.CN}`);
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
t.teardown(() => upstream.close());
const endpoint = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const gw = await startGatewayd(
  t,
  `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /mtls, upstream: mtls }
  - { path: /ws-mtls, upstream: mtls, websocket: proxy }
  - { path: /no-client-cert, upstream: anonymous }
  - { path: /wrong-client-cert, upstream: stranger }
upstreams:
  mtls:
    discovery: { type: Static, endpoints: ["${endpoint}"] }
    tls: { ca_file: ${ca.certFile}, cert_file: ${client.certFile}, key_file: ${client.keyFile}, server_name: upstream.test }
    health_check: { path: /health, interval: 1s, timeout: 1s }
  anonymous:
    discovery: { type: Static, endpoints: ["${endpoint}"] }
    tls: { ca_file: ${ca.certFile}, server_name: upstream.test }
  stranger:
    discovery: { type: Static, endpoints: ["${endpoint}"] }
    tls: { ca_file: ${ca.certFile}, cert_file: ${stranger.certFile}, key_file: ${stranger.keyFile}, server_name: upstream.test }
observability:
  logging: { level: info, access_log: false }
`,
);

t.test('the configured client certificate is accepted by the mTLS upstream', async (t) => {
  const res = await request(gw.url('/mtls'));
  t.equal(res.statusCode, 200);
  t.equal(await res.body.text(), 'client gateway-client');
});

t.test("without it, or with another CA's, the upstream refuses: 502", async (t) => {
  for (const path of ['/no-client-cert', '/wrong-client-cert']) {
    const res = await request(gw.url(path));
    t.equal(res.statusCode, 502, path);
    t.match(await res.body.json(), { error: 'BAD_GATEWAY' });
  }
});

t.test('health checks connect with the same TLS settings', async (t) => {
  // The first check comes within one interval (1s); the bound allows for a busy machine.
  const timeout = new Promise<string>((_, reject) => {
    setTimeout(() => reject(new Error('no health check within 5s')), 5000).unref();
  });
  t.equal(await Promise.race([healthChecked, timeout]), 'gateway-client');
});

t.test(
  'a WebSocket proxy route reaches the wss:// upstream with the client certificate',
  async (t) => {
    const ws = new WebSocket(gw.url('/ws-mtls').replace('http:', 'ws:'));
    t.teardown(() => ws.terminate());
    const [greeting] = (await once(ws, 'message')) as [Buffer];
    t.equal(greeting.toString(), 'client gateway-client');
  },
);
