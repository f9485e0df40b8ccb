import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import t from 'tap';
import { Agent, request } from 'undici';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';

type Tap = { teardown(fn: () => unknown): void };

/** An upstream that answers every request with its own name, so the client sees who served it. */
async function namedServer(t: Tap, name: string): Promise<string> {
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function config(v1: string, v2: string, stickyWeights: [number, number]): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - path: /shop/*
    upstreams:
      - { name: v1, weight: 90 }
      - { name: v2, weight: 10 }
  - path: /shop/*
    match: { headers: { x-canary: "true" } }
    upstream: v2
  - path: /shop/*
    match: { cookies: { release: beta } }
    upstream: v2
  - path: /sticky/*
    upstreams:
      - { name: v1, weight: ${stickyWeights[0]} }
      - { name: v2, weight: ${stickyWeights[1]} }
    split_on: header:x-user-id
  - path: /bluegreen/*
    upstreams:
      - { name: v1, weight: 0 }
      - { name: v2, weight: 100 }
upstreams:
  v1: { discovery: { type: Static, endpoints: ["${v1}"] } }
  v2: { discovery: { type: Static, endpoints: ["${v2}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

async function setup(t: Tap & Parameters<typeof startGatewayd>[0]) {
  const v1 = await namedServer(t, 'v1');
  const v2 = await namedServer(t, 'v2');
  const gw = await startGatewayd(t, config(v1, v2, [90, 10]));
  const agent = new Agent({ connections: 20 });
  t.teardown(() => agent.close());
  const who = async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(gw.url(path), { headers, dispatcher: agent });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${text}`);
    return text;
  };
  return { v1, v2, gw, who };
}

// The tests that keep the weights as configured share one gatewayd: each split is a smooth
// weighted round robin per route, so any run of whole rounds (100 requests at 90/10) counts
// exactly, wherever the rounds before it stopped. The reload test has a gatewayd of its own.
const shared = await setup(t);

/** Sends `n` requests, `concurrency` at a time, and counts the answers by upstream name. */
async function tally(n: number, concurrency: number, send: (i: number) => Promise<string>) {
  const counts: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const name = await send(next++);
        counts[name] = (counts[name] ?? 0) + 1;
      }
    }),
  );
  return counts;
}

t.test('a 90/10 split sends exactly 10% to the canary', async (t) => {
  const { who } = shared;
  const counts = await tally(2000, 20, () => who('/shop/items'));
  t.same(counts, { v1: 1800, v2: 200 }, JSON.stringify(counts));
});

t.test('a header or cookie match sends every request to the canary', async (t) => {
  const { who } = shared;
  const byHeader = await tally(200, 10, () => who('/shop/items', { 'x-canary': 'true' }));
  t.same(byHeader, { v2: 200 });
  const byCookie = await tally(200, 10, () => who('/shop/items', { cookie: 'a=1; release=beta' }));
  t.same(byCookie, { v2: 200 });
  const otherValues = await tally(100, 10, () =>
    who('/shop/items', { 'x-canary': 'false', cookie: 'release=stable' }),
  );
  t.same(otherValues, { v1: 90, v2: 10 }, 'other values fall back to the weighted split');
});

t.test('weight 0 takes no traffic: blue/green switch', async (t) => {
  const { who } = shared;
  t.same(await tally(100, 10, () => who('/bluegreen/x')), { v2: 100 });
});

async function usersOn(gw: GatewaydProcess, users: number, agent: Agent) {
  const placement = new Map<string, string>();
  for (let u = 0; u < users; u++) {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await request(gw.url(`/sticky/${i}`), {
        headers: { 'x-user-id': `user-${u}` },
        dispatcher: agent,
      });
      seen.add(await res.body.text());
    }
    if (seen.size !== 1) throw new Error(`user-${u} was served by ${[...seen].join(' and ')}`);
    placement.set(`user-${u}`, [...seen][0] as string);
  }
  return placement;
}

t.test(
  'split_on keeps each client on one upstream; raising a weight only moves clients to it',
  async (t) => {
    const { v1, v2, gw } = await setup(t);
    const agent = new Agent({ connections: 4 });
    t.teardown(() => agent.close());
    const users = 1000;
    const before = await usersOn(gw, users, agent);
    const onV2 = [...before.values()].filter((v) => v === 'v2').length;
    t.ok(
      Math.abs(onV2 / users - 0.1) <= 0.05,
      `${onV2} of ${users} clients on the 10% canary (within ±5 points)`,
    );

    const from = gw.logs.length;
    gw.writeConfig(config(v1, v2, [50, 50]));
    await gw.waitForLog((l) => l.msg === 'config loaded', 3000, from);
    const after = await usersOn(gw, users, agent);
    const movedBack = [...before].filter(([u, v]) => v === 'v2' && after.get(u) !== 'v2');
    t.equal(movedBack.length, 0, 'no client of the canary went back to v1');
    const nowOnV2 = [...after.values()].filter((v) => v === 'v2').length;
    t.ok(Math.abs(nowOnV2 / users - 0.5) <= 0.05, `${nowOnV2} of ${users} on v2 at 50/50`);
  },
);

t.test('a request without the split key is split by weight alone', async (t) => {
  const { who } = shared;
  t.same(await tally(100, 10, () => who('/sticky/x')), { v1: 90, v2: 10 });
});

t.test('split_on a JWT claim keeps each tenant on one upstream', async (t) => {
  const v1 = await namedServer(t, 'v1');
  const v2 = await namedServer(t, 'v2');
  const secret = 'split-test-secret-long-enough-for-hs256';
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  jwt: { secret: "${secret}", algorithm: HS256 }
routes:
  - path: /tenant/*
    auth_required: true
    upstreams: [{ name: v1, weight: 50 }, { name: v2, weight: 50 }]
    split_on: claim:tenant
upstreams:
  v1: { discovery: { type: Static, endpoints: ["${v1}"] } }
  v2: { discovery: { type: Static, endpoints: ["${v2}"] } }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const placement = new Map<string, Set<string>>();
  for (let tenant = 0; tenant < 40; tenant++) {
    for (let user = 0; user < 3; user++) {
      const token = await new SignJWT({ sub: `u${user}`, tenant: `t${tenant}` })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret));
      const res = await request(gw.url('/tenant/x'), {
        headers: { authorization: `Bearer ${token}` },
      });
      const seen = placement.get(`t${tenant}`) ?? new Set<string>();
      seen.add(await res.body.text());
      placement.set(`t${tenant}`, seen);
    }
  }
  t.ok(
    [...placement.values()].every((s) => s.size === 1),
    'every user of a tenant lands on the same upstream',
  );
  const onV2 = [...placement.values()].filter((s) => s.has('v2')).length;
  t.ok(onV2 > 5 && onV2 < 35, `${onV2} of 40 tenants on v2 at 50/50`);
});
