import { createServer as createTcpServer, type Socket } from 'node:net';
import t from 'tap';
import { until } from '../helpers/until.js';
import { Agent, request } from 'undici';
import { EndpointProcess } from '../helpers/endpoint-process.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { rawRequest, statusOf, bodyOf } from '../helpers/raw-http.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const LOGGING = `observability:
  logging: { level: info, access_log: false }`;

t.test(
  'one endpoint of three killed under load: no request fails, the breaker stays closed',
  async (t) => {
    const endpoints = await Promise.all([0, 1, 2].map(() => EndpointProcess.start(t)));
    // The issue's own case: default retry kinds, budget, outlier detection; a breaker that five
    // failed first tries in a row would open.
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /api/*, upstream: svc, retries: { attempts: 2 } }
upstreams:
  svc:
    discovery: { type: Static, endpoints: [${endpoints.map((e) => `"${e.url}"`).join(', ')}] }
    load_balancer: { type: RoundRobin }
    circuit_breaker: { failure_threshold: 5, timeout: 2s }
${LOGGING}
`,
    );
    const agent = new Agent({ connections: 50 });
    t.teardown(() => agent.close());
    const failures: string[] = [];
    let total = 0;
    let running = true;
    const victim = endpoints[1] as EndpointProcess;
    let servedByVictimAfterKill = 0;
    let killed = false;
    const client = async () => {
      while (running) {
        // A few milliseconds at the endpoint, so that requests are in flight when it dies.
        const res = await request(gw.url('/api/x?delay=5'), { dispatcher: agent });
        const text = await res.body.text();
        total++;
        if (res.statusCode !== 200) failures.push(`${res.statusCode} ${text}`);
        else if (killed && (JSON.parse(text) as { port: number }).port === victim.port) {
          servedByVictimAfterKill++;
        }
      }
    };
    const clients = Array.from({ length: 50 }, client);
    const firstWave = total;
    await until(() => total >= firstWave + 500, 10_000);
    const from = gw.logs.length;
    await victim.kill();
    killed = true;
    await gw.waitForLog((l) => l.msg === 'endpoint ejected after failures', 5000, from);
    const afterEjection = total;
    await until(() => total >= afterEjection + 2000, 20_000);
    running = false;
    await Promise.all(clients);

    t.same(failures, [], `no failed request out of ${total}`);
    t.equal(servedByVictimAfterKill, 0, 'nothing was answered by the dead endpoint');
    t.notOk(
      gw.logs.slice(from).some((l) => /circuit breaker open/.test(l.msg)),
      'the upstream breaker never opened',
    );
    t.comment(`kill one of three: ${total} requests, ${failures.length} failed`);
  },
);

t.test(
  'a request undici refuses to send is the client’s 400, counted against nothing',
  async (t) => {
    const upstream = await UpstreamServer.start(t);
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /public/*, upstream: svc }
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
    circuit_breaker: { failure_threshold: 2, timeout: 30s }
    outlier_detection: { consecutive_failures: 1 }
${LOGGING}
`,
    );
    for (let i = 0; i < 10; i++) {
      // A DEL byte in a header value passes the listener's parser; undici will not send it.
      const raw = await rawRequest(
        gw.port,
        `GET /public/x HTTP/1.1\r\nHost: x\r\nX-Note: a\x7fb\r\nConnection: close\r\n\r\n`,
      );
      t.equal(statusOf(raw), 400, `malformed request ${i + 1}`);
      t.equal(JSON.parse(bodyOf(raw)).error, 'BAD_REQUEST');
    }
    t.same(upstream.seen, [], 'no upstream was asked');
    const res = await request(gw.url('/public/x'));
    await res.body.text();
    t.equal(res.statusCode, 200, 'the breaker is closed and the endpoint in rotation');
  },
);

t.test('a route’s timeout bounds the whole request, its tries and waits included', async (t) => {
  const silent = await silentServer(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /tries
    upstream: silent
    timeout: 900ms
    retries: { attempts: 5, on: [timeout], per_try_timeout: 400ms, backoff: { base: 1ms, max: 1ms } }
  - { path: /one, upstream: silent, timeout: 300ms, retries: { attempts: 5, on: [timeout] } }
upstreams:
  silent:
    discovery: { type: Static, endpoints: ["${silent.url}"] }
    retry_budget: { percent: 100, min_retries: 100 }
observability:
  logging: { level: info, access_log: true }
`,
  );
  const timed = async (path: string) => {
    const started = performance.now();
    const res = await request(gw.url(path));
    const body = (await res.body.json()) as { error: string; message: string };
    return { status: res.statusCode, body, ms: performance.now() - started };
  };
  const tries = await timed('/tries');
  t.equal(tries.status, 504);
  t.equal(tries.body.error, 'UPSTREAM_TIMEOUT');
  t.match(tries.body.message, /within 900 ms/, 'the message names the request’s deadline');
  const logged = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/tries');
  t.ok(tries.ms >= 850, `not before the deadline (${Math.round(tries.ms)} ms)`);
  t.ok(
    (logged.duration_ms as number) < 1100,
    `answered at the deadline (${logged.duration_ms as number} ms in the gateway)`,
  );
  t.equal(logged.retries, 2, 'three tries fit: 400 ms, 400 ms and what was left');

  const one = await timed('/one');
  t.equal(one.status, 504);
  const oneLogged = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/one');
  t.equal(oneLogged.retries, 0, 'a try that takes the whole timeout leaves none');
  t.ok(
    (oneLogged.duration_ms as number) < 500,
    `a 300 ms timeout is kept to the timer's precision (${oneLogged.duration_ms as number} ms)`,
  );
});

/** A TCP listener that accepts and never answers: every try waits out its timeout. */
async function silentServer(t: { teardown(fn: () => unknown): void }) {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}` };
}

/** Resolves once `test` holds, checking on a short interval; rejects after `timeoutMs`. */
