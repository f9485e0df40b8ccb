import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { Server } from 'socket.io';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startBrowser, startStaticSite } from '../helpers/browser.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

/**
 * The chat widget's setting in Chromium: a page on a customer's site (another origin) loads
 * socket.io-client and connects to the gateway with the key in the query, as a browser must:
 * cross-site long-polling (CORS), then the upgrade, which carries no header of the page's.
 */

const KEY = 'widget-key-for-the-browser-test';
const WAIT_MS = 10_000;

const browser = await startBrowser(t);
if (browser === null) process.exit(0);

const CLIENT = readFileSync(
  new URL('../../node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url),
);

const PAGE = `<!doctype html>
<meta charset="utf-8" />
<title>widget</title>
<script src="/socket.io-client.js"></script>
<script>
  window.run = (url, query) =>
    new Promise((resolve) => {
      const socket = io(url, { query, reconnection: false });
      const seen = {};
      socket.on('connect_error', (err) => resolve({ error: err.message }));
      socket.on('hello', (name) => {
        seen.hello = name;
        const echo = () =>
          socket.emitWithAck('echo', 'from the page').then((answer) => {
            seen.echo = answer;
            seen.transport = socket.io.engine.transport.name;
            socket.close();
            resolve(seen);
          });
        if (socket.io.engine.transport.name === 'websocket') echo();
        else socket.io.engine.once('upgrade', echo);
      });
    });
  document.title = 'ready';
</script>`;

t.test('a page on another site connects through the gateway and upgrades', async (t) => {
  const http = createServer();
  const io = new Server(http);
  io.on('connection', (socket) => {
    socket.emit('hello', 'backend');
    socket.on('echo', (data: unknown, ack: (answer: unknown) => void) => ack(data));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => void io.close(() => resolve())));
  const backend = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const site = await startStaticSite(t, { '/': PAGE }, (_req, res, url) => {
    if (url.pathname !== '/socket.io-client.js') return false;
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(CLIENT);
    return true;
  });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys: { keys: [{ name: widget, hash: "${hashApiKey(KEY)}" }] }
  websocket: { query_parameter: api_key }
middleware:
  cors: { allowed_origins: ["${site.origin}"], allowed_methods: [GET, POST] }
routes:
  - { path: /socket.io/*, upstream: chat-io, websocket: socket.io, auth: [api_key] }
upstreams:
  chat-io:
    discovery: { type: Static, endpoints: ["${backend}"] }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const gateway = `http://127.0.0.1:${gw.port}`;
  t.not(new URL(gateway).origin, site.origin, 'the page and the gateway are different origins');

  const page = await browser.newPage();
  t.teardown(() => page.close());
  await page.goto(site.origin);
  await page.waitForFunction(
    () => (globalThis as unknown as { document: { title: string } }).document.title === 'ready',
    null,
    { timeout: WAIT_MS },
  );
  const run = (query: Record<string, string>) =>
    page.evaluate(
      ([url, q]) =>
        (globalThis as unknown as { run: (u: string, q: object) => Promise<unknown> }).run(url, q),
      [gateway, query] as const,
    );

  t.same(
    await run({ api_key: KEY }),
    { hello: 'backend', echo: 'from the page', transport: 'websocket' },
    'polled cross-site, upgraded, and exchanged events',
  );
  t.match(await run({}), { error: /xhr poll error/ }, 'without the key: refused');
  t.match(await run({ api_key: 'wrong' }), { error: /xhr poll error/ }, 'a wrong key: refused');
});
