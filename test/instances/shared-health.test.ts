import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { pollUntil, startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/**
 * Three gatewayd instances on one Redis share the health of an upstream: one of them checks it,
 * the others apply its verdicts, and when its endpoint dies all three stop sending there within
 * one check interval. When the checking instance dies, another takes over within one interval;
 * when Redis is gone, each instance checks by itself.
 */

const INTERVAL_MS = 500;

interface HealthChecks {
  shared: boolean;
  mode: string;
  prober: string | null;
  instance: string;
  checked_here: boolean;
}

interface UpstreamView {
  health_checks: HealthChecks;
  endpoints: Array<{ url: string; healthy: boolean; health_source: string; ejected: boolean }>;
}

async function view(gw: GatewaydProcess, upstream = 'svc'): Promise<UpstreamView> {
  const res = await admin(gw, 'GET', '/admin/upstreams');
  const all = (res.json as { upstreams: Array<UpstreamView & { name: string }> }).upstreams;
  return all.find((u) => u.name === upstream) as UpstreamView;
}

function healthRequests(server: UpstreamServer): number {
  return server.seen.filter((r) => r.url === '/health').length;
}

t.test('three instances share the health of an upstream', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const steady = await UpstreamServer.start(t);
  const doomed = await UpstreamServer.start(t);
  // Healthy to its checks, but every request through the gateway gets a 500.
  const erring = await UpstreamServer.start(t, {
    '/flaky/x': (_req, res) => {
      res.statusCode = 500;
      res.end();
    },
  });
  const yaml = `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis: { url: "${redis.url}", key_prefix: "shared-health-${process.pid}:" }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
routes:
  - { path: /api/*, upstream: svc, retries: { attempts: 1 } }
  - { path: /flaky/*, upstream: flaky, retries: { attempts: 1 } }
upstreams:
  svc:
    discovery: { type: Static, endpoints: ["${steady.url}", "${doomed.url}"] }
    health_check: { path: /health, interval: ${INTERVAL_MS}ms, timeout: 200ms, unhealthy_threshold: 1, healthy_threshold: 1 }
    outlier_detection: { enabled: false }
  flaky:
    discovery: { type: Static, endpoints: ["${steady.url}", "${erring.url}"] }
    health_check: { path: /flaky-health, interval: ${INTERVAL_MS}ms, timeout: 200ms }
    outlier_detection: { consecutive_failures: 2, base_ejection_time: 30s }
observability:
  logging: { level: info, access_log: false }
`;
  const gateways: GatewaydProcess[] = [];
  const killed = new Set<GatewaydProcess>();
  for (let i = 0; i < 3; i++) gateways.push(await startGatewayd(t, yaml));

  const probers = async (among = gateways): Promise<GatewaydProcess[]> => {
    const views = await Promise.all(among.map((gw) => view(gw)));
    return among.filter((_, i) => views[i]?.health_checks.checked_here === true);
  };

  await t.test('one instance checks, the other two follow it', async (t) => {
    await pollUntil(
      'exactly one instance checks and the others name it',
      async () => {
        const views = await Promise.all(gateways.map((gw) => view(gw)));
        const holders = new Set(views.map((v) => v.health_checks.prober));
        return (
          views.filter((v) => v.health_checks.checked_here).length === 1 &&
          views.filter((v) => v.health_checks.mode === 'follower').length === 2 &&
          holders.size === 1
        );
      },
      5 * INTERVAL_MS,
    );
    t.equal((await probers()).length, 1);
    // Over eight intervals, one checker sends about eight checks to an endpoint; three would
    // send about twenty-four.
    const before = healthRequests(steady);
    const started = performance.now();
    await steady.waitFor((s) => healthRequests(s) >= before + 8, 20 * INTERVAL_MS);
    const elapsed = performance.now() - started;
    const perInterval = (8 / elapsed) * INTERVAL_MS;
    t.comment(
      `${perInterval.toFixed(2)} checks per interval reach one endpoint from three instances`,
    );
    t.ok(perInterval < 1.6, 'the endpoint is checked as if by one instance');
  });

  await t.test('a dead endpoint: all three stop sending to it within one interval', async (t) => {
    const killedAt = performance.now();
    await doomed.close();
    const outAt: number[] = [];
    await Promise.all(
      gateways.map(async (gw) => {
        await pollUntil(
          'the instance takes the dead endpoint out',
          async () =>
            (await view(gw)).endpoints.find((e) => e.url === doomed.url)?.healthy === false,
          5 * INTERVAL_MS,
        );
        outAt.push(performance.now() - killedAt);
      }),
    );
    const slowest = Math.round(Math.max(...outAt));
    t.comment(`all three instances took the endpoint out ${slowest} ms after it died`);
    t.ok(slowest <= INTERVAL_MS * 1.1 + 250, 'within one interval (and a status poll)');
    const sources = await Promise.all(
      gateways.map(async (gw) => (await view(gw)).endpoints.find((e) => e.url === doomed.url)),
    );
    t.same(
      sources.map((s) => s?.health_source).sort(),
      ['local', 'shared', 'shared'],
      'the prober decided it, the others were told',
    );
    for (const gw of gateways) {
      for (let i = 0; i < 4; i++) {
        const res = await request(gw.url('/api/x'));
        await res.body.dump();
        t.equal(res.statusCode, 200, 'requests go to the live endpoint only');
      }
    }
  });

  await t.test('an ejection on one instance ejects the endpoint on all three', async (t) => {
    const [first, ...others] = gateways as [GatewaydProcess, ...GatewaydProcess[]];
    const ejectedOn = async (gw: GatewaydProcess): Promise<boolean> =>
      (await view(gw, 'flaky')).endpoints.find((e) => e.url === erring.url)?.ejected === true;
    // Round robin over two endpoints: four requests give the erring one its two failures.
    for (let i = 0; i < 4 && !(await ejectedOn(first)); i++) {
      const res = await request(first.url('/flaky/x'));
      await res.body.dump();
    }
    t.ok(await ejectedOn(first), 'the instance that saw the failures ejected the endpoint');
    const ejectedAt = performance.now();
    await Promise.all(
      others.map((gw) =>
        pollUntil('the other instance ejects it too', () => ejectedOn(gw), INTERVAL_MS),
      ),
    );
    t.comment(
      `the two other instances ejected it within ${Math.round(performance.now() - ejectedAt)} ms`,
    );
    const proxied = (): number => erring.seen.filter((r) => r.url === '/flaky/x').length;
    const before = proxied();
    for (const gw of others) {
      for (let i = 0; i < 4; i++) {
        const res = await request(gw.url('/flaky/x'));
        await res.body.dump();
        t.equal(res.statusCode, 200, 'the other instances send nothing to the ejected endpoint');
      }
    }
    t.equal(proxied() - before, 0, 'the ejected endpoint got no request from them');
  });

  await t.test('the prober dies: another instance takes over within one interval', async (t) => {
    const [prober] = await probers();
    if (prober === undefined) throw new Error('no prober');
    const rest = gateways.filter((g) => g !== prober);
    const killedAt = performance.now();
    await prober.stop();
    killed.add(prober);
    await pollUntil(
      'one of the remaining instances checks',
      async () => (await probers(rest)).length === 1,
      5 * INTERVAL_MS,
    );
    const tookMs = Math.round(performance.now() - killedAt);
    t.comment(`a new prober took over ${tookMs} ms after the old one was killed`);
    t.ok(tookMs <= INTERVAL_MS + 250, 'within one interval (and a status poll)');
  });
  const skip = redis.controllable
    ? false
    : 'REDIS_URL names a shared server, which this test cannot stop';
  await t.test('Redis is gone: every instance checks on its own', { skip }, async (t) => {
    const rest = gateways.filter((g) => !killed.has(g));
    const stoppedAt = performance.now();
    await redis.stop();
    await pollUntil(
      'every remaining instance checks locally',
      async () => {
        const views = await Promise.all(rest.map((gw) => view(gw)));
        return views.every((v) => v.health_checks.mode === 'local' && v.health_checks.checked_here);
      },
      5 * INTERVAL_MS,
    );
    t.comment(
      `${rest.length} instances checked on their own ${Math.round(performance.now() - stoppedAt)} ms after Redis stopped`,
    );
    for (const gw of rest) {
      const res = await request(gw.url('/api/x'));
      await res.body.dump();
      t.equal(res.statusCode, 200, 'the live endpoint still serves');
    }
  });
});
