import { randomUUID } from 'node:crypto';
import t from 'tap';
import { Agent, request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { ADMIN_TOKEN, admin } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import {
  nodeCommand,
  pollUntil,
  startRedisCluster,
  type RedisClusterHandle,
} from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { HUB_BUS_CHANNEL } from '../../engine/websocket/hub/redis-channel-bus.js';
import { HubClient, SECRET, WEBHOOK_TOKEN, jwt } from '../websocket/hub-helpers.js';

/**
 * Two gatewayd instances on one Redis Cluster of three masters and three replicas: they share
 * a limit, deliver hub messages to each other exactly once, share managed keys, users, sessions
 * and runtime routes, and come back after a master dies.
 * One cluster for the whole file (six servers are heavy on two cores); subtests run in order.
 */

const RUN = randomUUID().slice(0, 8);
/** Routes whose limit keys land on different masters; the failover test uses one on the killed master. */
const LOAD_ROUTES = Array.from({ length: 12 }, (_, i) => i);

function config(nodes: string[], upstream: string): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
redis:
  cluster: { nodes: [${nodes.map((n) => `"${n}"`).join(', ')}] }
  command_timeout: 500ms
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
  api_keys: { store: redis }
identity:
  store: redis
routes:
  - { path: /keyed/*, upstream: svc, auth: [api_key] }
  - { name: shared-${RUN}, path: /shared/*, upstream: svc, rate_limit: { limit: 100/hour, key: route, on_store_error: deny } }
${LOAD_ROUTES.map((i) => `  - { name: load-${RUN}-${i}, path: /load/${i}/*, upstream: svc, rate_limit: { limit: 1000000/hour, key: route, on_store_error: deny } }`).join('\n')}
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false, timeout: "0s" }
websocket:
  server: { require_auth: true, ping_interval: "0s", idle_timeout: "0s" }
  channels:
    default: { require_auth: true, allow_publish: true, message_history: 20 }
  routing:
    persistence: { enabled: true, ttl: 1h }
  integration:
    webhook: { enabled: true, auth_token: "${WEBHOOK_TOKEN}" }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

async function hubClient(gw: GatewaydProcess, sub: string): Promise<HubClient> {
  const c = await HubClient.connect(`ws://127.0.0.1:${gw.port}/ws?token=${await jwt(sub)}`);
  await c.next((f) => f.type === 'connected');
  return c;
}

async function webhook(gw: GatewaydProcess, channel: string, data: unknown): Promise<number> {
  const res = await request(gw.url('/webhook/websocket'), {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'channel_broadcast', channel, data }),
  });
  await res.body.dump();
  return res.statusCode;
}

t.test('a Redis Cluster shared by two instances', async (t) => {
  const cluster = await startRedisCluster(t);
  if (!cluster) return;
  const upstream = await UpstreamServer.start(t);
  const yaml = config(cluster.nodes, upstream.url);
  const gateways = [await startGatewayd(t, yaml), await startGatewayd(t, yaml)];
  const [a, b] = gateways as [GatewaydProcess, GatewaydProcess];
  const agent = new Agent({ connections: 64 });
  t.teardown(() => agent.close());
  const get = async (gw: GatewaydProcess, path: string): Promise<number> => {
    const res = await request(gw.url(path), { dispatcher: agent, headersTimeout: 5000 });
    await res.body.dump();
    return res.statusCode;
  };

  await t.test('a limit of 100 lets exactly 100 of 300 requests through', async (t) => {
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => get(gateways[i % 2] as GatewaydProcess, '/shared/x')),
    );
    const count = (s: number) => statuses.filter((x) => x === s).length;
    t.same({ ok: count(200), limited: count(429) }, { ok: 100, limited: 200 });
  });

  await t.test('a hub message published on one instance reaches the other once', async (t) => {
    const channel = `cluster-${RUN}`;
    const onB = await hubClient(b, 'bob');
    t.teardown(() => onB.close());
    t.match(await onB.subscribe(channel), { type: 'ack' });
    t.equal(await webhook(a, channel, { n: 1 }), 202);
    // A second message after the first: once it is in, any duplicate of the first is too.
    t.equal(await webhook(a, channel, { n: 2 }), 202);
    await onB.next((f) => f.type === 'event' && (f.data as { n?: number }).n === 2);
    t.same(
      onB.events(channel).map((f) => (f.data as { n: number }).n),
      [1, 2],
      'each message exactly once, in order',
    );
  });

  await t.test('managed keys, users, sessions and runtime routes are shared', async (t) => {
    const created = await admin(a, 'POST', '/admin/api-keys', { name: `cluster-${RUN}` });
    t.equal(created.status, 201, 'a managed key made on A');
    const key = (created.json as { key: string }).key;
    const keyed = await request(b.url('/keyed/x'), { headers: { 'x-api-key': key } });
    await keyed.body.dump();
    t.equal(keyed.statusCode, 200, 'authenticates on B');

    const json = async (
      gw: GatewaydProcess,
      path: string,
      init: { method?: 'GET' | 'POST'; token?: string; body?: unknown } = {},
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await request(gw.url(path), {
        method: init.method ?? 'GET',
        headers: init.token === undefined ? {} : { authorization: `Bearer ${init.token}` },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text === '' ? {} : JSON.parse(text) };
    };
    const user = { username: `user-${RUN}`, password: 'cluster-password-123' };
    t.equal((await json(a, '/sessions/register', { method: 'POST', body: user })).status, 201);
    t.equal(
      (await json(b, '/sessions/register', { method: 'POST', body: user })).status,
      409,
      'B sees the user A registered',
    );
    const login = await json(b, '/sessions/login', { method: 'POST', body: user });
    t.equal(login.status, 200, 'the user logs in on B');
    const token = login.body.access_token as string;
    const sid = login.body.session_id as string;
    t.equal((await json(a, `/sessions/${sid}`, { token })).status, 200, "A sees B's session");
    t.equal((await json(a, '/sessions/logout', { method: 'POST', token })).status, 200);
    t.not((await json(b, `/sessions/${sid}`, { token })).status, 200, 'gone on B after logout');

    const route = { name: `runtime-${RUN}`, path: `/runtime-${RUN}/*`, upstream: 'svc' };
    t.equal((await admin(a, 'POST', '/admin/routes', route)).status, 201, 'a route added on A');
    const addedAt = performance.now();
    await pollUntil(
      'B serves the route A added',
      async () => (await get(b, `/runtime-${RUN}/x`)) === 200,
      5000,
    );
    t.comment(
      `B served the runtime route ${Math.round(performance.now() - addedAt)} ms after A took it`,
    );
  });

  await t.test('a master killed under load: limits and delivery work again', async (t) => {
    // The victim serves the hub bus's sharded channel; a load route and a channel whose
    // history keys live there too make limits and publishing wait for the failover as well.
    const busSlot = Number(await nodeCommand(a0(cluster), 'CLUSTER', 'KEYSLOT', HUB_BUS_CHANNEL));
    const victim = await cluster.masterOf(busSlot);
    const load = await routeOnMaster(cluster, victim.port, (i) => get(a, `/load/${i}/x`));
    const channel = await channelOnMaster(cluster, victim.port);
    const onB = await hubClient(b, 'carol');
    t.teardown(() => onB.close());
    t.match(await onB.subscribe(channel), { type: 'ack' });
    const killedAt = performance.now();
    const stopped = victim.stop();
    let failed = 0;
    let sent = 0;
    let lastFailureAt = killedAt;
    let okInARow = 0;
    // Paced load on both instances until 200 answers in a row are 200 (bounded to 30 s).
    while (okInARow < 200 && performance.now() - killedAt < 30_000) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          get(gateways[i % 2] as GatewaydProcess, `/load/${load}/x`),
        ),
      );
      sent += batch.length;
      for (const status of batch) {
        if (status === 200) okInARow++;
        else {
          failed++;
          okInARow = 0;
          lastFailureAt = performance.now();
        }
      }
    }
    await stopped;
    const recoveryMs = Math.round(lastFailureAt - killedAt);
    t.comment(
      `master on port ${victim.port} killed: ${failed} of ${sent} requests failed, limits recovered after ${recoveryMs} ms`,
    );
    t.equal(okInARow >= 200, true, 'requests pass again after the failover');

    // Publish until the webhook takes a message again (its history slot has a new master).
    let published = 0;
    let refused = 0;
    while (published !== 202 && performance.now() - killedAt < 30_000) {
      published = await webhook(a, channel, { n: 1 });
      if (published !== 202) refused++;
    }
    t.equal(published, 202, 'the webhook publishes again');
    await onB.next((f) => f.type === 'event' && f.channel === channel, 15_000);
    t.comment(
      `hub delivery back ${Math.round(performance.now() - killedAt)} ms after the kill (${refused} publishes refused first)`,
    );
    t.same(
      onB.events(channel).map((f) => (f.data as { n: number }).n),
      [1],
      'the message after the failover arrives once',
    );
  });
});

/** A hub channel name whose history keys hash to a slot that the master on `port` serves. */
async function channelOnMaster(cluster: RedisClusterHandle, port: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const channel = `failover-${RUN}-${i}`;
    const slot = Number(await nodeCommand(port, 'CLUSTER', 'KEYSLOT', `{${channel}}`));
    if ((await cluster.masterOf(slot)).port === port) return channel;
  }
  throw new Error(`no channel name found on the master on port ${port}`);
}

/** The port of a live node, to ask CLUSTER KEYSLOT. */
function a0(cluster: RedisClusterHandle): number {
  return (cluster.servers[0] as { port: number }).port;
}

/**
 * One of LOAD_ROUTES whose limit key is served by the master on `port`: each route counts one
 * request (`touch`), then its key's slot is looked up.
 */
async function routeOnMaster(
  cluster: RedisClusterHandle,
  port: number,
  touch: (i: number) => Promise<number>,
): Promise<number> {
  for (const i of LOAD_ROUTES) {
    if ((await touch(i)) !== 200) throw new Error(`route load ${i} refused its first request`);
    if ((await masterOfRateLimitKey(cluster, `load-${RUN}-${i}`)).port === port) return i;
  }
  throw new Error(`none of ${LOAD_ROUTES.length} load routes counts on the master on ${port}`);
}

/** The cluster node that is master for the slot of the route limit's key (found by SCAN). */
async function masterOfRateLimitKey(cluster: RedisClusterHandle, routeName: string) {
  const { servers } = cluster;
  for (const server of servers) {
    const [, keys] = (await nodeCommand(
      server.port,
      'SCAN',
      '0',
      'MATCH',
      `*${routeName}*`,
      'COUNT',
      '10000',
    )) as [string, string[]];
    const key = keys[0];
    if (key === undefined) continue;
    const slot = Number(await nodeCommand(server.port, 'CLUSTER', 'KEYSLOT', key));
    return cluster.masterOf(slot);
  }
  throw new Error(`no key of ${routeName} in the cluster`);
}
