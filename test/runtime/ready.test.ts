import t from 'tap';
import { request } from 'undici';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';

async function ready(gw: GatewaydProcess): Promise<{ status: number; body: string }> {
  const res = await request(gw.url('/ready'));
  return { status: res.statusCode, body: await res.body.text() };
}

/** Polls /ready until it answers `status` (bounded). */
async function readyBecomes(gw: GatewaydProcess, status: number, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  let last = await ready(gw);
  while (last.status !== status && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await ready(gw);
  }
  return last;
}

/** A gateway on an ephemeral port using the Redis at `url`, with `rest` as the rest of its config. */
function config(url: string, rest: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${url}" }
${rest}
observability:
  logging: { level: info, access_log: false }
`;
}

t.test('/ready is 503 while a Redis the config requires is down, 200 once back', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) return t.pass('REDIS_URL is shared: it cannot be stopped here');
  const gw = await startGatewayd(
    t,
    config(
      redis.url,
      `
routes:
  - path: /api
    direct_response: { status: 200, body: ok }
middleware:
  rate_limiting: { default_limit: 100/minute, on_store_error: deny }
`,
    ),
  );
  t.same(await readyBecomes(gw, 200), { status: 200, body: '{"status":"ready"}' });

  await redis.stop();
  const down = await readyBecomes(gw, 503);
  t.equal(down.status, 503, 'not ready: requests would be refused');
  t.match(JSON.parse(down.body), {
    error: 'SERVICE_UNAVAILABLE',
    message: 'a Redis this config requires is not connected',
  });
  t.notMatch(down.body, String(redis.port), 'the answer does not say where Redis is');
  const health = await request(gw.url('/health'));
  t.equal(health.statusCode, 200, '/health still says the process is alive');
  await health.body.dump();

  await redis.restart();
  t.equal((await readyBecomes(gw, 200)).status, 200, 'ready again once reconnected');
});

t.test('/ready stays 200 when Redis is only an optimisation', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) return t.pass('REDIS_URL is shared: it cannot be stopped here');
  const gw = await startGatewayd(
    t,
    config(
      redis.url,
      `
routes:
  - path: /api
    direct_response: { status: 200, body: ok }
middleware:
  rate_limiting: { default_limit: 100/minute, on_store_error: local }
`,
    ),
  );
  t.equal((await readyBecomes(gw, 200)).status, 200);
  const from = gw.logs.length;
  await redis.stop();
  await gw.waitForLog((l) => /redis (connection lost|unavailable)/.test(l.msg), 5000, from);
  t.equal((await ready(gw)).status, 200, 'limits count locally meanwhile: still ready');
});

t.test('a Redis key store is required: /ready follows it', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) return t.pass('REDIS_URL is shared: it cannot be stopped here');
  const gw = await startGatewayd(
    t,
    config(
      redis.url,
      `
routes:
  - path: /api
    auth_required: true
    direct_response: { status: 200, body: ok }
auth:
  api_keys: { store: redis }
`,
    ),
  );
  t.equal((await readyBecomes(gw, 200)).status, 200);
  await redis.stop();
  t.equal((await readyBecomes(gw, 503)).status, 503, 'keys cannot be checked: not ready');
  await redis.restart();
  t.equal((await readyBecomes(gw, 200)).status, 200);
});
