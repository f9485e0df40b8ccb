import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startBrowser } from '../helpers/browser.js';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/** A rendered UI shows the operations within this; both load about 1 MB of script. */
const RENDER_MS = 15_000;

t.test('gatewayd check: the documentation routes and their settings', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gatewayd-api-docs-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `routes:
  - { path: /docs, methods: [GET], handler: swagger_ui }
  - { path: "/spec/{v}", methods: [GET], handler: openapi }
  - { path: /x, direct_response: { status: 204 }, openapi: { title: X } }
`,
  );
  const { code, stdout } = await runCli(['check', file]);
  t.equal(code, 1);
  t.match(
    stdout,
    `${file}:2:13: GW_ERR_CONFIG_GATEWAY_ENDPOINT handler: swagger_ui serves a page and its files, so its path must end in /*`,
  );
  t.match(stdout, 'e.g. path: /docs/*');
  t.match(
    stdout,
    `${file}:3:13: GW_ERR_CONFIG_GATEWAY_ENDPOINT handler: openapi answers one address`,
  );
  t.match(stdout, `warning GW_WARN_CONFIG_IGNORED_KEY route "/x" has openapi settings`);

  writeFileSync(file, `routes:\n  - { path: "/docs/*", methods: [GET], handler: redoc }\n`);
  const alone = await runCli(['check', file]);
  t.equal(alone.code, 1);
  t.match(
    alone.stdout,
    "handler: redoc shows the API's OpenAPI document, and no route has handler: openapi",
  );
});

t.test(
  'Swagger UI and ReDoc render the document in Chromium, loading only from the gateway',
  async (t) => {
    const browser = await startBrowser(t);
    if (browser === null) return;
    const upstream = await UpstreamServer.start(t);
    const gw = await startGatewayd(
      t,
      `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys: { header: x-api-key, keys: [] }
routes:
  - { path: /api/openapi.json, methods: [GET], handler: openapi, openapi: { title: Orders API, version: 3.1.4 } }
  - { path: "/api/docs/*", methods: [GET], handler: swagger_ui }
  - { path: "/api/redoc/*", methods: [GET], handler: redoc }
  - { name: order, display_name: Read an order, category: Orders, path: "/orders/{id}", methods: [GET], upstream: svc, auth_required: true }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability: { logging: { level: info, access_log: false } }
`,
    );
    const origin = new URL(gw.url('/')).origin;
    const page = await browser.newPage();
    t.teardown(() => page.close());
    const elsewhere: string[] = [];
    const failed: string[] = [];
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) {
        elsewhere.push(url);
      }
    });
    page.on('requestfailed', (req) => failed.push(req.url()));
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) refused.push(message.text());
    });
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });

    await page.goto(gw.url('/api/docs'));
    const swaggerOperation = page.locator('.opblock-summary-path', { hasText: '/orders/{id}' });
    await swaggerOperation.waitFor({ timeout: RENDER_MS });
    t.equal(
      await page
        .locator('.title')
        .first()
        .innerText()
        .then((s) => s.includes('Orders API')),
      true,
    );
    t.ok(
      await page.locator('.opblock-tag', { hasText: 'Orders' }).count(),
      'the category is a tag',
    );

    await page.goto(gw.url('/api/redoc'));
    await page.locator('h2', { hasText: 'Read an order' }).waitFor({ timeout: RENDER_MS });
    t.ok(await page.getByText('Orders API').count(), 'ReDoc shows the title');

    // ReDoc's sidebar shows its maker's logo from a CDN; the page's CSP refuses it, and ReDoc
    // then leaves the logo out.
    const LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
    t.same(elsewhere, [LOGO], 'nothing but the logo was asked of another origin');
    t.same(failed, [LOGO], 'every file of the gateway loaded');
    t.match(refused, [/cdn\.redoc\.ly.*Content Security Policy.*has been blocked/]);
  },
);
