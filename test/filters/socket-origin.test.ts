import t from 'tap';
import type { GatewayConfig, RouteConfig } from '../../engine/config/gateway-config.js';
import { createSocketOriginCheck } from '../../engine/filters/socket-origin/socket-origin.js';
import {
  servesUpgrades,
  socketOriginSettings,
} from '../../engine/filters/socket-origin/socket-origin-settings.js';

// In-process companion of the WebSocket proxy and hub tests that refuse upgrades end to end
// (test/websocket/): every branch of the Origin policy, for `npm run mutation`.

const refusedBy = (origin: string) =>
  `origin ${JSON.stringify(origin)} may not open WebSocket connections on this route`;
const refusedWithCookies = (origin: string) =>
  `origin ${JSON.stringify(origin)} is allowed only by "*", which never admits an upgrade that carries cookies; list the origin to accept it`;

t.test('an upgrade without Origin is not from a browser and goes through', async (t) => {
  const check = createSocketOriginCheck([]);
  t.equal(check(undefined, 'gw.example', true), null);
  t.equal(check(undefined, undefined, false), null);
});

t.test("the gateway's own origin: its Host, port included, in any case", async (t) => {
  const check = createSocketOriginCheck([]);
  t.equal(check('https://gw.example:8443', 'gw.example:8443', true), null);
  t.equal(check('https://GW.Example:8443', 'gw.example:8443', false), null, 'origin in capitals');
  t.equal(check('https://gw.example:8443', 'GW.EXAMPLE:8443', false), null, 'host in capitals');
  t.equal(check('http://gw.example', 'gw.example', false), null, 'any scheme');
  t.equal(
    check('https://gw.example', 'gw.example:8443', false),
    refusedBy('https://gw.example'),
    'another port is another origin',
  );
  t.equal(
    check('https://gw.example:8443', 'gw.example', false),
    refusedBy('https://gw.example:8443'),
    'a port the Host does not name',
  );
  t.equal(
    check('https://evil.gw.example', 'gw.example', false),
    refusedBy('https://evil.gw.example'),
    'a name that merely ends like the Host',
  );
  t.equal(
    check('https://ev.example', 'gw.example', false),
    refusedBy('https://ev.example'),
    'another host of the same length',
  );
  t.equal(
    check('//gw.example', 'gw.example', false),
    refusedBy('//gw.example'),
    'no scheme: not an origin at all',
  );
  // U+0130 becomes two characters in lower case, "i" and a combining dot: the same text
  // afterwards, but not the host the browser was on.
  t.equal(
    check('https://\u0130', 'i\u0307', false),
    refusedBy('https://\u0130'),
    'equal only after lower case changed its length',
  );
  t.equal(
    check('https://gw.example', undefined, false),
    refusedBy('https://gw.example'),
    'without a Host nothing is own',
  );
});

t.test('listed origins, exact and wildcard, with or without cookies', async (t) => {
  const check = createSocketOriginCheck(['https://app.example.com', 'https://*.example.org']);
  t.equal(check('https://app.example.com', 'gw.example', true), null);
  t.equal(check('https://a.b.example.org', 'gw.example', true), null);
  t.equal(
    check('https://evil.example.com', 'gw.example', false),
    refusedBy('https://evil.example.com'),
  );
  t.equal(check('https://example.org', 'gw.example', true), refusedBy('https://example.org'));
});

t.test('"*" admits any origin, but never with cookies', async (t) => {
  const any = createSocketOriginCheck(['*']);
  t.equal(any('https://evil.example', 'gw.example', false), null);
  t.equal(
    any('https://evil.example', 'gw.example', true),
    refusedWithCookies('https://evil.example'),
  );
  t.equal(any('https://gw.example', 'gw.example', true), null, 'its own origin keeps cookies');
  const listedToo = createSocketOriginCheck(['*', 'https://app.example.com']);
  t.equal(listedToo('https://app.example.com', 'gw.example', true), null, 'a listed origin does');
  t.equal(
    listedToo('https://evil.example', 'gw.example', true),
    refusedWithCookies('https://evil.example'),
  );
});

t.test('an origin in a message is quoted and cut after 200 characters', async (t) => {
  const check = createSocketOriginCheck([]);
  const exactly200 = `https://${'a'.repeat(192)}`;
  t.equal(check(exactly200, 'gw.example', false), refusedBy(exactly200));
  const longer = `${exactly200}b`;
  t.equal(check(longer, 'gw.example', false), refusedBy(`${exactly200}…`));
  t.equal(
    check('https://"x"', 'gw.example', false),
    'origin "https://\\"x\\"" may not open WebSocket connections on this route',
  );
});

t.test('which routes serve upgrades', async (t) => {
  t.equal(servesUpgrades({ path: '/ws', upstream: 'u', websocket: 'proxy' }), true, 'a proxy');
  t.equal(servesUpgrades({ path: '/ws', handler: 'websocket' }), true, 'the hub');
  t.equal(servesUpgrades({ path: '/c', handler: 'catalog' }), false, 'another handler');
  t.equal(servesUpgrades({ path: '/a', upstream: 'u' }), false, 'plain HTTP');
});

t.test('where the allowed origins come from, first found first', async (t) => {
  const hub: RouteConfig = { path: '/ws', handler: 'websocket' };
  const proxy: RouteConfig = { path: '/ws', upstream: 'u', websocket: 'proxy' };
  const cors = { allowed_origins: ['https://cors.example'] };
  const full = {
    websocket: { server: { allowed_origins: ['https://server.example'] } },
    middleware: { cors: { allowed_origins: ['https://global.example'] } },
  } as unknown as GatewayConfig; // only the keys the settings read
  const none = {} as GatewayConfig;

  t.same(socketOriginSettings({ ...hub, allowed_origins: ['https://own.example'], cors }, full), {
    origins: ['https://own.example'],
    source: 'route allowed_origins',
  });
  t.same(socketOriginSettings({ ...hub, cors }, full), {
    origins: ['https://server.example'],
    source: 'websocket.server.allowed_origins',
  });
  t.same(socketOriginSettings({ ...proxy, cors }, full), {
    origins: ['https://cors.example'],
    source: 'route cors',
  });
  t.same(socketOriginSettings(proxy, full), {
    origins: ['https://global.example'],
    source: 'middleware.cors',
  });
  t.same(socketOriginSettings(hub, none), { origins: [], source: 'default' });
  t.same(
    socketOriginSettings(hub, { websocket: {} } as GatewayConfig),
    { origins: [], source: 'default' },
    'a websocket block without server',
  );
  t.same(
    socketOriginSettings({ ...proxy, cors: false }, full),
    { origins: [], source: 'default' },
    'a route that turns CORS off does not take the global origins',
  );
  t.same(socketOriginSettings({ ...hub, cors: false }, full), {
    origins: ['https://server.example'],
    source: 'websocket.server.allowed_origins',
  });
  t.same(socketOriginSettings({ ...hub, allowed_origins: [] }, full), {
    origins: [],
    source: 'route allowed_origins',
  });
});
