import t from 'tap';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { connect, within, type OpenClient } from '../helpers/ws-client.js';
import { WsUpstream } from '../helpers/ws-upstream.js';

const CLOSE_WINDOW_MS = 2000;
const PER_ROUTE = 50;
// Twenty reloads, each applied before the next is written: a reload that dropped or closed a
// connection shows at the first one; more only made the file longer (50 took 13.5 s, alone).
const RELOADS = 20;

/**
 * Two proxy routes, and an unrelated route whose answer is `version`. `reorder` writes route A's
 * keys in another order (same config); `changedA` changes route A for real.
 */
function config(
  upstream: string,
  version: number,
  opts: { reorder?: boolean; changedA?: boolean } = {},
): string {
  const routeA = opts.reorder
    ? `  - { websocket: proxy, upstream: chat, path: /ws/a${opts.changedA ? ', max_message_size: 2mb' : ''} }`
    : `  - { path: /ws/a, upstream: chat, websocket: proxy${opts.changedA ? ', max_message_size: 2mb' : ''} }`;
  return `
server:
  http_port: 0
  bind_address: 127.0.0.1
  timeouts: { websocket_close_window: ${CLOSE_WINDOW_MS}ms }
routes:
${routeA}
  - { path: /ws/b, upstream: chat, websocket: proxy }
  - { path: /version, direct_response: { status: 200, body: "v${version}" } }
  - { path: /extra-${version % 3}, direct_response: { status: 204 } }
upstreams:
  chat: { discovery: { type: Static, endpoints: ["${upstream}"] } }
observability:
  logging: { level: info, access_log: false }
`;
}

async function reload(gw: GatewaydProcess, yaml: string, generation: number): Promise<void> {
  gw.writeConfig(yaml);
  await gw.waitForLog((l) => l.msg === 'config loaded' && l.generation === generation, 10_000);
}

t.test('reloads keep proxied connections; a changed route closes its own with 1012', async (t) => {
  const upstream = await WsUpstream.start(t);
  const gw = await startGatewayd(t, config(upstream.url, 0));
  const url = (path: string) => `ws://127.0.0.1:${gw.port}${path}`;
  const open = async (path: string): Promise<OpenClient[]> => {
    const clients = await Promise.all(
      Array.from({ length: PER_ROUTE }, () => connect(t, url(path), { timeoutMs: 10_000 })),
    );
    return clients.map((c) => {
      if (!c.ok) throw new Error(`upgrade refused with ${c.status}: ${c.body}`);
      return c;
    });
  };
  const a = await open('/ws/a');
  const b = await open('/ws/b');
  const all = [...a, ...b];
  const closes: Array<{ route: string; code: number; at: number }> = [];
  for (const [route, clients] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (const c of clients) {
      void c.closed.then(({ code }) => closes.push({ route, code, at: performance.now() }));
    }
  }
  await upstream.waitFor((u) => u.connections.length === 2 * PER_ROUTE, 10_000);

  for (let i = 1; i <= RELOADS; i++) {
    await reload(gw, config(upstream.url, i, { reorder: i % 2 === 1 }), i + 1);
  }
  const loaded = gw.logs.filter((l) => l.msg === 'config loaded').length;
  t.equal(loaded, RELOADS + 1, `${RELOADS} reloads applied`);
  t.same(closes, [], 'no connection closed during the reloads');
  t.notOk(
    gw.logs.some((l) => l.msg === 'closing WebSocket connections whose route changed (1012)'),
    'no reload closed anything',
  );

  // Every connection still relays after the reloads.
  for (const c of all) c.ws.send('still here');
  await within(Promise.all(all.map((c) => c.next(10_000))), 15_000, 'an echo on every connection');
  t.ok(
    all.every((c) => c.messages.at(-1)?.data.toString() === 'still here'),
    `all ${2 * PER_ROUTE} connections relay after ${RELOADS} reloads`,
  );

  const changedAt = performance.now();
  await reload(gw, config(upstream.url, RELOADS + 1, { changedA: true }), RELOADS + 2);
  const closing = await gw.waitForLog(
    (l) => l.msg === 'closing WebSocket connections whose route changed (1012)',
  );
  t.equal(closing.connections, PER_ROUTE, "only route A's connections are closed");
  const closedA = await within(
    Promise.all(a.map((c) => c.closed)),
    CLOSE_WINDOW_MS + 3000,
    "route A's connections closing",
  );
  const elapsed = performance.now() - changedAt;
  t.ok(
    closedA.every((c) => c.code === 1012),
    `every route A connection got 1012 (${[...new Set(closedA.map((c) => c.code))].join(',')})`,
  );
  t.ok(elapsed < CLOSE_WINDOW_MS + 1500, `closed within the window (${Math.round(elapsed)} ms)`);
  const times = closes.filter((c) => c.route === 'a').map((c) => c.at - changedAt);
  t.ok(
    Math.max(...times) - Math.min(...times) > CLOSE_WINDOW_MS / 4,
    'the closes are spread over the window, not all at once',
  );

  // Past the whole window, route B's connections are all open and still relay.
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(closes.filter((c) => c.route === 'b').length, 0, "route B's connections stay open");
  for (const c of b) c.ws.send('after the change');
  await within(Promise.all(b.map((c) => c.next(10_000))), 15_000, 'route B echo');
  t.ok(
    b.every((c) => c.messages.at(-1)?.data.toString() === 'after the change'),
    'route B relays after route A changed',
  );
  await upstream.waitFor(
    (u) => u.connections.filter((c) => c.url === '/ws/a').length === PER_ROUTE,
    1000,
  );
  const upstreamA = upstream.connections.filter((c) => c.url === '/ws/a');
  const upstreamCloses = await within(
    Promise.all(upstreamA.map((c) => c.closed)),
    5000,
    "route A's upstream connections closing",
  );
  t.ok(
    upstreamCloses.every((c) => c.code === 1012),
    "the upstream side of route A's connections is closed too",
  );
});
