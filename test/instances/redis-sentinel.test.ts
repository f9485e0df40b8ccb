import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { nodeCommand, pollUntil, startRedisSentinel } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/**
 * One master, one replica, three sentinels: the gateway finds the master through the sentinels,
 * follows the replica they promote when the master dies, and managed API keys created before
 * the failover still authenticate after it (the replica had them).
 */
t.test('Sentinel failover: the gateway follows the new master, keys survive', async (t) => {
  const sentinel = await startRedisSentinel(t);
  if (!sentinel) return;
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis:
  sentinel:
    master_name: ${sentinel.masterName}
    nodes: [${sentinel.sentinels.map((n) => `"${n}"`).join(', ')}]
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  api_keys: { store: redis }
routes:
  - { path: /api/*, upstream: svc, auth_required: true }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const created = await admin(gw, 'POST', '/admin/api-keys', { name: 'before-failover' });
  t.equal(created.status, 201, 'a managed key is created through the master');
  const key = (created.json as { key: string }).key;
  const call = async (): Promise<number> => {
    const res = await request(gw.url('/api/x'), { headers: { 'x-api-key': key } });
    await res.body.dump();
    return res.statusCode;
  };
  t.equal(await call(), 200, 'the key authenticates before the failover');
  // The key must have reached the replica before the master dies, or Redis itself lost it.
  await pollUntil(
    'the replica holds the key',
    async () => (await replicaKeys(sentinel.replica.port)) > 0,
    5000,
  );

  const oldMaster = sentinel.master.port;
  const killedAt = performance.now();
  await sentinel.master.stop();
  await pollUntil(
    'the sentinels promote the replica',
    async () => (await sentinel.currentMasterPort()) === sentinel.replica.port,
    20_000,
  );
  const promotedMs = Math.round(performance.now() - killedAt);
  let failed = 0;
  let status = 0;
  while (status !== 200 && performance.now() - killedAt < 30_000) {
    status = await call();
    if (status !== 200) failed++;
  }
  t.equal(status, 200, 'the key created before the failover authenticates after it');
  t.comment(
    `master ${oldMaster} killed: replica ${sentinel.replica.port} promoted after ${promotedMs} ms; the gateway answered again ${Math.round(performance.now() - killedAt)} ms after the kill (${failed} requests refused in between)`,
  );
  const after = await admin(gw, 'POST', '/admin/api-keys', { name: 'after-failover' });
  t.equal(after.status, 201, 'new keys are written to the new master');
});

/** How many keys the replica holds (DBSIZE), on a short-lived connection. */
async function replicaKeys(port: number): Promise<number> {
  return Number(await nodeCommand(port, 'DBSIZE'));
}
