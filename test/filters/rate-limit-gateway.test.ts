import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import t from 'tap';
import { Agent, request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

type Tap = Parameters<typeof startGatewayd>[0];

/** Route names carry a run id: with a shared REDIS_URL, counters of earlier runs never apply. */
const RUN = randomUUID().slice(0, 8);

function config(upstream: string, body: string, redisUrl?: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
${redisUrl ? `redis: { url: "${redisUrl}", command_timeout: 200ms }` : ''}
${body}
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

/** `n` GET requests, all in flight at once, spread over the gateways; statuses counted. */
async function burst(gateways: GatewaydProcess[], path: string, n: number, t: Tap) {
  const agent = new Agent({ connections: n });
  t.teardown(() => agent.close());
  const statuses = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const gw = gateways[i % gateways.length] as GatewaydProcess;
      const res = await request(gw.url(path), { dispatcher: agent });
      await res.body.dump();
      return res.statusCode;
    }),
  );
  const count = (s: number) => statuses.filter((x) => x === s).length;
  return { ok: count(200), limited: count(429), other: statuses.length - count(200) - count(429) };
}

t.test(
  'one instance, memory store: limit 50 lets exactly 50 of 200 concurrent through',
  async (t) => {
    const upstream = await UpstreamServer.start(t);
    const gw = await startGatewayd(
      t,
      config(
        upstream.url,
        `routes:
  - { name: limited-${RUN}, path: /limited/*, upstream: svc, rate_limit: 50/minute }
middleware:
  rate_limiting: { key: ip }`,
      ),
    );
    t.same(await burst([gw], '/limited/x', 200, t), { ok: 50, limited: 150, other: 0 });
    t.equal(upstream.seen.length, 50, 'the upstream saw exactly the admitted requests');
    const res = await request(gw.url('/limited/x'));
    const body = JSON.parse(await res.body.text()) as { error: string };
    t.equal(res.statusCode, 429);
    t.equal(body.error, 'RATE_LIMITED');
    t.equal(res.headers['x-ratelimit-limit'], '50');
    t.equal(res.headers['x-ratelimit-remaining'], '0');
    t.match(res.headers['retry-after'], /^[1-9]\d*$/);
    t.match(res.headers['ratelimit-policy'], /;q=50;w=60$/);
  },
);

/** Sends requests on /allow/ until Redis holds their counter (bounded): the gateway uses Redis. */
async function countedInRedis(gw: GatewaydProcess, probe: Redis, t: Tap): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await burst([gw], '/allow/x', 1, t);
    if ((await probe.keys(`gatewayd:rl:*allow-${RUN}*`)).length > 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

t.test('two gatewayd processes sharing one Redis let through exactly the limit', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  const yaml = config(
    upstream.url,
    `routes:
  - { name: shared-${RUN}, path: /shared/*, upstream: svc, rate_limit: 60/minute }
  - { name: allow-${RUN}, path: /allow/*, upstream: svc, rate_limit: 1000000/minute }
middleware:
  rate_limiting: { key: ip, storage: { type: Redis } }`,
    redis.url,
  );
  const a = await startGatewayd(t, yaml);
  const b = await startGatewayd(t, yaml);
  // Each gateway connects to Redis in the background; until it has, it counts locally.
  const probe = new Redis(redis.url);
  t.teardown(() => probe.disconnect());
  for (const gw of [a, b]) t.ok(await countedInRedis(gw, probe, t), 'the gateway counts in Redis');
  const result = await burst([a, b], '/shared/x', 200, t);
  t.same(result, { ok: 60, limited: 140, other: 0 }, JSON.stringify(result));
  t.equal(upstream.seen.filter((r) => r.url.startsWith('/shared')).length, 60);
});

t.test(
  'Redis killed mid-run: the gateway keeps answering as configured, then recovers',
  async (t) => {
    const redis = await startRedis(t);
    if (redis === null) return;
    if (!redis.controllable) {
      t.comment('REDIS_URL is set: this test needs a private redis-server it can kill');
      return;
    }
    const upstream = await UpstreamServer.start(t);
    const gw = await startGatewayd(
      t,
      config(
        upstream.url,
        `routes:
  - { name: local-${RUN}, path: /local/*, upstream: svc, rate_limit: 40/minute }
  - { name: deny-${RUN}, path: /deny/*, upstream: svc, rate_limit: { limit: 1000/minute, on_store_error: deny } }
  - { name: allow-${RUN}, path: /allow/*, upstream: svc, rate_limit: { limit: 1000/minute, on_store_error: allow } }
middleware:
  rate_limiting: { key: ip, storage: { type: Redis }, on_store_error: local, instance_count: 2 }`,
        redis.url,
      ),
    );
    // The gateway connects to Redis in the background; until it has, limits count locally.
    const first = new Redis(redis.url);
    t.ok(await countedInRedis(gw, first, t), 'the gateway counts in Redis');
    first.disconnect();
    t.same(await burst([gw], '/local/x', 10, t), { ok: 10, limited: 0, other: 0 }, 'Redis up');

    await redis.stop();
    const started = performance.now();
    const local = await burst([gw], '/local/x', 40, t);
    t.same(
      local,
      { ok: 20, limited: 20, other: 0 },
      'Redis down, local: each of 2 instances admits half the limit',
    );
    const deny = await burst([gw], '/deny/x', 5, t);
    t.same(deny, { ok: 0, limited: 5, other: 0 }, 'Redis down, deny: refused');
    const allow = await burst([gw], '/allow/x', 5, t);
    t.same(allow, { ok: 5, limited: 0, other: 0 }, 'Redis down, allow: let through');
    const elapsed = performance.now() - started;
    t.ok(elapsed < 5000, `50 requests during the outage answered in ${elapsed.toFixed(0)} ms`);
    await gw.waitForLog((l) => /rate limit store/.test(String(l.msg)), 5000);

    const from = gw.logs.length;
    await redis.restart();
    const probe = new Redis(redis.url);
    t.teardown(() => probe.disconnect());
    t.ok(
      await countedInRedis(gw, probe, t),
      'requests are counted in Redis again after it restarts',
    );
    await gw.waitForLog((l) => l.msg === 'rate limit store available again', 5000, from);
  },
);

t.test('tier limits (seed 004): each caller counted against its tier', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    config(
      upstream.url,
      `auth:
  api_keys:
    keys:
      - { name: free-${RUN}, hash: "${hashApiKey('free-key-1')}", tier: free }
      - { name: pro-${RUN}, hash: "${hashApiKey('pro-key-1')}", tier: pro }
  tiers: [free, pro, enterprise, admin]
middleware:
  rate_limiting:
    tiers: { free: 3/hour, pro: 6/hour, enterprise: 10000/hour, admin: 100000/hour }
routes:
  - { path: /api/*, upstream: svc, auth_required: true }`,
    ),
  );
  const send = async (key: string) => {
    const res = await request(gw.url('/api/x'), { headers: { 'x-api-key': key } });
    await res.body.dump();
    return res;
  };
  const free = [];
  for (let i = 0; i < 5; i++) free.push((await send('free-key-1')).statusCode);
  t.same(free, [200, 200, 200, 429, 429], 'free: 3 per hour');
  const pro = [];
  for (let i = 0; i < 7; i++) pro.push((await send('pro-key-1')).statusCode);
  t.same(pro, [200, 200, 200, 200, 200, 200, 429], 'pro: 6 per hour, its own bucket');
  const last = await send('pro-key-1');
  t.equal(last.headers['x-ratelimit-limit'], '6');
});

t.test('a reload that keeps the limits keeps counting in Redis', async (t) => {
  const redis = await startRedis(t);
  if (redis === null) return;
  const upstream = await UpstreamServer.start(t);
  const routes = (extra: string) => `routes:
  - { name: allow-${RUN}, path: /allow/*, upstream: svc, rate_limit: 1000000/minute }
${extra}
middleware:
  rate_limiting: { key: ip, storage: { type: Redis }, on_store_error: local }`;
  const gw = await startGatewayd(t, config(upstream.url, routes(''), redis.url));
  const probe = new Redis(redis.url);
  t.teardown(() => probe.disconnect());
  t.ok(await countedInRedis(gw, probe, t), 'counted in Redis before the reload');
  const key = (await probe.keys(`gatewayd:rl:*allow-${RUN}*`))[0] as string;

  const from = gw.logs.length;
  gw.writeConfig(config(upstream.url, routes('  - { path: /other/*, upstream: svc }'), redis.url));
  await gw.waitForLog((l) => l.msg === 'config loaded', 5000, from);
  const before = Number(await probe.get(key));
  t.same(await burst([gw], '/allow/x', 5, t), { ok: 5, limited: 0, other: 0 });
  t.equal(Number(await probe.get(key)), before + 5, 'the kept limiter still counts in Redis');
});

t.test('a route limit counts without a middleware.rate_limiting block', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    config(
      upstream.url,
      `routes:
  - name: own-limit-${RUN}
    path: /limited
    upstream: svc
    rate_limit: 3/minute`,
    ),
  );
  const result = await burst([gw], '/limited', 10, t);
  t.same(result, { ok: 3, limited: 7, other: 0 }, 'exactly the route limit passes');
});

t.test('without trust_proxy a new X-Forwarded-For is not a new rate limit key', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    config(
      upstream.url,
      `routes:
  - { name: by-ip-${RUN}, path: /by-ip, upstream: svc, rate_limit: 3/minute }
middleware:
  rate_limiting: { key: ip }`,
    ),
  );
  const statuses: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const res = await request(gw.url('/by-ip'), {
      headers: { 'x-forwarded-for': `203.0.113.${i}` },
    });
    await res.body.dump();
    statuses.push(res.statusCode);
  }
  t.same(statuses, [200, 200, 200, 429, 429, 429], 'one key: the TCP peer');
  t.equal(upstream.seen.length, 3);
});

t.test("the gateway's rate limit headers replace the upstream's, never both", async (t) => {
  const ownHeaders = (_req: unknown, res: import('node:http').ServerResponse) => {
    res
      .writeHead(200, {
        'x-ratelimit-limit': '1000',
        'x-ratelimit-remaining': '998',
        'x-ratelimit-reset': '1699368000',
        'x-upstream': 'kept',
        vary: 'Accept-Encoding',
      })
      .end('ok');
  };
  const upstream = await UpstreamServer.start(t, {
    '/own-headers': ownHeaders,
    '/unlimited': ownHeaders,
  });
  const gw = await startGatewayd(
    t,
    config(
      upstream.url,
      `routes:
  - name: owned-headers-${RUN}
    path: /own-headers
    upstream: svc
    rate_limit: 5/minute
  - { name: unlimited-${RUN}, path: /unlimited, upstream: svc }
middleware:
  cors: { allowed_origins: ["https://app.example.com"] }`,
    ),
  );
  const unlimited = await request(gw.url('/unlimited'));
  await unlimited.body.dump();
  t.same(
    [
      unlimited.headers['x-ratelimit-limit'],
      unlimited.headers['x-ratelimit-remaining'],
      unlimited.headers['x-ratelimit-reset'],
    ],
    ['1000', '998', '1699368000'],
    "a route without a gateway limit keeps the upstream's own (seed 003)",
  );
  const res = await request(gw.url('/own-headers'), {
    headers: { origin: 'https://app.example.com' },
  });
  await res.body.dump();
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-ratelimit-limit'], '5', "one value: the gateway's");
  t.equal(res.headers['x-upstream'], 'kept', 'other upstream headers pass');
  const vary = [res.headers['vary'] ?? []].flat().join(', ');
  t.match(vary, /Accept-Encoding/, "the upstream's Vary stays");
  t.match(vary, /Origin/, "next to the route's");
});
