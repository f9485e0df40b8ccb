import t from 'tap';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';

function yaml(o: { version: number; changingLimit: number; hubAuth?: boolean }): string {
  return `
server:
  http_port: 0
  bind_address: 127.0.0.1
  timeouts: { websocket_close_window: 300ms }
routes:
  - { path: /version, direct_response: { status: 200, body: "v${o.version}" } }
  - { path: /ws, handler: websocket${o.hubAuth ? ', ip_filter: { allow: [127.0.0.0/8] }' : ''} }
websocket:
  server: { require_auth: false, ping_interval: 0s, idle_timeout: 0s, max_connections: 1000 }
  channels:
    default: { require_auth: false, allow_publish: true }
    stable: { require_auth: false, allow_publish: true, message_history: 10 }
    changing: { require_auth: false, max_subscribers: ${o.changingLimit} }
observability:
  logging: { level: info, access_log: false }
`;
}

/** Rewrites the config and waits until the gateway has loaded it (or reported it unchanged). */
async function reload(gw: GatewaydProcess, text: string): Promise<void> {
  const from = gw.logs.length;
  gw.writeConfig(text);
  gw.proc.kill('SIGHUP');
  await gw.waitForLog((l) => l.msg === 'config loaded', 5000, from);
}

t.test('reloads keep hub connections unless their channel or route changed', async (t) => {
  const gw = await startGatewayd(t, yaml({ version: 0, changingLimit: 100 }));
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  const stable: HubClient[] = [];
  for (let i = 0; i < 100; i++) {
    const c = await HubClient.connect(t, url);
    await c.request({ type: 'subscribe', channel: 'stable' });
    stable.push(c);
  }
  const changing = [await HubClient.connect(t, url), await HubClient.connect(t, url)];
  for (const c of changing) await c.request({ type: 'subscribe', channel: 'changing' });

  for (let v = 1; v <= 50; v++) await reload(gw, yaml({ version: v, changingLimit: 100 }));
  const open = [...stable, ...changing].filter((c) => c.ws.readyState === c.ws.OPEN).length;
  t.equal(open, 102, '50 reloads that change no channel close no connection');
  const pub = await HubClient.connect(t, url);
  const ack = await pub.request({ type: 'publish', channel: 'stable', data: 'after reloads' });
  await Promise.all(stable.map((c) => c.next((m) => m.type === 'event' && m.seq === ack.seq)));
  t.pass('every subscriber still gets messages');

  await reload(gw, yaml({ version: 51, changingLimit: 5 }));
  for (const c of changing) {
    t.same(await c.closedWithin(2000), { code: 1012, reason: 'channel configuration changed' });
  }
  await pub.request({ type: 'publish', channel: 'stable', data: 'after the change' });
  await Promise.all(stable.map((c) => c.next((m) => m.data === 'after the change')));
  t.equal(
    stable.filter((c) => c.ws.readyState === c.ws.OPEN).length,
    100,
    'subscribers of the unchanged channel stay',
  );

  t.test('a client that reconnects resumes from its last seq', async (t) => {
    const c = await HubClient.connect(t, url);
    const last = stable[0]!.events('stable').at(-1)?.seq as number;
    await pub.request({ type: 'publish', channel: 'stable', data: 'missed' });
    t.match(await c.request({ type: 'subscribe', channel: 'stable', since: last }), {
      replayed: 1,
    });
    t.match(c.events('stable'), [{ data: 'missed', seq: last + 1 }]);
  });

  t.test('a changed hub route closes its connections with 1012', async (t) => {
    await reload(gw, yaml({ version: 52, changingLimit: 5, hubAuth: true }));
    const closed = await Promise.all(stable.slice(0, 10).map((c) => c.closedWithin(2000)));
    t.same(new Set(closed.map((c) => c.code)), new Set([1012]));
    const again = await HubClient.connect(t, url);
    t.match(await again.request({ type: 'subscribe', channel: 'stable' }), { type: 'ack' });
  });
});
