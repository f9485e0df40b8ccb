import { readFileSync } from 'node:fs';
import t from 'tap';
import { request } from 'undici';
import { startGatewayd, type GatewaydProcess, type LogLine } from '../helpers/gatewayd-process.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { rawRequest } from '../helpers/raw-http.js';
import { lintExposition, parsePrometheus, scrapeText, valueOf } from '../helpers/prometheus.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const UWS_VERSION = (
  JSON.parse(
    readFileSync(
      new URL('../../node_modules/uWebSockets.js/package.json', import.meta.url),
      'utf8',
    ),
  ) as { version: string }
).version;

/** A span's start, end and length in nanoseconds (OTLP/JSON writes them as decimal strings). */
function times(span: ReceivedSpan): { start: bigint; end: bigint; ns: bigint } {
  const start = BigInt(span.startTimeUnixNano);
  const end = BigInt(span.endTimeUnixNano);
  return { start, end, ns: end - start };
}

const onWholeMillisecond = (ns: bigint) => ns % 1_000_000n === 0n;

/** What the client saw of one request: its id and its own round trip. */
interface Sent {
  id: string;
  status: number;
  roundTripMs: number;
}

async function send(
  gw: GatewaydProcess,
  path: string,
  method: 'GET' | 'POST' = 'GET',
): Promise<Sent> {
  const started = performance.now();
  const res = await request(gw.url(path), {
    method,
    headers: { 'user-agent': 'signals-test/1.0' },
    body: method === 'POST' ? '{"a":1}' : undefined,
  });
  await res.body.dump();
  return {
    id: String(res.headers['x-request-id']),
    status: res.statusCode,
    roundTripMs: performance.now() - started,
  };
}

t.test(
  'a known mix: log, metric and span agree on every request, to the microsecond',
  async (t) => {
    const receiver = await OtlpReceiver.start(t);
    let releaseSlow: (() => void) | null = null;
    const upstream = await UpstreamServer.start(t, {
      '/fails': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('broken'),
      '/slow': (_req, res) => {
        releaseSlow = () => res.writeHead(200).end('late');
      },
    });
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
  - { name: items, path: "/items/{id}", upstream: items }
  - { name: one, path: /one, methods: [GET], upstream: items }
  - { name: fails, path: /fails, methods: [GET], upstream: broken }
  - { name: slow, path: /slow, methods: [GET], upstream: items }
  - { name: hello, path: /hello, methods: [GET], direct_response: { status: 200, body: hi } }
upstreams:
  items:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
  broken:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
    retries: { attempts: 1 }
    outlier_detection: { enabled: false }
observability:
  logging: { level: info, access_log: true }
  tracing:
    enabled: true
    backend: { type: OTLP, endpoint: "${receiver.url}" }
    sampling_rate: 1
    service_name: signals
`,
      { env: { OTEL_BSP_SCHEDULE_DELAY: '50' } },
    );
    const metricsLine = await gw.waitForLog((l) => l.msg === 'metrics listening');
    const metricsUrl = `http://127.0.0.1:${String(metricsLine.port)}/metrics`;

    const before = parsePrometheus(await scrapeText(metricsUrl));
    t.same(
      ['connect_error', 'reset', 'timeout', 'http_5xx', 'other'].map((reason) =>
        valueOf(before, 'gatewayd_upstream_attempt_errors_total', { upstream: 'broken', reason }),
      ),
      [0, 0, 0, 0, 0],
      'every attempt error reason is a series at 0 before the first error',
    );

    // The mix: 12 proxied GETs, 4 proxied POSTs, 3 upstream 500s, 3 unmatched, 2 direct, 1 alone.
    const sent: Sent[] = [];
    for (let i = 0; i < 12; i++) sent.push(await send(gw, `/items/${i}?token=secret-${i}&page=2`));
    for (let i = 0; i < 4; i++) sent.push(await send(gw, `/items/${i}`, 'POST'));
    for (let i = 0; i < 3; i++) sent.push(await send(gw, '/fails'));
    for (let i = 0; i < 3; i++) sent.push(await send(gw, `/nowhere/${i}`));
    for (let i = 0; i < 2; i++) sent.push(await send(gw, '/hello'));
    const one = await send(gw, '/one');
    sent.push(one);
    t.same(
      sent.map((s) => s.status),
      [...Array(16).fill(200), 500, 500, 500, 404, 404, 404, 200, 200, 200],
    );

    const logs = new Map<string, LogLine>();
    await gw.waitForLog(() => {
      for (const l of gw.logs) if (l.msg === 'request') logs.set(String(l.request_id), l);
      return sent.every((s) => logs.has(s.id));
    });
    await receiver.waitFor((spans) => spans.filter((s) => s.kind === SERVER).length >= sent.length);
    const servers = new Map(
      receiver.spans
        .filter((s) => s.kind === SERVER)
        .map((s) => [String(s.attributes['gatewayd.request_id']), s]),
    );
    const metrics = parsePrometheus(await scrapeText(metricsUrl));

    t.equal(logs.size, sent.length, 'one access log line per request');
    t.equal(servers.size, sent.length, 'one server span per request');
    const counted = metrics
      .filter((s) => s.name === 'gatewayd_http_requests_total')
      .reduce((sum, s) => sum + s.value, 0);
    t.equal(counted, sent.length, 'one count per request');

    let farApart = 0;
    let longerThanRoundTrip = 0;
    for (const s of sent) {
      const log = logs.get(s.id) as LogLine;
      const span = servers.get(s.id) as ReceivedSpan;
      const logUs = Number(log.duration_ms) * 1000;
      const spanUs = Number(times(span).ns) / 1000;
      if (Math.abs(logUs - spanUs) >= 1) farApart++;
      if (Number(log.duration_ms) > s.roundTripMs || spanUs / 1000 > s.roundTripMs) {
        longerThanRoundTrip++;
      }
    }
    t.equal(farApart, 0, 'every span lasts what its log line says, within a microsecond');
    t.equal(
      longerThanRoundTrip,
      0,
      "no log line or span lasts longer than the client's round trip",
    );

    const oneLog = logs.get(one.id) as LogLine;
    const oneSum = valueOf(metrics, 'gatewayd_http_request_duration_seconds_sum', {
      route: 'one',
    }) as number;
    const oneSpanUs = Number(times(servers.get(one.id) as ReceivedSpan).ns) / 1000;
    t.ok(
      Math.abs(oneSum * 1e6 - Number(oneLog.duration_ms) * 1000) < 1 &&
        Math.abs(oneSum * 1e6 - oneSpanUs) < 1,
      `one request, one duration: metric ${(oneSum * 1e6).toFixed(3)} µs, log ${oneLog.duration_ms} ms, span ${oneSpanUs.toFixed(3)} µs`,
    );
    const notFound = sent.filter((s) => s.status === 404);
    const notFoundSum = valueOf(metrics, 'gatewayd_http_request_duration_seconds_sum', {
      route: '(none)',
    }) as number;
    const notFoundLogged = notFound.reduce(
      (sum, s) => sum + Number(logs.get(s.id)?.duration_ms),
      0,
    );
    t.ok(
      Math.abs(notFoundSum * 1000 - notFoundLogged) < 0.001 * notFound.length,
      `404s: ${(notFoundSum * 1000).toFixed(3)} ms in the histogram, ${notFoundLogged.toFixed(3)} ms in the log`,
    );

    const serverSpans = [...servers.values()];
    const clients = receiver.spans.filter((s) => s.kind === CLIENT);
    t.equal(clients.length, 16 + 3 + 1, 'one client span per upstream attempt');
    t.ok(
      serverSpans.filter((s) => onWholeMillisecond(BigInt(s.endTimeUnixNano))).length < 2,
      'server spans do not end on whole milliseconds (no Date.now() end)',
    );
    t.ok(
      clients.filter((s) => onWholeMillisecond(BigInt(s.startTimeUnixNano))).length < 2,
      'client spans do not start on whole milliseconds (no Date.now() start)',
    );
    const outside = clients.filter((c) => {
      const parent = serverSpans.find((s) => s.spanId === c.parentSpanId) as ReceivedSpan;
      return times(c).start < times(parent).start || times(c).end > times(parent).end;
    });
    t.equal(outside.length, 0, 'every client span lies within its server span');

    t.test('server spans: the HTTP semantic conventions', async (t) => {
      const item = servers.get(sent[0]?.id as string) as ReceivedSpan;
      t.match(item, {
        name: 'GET /items/{id}',
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/items/{id}',
          'http.response.status_code': 200,
          'url.scheme': 'http',
          'url.path': '/items/0',
          'server.address': '127.0.0.1',
          'server.port': gw.port,
          'network.protocol.version': '1.1',
          'user_agent.original': 'signals-test/1.0',
          'client.address': '127.0.0.1',
        },
      });
      t.notOk('error.type' in item.attributes, 'no error.type on a 200');
      t.match(item.resource, {
        'service.name': 'signals',
        'service.version': VERSION,
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.version': String,
      });
      const failed = servers.get(sent[16]?.id as string) as ReceivedSpan;
      t.match(failed, {
        attributes: { 'http.response.status_code': 500, 'error.type': '500' },
        status: { code: ERROR },
      });
    });

    t.test('client spans: named by method, url.full without query values', async (t) => {
      const first = clients.find(
        (c) => c.parentSpanId === servers.get(sent[0]?.id as string)?.spanId,
      );
      t.match(first, {
        name: 'GET',
        attributes: {
          'http.request.method': 'GET',
          'url.full': `${upstream.url}/items/0?token=REDACTED&page=REDACTED`,
          'server.address': '127.0.0.1',
          'server.port': upstream.port,
          'http.response.status_code': 200,
        },
      });
      t.notOk(JSON.stringify(clients).includes('secret-'), 'no query value reaches a span');
      const failed = clients.find(
        (c) => c.parentSpanId === servers.get(sent[16]?.id as string)?.spanId,
      );
      t.match(failed, {
        attributes: { 'http.response.status_code': 500, 'error.type': '500' },
        status: { code: ERROR },
      });
    });

    t.test('an aborted request: error.type on its span, no invented 499 status', async (t) => {
      const controller = new AbortController();
      const answer = request(gw.url('/slow'), { signal: controller.signal }).catch(() => null);
      await upstream.waitFor((u) => u.seen.some((r) => r.url === '/slow'));
      controller.abort();
      await answer;
      const line = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/slow');
      t.equal(line.status, 499, "the log keeps nginx's 499 for a client that left");
      const id = String(line.request_id);
      await receiver.waitFor((spans) =>
        spans.some((s) => s.kind === SERVER && s.attributes['gatewayd.request_id'] === id),
      );
      const span = receiver.spans.find(
        (s) => s.kind === SERVER && s.attributes['gatewayd.request_id'] === id,
      ) as ReceivedSpan;
      t.equal(span.attributes['error.type'], 'aborted');
      t.notOk('http.response.status_code' in span.attributes, 'no status: none was sent');
      const spanUs = Number(times(span).ns) / 1000;
      t.ok(Math.abs(spanUs - Number(line.duration_ms) * 1000) < 1, 'the same duration');
      (releaseSlow as (() => void) | null)?.();
    });

    t.test('the exposition passes the linter', async (t) => {
      t.same(lintExposition(await scrapeText(metricsUrl)), []);
    });

    t.test(`methods outside uWS's list (uWS ${UWS_VERSION})`, async (t) => {
      const logged = gw.logs.length;
      const reply = await rawRequest(
        gw.port,
        'PURGE /items/7 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      );
      const text = await scrapeText(metricsUrl);
      const purged = upstream.seen.some((r) => r.method === 'PURGE');
      if (UWS_VERSION.startsWith('20.30.')) {
        // v20.30's parser closes the connection before any handler runs: there is nothing to log.
        t.equal(reply, '', 'v20.30 closes the connection without a byte');
        t.notOk(purged, 'nothing reached the upstream');
        t.notOk(
          gw.logs.slice(logged).some((l) => l.method === 'PURGE'),
          'no handler ran, so no line',
        );
      } else {
        t.match(reply, /^HTTP\/1\.1 200 /, 'served');
        t.ok(purged, 'proxied to the upstream as PURGE');
        const line = await gw.waitForLog((l) => l.msg === 'request' && l.method === 'PURGE');
        t.equal(line.status, 200);
        t.ok(
          (valueOf(parsePrometheus(text), 'gatewayd_http_requests_total', {
            route: 'items',
            method: 'OTHER',
          }) ?? 0) >= 1,
          'counted as method="OTHER"',
        );
      }
    });
  },
);
