import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { TestDnsServer } from '../helpers/dns-server.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/**
 * DNS discovery against a DNS server the test runs: traffic follows its answers without a
 * reload, an endpoint that stays keeps its health, and a failing DNS keeps the last endpoints.
 * One gatewayd for the file; the upstreams listen on 127.0.0.2-4 (all loopback) on one port,
 * as the pods behind a headless Service do.
 */

interface EndpointView {
  url: string;
  weight: number;
  healthy: boolean;
  health_source: string;
}

async function endpoints(gw: GatewaydProcess, name: string): Promise<EndpointView[]> {
  const res = await admin(gw, 'GET', '/admin/upstreams');
  const all = (res.json as { upstreams: Array<{ name: string; endpoints: EndpointView[] }> })
    .upstreams;
  return all.find((u) => u.name === name)?.endpoints ?? [];
}

/** Sends requests until one is answered by `server` (bounded); resolves with how many it took. */
async function untilServedBy(
  gw: GatewaydProcess,
  path: string,
  server: UpstreamServer,
): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (let n = 1; Date.now() < deadline; n++) {
    const before = server.seen.length;
    const res = await request(gw.url(path));
    await res.body.dump();
    if (server.seen.length > before) return n;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${server.url} got no request within 10 s`);
}

t.test('DNS discovery', async (t) => {
  const dns = await TestDnsServer.start(t);
  const first = await UpstreamServer.start(t, {}, { host: '127.0.0.2' });
  const { port } = first;
  const failingHealth = {
    '/health': (_req: unknown, res: { statusCode: number; end(): void }) => {
      res.statusCode = 503;
      res.end();
    },
  };
  const second = await UpstreamServer.start(t, failingHealth, { host: '127.0.0.3', port });
  const third = await UpstreamServer.start(t, {}, { host: '127.0.0.4', port });
  const srvA = await UpstreamServer.start(t);
  const srvB = await UpstreamServer.start(t);
  dns.records.set('svc.test', { a: ['127.0.0.2'] });
  dns.records.set('_http._tcp.svc.test', {
    srv: [
      { target: 'a.svc.test', port: srvA.port },
      { target: 'b.svc.test', port: srvB.port },
    ],
  });
  dns.records.set('a.svc.test', { a: ['127.0.0.1'] });
  dns.records.set('b.svc.test', { a: ['127.0.0.1'] });

  const refresh = '{ min: 100ms, max: 300ms }';
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
routes:
  - { path: /a/*, upstream: by-address }
  - { path: /srv/*, upstream: by-service }
upstreams:
  by-address:
    discovery: { type: DNS, name: svc.test, port: ${port}, resolver: "${dns.address}", refresh: ${refresh} }
    health_check: { path: /health, interval: 200ms, unhealthy_threshold: 1, healthy_threshold: 1 }
  by-service:
    discovery: { type: SRV, name: _http._tcp.svc.test, resolver: "${dns.address}", refresh: ${refresh} }
observability:
  logging: { level: info, access_log: false }
`,
  );

  await t.test('an A answer change moves the traffic without a reload', async (t) => {
    await untilServedBy(gw, '/a/x', first);
    dns.records.set('svc.test', { a: ['127.0.0.3', '127.0.0.4'] });
    const changedAt = performance.now();
    await untilServedBy(gw, '/a/x', third);
    t.comment(
      `traffic reached a new endpoint ${Math.round(performance.now() - changedAt)} ms after the DNS answer changed (refresh ${refresh})`,
    );
    const log = await gw.waitForLog((l) => l.msg === 'DNS discovery changed the endpoints');
    t.ok(log, 'the change is logged');
    t.notOk(
      gw.logs.some((l) => /reload/i.test(l.msg)),
      'no reload happened',
    );
    // 127.0.0.3 fails its checks and is taken out; traffic stays on 127.0.0.4.
    await gw.waitForLog((l) => l.msg === 'endpoint failed its health checks', 5000);
    const before = first.seen.length + second.seen.filter((r) => r.url !== '/health').length;
    for (let i = 0; i < 10; i++) {
      const res = await request(gw.url('/a/x'));
      await res.body.dump();
      t.equal(res.statusCode, 200);
    }
    t.equal(
      first.seen.length + second.seen.filter((r) => r.url !== '/health').length,
      before,
      'no request reaches the endpoint that left or the one that fails its checks',
    );
  });

  await t.test('an endpoint that stays keeps its health state', async (t) => {
    const view = await endpoints(gw, 'by-address');
    t.match(
      view.find((e) => e.url === `http://127.0.0.3:${port}`),
      { healthy: false },
    );
    dns.records.set('svc.test', { a: ['127.0.0.2', '127.0.0.3', '127.0.0.4'] });
    const deadline = Date.now() + 5000;
    let next = view;
    while (next.length !== 3 && Date.now() < deadline) {
      await dns.nextQueries(1);
      next = await endpoints(gw, 'by-address');
    }
    t.equal(next.length, 3, 'the new endpoint joined');
    t.match(
      next.find((e) => e.url === `http://127.0.0.3:${port}`),
      { healthy: false, health_source: 'local' },
      'the failing endpoint is still out: its health was kept, not started afresh',
    );
  });

  await t.test('a failing DNS keeps the last known endpoints', async (t) => {
    dns.failing = true;
    t.teardown(() => {
      dns.failing = false;
    });
    await dns.nextQueries(4);
    t.equal((await endpoints(gw, 'by-address')).length, 3);
    const res = await request(gw.url('/a/x'));
    await res.body.dump();
    t.equal(res.statusCode, 200, 'requests still go to the last known endpoints');
    await gw.waitForLog((l) => l.msg === 'DNS discovery failed; keeping the last known endpoints');
  });

  await t.test('SRV records give the targets and their ports', async (t) => {
    await untilServedBy(gw, '/srv/x', srvA);
    await untilServedBy(gw, '/srv/x', srvB);
    t.same(
      (await endpoints(gw, 'by-service')).map((e) => e.url).sort(),
      [`http://127.0.0.1:${srvA.port}`, `http://127.0.0.1:${srvB.port}`].sort(),
    );
  });
  await t.test('SRV: the lowest priority only, one endpoint per target and port', async (t) => {
    dns.records.set('_http._tcp.svc.test', {
      srv: [
        { target: 'a.svc.test', port: srvA.port, weight: 2 },
        { target: 'a.svc.test', port: srvA.port, weight: 3 },
        { target: 'b.svc.test', port: srvB.port, priority: 1 },
      ],
    });
    const isChange = (l: { msg?: unknown; name?: unknown }): boolean =>
      l.msg === 'DNS discovery changed the endpoints' && l.name === '_http._tcp.svc.test';
    const from = gw.logs.length;
    await gw.waitForLog(isChange, 5000, from);
    t.same(
      (await endpoints(gw, 'by-service')).map((e) => ({ url: e.url, weight: e.weight })),
      [{ url: `http://127.0.0.1:${srvA.port}`, weight: 5 }],
      'the backup target is left out; the repeated record adds its weight',
    );
    // Several refreshes later the same answer has changed nothing.
    await dns.nextQueries(12, 5000);
    t.equal(gw.logs.slice(from).filter(isChange).length, 1, 'the change was applied once');
  });
});
