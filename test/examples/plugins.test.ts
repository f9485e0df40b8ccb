import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import t from 'tap';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { jsonCall } from '../helpers/json-call.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/plugins/gateway.yaml', import.meta.url));
const SECRET = 'example-hmac-secret-0123456789';

function signed(
  method: string,
  target: string,
  opts: { at?: number; nonce?: string; secret?: string } = {},
) {
  const timestamp = String(Math.floor((opts.at ?? Date.now()) / 1000));
  const nonce = opts.nonce ?? randomUUID();
  const signature = createHmac('sha256', opts.secret ?? SECRET)
    .update(`${method}\n${target}\n${timestamp}\n${nonce}`)
    .digest('hex');
  return {
    'x-signature': signature,
    'x-signature-timestamp': timestamp,
    'x-signature-nonce': nonce,
  };
}

t.test('examples/plugins: HMAC signatures, tenant routing, header scrubbing', async (t) => {
  const upstream = await UpstreamServer.start(t);
  upstream.server.prependListener('request', (_req, res) => {
    res.setHeader('server', 'backend/2.4');
    res.setHeader('x-powered-by', 'Express');
    res.setHeader('x-backend-host', 'node-7');
  });
  const gw = await startGatewayd(t, '', {
    file: EXAMPLE,
    env: { PORT: '0', ORDERS_UPSTREAM: upstream.url, HMAC_SECRET: SECRET },
  });

  t.test(
    'hmac-signature: a good signature passes once; bad, stale and replayed ones are 401',
    async (t) => {
      const headers = signed('GET', '/partner/orders?since=2');
      const ok = await jsonCall(gw, 'GET', '/partner/orders?since=2', { headers });
      t.equal(ok.status, 200);
      t.equal(upstream.seen.at(-1)?.url, '/partner/orders?since=2');
      const replayed = await jsonCall(gw, 'GET', '/partner/orders?since=2', { headers });
      t.equal(replayed.status, 401);
      t.match(replayed.body, { error: 'UNAUTHORIZED', message: /already used/ });
      const unsigned = await jsonCall(gw, 'GET', '/partner/orders');
      t.equal(unsigned.status, 401);
      t.equal(unsigned.headers['www-authenticate'], 'HMAC-SHA256');
      const wrongKey = await jsonCall(gw, 'GET', '/partner/orders', {
        headers: signed('GET', '/partner/orders', { secret: 'another-secret-0123456789' }),
      });
      t.match(wrongKey.body, { message: /does not match/ });
      const otherTarget = await jsonCall(gw, 'GET', '/partner/orders?since=3', {
        headers: signed('GET', '/partner/orders?since=2'),
      });
      t.equal(otherTarget.status, 401, 'the query is signed');
      const stale = await jsonCall(gw, 'GET', '/partner/orders', {
        headers: signed('GET', '/partner/orders', { at: Date.now() - 600_000 }),
      });
      t.match(stale.body, { message: /outside the allowed skew/ });
    },
  );

  t.test('tenant-router: the upstream reads the pool the gateway chose', async (t) => {
    const acme = await jsonCall(gw, 'GET', '/api/orders', {
      headers: { 'x-tenant-id': 'acme', 'x-tenant-pool': 'pool-z' },
    });
    t.equal(acme.status, 200);
    t.equal(
      upstream.seen.at(-1)?.headers['x-tenant-pool'],
      'pool-a',
      "the client's value replaced",
    );
    await jsonCall(gw, 'GET', '/api/orders', { headers: { 'x-tenant-id': 'globex' } });
    t.equal(upstream.seen.at(-1)?.headers['x-tenant-pool'], 'pool-b');
    const before = upstream.seen.length;
    const unknown = await jsonCall(gw, 'GET', '/api/orders', {
      headers: { 'x-tenant-id': 'initech' },
    });
    t.equal(unknown.status, 403);
    t.match(unknown.body, { error: 'UNKNOWN_TENANT' });
    t.equal(upstream.seen.length, before, 'refused before the upstream');
  });

  t.test('header-scrubber: Server and X-Powered-By never reach the client', async (t) => {
    const partner = await jsonCall(gw, 'GET', '/partner/x', {
      headers: signed('GET', '/partner/x'),
    });
    t.equal(partner.status, 200);
    t.equal(partner.headers.server, undefined);
    t.equal(partner.headers['x-powered-by'], undefined);
    t.equal(partner.headers['x-backend-host'], 'node-7', 'the default list leaves others');
    const api = await jsonCall(gw, 'GET', '/api/x', { headers: { 'x-tenant-id': 'acme' } });
    t.equal(api.headers['x-backend-host'], undefined, "the route's own list");
    t.equal(api.headers.server, undefined);
  });
});

t.test(
  'hmac-signature with redis: a nonce used on one gatewayd is refused by another',
  async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return;
    const upstream = await UpstreamServer.start(t);
    const module = fileURLToPath(
      new URL('../../examples/plugins/hmac-signature.ts', import.meta.url),
    );
    const prefix = `gatewayd-test-${randomUUID()}:`;
    const yaml = `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${redis.url}" }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
plugins:
  - name: hmac
    module: ${module}
    config: { secret: "${SECRET}", key_prefix: "${prefix}" }
routes:
  - { path: /signed, upstream: svc, plugins: [hmac] }
`;
    const a = await startGatewayd(t, yaml);
    const b = await startGatewayd(t, yaml);
    const headers = signed('GET', '/signed', { nonce: 'shared-nonce' });
    t.equal((await jsonCall(a, 'GET', '/signed', { headers })).status, 200);
    const replayed = await jsonCall(b, 'GET', '/signed', { headers });
    t.equal(replayed.status, 401, 'the other instance knows the nonce');
    t.match(replayed.body, { message: /already used/ });
    const probe = new Redis(redis.url);
    t.teardown(() => probe.disconnect());
    const ttl = await probe.pttl(`${prefix}shared-nonce`);
    t.ok(ttl > 0 && ttl <= 600_000, `the nonce expires (${ttl} ms left)`);
  },
);
