import { writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { request } from 'undici';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { scrape, valueOf } from '../helpers/prometheus.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const KEY_ONE = 'cache-test-key-one-0123456789abcdef';
const KEY_TWO = 'cache-test-key-two-0123456789abcdef';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers `body` with `headers`, after `delayMs`. */
function answer(body: string, headers: Record<string, string> = {}, delayMs = 0): Handler {
  return (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', ...headers });
      res.end(body);
    }, delayMs);
  };
}

t.test('the response cache, in memory', async (t) => {
  const upstream = await UpstreamServer.start(t, {
    '/api/item': answer('item one', { etag: '"v1"' }),
    '/api/slow': answer('slow answer', {}, 300),
    '/api/slow-private': answer('mine', { 'cache-control': 'private' }, 300),
    '/api/no-store': answer('fresh', { 'cache-control': 'no-store' }),
    '/api/private': answer('private', { 'cache-control': 'private, max-age=60' }),
    '/api/short': answer('short', { 'cache-control': 'max-age=0' }),
    '/api/cookie': answer('session', { 'set-cookie': 'sid=1' }),
    '/api/vary': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', vary: 'Accept-Language' });
      res.end(`lang ${req.headers['accept-language'] ?? 'none'}`);
    },
    '/api/vary-star': answer('star', { vary: '*' }),
    '/api/who': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`for ${req.headers.authorization ?? 'nobody'}`);
    },
    '/api/text': answer('x'.repeat(4000), { 'content-type': 'text/plain' }),
    '/api/purge-a': answer('a'),
    '/api/purge-b': answer('b'),
    '/keyed/who': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`for ${String(req.headers['x-user-id'])}`);
    },
    '/mine/who': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`for ${String(req.headers['x-user-id'])}`);
    },
    '/lru/a': answer('a'.repeat(20 * 1024)),
    '/lru/b': answer('b'.repeat(20 * 1024)),
    '/lru/c': answer('c'.repeat(20 * 1024)),
    '/lru/huge': answer('h'.repeat(40 * 1024)),
  });
  const config = `
server: { http_port: 0, bind_address: 127.0.0.1, admin_port: 0, metrics_port: 0 }
admin: { token: "\${ADMIN_TOKEN}" }
observability: { logging: { level: info, access_log: false } }
auth:
  api_keys:
    keys:
      - { name: app-one, hash: "${hashApiKey(KEY_ONE)}" }
      - { name: app-two, hash: "${hashApiKey(KEY_TWO)}" }
routes:
  - name: keyed
    path: /keyed/*
    upstream: svc
    auth: [api_key]
    cache: {}
  - name: mine
    path: /mine/*
    upstream: svc
    auth: [api_key]
    cache: { key: [path, identity] }
  - name: api
    path: /api/*
    upstream: svc
    compression: { min_size: 0 }
    cache: { ttl: 60s, coalesce_timeout: 3s }
  - name: lru
    path: /lru/*
    upstream: svc
    cache: { max_size: 50kb, max_entry_size: 32kb, key: [path] }
upstreams:
  svc: { discovery: { type: Static, endpoints: ['http://127.0.0.1:${upstream.port}'] } }
`;
  const gw = await startGatewayd(t, config, { env: { ADMIN_TOKEN } });
  const base = `http://127.0.0.1:${gw.port}`;
  const asked = (path: string): number => upstream.seen.filter((s) => s.url === path).length;
  async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
    const res = await request(base + path, { method, headers });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body };
  }

  await t.test('a miss, then hits with Age, and HEAD from the stored GET', async (t) => {
    const first = await get('/api/item');
    t.equal(first.headers['x-cache'], 'MISS');
    t.equal(first.body.toString(), 'item one');
    const second = await get('/api/item');
    t.equal(second.status, 200);
    t.equal(second.headers['x-cache'], 'HIT');
    t.equal(second.body.toString(), 'item one');
    t.equal(second.headers.etag, '"v1"', 'the upstream headers are kept');
    t.match(second.headers.age, /^\d+$/);
    t.ok(second.headers['x-request-id'], 'a hit has its own request id');
    const head = await get('/api/item', {}, 'HEAD');
    t.equal(head.headers['x-cache'], 'HIT');
    t.equal(head.headers['content-length'], '8');
    t.equal(head.body.length, 0);
    t.equal(asked('/api/item'), 1, 'the upstream was asked once');
    t.notOk(upstream.seen[0]?.headers['accept-encoding'], 'the cache asks for the uncoded body');
  });

  await t.test('If-None-Match with the stored ETag gets a 304 from the cache', async (t) => {
    const res = await get('/api/item', { 'if-none-match': 'W/"v1", "other"' });
    t.equal(res.status, 304);
    t.equal(res.headers['x-cache'], 'HIT');
    t.equal(res.headers.etag, '"v1"');
    t.equal(res.body.length, 0);
    t.equal(res.headers['content-length'], undefined, 'no length that misstates the entity');
    const other = await get('/api/item', { 'if-none-match': '"v0"' });
    t.equal(other.status, 200, 'another ETag gets the whole answer');
    t.equal(asked('/api/item'), 1);
  });

  await t.test('100 concurrent misses for one key make one upstream request', async (t) => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => get('/api/slow')));
    t.equal(asked('/api/slow'), 1);
    t.ok(answers.every((a) => a.status === 200 && a.body.toString() === 'slow answer'));
    t.equal(answers.filter((a) => a.headers['x-cache'] === 'MISS').length, 1);
    t.equal(answers.filter((a) => a.headers['x-cache'] === 'HIT').length, 99);
  });

  await t.test(
    'waiters on an answer that cannot be stored go to the upstream themselves',
    async (t) => {
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 10 }, () => get('/api/slow-private')));
      t.ok(answers.every((a) => a.status === 200 && a.body.toString() === 'mine'));
      t.equal(asked('/api/slow-private'), 10, 'nobody was given the private answer');
      t.ok(Date.now() - started < 2500, 'the waiters did not wait for the bound');
    },
  );

  await t.test('no-store, private, max-age=0 and Set-Cookie answers are not stored', async (t) => {
    for (const path of ['/api/no-store', '/api/private', '/api/short', '/api/cookie']) {
      await get(path);
      const again = await get(path);
      t.equal(again.headers['x-cache'], 'MISS', path);
      t.equal(asked(path), 2, path);
    }
  });

  await t.test(
    'Vary: the named request header tells entries apart; Vary: * is not stored',
    async (t) => {
      t.equal((await get('/api/vary', { 'accept-language': 'en' })).headers['x-cache'], 'MISS');
      const en = await get('/api/vary', { 'accept-language': 'en' });
      t.equal(en.headers['x-cache'], 'HIT');
      t.equal(en.body.toString(), 'lang en');
      const fr = await get('/api/vary', { 'accept-language': 'fr' });
      t.equal(fr.headers['x-cache'], 'MISS');
      t.equal(fr.body.toString(), 'lang fr');
      t.equal((await get('/api/vary', { 'accept-language': 'fr' })).body.toString(), 'lang fr');
      t.equal((await get('/api/vary', { 'accept-language': 'en' })).body.toString(), 'lang en');
      t.equal(asked('/api/vary'), 2);
      await get('/api/vary-star');
      t.equal((await get('/api/vary-star')).headers['x-cache'], 'MISS');
    },
  );

  await t.test("one caller's Authorization answer never reaches another", async (t) => {
    const alice = await get('/api/who', { authorization: 'Bearer alice' });
    const bob = await get('/api/who', { authorization: 'Bearer bob' });
    t.equal(alice.body.toString(), 'for Bearer alice');
    t.equal(bob.body.toString(), 'for Bearer bob');
    t.equal(bob.headers['x-cache'], 'BYPASS');
    const anonymous = await get('/api/who');
    t.equal(anonymous.body.toString(), 'for nobody', 'nothing was stored for the callers');
    t.equal((await get('/api/who', { cookie: 'sid=alice' })).headers['x-cache'], 'BYPASS');
  });

  await t.test(
    'a caller verified by an API key header shares nothing unless keyed by identity',
    async (t) => {
      const one = await get('/keyed/who', { 'x-api-key': KEY_ONE });
      const two = await get('/keyed/who', { 'x-api-key': KEY_TWO });
      t.equal(one.headers['x-cache'], 'BYPASS');
      t.equal(two.body.toString(), 'for app-two');
      t.equal((await get('/mine/who', { 'x-api-key': KEY_ONE })).headers['x-cache'], 'MISS');
      const again = await get('/mine/who', { 'x-api-key': KEY_ONE });
      t.equal(again.headers['x-cache'], 'HIT');
      t.equal(again.body.toString(), 'for app-one');
      const other = await get('/mine/who', { 'x-api-key': KEY_TWO });
      t.equal(other.headers['x-cache'], 'MISS', 'another caller, another entry');
      t.equal(other.body.toString(), 'for app-two');
    },
  );

  await t.test('the request Cache-Control: no-cache refetches and stores', async (t) => {
    const refreshed = await get('/api/item', { 'cache-control': 'no-cache' });
    t.equal(refreshed.headers['x-cache'], 'MISS');
    t.equal(asked('/api/item'), 2);
    t.equal((await get('/api/item')).headers['x-cache'], 'HIT');
  });

  await t.test('compression applies per client on a hit', async (t) => {
    await get('/api/text');
    const gz = await get('/api/text', { 'accept-encoding': 'gzip' });
    t.equal(gz.headers['x-cache'], 'HIT');
    t.equal(gz.headers['content-encoding'], 'gzip');
    t.equal(gunzipSync(gz.body).toString(), 'x'.repeat(4000));
    const plain = await get('/api/text');
    t.notOk(plain.headers['content-encoding']);
    t.equal(plain.body.length, 4000);
    t.equal(asked('/api/text'), 1);
  });

  await t.test('the memory backend drops the least recently used entries by bytes', async (t) => {
    await get('/lru/a');
    await get('/lru/b');
    t.equal((await get('/lru/a')).headers['x-cache'], 'HIT', 'a is now the most recent');
    await get('/lru/c');
    t.equal((await get('/lru/b')).headers['x-cache'], 'MISS', 'b, the least recent, went');
    t.equal((await get('/lru/c')).headers['x-cache'], 'HIT');
    await get('/lru/huge');
    t.equal((await get('/lru/huge')).headers['x-cache'], 'MISS', 'above max_entry_size');
    const stats = await admin(gw, 'GET', '/admin/cache');
    const lru = (stats.json as { caches: { route: string; stored_bytes: number }[] }).caches.find(
      (c) => c.route === 'lru',
    );
    t.ok(lru !== undefined && lru.stored_bytes <= 50 * 1024, 'within max_size');
  });

  await t.test('purge by key and by prefix through the admin API', async (t) => {
    await get('/api/purge-a');
    await get('/api/purge-b');
    const host = `127.0.0.1:${gw.port}`;
    const byKey = await admin(
      gw,
      'DELETE',
      `/admin/cache?key=${encodeURIComponent(`api|${host}|/api/purge-a|`)}`,
    );
    t.same(byKey.json, { purged: 1 });
    t.equal((await get('/api/purge-a')).headers['x-cache'], 'MISS');
    t.equal((await get('/api/purge-b')).headers['x-cache'], 'HIT');
    const byPrefix = await admin(
      gw,
      'DELETE',
      `/admin/cache?prefix=${encodeURIComponent(`api|${host}|/api/purge-`)}`,
    );
    t.same(byPrefix.json, { purged: 2 });
    t.equal((await get('/api/purge-b')).headers['x-cache'], 'MISS');
    t.equal((await admin(gw, 'DELETE', '/admin/cache')).status, 400);
    t.equal((await admin(gw, 'DELETE', '/admin/cache?key=x', undefined, null)).status, 401);
  });

  await t.test('hits, misses and bypasses are counted per route', async (t) => {
    const line = await gw.waitForLog((l) => l.msg === 'metrics listening');
    const samples = await scrape(`http://127.0.0.1:${String(line.port)}/metrics`);
    const count = (route: string, result: string) =>
      valueOf(samples, 'gatewayd_cache_lookups_total', { route, result });
    const stats = await admin(gw, 'GET', '/admin/cache');
    const api = (stats.json as { caches: Record<string, number | string>[] }).caches.find(
      (c) => c.route === 'api',
    );
    t.ok(api !== undefined && Number(api.hits) > 100);
    t.equal(count('api', 'hit'), api?.hits, 'the metric and the admin API agree');
    t.equal(count('api', 'miss'), api?.misses);
    t.equal(count('api', 'bypass'), api?.bypasses);
    t.ok((count('api', 'bypass') ?? 0) >= 3);
  });

  await t.test(
    'a reload keeps the entries of unchanged routes and empties changed ones',
    async (t) => {
      t.equal((await get('/api/item')).headers['x-cache'], 'HIT');
      t.equal((await get('/lru/c')).headers['x-cache'], 'HIT');
      writeFileSync(gw.file, config.replace('key: [path] }', 'key: [path], ttl: 2m }'));
      const reload = await admin(gw, 'POST', '/admin/reload');
      t.match(reload.json, { ok: true, changed: true });
      t.equal((await get('/api/item')).headers['x-cache'], 'HIT', 'unchanged route');
      t.equal((await get('/lru/c')).headers['x-cache'], 'MISS', 'changed route');
    },
  );
});
