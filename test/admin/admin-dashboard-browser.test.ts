import { mkdirSync } from 'node:fs';
import t from 'tap';
import { request } from 'undici';
import type { Page } from 'playwright-core';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN, adminUrl } from '../helpers/admin-client.js';
import { startBrowser } from '../helpers/browser.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/**
 * The admin dashboard in Chromium against a real gatewayd. With DASHBOARD_SCREENSHOTS=1 it also
 * writes the screenshots of docs/guides/admin-dashboard.md (docs/images/).
 */

const WAIT_MS = 8000;

/** What the functions run in the page read, typed without the DOM library. */
interface PageNode {
  textContent: string | null;
}
interface PageWindow {
  document: {
    getElementById(id: string): PageNode | null;
    querySelector(selector: string): PageNode | null;
    querySelectorAll(selector: string): ArrayLike<PageNode>;
  };
  sessionStorage: { length: number };
}
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS === '1';

const browser = await startBrowser(t);
if (browser === null) process.exit(0);

type Response = import('node:http').ServerResponse;
const healthy = {
  '/health': (_req: unknown, res: Response) => res.writeHead(200).end('ok'),
  '/orders/fail': (_req: unknown, res: Response) => res.writeHead(500).end('failed'),
};
const orders = [await UpstreamServer.start(t, healthy), await UpstreamServer.start(t, healthy)];
const users = await UpstreamServer.start(t, healthy);

function config(extra = ''): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  jwt: { secret: "a-dashboard-test-secret-long-enough-for-hs256", algorithm: HS256, query_parameter: token }
middleware:
  rate_limiting: { default_limit: 1000/minute }
routes:
  - { name: orders, path: "/api/orders/*", upstream: orders, strip_prefix: /api }
  - { name: users, path: /api/users, methods: [GET], upstream: users, auth_required: true }
  - { name: hub, path: /ws, handler: websocket }
upstreams:
  orders:
    discovery: { type: Static, endpoints: ["${orders[0]?.url}", "${orders[1]?.url}"] }
    health_check: { path: /health, interval: 200ms, timeout: 150ms, unhealthy_threshold: 1, healthy_threshold: 1 }
    circuit_breaker: { failure_threshold: 5, timeout: 30s }
  users:
    discovery: { type: Static, endpoints: ["${users.url}"] }
websocket:
  server: { require_auth: false, ping_interval: 0s }
  channels:
    default: { require_auth: false, allow_publish: true }
observability:
  logging: { level: info, access_log: false }
${extra}`;
}

const gw = await startGatewayd(t, config());
const dashboard = await adminUrl(gw, '/admin/dashboard');
const adminOrigin = new URL(dashboard).origin;

// Traffic for the usage counters, and a hub connection with a subscription.
for (let i = 0; i < 20; i++) {
  const answer = await request(gw.url(`/api/orders/${i}`));
  await answer.body.dump();
}
const missing = await request(gw.url('/api/users'));
await missing.body.dump();
const socket = await HubClient.connect(t, `ws://127.0.0.1:${gw.port}/ws`);
await socket.request({ type: 'subscribe', channel: 'orders.updates' });

const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
const offOrigin: string[] = [];
const consoleErrors: string[] = [];
page.on('request', (r) => {
  if (!r.url().startsWith(adminOrigin)) offOrigin.push(r.url());
});
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push(m.text());
});

async function screenshot(name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  const dir = new URL('../../docs/images/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: new URL(`admin-dashboard-${name}.png`, dir).pathname });
}

async function view(name: string): Promise<void> {
  await page.click(`#views a[data-view="${name}"]`, { timeout: WAIT_MS });
  await page.waitForSelector(`#${name}:not([hidden])`, { timeout: WAIT_MS });
}

function text(selector: string, p: Page = page): Promise<string> {
  return p.locator(selector).first().innerText({ timeout: WAIT_MS });
}

t.test('without a token the page asks for one and shows nothing', async (t) => {
  const answer = await page.goto(dashboard, { timeout: WAIT_MS });
  const csp = answer?.headers()['content-security-policy'] ?? '';
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self'(;|$)/, 'no inline or foreign scripts');
  t.notMatch(csp, /unsafe/);
  await page.waitForSelector('#sign-in:not([hidden])', { timeout: WAIT_MS });
  t.ok(await page.locator('#views').isHidden(), 'no views');
  const status = await page.evaluate(() =>
    fetch('/admin/routes').then(
      (r) => r.status,
      () => 0,
    ),
  );
  t.equal(status, 401, 'the API refuses the page without the token');
  await page.fill('#token', 'a-wrong-token');
  await page.click('#sign-in button[type="submit"]');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageWindow).document.getElementById('sign-in-error')
        ?.textContent !== '',
    null,
    { timeout: WAIT_MS },
  );
  t.match(await text('#sign-in-error'), /refused/);
  t.equal(
    await page.evaluate(() => (globalThis as unknown as PageWindow).sessionStorage.length),
    0,
    'a refused token is not kept',
  );
  await screenshot('sign-in');
});

t.test('with the token: overview, routes, upstreams and WebSocket', async (t) => {
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('#sign-in button[type="submit"]');
  await page.waitForSelector('[data-field="generation"]', { timeout: WAIT_MS });
  t.equal(page.url(), dashboard, 'the token never enters the URL');
  t.match(await text('[data-field="generation"] .value'), /^\d+$/);
  // A second read gives the routes' rates.
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageWindow).document
        .querySelector('#routes tr[data-route="orders"] td:nth-child(6)')
        ?.textContent?.match(/^\d/) !== null,
    null,
    { timeout: WAIT_MS },
  );
  await screenshot('overview');

  await view('routes');
  // Traffic between two reads: 30 requests, 10 of them answered 500 by the upstream.
  for (let i = 0; i < 30; i++) {
    const answer = await request(gw.url(i % 3 === 0 ? '/api/orders/fail' : `/api/orders/${i}`));
    await answer.body.dump();
  }
  await page.waitForFunction(
    () => {
      const cells = (globalThis as unknown as PageWindow).document.querySelectorAll(
        '#routes tr[data-route="orders"] td.number',
      );
      return Number(cells[0]?.textContent) > 0 && Number(cells[1]?.textContent) > 0;
    },
    null,
    { timeout: WAIT_MS },
  );
  const row = await text('#routes tr[data-route="orders"]');
  t.match(row, /\/api\/orders\/\*/);
  t.match(row, /strip_prefix \/api/, 'the filters');
  t.match(row, /rate_limit/);
  t.match(row, /\b50\b/, 'its 50 requests');
  t.match(row, /20\.0%/, '10 of 50 answered 5xx');
  t.match(await text('#routes tr[data-route="users"]'), /auth/);
  await screenshot('routes');

  await view('upstreams');
  t.match(await text('#upstreams h2[data-upstream="orders"]'), /ok.*2\/2 usable.*breaker.*closed/s);
  for (const o of orders) {
    t.match(await text(`#upstreams tr[data-endpoint="${o.url}"]`), /healthy/);
  }
  await screenshot('upstreams');

  await view('websocket');
  t.equal(await text('#websocket [data-field="connections"] .value'), '1');
  t.match(await text('#websocket tr[data-channel="orders.updates"]'), /1/);
  await screenshot('websocket');
});

t.test('the upstreams view follows an endpoint going down', async (t) => {
  await view('upstreams');
  const down = orders[1] as UpstreamServer;
  await down.close();
  const row = page.locator(`#upstreams tr[data-endpoint="${down.url}"]`);
  await page.waitForFunction(
    (url) =>
      (globalThis as unknown as PageWindow).document
        .querySelector(`#upstreams tr[data-endpoint="${url}"]`)
        ?.textContent?.includes('unhealthy') === true,
    down.url,
    { timeout: WAIT_MS },
  );
  t.match(await row.innerText(), /unhealthy/);
  t.match(await text('#upstreams h2[data-upstream="orders"]'), /degraded.*1\/2 usable/s);
  await screenshot('upstream-down');
});

t.test('a refused reload shows its problems with file:line:col', async (t) => {
  gw.writeConfig(config('redis: { url: 42 }\n'));
  const reload = await admin(gw, 'POST', '/admin/reload');
  t.equal(reload.status, 422);
  await view('overview');
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageWindow).document
        .querySelector('[data-field="last-reload"]')
        ?.textContent?.includes('refused') === true,
    null,
    { timeout: WAIT_MS },
  );
  t.match(await text('[data-field="last-reload"] pre'), /gateway\.yaml:\d+:\d+: GW_ERR_CONFIG_/);
  await screenshot('reload-error');
});

t.test('nothing left the admin origin, and the CSP let everything run', async (t) => {
  t.same(offOrigin, []);
  t.same(
    consoleErrors.filter((m) => !m.includes('401')),
    [],
  );
});

t.test("the page's files are admin requests on record under their own endpoint", async (t) => {
  const line = await gw.waitForLog(
    (l) => l.msg === 'admin request' && l.path === '/admin/dashboard/dashboard.js',
    WAIT_MS,
  );
  t.same([line.endpoint, line.status], ['/admin/dashboard', 200]);
});
