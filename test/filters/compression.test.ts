import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const JSON_BODY = JSON.stringify(
  Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })),
);
/** 1 MiB of text, sent in 64 KiB pieces without a Content-Length. */
const PIECE = 'stream me; '.repeat(6000).slice(0, 65536);
const PIECES = 16;

t.test(
  'compression: gzip and brotli by Accept-Encoding, and what is never compressed',
  async (t) => {
    const upstream = await UpstreamServer.start(t, {
      '/api/items': (_req, res) => {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.setHeader('etag', '"v1"');
        res.end(JSON_BODY);
      },
      '/api/stream': (_req, res) => {
        res.setHeader('content-type', 'text/plain');
        let sent = 0;
        const next = (): void => {
          while (sent < PIECES) {
            sent++;
            if (!res.write(PIECE)) {
              res.once('drain', next);
              return;
            }
          }
          res.end();
        };
        next();
      },
      '/api/small': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      },
      '/api/encoded': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-encoding', 'gzip');
        res.end(gzipSync(JSON_BODY));
      },
      '/api/range': (_req, res) => {
        res.statusCode = 206;
        res.setHeader('content-type', 'application/json');
        res.setHeader('content-range', `bytes 0-1999/${JSON_BODY.length}`);
        res.end(JSON_BODY.slice(0, 2000));
      },
      '/api/events': (_req, res) => {
        res.setHeader('content-type', 'text/event-stream');
        res.end(`data: ${'x'.repeat(4000)}\n\n`);
      },
      '/api/image': (_req, res) => {
        res.setHeader('content-type', 'image/png');
        res.end(Buffer.alloc(5000, 7));
      },
      '/api/no-transform': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'public, no-transform');
        res.end(JSON_BODY);
      },
      '/api/empty': (_req, res) => {
        res.statusCode = 204;
        res.end();
      },
      '/api/unchanged': (_req, res) => {
        res.statusCode = 304;
        res.end();
      },
    });
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
middleware:
  compression: { min_size: 1kb, level: 6 }
routes:
  - path: /raw/*
    upstream: svc
    strip_prefix: /raw
    compression: false
  - path: /text/*
    upstream: svc
    strip_prefix: /text
    compression: { types: [text/*], min_size: 0 }
  - path: /page
    direct_response:
      status: 200
      headers: { content-type: text/html }
      body: '${'<p>hello</p>'.repeat(300)}'
  - path: /*
    upstream: svc
upstreams:
  svc: { discovery: { type: Static, endpoints: ['${upstream.url}'] } }
`,
    );
    const get = async (path: string, acceptEncoding?: string, method = 'GET') => {
      const res = await request(gw.url(path), {
        method,
        headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body };
    };

    await t.test('gzip round trip', async (t) => {
      const res = await get('/api/items', 'gzip, deflate');
      t.equal(res.status, 200);
      t.equal(res.headers['content-encoding'], 'gzip');
      t.equal(
        res.headers['content-length'],
        undefined,
        'sent chunked: the encoded length is unknown',
      );
      t.match(res.headers.vary, /accept-encoding/i);
      t.equal(res.headers.etag, 'W/"v1"', 'a strong ETag becomes weak');
      t.ok(
        res.body.length < JSON_BODY.length / 3,
        `${res.body.length} of ${JSON_BODY.length} bytes`,
      );
      t.equal(gunzipSync(res.body).toString(), JSON_BODY);
    });

    await t.test('brotli round trip, chosen by q-value', async (t) => {
      const res = await get('/api/items', 'gzip;q=0.5, br;q=0.8');
      t.equal(res.headers['content-encoding'], 'br');
      t.equal(brotliDecompressSync(res.body).toString(), JSON_BODY);
      t.equal(
        (await get('/api/items', 'gzip, br')).headers['content-encoding'],
        'br',
        'br on a tie',
      );
      t.equal((await get('/api/items', 'br;q=0, gzip')).headers['content-encoding'], 'gzip');
      t.equal((await get('/api/items', '*')).headers['content-encoding'], 'br', '* covers br');
      t.equal((await get('/api/items', 'gzip;q=1, *;q=0')).headers['content-encoding'], 'gzip');
    });

    await t.test('a client that accepts neither gets the body as it is, with Vary', async (t) => {
      for (const accept of [undefined, 'identity', 'deflate', 'gzip;q=0, br;q=0']) {
        const res = await get('/api/items', accept);
        t.equal(res.headers['content-encoding'], undefined, `Accept-Encoding: ${accept}`);
        t.equal(res.body.toString(), JSON_BODY);
        t.match(res.headers.vary, /accept-encoding/i, 'caches learn that the answer varies');
        t.equal(res.headers.etag, '"v1"', 'the ETag stays strong');
      }
    });

    await t.test('a 1 MiB body of unknown length streams through brotli', async (t) => {
      const res = await get('/api/stream', 'br');
      t.equal(res.headers['content-encoding'], 'br');
      const text = brotliDecompressSync(res.body).toString();
      t.equal(text.length, PIECE.length * PIECES);
      t.equal(text, PIECE.repeat(PIECES));
    });

    await t.test('never compressed', async (t) => {
      const cases: Array<[string, string, string]> = [
        ['/api/small', 'GET', 'a body under min_size'],
        ['/api/encoded', 'GET', 'an already encoded body'],
        ['/api/range', 'GET', 'a 206 range'],
        ['/api/events', 'GET', 'an event stream'],
        ['/api/image', 'GET', 'a type not listed'],
        ['/api/no-transform', 'GET', 'Cache-Control: no-transform'],
        ['/api/items', 'HEAD', 'a HEAD request'],
        ['/api/empty', 'GET', 'a 204'],
        ['/api/unchanged', 'GET', 'a 304'],
        ['/raw/api/items', 'GET', 'a route with compression: false'],
      ];
      for (const [path, method, why] of cases) {
        const res = await get(path, 'gzip, br', method);
        const encoding = res.headers['content-encoding'];
        t.not(encoding, 'br', why);
        if (path === '/api/encoded') {
          t.equal(encoding, 'gzip', 'the upstream coding passes once');
          t.equal(gunzipSync(res.body).toString(), JSON_BODY);
        } else {
          t.equal(encoding, undefined, why);
        }
      }
      const range = await get('/api/range', 'gzip');
      t.equal(range.status, 206);
      t.equal(range.body.toString(), JSON_BODY.slice(0, 2000));
    });

    await t.test("a route's own types and min_size", async (t) => {
      t.equal((await get('/text/api/stream', 'gzip')).headers['content-encoding'], 'gzip');
      t.equal(
        (await get('/text/api/items', 'gzip')).headers['content-encoding'],
        undefined,
        'application/json is not under text/*',
      );
    });

    await t.test("the gateway's own answer", async (t) => {
      const res = await get('/page', 'gzip');
      t.equal(res.headers['content-encoding'], 'gzip');
      t.equal(gunzipSync(res.body).toString(), '<p>hello</p>'.repeat(300));
      const notFound = await get('/raw', 'gzip');
      t.equal(notFound.headers['content-encoding'], undefined, 'a small JSON error is not');
    });
  },
);
