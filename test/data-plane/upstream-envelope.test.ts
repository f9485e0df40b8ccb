import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { request } from 'undici';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** The test route's bound: a body above it passes through unwrapped. */
const MAX = 1024;
const big = JSON.stringify({ items: 'x'.repeat(MAX * 2) });

function json(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

const upstream = await UpstreamServer.start(t, {
  '/order': (_req, res) => json(res, 200, '{"id":7,"total":12.5}'),
  '/problem': (_req, res) =>
    json(res, 201, '{"created":true}', { 'content-type': 'application/problem+json' }),
  '/missing': (_req, res) => json(res, 404, '{"detail":"no such order"}'),
  '/failing': (_req, res) => json(res, 503, '{"detail":"database down"}'),
  '/chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.write('{"parts":[1,');
    res.end('2,3]}');
  },
  '/big-chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(big.slice(0, 600));
    res.write(big.slice(600, 1500));
    res.end(big.slice(1500));
  },
  '/big-length': (_req, res) => json(res, 200, big),
  '/text': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words'),
  '/events': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"tick":1}\n\n');
  },
  '/ndjson': (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end('{"a":1}\n{"a":2}\n'),
  '/gzipped': (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      .end(gzipSync('{"zipped":true}')),
  '/broken': (_req, res) => json(res, 200, '{"not json'),
  '/empty': (_req, res) => res.writeHead(204).end(),
});

const gw = await startGatewayd(
  t,
  `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: "/wrapped/*", upstream: svc, strip_prefix: true, upstream_envelope: { max_body_size: ${MAX}b } }
  - { path: "/zipped/*", upstream: svc, strip_prefix: true, upstream_envelope: true, compression: { min_size: 10 } }
  - { path: "/plain/*", upstream: svc, strip_prefix: true }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability: { logging: { level: info, access_log: false } }
`,
);

async function get(
  path: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const res = await request(gw.url(path), { headers, method });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

t.test('a JSON answer is wrapped: success, data, timestamp, request_id', async (t) => {
  const res = await get('/wrapped/order');
  t.equal(res.status, 200);
  const body = JSON.parse(res.body.toString()) as Record<string, unknown>;
  t.same(body, {
    success: true,
    data: { id: 7, total: 12.5 },
    timestamp: body.timestamp,
    request_id: res.headers['x-request-id'],
  });
  t.match(body.timestamp, ISO);
  t.equal(res.headers['content-length'], String(res.body.length), 'the new length');
  t.equal(res.headers['content-type'], 'application/json');

  const problem = await get('/wrapped/problem');
  t.equal(problem.status, 201);
  t.match(JSON.parse(problem.body.toString()), { success: true, data: { created: true } });

  const chunked = await get('/wrapped/chunked');
  t.match(JSON.parse(chunked.body.toString()), { success: true, data: { parts: [1, 2, 3] } });
  t.equal(chunked.headers['content-length'], String(chunked.body.length));
});

t.test(
  "the upstream's 4xx and 5xx: success false, the status text, its body as data",
  async (t) => {
    const missing = await get('/wrapped/missing');
    t.equal(missing.status, 404);
    t.same(JSON.parse(missing.body.toString()), {
      success: false,
      error: 'Not Found',
      status_code: 404,
      data: { detail: 'no such order' },
      timestamp: (JSON.parse(missing.body.toString()) as { timestamp: string }).timestamp,
      request_id: missing.headers['x-request-id'],
    });
    const failing = await get('/wrapped/failing');
    t.equal(failing.status, 503);
    t.match(JSON.parse(failing.body.toString()), {
      success: false,
      error: 'Service Unavailable',
      status_code: 503,
      data: { detail: 'database down' },
    });
  },
);

t.test('what passes through untouched', async (t) => {
  const cases: Array<[string, string]> = [
    ['/wrapped/text', 'plain words'],
    ['/wrapped/events', 'data: {"tick":1}\n\n'],
    ['/wrapped/ndjson', '{"a":1}\n{"a":2}\n'],
    ['/wrapped/broken', '{"not json'],
    ['/wrapped/big-length', big],
    ['/wrapped/big-chunked', big],
    ['/plain/order', '{"id":7,"total":12.5}'],
  ];
  for (const [path, expected] of cases) {
    const res = await get(path);
    t.equal(res.status, 200, path);
    t.equal(res.body.toString(), expected, `${path} as the upstream sent it`);
  }
  const zipped = await get('/wrapped/gzipped', { 'accept-encoding': 'gzip' });
  t.equal(zipped.headers['content-encoding'], 'gzip');
  t.equal(gunzipSync(zipped.body).toString(), '{"zipped":true}', 'compressed by the upstream');
  const empty = await get('/wrapped/empty');
  t.equal(empty.status, 204);
  t.equal(empty.body.length, 0);
  const head = await get('/wrapped/order', {}, 'HEAD');
  t.equal(head.status, 200);
  t.equal(head.body.length, 0, 'HEAD: no body to wrap');
});

t.test('the wrapped body goes through the route compression', async (t) => {
  const res = await get('/zipped/order', { 'accept-encoding': 'gzip' });
  t.equal(res.status, 200);
  t.equal(res.headers['content-encoding'], 'gzip');
  t.match(JSON.parse(gunzipSync(res.body).toString()), {
    success: true,
    data: { id: 7, total: 12.5 },
  });
});

t.test('gatewayd check warns about upstream_envelope where no upstream answers', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'gatewayd-envelope-')), 'gateway.yaml');
  writeFileSync(
    file,
    `routes:\n  - { path: /x, direct_response: { status: 200, body: ok }, upstream_envelope: true }\n`,
  );
  const { code, stdout } = await runCli(['check', file]);
  t.equal(code, 0, 'a warning only');
  t.match(stdout, 'warning GW_WARN_CONFIG_IGNORED_KEY');
  t.match(stdout, 'has upstream_envelope but no HTTP upstream answers on it');
});
