import t from 'tap';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { admin, ADMIN_TOKEN } from '../helpers/admin-client.js';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';

// The microservices guide's websocket.security and channel blocks, in its own spelling, with
// managed API keys as the credential: revoking one is what only a per-message check notices.
const CONFIG = `
server: { http_port: 0, bind_address: 127.0.0.1 }
admin: { port: 0, token_hash: "${hashApiKey(ADMIN_TOKEN)}" }
auth:
  api_keys: { store: memory }
routes:
  - { path: /ws, methods: [GET], handler: websocket, auth_required: false }
websocket:
  server: { ping_interval: "0s", idle_timeout: "0s" }
  security:
    require_auth: true
    validate_token_per_message: true
    token_refresh: { enabled: false }
    rate_limiting: { messages_per_minute: 6000, burst_limit: 50 }
  channels:
    default: { allow_publish: true }
    user_notifications: { access_control: user_specific, allow_publish: true }
    public_announcements:
      allow_publish: true
      rate_limiting: { messages_per_minute: 10 }
observability:
  logging: { level: info, access_log: false }
`;

async function newKey(gw: GatewaydProcess, name: string): Promise<{ key: string; id: string }> {
  const created = await admin(gw, 'POST', '/admin/api-keys', { name, roles: ['user'] });
  if (created.status !== 201) throw new Error(`key not created: ${created.status}`);
  return created.json as { key: string; id: string };
}

t.test('the seed websocket.security and channel blocks in force', async (t) => {
  const gw = await startGatewayd(t, CONFIG);
  const url = `ws://127.0.0.1:${gw.port}/ws`;

  t.test('require_auth: an upgrade without a credential is refused', async (t) => {
    t.equal(await HubClient.refusal(url), 401);
  });

  t.test('validate_token_per_message: a revoked key stops at its next message', async (t) => {
    const { key, id } = await newKey(gw, 'revoked-later');
    const c = await HubClient.connect(t, url, { headers: { 'x-api-key': key } });
    t.match(await c.request({ type: 'publish', channel: 'news', data: 1 }), { type: 'ack' });
    t.equal((await admin(gw, 'DELETE', `/admin/api-keys/${id}`)).status, 204);
    c.send({ type: 'publish', channel: 'news', data: 2 });
    const refused = await c.next((m) => m.type === 'error');
    t.match(refused, { code: 'UNAUTHORIZED', message: /revoked/ });
    t.match(await c.closedWithin(2000), { code: 1008, reason: 'credential no longer valid' });
  });

  t.test('a channel rate_limiting: the 11th publish in a burst is dropped', async (t) => {
    const { key } = await newKey(gw, 'announcer');
    const c = await HubClient.connect(t, url, { headers: { 'x-api-key': key } });
    const answers = [];
    for (let i = 0; i < 11; i++) {
      answers.push(await c.request({ type: 'publish', channel: 'public_announcements', data: i }));
    }
    t.same(
      answers.map((m) => m.type),
      [...Array<string>(10).fill('ack'), 'error'],
    );
    t.match(answers[10], { code: 'RATE_LIMITED', message: /public_announcements/ });
    t.match(
      await c.request({ type: 'publish', channel: 'news', data: 'other channel' }),
      { type: 'ack' },
      'other channels keep their own budget, and the connection stays open',
    );
  });

  t.test('opens and closes are logged with user, route and duration', async (t) => {
    // A managed key's subject is its id.
    const { key, id } = await newKey(gw, 'logged');
    const c = await HubClient.connect(t, url, { headers: { 'x-api-key': key } });
    const opened = await gw.waitForLog((l) => l.msg === 'websocket opened' && l.user === id, 5000);
    t.match(opened, { route: 'GET /ws', request_id: String });
    c.ws.close(1000);
    const closed = await gw.waitForLog((l) => l.msg === 'websocket closed' && l.user === id, 5000);
    t.match(closed, { route: opened.route, code: 1000, duration_ms: Number });
    t.notOk(JSON.stringify([opened, closed]).includes(key), 'never the key');
  });

  t.test('access_control: user_specific delivers only to the publishing user', async (t) => {
    const alice = await HubClient.connect(t, url, {
      headers: { 'x-api-key': (await newKey(gw, 'alice')).key },
    });
    const bob = await HubClient.connect(t, url, {
      headers: { 'x-api-key': (await newKey(gw, 'bob')).key },
    });
    for (const c of [alice, bob]) {
      t.match(await c.request({ type: 'subscribe', channel: 'user_notifications' }), {
        type: 'ack',
      });
    }
    t.match(await alice.request({ type: 'publish', channel: 'user_notifications', data: 'mine' }), {
      type: 'ack',
    });
    await alice.next((m) => m.type === 'event' && m.data === 'mine');
    t.match(await bob.request({ type: 'publish', channel: 'user_notifications', data: 'bob' }), {
      type: 'ack',
    });
    await bob.next((m) => m.type === 'event' && m.data === 'bob');
    t.same(
      bob.events('user_notifications').map((m) => m.data),
      ['bob'],
      "bob never got alice's message",
    );
  });
});
