import { SignJWT } from 'jose';
import t from 'tap';
import type { Page } from 'playwright-core';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startBrowser, startStaticSite, type StaticSite } from '../helpers/browser.js';
import { freePort } from '../helpers/free-port.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';

/**
 * The hub client package in Chromium against a real gatewayd: pages load it as an ES module
 * from a static site on another origin, fetch their tokens there, and talk to the hub.
 */

const SECRET = 'a-browser-test-secret-long-enough-for-hs256';
const root = t;
const WAIT_MS = 8000;

const browser = await startBrowser(t);
if (browser === null) process.exit(0);

/** Token requests wait while the gate is closed: a test holds reconnects back with it. */
let gate: Promise<void> = Promise.resolve();
let openGate: () => void = () => undefined;
function closeGate(): void {
  gate = new Promise((resolve) => (openGate = resolve));
}

const PAGE = `<!doctype html>
<meta charset="utf-8" />
<title>hub client</title>
<script type="module">
  import { HubClient } from '/hub-client/index.js';
  window.hubs = {};
  window.startHub = (name, { url, sub, ttls, raw }) => {
    const record = { states: [], events: [], errors: [], tokenCalls: 0, connections: [] };
    const hub = new HubClient({
      url,
      token: async () => {
        const ttl = ttls[Math.min(record.tokenCalls, ttls.length - 1)];
        record.tokenCalls++;
        const query = raw === undefined ? 'sub=' + sub + '&ttl=' + ttl : 'raw=' + raw;
        const answer = await fetch('/token?' + query);
        if (!answer.ok) throw new Error('token endpoint answered ' + answer.status);
        return answer.text();
      },
      backoff: { initialMs: 100, maxMs: 500 },
    });
    hub.on('state', (state) => record.states.push(state));
    hub.on('connected', (info) => record.connections.push(info));
    hub.on('error', (error) => record.errors.push(error.code));
    window.hubs[name] = { hub, record };
  };
  window.subscribe = (name, channel) =>
    window.hubs[name].hub
      .subscribe(channel, (data) => window.hubs[name].record.events.push(data))
      .then((ack) => ack.replayed);
  window.publish = (name, channel, data) =>
    window.hubs[name].hub.publish(channel, data).then((ack) => ack.seq);
  document.title = 'ready';
</script>`;

async function tokenRoute(url: URL, res: import('node:http').ServerResponse): Promise<boolean> {
  if (url.pathname !== '/token') return false;
  await gate;
  const raw = url.searchParams.get('raw');
  if (raw !== null) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(raw);
    return true;
  }
  const ttl = Number(url.searchParams.get('ttl') ?? 600);
  const token = await new SignJWT({ roles: ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(url.searchParams.get('sub') ?? 'anyone')
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .sign(new TextEncoder().encode(SECRET));
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(token);
  return true;
}

const site = await startStaticSite(t, { '/': PAGE }, (_req, res, url) => tokenRoute(url, res));
const foreign = await startStaticSite(t, { '/': PAGE }, (_req, res, url) => tokenRoute(url, res));
const port = await freePort();

function config(roomHistory: number): string {
  return `
server:
  http_port: ${port}
  bind_address: 127.0.0.1
  timeouts: { websocket_close_window: 200ms }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "${SECRET}", algorithm: HS256, query_parameter: token }
routes:
  - { path: /ws, handler: websocket }
websocket:
  server:
    allowed_origins: ["${site.origin}"]
    refused_upgrade: close
    ping_interval: 0s
    auth_grace_period: 1s
  channels:
    default: { allow_publish: true, message_history: 100 }
    room: { allow_publish: true, message_history: ${roomHistory} }
  routing:
    persistence: { storage: memory }
observability:
  logging: { level: info, access_log: true }
`;
}

let gw: GatewaydProcess = await startGatewayd(t, config(100));
const hubUrl = `ws://127.0.0.1:${port}/ws`;

interface Recorded {
  states: string[];
  events: unknown[];
  errors: string[];
  tokenCalls: number;
  connections: Array<{ connectionId: string; epoch: string; epochChanged: boolean }>;
}

async function openPage(from: StaticSite = site): Promise<{ page: Page; console: string[] }> {
  const page = await (browser as NonNullable<typeof browser>).newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(m.text()));
  await page.goto(`${from.origin}/`, { timeout: WAIT_MS });
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { title: string } }).document.title === 'ready',
    null,
    { timeout: WAIT_MS },
  );
  return { page, console };
}

function start(
  page: Page,
  name: string,
  opts: { sub?: string; ttls?: number[]; raw?: string } = {},
): Promise<void> {
  return page.evaluate(
    ([n, o]) => (globalThis as unknown as { startHub(n: string, o: unknown): void }).startHub(n, o),
    [
      name,
      { url: hubUrl, sub: opts.sub ?? name, ttls: opts.ttls ?? [600], raw: opts.raw },
    ] as const,
  );
}

function recordOf(page: Page, name: string): Promise<Recorded> {
  return page.evaluate(
    (n) =>
      (globalThis as unknown as { hubs: Record<string, { record: Recorded }> }).hubs[n]?.record ??
      null,
    name,
  ) as Promise<Recorded>;
}

/** Waits (bounded) until the named hub's record passes `test`, evaluated in the page. */
async function until(page: Page, name: string, test: string): Promise<Recorded> {
  await bounded(
    page.waitForFunction(
      ([n, body]) => {
        const r = (globalThis as unknown as { hubs: Record<string, { record: Recorded }> }).hubs[n]
          ?.record;
        return (
          r !== undefined && (new Function('r', `return ${body}`) as (r: unknown) => boolean)(r)
        );
      },
      [name, test] as const,
      { timeout: WAIT_MS, polling: 20 },
    ),
    `${name}: ${test}`,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}; record: ${JSON.stringify(await recordOf(page, name))}`);
  });
  return recordOf(page, name);
}

/** page.evaluate has no timeout of its own. */
function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${WAIT_MS} ms`)), WAIT_MS);
    }),
  ]);
}

function subscribe(page: Page, name: string, channel: string): Promise<number> {
  return bounded(
    page.evaluate(
      ([n, c]) =>
        (globalThis as unknown as { subscribe(n: string, c: string): Promise<number> }).subscribe(
          n,
          c,
        ),
      [name, channel] as const,
    ),
    `${name} subscribing to ${channel}`,
  );
}

function publish(page: Page, name: string, channel: string, data: unknown): Promise<number> {
  return bounded(
    page.evaluate(
      ([n, c, d]) =>
        (
          globalThis as unknown as { publish(n: string, c: string, d: unknown): Promise<number> }
        ).publish(n, c, d),
      [name, channel, data] as const,
    ),
    `${name} publishing to ${channel}`,
  );
}

async function broadcast(channel: string, message: unknown): Promise<void> {
  const answer = await admin(gw, 'POST', `/admin/websocket/channels/${channel}/broadcast`, {
    message,
  });
  if (answer.status !== 202) throw new Error(`broadcast answered ${answer.status}`);
}

const a = await openPage();
const b = await openPage();

t.test('two pages exchange messages', async (t) => {
  await start(a.page, 'a');
  await start(b.page, 'b');
  await subscribe(a.page, 'a', 'room');
  await subscribe(b.page, 'b', 'room');
  await publish(b.page, 'b', 'room', 'from b');
  await publish(a.page, 'a', 'room', 'from a');
  for (const [page, name] of [
    [a.page, 'a'],
    [b.page, 'b'],
  ] as const) {
    const r = await until(page, name, 'r.events.length >= 2');
    t.same(r.events, ['from b', 'from a'], `${name} got both, in order`);
  }
});

t.test('a forced close resumes exactly the missed messages', async (t) => {
  const before = await recordOf(a.page, 'a');
  const id = before.connections.at(-1)?.connectionId as string;
  closeGate();
  const closed = await admin(gw, 'DELETE', `/admin/websocket/connections/${id}`);
  t.equal(closed.status, 204);
  await until(a.page, 'a', "r.states.at(-1) === 'connecting'");
  const missed = ['m1', 'm2', 'm3', 'm4', 'm5'];
  for (const m of missed) await publish(b.page, 'b', 'room', m);
  openGate();
  const after = await until(a.page, 'a', `r.events.length >= ${before.events.length + 5}`);
  t.same(after.events.slice(before.events.length), missed, 'the five, once, in order');
  t.equal(after.connections.length, 2, 'one new connection');
});

t.test('a 1012 reload: both pages resume exactly the missed messages', async (t) => {
  const before = await Promise.all([recordOf(a.page, 'a'), recordOf(b.page, 'b')]);
  closeGate();
  gw.writeConfig(config(101));
  const reloaded = await admin(gw, 'POST', '/admin/reload');
  t.equal(reloaded.status, 200, 'the room policy changed: its subscribers get 1012');
  await until(a.page, 'a', `r.connections.length === 2 && r.states.at(-1) === 'connecting'`);
  await until(b.page, 'b', `r.states.at(-1) === 'connecting'`);
  const missed = ['r1', 'r2', 'r3', 'r4', 'r5'];
  for (const m of missed) await broadcast('room', m);
  openGate();
  for (const [page, name, seen] of [
    [a.page, 'a', before[0]],
    [b.page, 'b', before[1]],
  ] as const) {
    const r = await until(page, name, `r.events.length >= ${seen.events.length + 5}`);
    t.same(r.events.slice(seen.events.length), missed, `${name}: the five, once, in order`);
  }
});

t.test('a gateway restart with a memory history loses nothing published after it', async (t) => {
  const before = await recordOf(a.page, 'a');
  closeGate();
  await gw.stop();
  await until(a.page, 'a', "r.states.at(-1) === 'connecting'");
  // Owned by the file, not this subtest: the later tests use it.
  gw = await startGatewayd(root, config(101));
  // The new gateway numbers from 1 again: a client resuming with its old since gets nothing.
  for (const m of ['n1', 'n2']) await broadcast('room', m);
  openGate();
  const after = await until(a.page, 'a', `r.events.length >= ${before.events.length + 2}`);
  t.same(after.events.slice(before.events.length), ['n1', 'n2']);
  t.match(after.connections.at(-1), { epochChanged: true });
  await until(b.page, 'b', `r.connections.at(-1)?.epochChanged === true`);
});

t.test('an expired token is refreshed in band', async (t) => {
  const c = await openPage();
  await start(c.page, 'c', { ttls: [2, 600] });
  await subscribe(c.page, 'c', 'room');
  // The first token ends within 2 s; the hub says TOKEN_EXPIRED and gives 1 s to replace it.
  await until(c.page, 'c', 'r.tokenCalls === 2');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await broadcast('room', 'still here');
  const r = await until(c.page, 'c', 'r.events.includes("still here")');
  t.equal(r.connections.length, 1, 'the same connection');
  t.notOk(r.states.includes('reconnecting'), 'never dropped');
  await c.page.close();
});

t.test('a refused token ends in unauthorized, without a retry loop', async (t) => {
  const d = await openPage();
  await start(d.page, 'd', { raw: 'not-a-token-1234' });
  const r = await until(d.page, 'd', "r.states.includes('unauthorized')");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const later = await recordOf(d.page, 'd');
  t.same(later.states, ['unauthorized'], 'no reconnecting after it');
  t.equal(later.tokenCalls, 1, 'one attempt');
  t.same(r.connections, []);
  t.notOk(
    d.console.some((line) => line.includes('not-a-token-1234')),
    'the console never shows the token',
  );
  await d.page.close();
});

t.test('a page on an origin the hub does not allow is refused', async (t) => {
  const e = await openPage(foreign);
  // Lines of earlier tests may still be on their way: a request of our own marks where they end.
  await fetch(`http://127.0.0.1:${gw.port}/log-mark`);
  const mark = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/log-mark', 5000);
  const from = gw.logs.indexOf(mark) + 1;
  await start(e.page, 'e', { sub: 'e' });
  await until(e.page, 'e', "r.states.filter((s) => s === 'reconnecting').length >= 2");
  const r = await recordOf(e.page, 'e');
  t.same(r.connections, [], 'never connected');
  const isUpgrade = (l: (typeof gw.logs)[number]): boolean =>
    l.msg === 'request' && l.path === '/ws';
  // Log lines leave in batches: wait for the second attempt's line.
  let seen = 0;
  await gw.waitForLog((l) => isUpgrade(l) && ++seen === 2, 5000, from);
  const refusals = gw.logs.slice(from).filter(isUpgrade);
  t.ok(refusals.length >= 2, `${refusals.length} upgrades tried`);
  t.ok(
    refusals.every((l) => l.status === 403),
    'each upgrade answered 403',
  );
  await e.page.close();
});
