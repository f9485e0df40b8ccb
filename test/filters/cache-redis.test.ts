import t from 'tap';
import { request } from 'undici';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { nodeCommand, pollUntil, startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

t.test('the response cache in Redis, shared by two gateways', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t, {
    '/shared': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=30' });
      res.end('stored once');
    },
    '/vary': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', vary: 'accept-language' });
      res.end(`lang ${req.headers['accept-language'] ?? ''}`);
    },
    '/during-outage': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('still served');
    },
  });
  // A prefix of its own, so that a shared REDIS_URL keeps other runs' keys apart.
  const prefix = `gatewayd-cache-test-${process.pid}:`;
  const config = `
server: { http_port: 0, bind_address: 127.0.0.1, admin_port: 0 }
admin: { token: "\${ADMIN_TOKEN}" }
observability: { logging: { level: info, access_log: false } }
redis: { url: '${redis.url}', key_prefix: '${prefix}' }
routes:
  - name: shared
    path: /*
    upstream: svc
    cache: { backend: redis, key: [path, query] }
upstreams:
  svc: { discovery: { type: Static, endpoints: ['http://127.0.0.1:${upstream.port}'] } }
`;
  const [one, two] = await Promise.all([
    startGatewayd(t, config, { env: { ADMIN_TOKEN } }),
    startGatewayd(t, config, { env: { ADMIN_TOKEN } }),
  ]);
  const asked = (path: string): number => upstream.seen.filter((s) => s.url === path).length;
  async function get(port: number, path: string, headers: Record<string, string> = {}) {
    const res = await request(`http://127.0.0.1:${port}${path}`, { headers });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }

  await t.test('what one instance stored, the other serves', async (t) => {
    t.equal((await get(one.port, '/shared')).headers['x-cache'], 'MISS');
    // The store is written as the answer ends; the other instance reads it from then on.
    await pollUntil(
      'the entry in Redis',
      async () => (await nodeCommand(redis.port, 'EXISTS', `${prefix}cache:shared|/shared|`)) === 1,
      5000,
    );
    const fromTwo = await get(two.port, '/shared');
    t.equal(fromTwo.headers['x-cache'], 'HIT');
    t.equal(fromTwo.body, 'stored once');
    t.equal(asked('/shared'), 1);
  });

  await t.test('Vary variants are kept apart in Redis too', async (t) => {
    await get(one.port, '/vary', { 'accept-language': 'en' });
    await get(one.port, '/vary', { 'accept-language': 'de' });
    const de = await get(two.port, '/vary', { 'accept-language': 'de' });
    t.equal(de.headers['x-cache'], 'HIT');
    t.equal(de.body, 'lang de');
    t.equal((await get(two.port, '/vary', { 'accept-language': 'en' })).body, 'lang en');
    t.equal(asked('/vary'), 2);
  });

  await t.test('a purge on one instance empties the shared entry', async (t) => {
    const purged = await admin(
      one,
      'DELETE',
      `/admin/cache?key=${encodeURIComponent('shared|/shared|')}`,
    );
    t.same(purged.json, { purged: 1 });
    t.equal((await get(two.port, '/shared')).headers['x-cache'], 'MISS');
    const variants = await admin(
      two,
      'DELETE',
      `/admin/cache?prefix=${encodeURIComponent('shared|/vary')}`,
    );
    t.same(variants.json, { purged: 3 }, 'the Vary mark and its two variants');
  });

  await t.test('Redis down: misses, the gateway keeps serving, failures are counted', async (t) => {
    if (!redis.controllable) {
      t.pass('REDIS_URL is external: not stopped', { skip: 'external Redis' });
      return;
    }
    await redis.stop();
    for (let i = 0; i < 3; i++) {
      const res = await get(one.port, '/during-outage');
      t.equal(res.status, 200);
      t.equal(res.body, 'still served');
      t.equal(res.headers['x-cache'], 'MISS');
    }
    t.equal(asked('/during-outage'), 3);
    const stats = await admin(one, 'GET', '/admin/cache');
    const [shared] = (stats.json as { caches: { redis_failures: number }[] }).caches;
    t.ok((shared?.redis_failures ?? 0) >= 3, 'each failed lookup counted');
    const purge = await admin(
      one,
      'DELETE',
      `/admin/cache?prefix=${encodeURIComponent('shared|')}`,
    );
    t.equal(purge.status, 503, 'a purge that could not reach Redis says so');
  });
});
