import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import t from 'tap';
import { request } from 'undici';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { startRedis } from '../helpers/redis.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/** Names no other test uses: a shared REDIS_URL holds every test's counters. */
const run = randomBytes(4).toString('hex');
const KEY_ONE = `one-${run}-key-for-usage-analytics`;
const KEY_TWO = `two-${run}-key-for-usage-analytics`;
const SANDBOX = `code-sandbox-${run}`;
const TRAINER = `personal-trainer-${run}`;

const redis = await startRedis(t);
const upstream = await UpstreamServer.start(t, {
  '/fail': (_req, res: ServerResponse) => res.writeHead(500).end('failed'),
});

function config(withRedis: boolean): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
${withRedis && redis !== null ? `redis: { url: "${redis.url}" }` : ''}
auth:
  api_keys:
    header: x-api-key
    keys:
      - { name: one-${run}, hash: "${hashApiKey(KEY_ONE)}", tier: free }
      - { name: two-${run}, hash: "${hashApiKey(KEY_TWO)}", tier: pro }
  tiers: [free, pro]
routes:
  - { name: ${SANDBOX}, display_name: Code Sandbox, category: Advanced, path: "/modules/code-sandbox/*", upstream: svc, strip_prefix: true, auth_required: true }
  - { name: ${TRAINER}, path: "/modules/personal-trainer/*", upstream: svc, strip_prefix: true, auth_required: true }
  - { name: usage-${run}, path: /analytics/usage, methods: [GET], handler: usage, auth_required: true }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability: { logging: { level: info, access_log: false } }
`;
}

async function get(url: string, key: string): Promise<{ status: number; json: unknown }> {
  const res = await request(url, { headers: { 'x-api-key': key } });
  const text = await res.body.text();
  const json = res.headers['content-type'] === 'application/json' ? JSON.parse(text) : text;
  return { status: res.statusCode, json: json as unknown };
}

type Entry = Record<string, unknown>;
function ours(body: unknown): Entry[] {
  return ((body as { entries: Entry[] }).entries ?? []).filter((e) =>
    String(e.route).endsWith(run),
  );
}

t.test('per route and caller, in Redis: kept across a restart', async (t) => {
  if (redis === null) return;
  let gw = await startGatewayd(t, config(true));
  for (let i = 0; i < 3; i++) {
    t.equal((await get(gw.url('/modules/code-sandbox/run'), KEY_ONE)).status, 200);
  }
  t.equal((await get(gw.url('/modules/code-sandbox/fail'), KEY_ONE)).status, 500);
  t.equal((await get(gw.url('/modules/personal-trainer/plan'), KEY_TWO)).status, 200);

  const expected = [
    {
      route: SANDBOX,
      display_name: 'Code Sandbox',
      category: 'Advanced',
      caller: `api_key:one-${run}`,
      requests: 4,
      errors: 1,
    },
    { route: TRAINER, caller: `api_key:two-${run}`, requests: 1, errors: 0 },
  ];
  for (const window of ['hour', 'day', 'month']) {
    const res = await admin(gw, 'GET', `/admin/usage/modules?window=${window}`);
    t.equal(res.status, 200);
    t.match(res.json, { window, store: 'redis', bucket: String });
    t.same(ours(res.json), expected, `${window}: per route and caller, busiest first`);
  }
  const byDefault = await admin(gw, 'GET', '/admin/usage/modules');
  t.match(byDefault.json, { window: 'day' });
  const wrong = await admin(gw, 'GET', '/admin/usage/modules?window=week');
  t.equal(wrong.status, 400);
  t.match(wrong.json, { error: 'BAD_REQUEST', message: 'window must be one of hour, day, month' });

  // The caller's own view: only its routes, with the labels.
  const mine: Entry = { ...expected[0] };
  delete mine.caller;
  const own = await get(gw.url('/analytics/usage'), KEY_ONE);
  t.equal(own.status, 200);
  t.match(own.json, {
    caller: { kind: 'api_key', id: `one-${run}` },
    modules: {
      hour: { bucket: /^\d{4}-\d\d-\d\dT\d\d$/, routes: [mine] },
      day: { bucket: /^\d{4}-\d\d-\d\d$/, routes: [mine] },
      month: { bucket: /^\d{4}-\d\d$/, routes: [mine] },
    },
  });
  t.equal(
    (own.json as { modules: { day: { routes: unknown[] } } }).modules.day.routes.length,
    1,
    "another caller's routes are not shown",
  );

  // A new process reads what the old one counted: the counters are in Redis. A read sends this
  // process's last counts first (else they go within a second); stop() kills it as a crash would.
  await admin(gw, 'GET', '/admin/usage/modules?window=hour');
  await gw.stop();
  gw = await startGatewayd(t, config(true));
  t.equal((await get(gw.url('/modules/personal-trainer/plan'), KEY_TWO)).status, 200);
  const after = await admin(gw, 'GET', '/admin/usage/modules?window=hour');
  t.same(
    ours(after.json).map((e) => [e.route, e.requests]),
    [
      [SANDBOX, 4],
      [TRAINER, 2],
      [`usage-${run}`, 1],
    ],
    "the first process's counts, and the new one's added to them",
  );
});

t.test('without a redis block the process keeps the counters', async (t) => {
  const gw = await startGatewayd(t, config(false));
  t.equal((await get(gw.url('/modules/personal-trainer/plan'), KEY_TWO)).status, 200);
  const res = await admin(gw, 'GET', '/admin/usage/modules?window=month');
  t.match(res.json, { store: 'memory' });
  t.same(ours(res.json), [
    { route: TRAINER, caller: `api_key:two-${run}`, requests: 1, errors: 0 },
  ]);
});
