import t from 'tap';
import { request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { bodyOf, rawRequest } from '../helpers/raw-http.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

t.test('proxying, routing and errors', async (t) => {
  const upstream = await UpstreamServer.start(t, {
    '/slow': (_req, res) => {
      setTimeout(() => res.end('late'), 3000).unref();
    },
    '/hang': () => {},
    '/hop': (_req, res) => {
      res.writeHead(200, {
        // Tokens are case-insensitive (RFC 9110 7.6.1): X-Private names the x-private header.
        connection: 'X-Private, Keep-Alive',
        'x-private': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
        'x-kept': 'yes',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.end('ok');
    },
  });
  const gw = await startGatewayd(
    t,
    `
server:
  http_port: 0
  bind_address: 127.0.0.1
  trust_proxy: ["10.0.0.0/8"]
  limits:
    max_body_size: 1kb
    max_url_length: 200
    max_header_size: 2kb
routes:
  - path: /api/users/{id}
    methods: [GET, PUT]
    upstream: svc
  - path: /api/users/me
    methods: [GET]
    upstream: svc
  - path: /files/*
    upstream: svc
    strip_prefix: true
  - path: /v1/accounts/{account}/*
    upstream: svc
    rewrite: /internal/{account}/*
  - path: /slow
    upstream: svc
    timeout: 300ms
  - path: /hang
    upstream: svc
  - path: /hop
    upstream: svc
  - path: /admin
    upstream: svc
  - path: /public/*
    upstream: svc
  - path: /refused
    upstream: dead
  - path: /tenant
    host: "*.example.com"
    upstream: svc
  - path: /static
    direct_response:
      status: 200
      body: { hello: world }
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${upstream.url}"] }
  dead:
    discovery: { type: Static, endpoints: ["http://127.0.0.1:1"] }
observability:
  logging: { level: warn }
`,
  );

  t.test(
    'params and static precedence reach the upstream with the normalised path and raw query',
    async (t) => {
      const res = await request(gw.url('/api/users/42?x=1&y=%2F'));
      const echo = (await res.body.json()) as { url: string };
      t.equal(res.statusCode, 200);
      t.equal(echo.url, '/api/users/42?x=1&y=%2F');
      const me = await request(gw.url('/api/users/me'), { method: 'GET' });
      t.equal(((await me.body.json()) as { url: string }).url, '/api/users/me');
    },
  );

  t.test('strip_prefix and rewrite', async (t) => {
    const stripped = (await (await request(gw.url('/files/a/b.txt'))).body.json()) as {
      url: string;
    };
    t.equal(stripped.url, '/a/b.txt');
    const rewritten = (await (
      await request(gw.url('/v1/accounts/acme/orders/7?full=1'))
    ).body.json()) as { url: string };
    t.equal(rewritten.url, '/internal/acme/orders/7?full=1');
  });

  t.test('path tricks are normalised before matching', async (t) => {
    for (const path of ['/a/../admin', '/%2e%2e/admin', '//admin', '/public/../admin']) {
      const raw = await rawRequest(gw.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      t.match(raw, /^HTTP\/1.1 200/, path);
      t.equal(JSON.parse(bodyOf(raw)).url, '/admin', `${path} reaches /admin as /admin`);
    }
    // An upstream that decodes %2F would resolve these to another path: refused by default
    // (server.paths; test/data-plane/path-confusion.test.ts covers each policy).
    for (const path of ['/public/a%2Fb', '/public/..%2fadmin']) {
      const raw = await rawRequest(gw.port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      t.match(raw, /^HTTP\/1.1 400/, path);
      t.equal(JSON.parse(bodyOf(raw)).error, 'PATH_REJECTED', path);
    }
  });

  t.test('404 and 405 have the JSON error shape', async (t) => {
    const notFound = await request(gw.url('/nope'), { headers: { 'x-request-id': 'abc-123' } });
    t.equal(notFound.statusCode, 404);
    t.equal(notFound.headers['content-type'], 'application/json');
    t.equal(notFound.headers['x-request-id'], 'abc-123');
    const body = (await notFound.body.json()) as Record<string, unknown>;
    t.match(body, {
      error: 'ROUTE_NOT_FOUND',
      status_code: 404,
      request_id: 'abc-123',
      message: String,
    });
    t.ok(!Number.isNaN(Date.parse(body.timestamp as string)));
    t.notOk('service' in body, 'no upstream was chosen: no service');

    const wrong = await request(gw.url('/api/users/42'), { method: 'DELETE' });
    t.equal(wrong.statusCode, 405);
    t.equal(wrong.headers.allow, 'GET, PUT');
    t.match(await wrong.body.json(), { error: 'METHOD_NOT_ALLOWED', status_code: 405 });
  });

  t.test('host matching', async (t) => {
    const hit = await request(gw.url('/tenant'), { headers: { host: 'acme.example.com' } });
    t.equal(hit.statusCode, 200);
    await hit.body.dump();
    const miss = await request(gw.url('/tenant'), { headers: { host: 'example.org' } });
    t.equal(miss.statusCode, 404);
    await miss.body.dump();
  });

  t.test(
    'hop-by-hop headers are stripped both ways; X-Forwarded-* and X-Request-ID set',
    async (t) => {
      const raw = await rawRequest(
        gw.port,
        'GET /admin HTTP/1.1\r\nHost: gw.test\r\nConnection: Keep-Alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\n' +
          'Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9v\r\nUpgrade: h2c\r\n' +
          'X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\n' +
          'X-Request-ID: bad id with spaces\r\nX-Custom: kept\r\n\r\n',
      );
      const headers = JSON.parse(bodyOf(raw)).headers as Record<string, string>;
      for (const h of ['keep-alive', 'te', 'proxy-authorization', 'upgrade']) {
        t.notOk(h in headers, `${h} not forwarded`);
      }
      t.notOk('x-secret-hop' in headers, 'the header Connection named X-Secret-Hop not forwarded');
      t.equal(headers['x-custom'], 'kept');
      t.equal(headers['x-forwarded-for'], '127.0.0.1', 'untrusted client XFF replaced');
      t.equal(headers['x-forwarded-proto'], 'http');
      t.equal(headers['x-forwarded-host'], 'gw.test');
      t.match(
        headers['x-request-id'],
        /^[0-9a-f-]{36}$/,
        'insane client id replaced by a generated one',
      );
      t.match(
        raw,
        new RegExp(`x-request-id: ${headers['x-request-id']}`, 'i'),
        'same id returned to the client',
      );

      const hop = await request(gw.url('/hop'));
      t.equal(hop.headers['x-kept'], 'yes');
      t.notOk(
        'x-private' in hop.headers,
        'header named by upstream Connection stripped, whatever the case of the token',
      );
      t.notOk(hop.headers['proxy-authenticate']);
      t.same(hop.headers['set-cookie'], ['a=1', 'b=2'], 'repeated headers kept');
      await hop.body.dump();
    },
  );

  t.test('upstream refused → 502 naming the upstream; slow → 504', async (t) => {
    const refused = await request(gw.url('/refused'));
    t.equal(refused.statusCode, 502);
    const body = (await refused.body.json()) as Record<string, unknown>;
    t.equal(body.error, 'BAD_GATEWAY');
    t.equal(body.service, 'dead', 'the body names the upstream as service');
    t.match(body.message, /"dead"/);
    t.notMatch(body.message, /127\.0\.0\.1/, 'no internal address leaked');

    const started = Date.now();
    const slow = await request(gw.url('/slow'));
    t.equal(slow.statusCode, 504);
    t.match(await slow.body.json(), { error: 'UPSTREAM_TIMEOUT', service: 'svc' });
    t.ok(Date.now() - started < 2500, 'answered at the route timeout');
  });

  t.test('a client that aborts aborts the upstream request', async (t) => {
    const ac = new AbortController();
    const pending = request(gw.url('/hang'), { signal: ac.signal }).catch((err: Error) => err);
    // The upstream has the request once it is recorded; then the client goes away.
    await upstream.waitFor((u) => u.seen.some((r) => r.url === '/hang'));
    ac.abort();
    await pending;
    await upstream.waitFor((u) => u.aborted.includes('/hang'));
    t.ok(upstream.aborted.includes('/hang'));
  });

  t.test('limits: 413, 414, 431', async (t) => {
    const big = await request(gw.url('/admin'), { method: 'POST', body: 'x'.repeat(2048) });
    t.equal(big.statusCode, 413);
    t.match(await big.body.json(), { error: 'PAYLOAD_TOO_LARGE' });

    // One write of the whole chunked request: a client still writing when the gateway answers
    // and closes would see EPIPE instead of the answer, which tests the client, not the gateway.
    const chunk = `200\r\n${'y'.repeat(512)}\r\n`;
    const chunkedBig = await rawRequest(
      gw.port,
      `POST /admin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(4)}0\r\n\r\n`,
    );
    t.match(chunkedBig, /^HTTP\/1.1 413/, 'a chunked body is counted as it streams');

    const longUrl = await request(gw.url('/admin?q=' + 'a'.repeat(300)));
    t.equal(longUrl.statusCode, 414);
    t.match(await longUrl.body.json(), { error: 'URI_TOO_LONG' });

    const fatHeaders = await request(gw.url('/admin'), { headers: { 'x-fat': 'f'.repeat(3000) } });
    t.equal(fatHeaders.statusCode, 431);
    t.match(await fatHeaders.body.json(), { error: 'HEADERS_TOO_LARGE' });

    const small = await request(gw.url('/admin'), { method: 'POST', body: 'hello' });
    t.equal(small.statusCode, 200);
    t.equal(((await small.body.json()) as { bodyBytes: number }).bodyBytes, 5);
  });

  t.test('direct responses and the built-in health endpoints', async (t) => {
    const direct = await request(gw.url('/static'));
    t.same(await direct.body.json(), { hello: 'world' });
    const health = await request(gw.url('/health'));
    t.same(await health.body.json(), { status: 'ok' });
    const ready = await request(gw.url('/ready'));
    t.equal(ready.statusCode, 200);
    await ready.body.dump();
  });
});
