import t from 'tap';
import { compileHub } from '../../engine/compile/compile-hub.js';
import type { AccessControl } from '../../engine/compile/access-control.js';
import { createContextHeaders } from '../../engine/filters/context-headers/context-headers.js';
import type { Identity } from '../../engine/data-plane/identity.js';
import { createLogger } from '../../engine/observability/logger.js';
import { SharedObjects } from '../../engine/state/shared-objects.js';
import { ChannelHub } from '../../engine/websocket/hub/channel-hub.js';
import type { HubConnection } from '../../engine/websocket/hub/hub-connection.js';
import type { HubSettings } from '../../engine/websocket/hub/hub-settings.js';
import { nativeMessageFormat } from '../../engine/websocket/hub/native-message-format.js';
import type { GatewaySocket, SocketData } from '../../engine/websocket/socket-session.js';

/** Just enough of a uWS socket: topics, sends, and a close that calls back like uWS does. */
class FakeSocket {
  readonly topics = new Set<string>();
  readonly sent: Array<Record<string, unknown>> = [];
  closedWith: { code: number; reason: string } | null = null;
  readonly data: SocketData;

  constructor(readonly conn: HubConnection) {
    this.data = {
      session: conn,
      closed: false,
      route: '/ws',
      requestId: 'r1',
      user: null,
      since: 0,
    };
  }

  getUserData = () => this.data;
  subscribe = (topic: string) => this.topics.add(topic);
  unsubscribe = (topic: string) => this.topics.delete(topic);
  send = (frame: string) => {
    this.sent.push(JSON.parse(frame) as Record<string, unknown>);
    return 1;
  };
  cork = (fn: () => void) => {
    fn();
    return this;
  };
  ping = () => 1;
  getBufferedAmount = () => 0;
  end = (code: number, reason: string) => {
    this.closedWith = { code, reason };
    this.data.closed = true;
    this.conn.close();
  };
}

function setup(yaml: Record<string, unknown>) {
  const sockets: FakeSocket[] = [];
  const hub = new ChannelHub({
    publish: (topic, message) => {
      for (const s of sockets) if (s.topics.has(topic)) s.send(message);
      return true;
    },
    logger: createLogger('silent'),
  });
  const shared = new SharedObjects();
  const access = {
    hub: {
      jwt: null,
      apiKey: null,
      apiKeyHeader: 'x-api-key',
      contextHeaders: createContextHeaders({}),
    },
  } as unknown as AccessControl;
  const build = (ws: Record<string, unknown>) =>
    compileHub(
      { routes: [], websocket: ws },
      new Map(),
      access,
      (k, c, d) => shared.acquire(k, c, d),
      null,
      null,
      null,
    ) as HubSettings;
  hub.configure(build(yaml), 0);
  const open = (identity: Identity | null, tenant: string | null = null) => {
    const conn = hub.createConnection({
      configKey: 'k',
      identity,
      credential: null,
      origin: null,
      remoteAddress: '127.0.0.1',
      tenant,
      metrics: null,
      format: nativeMessageFormat,
    });
    const ws = new FakeSocket(conn);
    sockets.push(ws);
    conn.open(ws as unknown as GatewaySocket);
    return { conn, ws };
  };
  return { hub, open, build };
}

const alice: Identity = { subject: 'alice', roles: ['user'], permissions: [], method: 'jwt' };

t.test('admin operations: connections, stats, sendTo, disconnect, listeners', async (t) => {
  const { hub, open } = setup({
    server: { require_auth: false },
    channels: { default: { require_auth: false, allow_publish: true } },
  });
  const connected: string[] = [];
  const gone: Array<string | null> = [];
  hub.onConnect((info, identity) => connected.push(`${info.id} ${identity?.subject ?? '-'}`));
  const stop = hub.onDisconnect((info) => gone.push(info.subject));
  const a = open(alice, 'acme');
  const b = open(null);
  t.equal(connected.length, 2);
  t.match(connected[0], / alice$/);

  await hub.subscribe(a.conn, 'news', undefined, 1);
  await hub.subscribe(b.conn, 'news', undefined, 2);
  await hub.subscribe(b.conn, 'news.*', undefined, 3);
  const msg = await hub.publish({
    channel: 'news',
    data: { hello: 'world' },
    from: 'service:test',
  });
  t.equal(msg.seq, 1);
  t.match(a.ws.sent.at(-1), { type: 'event', channel: 'news', data: { hello: 'world' }, seq: 1 });

  const info = hub.connection(a.conn.id);
  t.match(info, {
    subject: 'alice',
    tenant: 'acme',
    roles: ['user'],
    channels: ['news'],
    remoteAddress: '127.0.0.1',
    messagesOut: 3,
  });
  t.ok((info?.bytesOut ?? 0) > 50, 'topic deliveries count as bytes out');
  t.same(
    hub.channelStats().sort((x, y) => x.channel.localeCompare(y.channel)),
    [
      { channel: 'news', subscribers: 2 },
      { channel: 'news.*', subscribers: 1 },
    ],
  );
  t.match(hub.stats(), {
    connections: 2,
    authenticated: 1,
    subscriptions: 3,
    channels: 2,
    published: 1,
    delivered: 1,
  });

  t.ok(hub.sendTo(b.conn.id, { note: 'hi' }));
  t.same(b.ws.sent.at(-1), { type: 'message', data: { note: 'hi' } });
  t.notOk(hub.sendTo('nobody', 1));

  t.ok(hub.disconnect(a.conn.id, 4000, 'kicked'));
  t.same(a.ws.closedWith, { code: 4000, reason: 'kicked' });
  t.same(gone, ['alice']);
  t.equal(hub.connection(a.conn.id), null);
  t.same(
    hub.channelStats().find((c) => c.channel === 'news'),
    { channel: 'news', subscribers: 1 },
  );
  t.notOk(hub.disconnect(a.conn.id, 1000, ''), 'already gone');
  stop();
  hub.disconnect(b.conn.id, 1000, 'bye');
  t.same(gone, ['alice'], 'a removed listener is not called');
  t.equal(hub.connectionCount, 0);
});

t.test('user_specific delivery by target user, for ingress', async (t) => {
  const { hub, open } = setup({
    server: { require_auth: false },
    channels: { inbox: { user_specific: true } },
  });
  const a = open(alice);
  const b = open({ ...alice, subject: 'bob' });
  await hub.subscribe(a.conn, 'inbox', undefined, 1);
  await hub.subscribe(b.conn, 'inbox', undefined, 1);
  await hub.publish({ channel: 'inbox', data: 'for bob', from: 'service:x', targetUser: 'bob' });
  await hub.publish({ channel: 'inbox', data: 'for nobody', from: 'service:x' });
  t.same(
    b.ws.sent.filter((m) => m.type === 'event').map((m) => m.data),
    ['for bob'],
  );
  t.same(
    a.ws.sent.filter((m) => m.type === 'event'),
    [],
  );
});

t.test('a reload closes only the subscribers of a changed channel, with 1012', async (t) => {
  const { hub, open, build } = setup({
    server: { require_auth: false },
    channels: { a: { require_auth: false }, b: { require_auth: false } },
  });
  const x = open(null);
  const y = open(null);
  await hub.subscribe(x.conn, 'a', undefined, 1);
  await hub.subscribe(y.conn, 'b', undefined, 1);
  hub.configure(
    build({
      server: { require_auth: false },
      channels: { a: { require_auth: false }, b: { require_auth: false, max_subscribers: 7 } },
    }),
    0,
  );
  t.equal(x.ws.closedWith, null);
  t.same(y.ws.closedWith, { code: 1012, reason: 'channel configuration changed' });
});
