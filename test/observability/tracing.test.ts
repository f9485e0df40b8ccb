import t from 'tap';
import { request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
/** Spans leave in batches; a short delay keeps the test quick (the SDK reads this variable). */
const FAST_BATCHES = { OTEL_BSP_SCHEDULE_DELAY: '50' };

function tracing(receiver: OtlpReceiver, samplingRate: number): string {
  return `observability:
  logging: { level: info, access_log: true }
  tracing:
    enabled: true
    backend: { type: OTLP, endpoint: "${receiver.url}" }
    sampling_rate: ${samplingRate}
    service_name: edge-gateway`;
}

t.test('a retried request: a server span with two client spans, each sent upstream', async (t) => {
  const receiver = await OtlpReceiver.start(t);
  let calls = 0;
  const upstream = await UpstreamServer.start(t, {
    '/api/items/42': (_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503).end('busy');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('item 42');
    },
  });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /api/items/{id}
    upstream: items
upstreams:
  items:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
    retries: { attempts: 2, on: [503], backoff: { base: 1ms, max: 1ms } }
    outlier_detection: { enabled: false }
${tracing(receiver, 0.000001)}
`,
    { env: FAST_BATCHES },
  );
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpan = '00f067aa0ba902b7';
  const res = await request(gw.url('/api/items/42'), {
    headers: { traceparent: `00-${traceId}-${clientSpan}-01`, tracestate: 'vendor=abc' },
  });
  t.equal(await res.body.text(), 'item 42');

  await receiver.waitFor((spans) => spans.length >= 3);
  const server = receiver.spans.filter((s) => s.kind === SERVER);
  const clients = receiver.spans
    .filter((s) => s.kind === CLIENT)
    .sort(
      (a, b) => Number(a.attributes['gatewayd.attempt']) - Number(b.attributes['gatewayd.attempt']),
    );
  t.equal(server.length, 1);
  t.equal(clients.length, 2, 'one client span per attempt');
  const root = server[0] as ReceivedSpan;
  t.match(root, {
    name: 'GET /api/items/{id}',
    traceId,
    parentSpanId: clientSpan,
    traceState: 'vendor=abc',
    service: 'edge-gateway',
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/api/items/{id}',
      'url.path': '/api/items/42',
      'http.response.status_code': 200,
    },
  });
  t.ok(root.status.code !== ERROR);
  t.match(clients, [
    {
      traceId,
      parentSpanId: root.spanId,
      name: 'GET',
      attributes: {
        'gatewayd.attempt': 1,
        'gatewayd.endpoint': upstream.url,
        'http.response.status_code': 503,
      },
      status: { code: ERROR },
    },
    {
      traceId,
      parentSpanId: root.spanId,
      attributes: {
        'gatewayd.attempt': 2,
        'http.request.resend_count': 1,
        'http.response.status_code': 200,
      },
    },
  ]);
  t.notOk(clients[1]?.status.code === ERROR);

  t.same(
    upstream.seen.map((r) => r.headers.traceparent),
    clients.map((c) => `00-${traceId}-${c.spanId}-01`),
    'each attempt carries its own client span as the parent',
  );
  t.same(
    upstream.seen.map((r) => r.headers.tracestate),
    ['vendor=abc', 'vendor=abc'],
    'the tracestate travels on',
  );
  const access = await gw.waitForLog((l) => l.msg === 'request');
  t.equal(access.trace_id, traceId, 'the access log names the trace');
  t.equal(access.retries, 1);
});

t.test(
  'sampling 0 exports nothing, but the trace context still reaches the upstream',
  async (t) => {
    const receiver = await OtlpReceiver.start(t);
    const upstream = await UpstreamServer.start(t);
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /api/*
    upstream: echo
upstreams:
  echo:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
${tracing(receiver, 0)}
`,
      { env: FAST_BATCHES },
    );
    for (let i = 0; i < 20; i++) {
      const res = await request(gw.url(`/api/${i}`));
      await res.body.dump();
    }
    gw.proc.kill('SIGTERM');
    t.equal((await gw.exited).code, 0, 'shuts down (and flushes) cleanly');
    t.equal(receiver.spans.length, 0, 'no span exported');
    t.equal(receiver.posts, 0, 'nothing sent to the collector');
    const parents = upstream.seen.map((r) => String(r.headers.traceparent));
    t.equal(parents.length, 20);
    t.ok(
      parents.every((p) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/.test(p)),
      'an unsampled traceparent (flags 00) goes upstream',
    );
    t.equal(new Set(parents.map((p) => p.slice(3, 35))).size, 20, 'one trace per request');
  },
);

t.test('spans of requests without an upstream, flushed at shutdown', async (t) => {
  const receiver = await OtlpReceiver.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /hello
    direct_response: { status: 200, body: hi }
${tracing(receiver, 1)}
`,
  );
  for (const path of ['/hello', '/missing/1', '/missing/2']) {
    const res = await request(gw.url(path));
    await res.body.dump();
  }
  t.equal(receiver.spans.length, 0, 'still batched (the default delay is 5 s)');
  gw.proc.kill('SIGTERM');
  t.equal((await gw.exited).code, 0);
  await receiver.waitFor((spans) => spans.length >= 3, 5000);
  t.same(
    receiver.spans
      .map((s) => [s.name, s.parentSpanId ?? '', s.attributes['http.response.status_code']])
      .sort(),
    [
      ['GET /hello', '', 200],
      ['GET', '', 404],
      ['GET', '', 404],
    ],
    'a root span per request; an unmatched one is named by its method only',
  );
});
