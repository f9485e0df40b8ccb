import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { Server } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { hashApiKey } from '../../engine/filters/auth/hash-api-key.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

const KEY = 'widget-key-for-socket-io-tests';
const WAIT_MS = 10_000;

/**
 * One socket.io server, as a chat backend runs it: it greets each connection with its name and
 * echoes `echo` events. It counts the HTTP requests and upgrades it gets per engine.io session
 * (the sid in the query), the sessions it opened, and the requests naming a sid it never issued.
 */
class SocketIoEndpoint {
  readonly requestsBySid = new Map<string, number>();
  readonly opened = new Set<string>();
  unknownSessions = 0;
  queries: string[] = [];
  private http: HttpServer | null = null;
  private io: Server | null = null;

  constructor(
    readonly name: string,
    public port = 0,
  ) {}

  async start(): Promise<void> {
    const http = createServer();
    const count = (req: IncomingMessage) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      this.queries.push(query.toString());
      const sid = query.get('sid');
      if (sid !== null) this.requestsBySid.set(sid, (this.requestsBySid.get(sid) ?? 0) + 1);
    };
    const io = new Server(http, { pingInterval: 2000, pingTimeout: 2000 });
    // After the Server: engine.io takes over the request listeners that exist when it attaches.
    http.prependListener('request', count);
    http.prependListener('upgrade', count);
    io.engine.on('connection', (socket: { id: string }) => this.opened.add(socket.id));
    io.engine.on('connection_error', (err: { code: number }) => {
      if (err.code === 1) this.unknownSessions++;
    });
    io.on('connection', (socket) => {
      socket.emit('hello', this.name);
      socket.on('echo', (data: unknown, ack: (answer: unknown) => void) =>
        ack({ from: this.name, data }),
      );
    });
    await new Promise<void>((resolve) => http.listen(this.port, '127.0.0.1', resolve));
    this.port = (http.address() as AddressInfo).port;
    this.http = http;
    this.io = io;
  }

  /** Closes every session and the port, as a restart does. */
  async stop(): Promise<void> {
    const io = this.io;
    this.io = null;
    this.http = null;
    if (io !== null) await new Promise<void>((resolve) => void io.close(() => resolve()));
  }

  /** Requests that named one of this endpoint's own sessions. */
  requestsFor(sid: string): number {
    return this.requestsBySid.get(sid) ?? 0;
  }
}

function config(a: SocketIoEndpoint, b: SocketIoEndpoint): string {
  return `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys:
    keys: [{ name: widget, hash: "${hashApiKey(KEY)}" }]
  websocket: { query_parameter: api_key }
routes:
  - path: /socket.io/*
    upstream: chat-io
    websocket: socket.io
    auth: [api_key]
    request_headers: { remove: [authorization] }
upstreams:
  chat-io:
    discovery: { type: Static, endpoints: ["http://127.0.0.1:${a.port}", "http://127.0.0.1:${b.port}"] }
    connect_timeout: 1s
observability:
  logging: { level: info, access_log: false }
`;
}

/** A socket.io client with the default transports (polling, then the upgrade) and quick reconnects. */
function client(
  t: Test,
  port: number,
  auth: { query?: Record<string, string>; extraHeaders?: Record<string, string> },
): Socket {
  const socket = ioClient(`http://127.0.0.1:${port}`, {
    ...auth,
    reconnectionDelay: 100,
    reconnectionDelayMax: 300,
    timeout: WAIT_MS,
  });
  t.teardown(() => void socket.close());
  return socket;
}

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the endpoint's greeting once the socket is connected and upgraded to WebSocket. */
async function connectedAndUpgraded(socket: Socket): Promise<string> {
  const hello = new Promise<string>((resolve) => socket.once('hello', resolve));
  const upgraded = new Promise<void>((resolve, reject) => {
    socket.once('connect_error', reject);
    const engine = socket.io.engine;
    if (engine?.transport.name === 'websocket') resolve();
    else socket.io.once('open', () => socket.io.engine.once('upgrade', () => resolve()));
    socket.on('connect', () => {
      if (socket.io.engine.transport.name === 'websocket') resolve();
      else socket.io.engine.once('upgrade', () => resolve());
    });
  });
  const [name] = await within(WAIT_MS, 'connect and upgrade', Promise.all([hello, upgraded]));
  return name;
}

t.test('socket.io clients through the gateway', async (t) => {
  const a = new SocketIoEndpoint('a');
  const b = new SocketIoEndpoint('b');
  await a.start();
  await b.start();
  t.teardown(async () => {
    await a.stop();
    await b.stop();
  });
  const endpoints = [a, b];
  const gw = await startGatewayd(t, config(a, b));

  const sockets = [
    ...Array.from({ length: 3 }, () => client(t, gw.port, { query: { api_key: KEY } })),
    // A Node client can send the key as a header on the polling requests and the upgrade alike.
    ...Array.from({ length: 3 }, () =>
      client(t, gw.port, { extraHeaders: { authorization: `Bearer ${KEY}` } }),
    ),
  ];
  const greetings = await Promise.all(sockets.map(connectedAndUpgraded));

  await t.test('each session polls, upgrades and exchanges events on one endpoint', async (t) => {
    t.same(new Set(greetings), new Set(['a', 'b']), 'the sessions are spread over both endpoints');
    for (const [i, socket] of sockets.entries()) {
      const tagged = socket.io.engine.id;
      const sid = tagged.slice(tagged.indexOf('.') + 1);
      t.not(sid, tagged, `session ${i}: the client's sid carries the gateway's endpoint tag`);
      const home = endpoints.find((e) => e.opened.has(sid));
      t.equal(home?.name, greetings[i], `session ${i} lives where it was greeted`);
      const other = endpoints.find((e) => e !== home) as SocketIoEndpoint;
      t.ok(
        (home as SocketIoEndpoint).requestsFor(sid) >= 2,
        `session ${i}: its polls and its upgrade reached ${home?.name} (${home?.requestsFor(sid)})`,
      );
      t.equal(other.requestsFor(sid), 0, `session ${i}: ${other.name} never saw it`);
      t.equal(socket.io.engine.transport.name, 'websocket', `session ${i} runs on WebSocket`);
      const answer: unknown = await within(
        WAIT_MS,
        'echo',
        socket.timeout(WAIT_MS).emitWithAck('echo', { n: i }),
      );
      t.same(answer, { from: greetings[i], data: { n: i } }, `session ${i}: events both ways`);
    }
    t.equal(a.unknownSessions + b.unknownSessions, 0, 'no request named an unknown session');
    t.notOk(
      [...a.queries, ...b.queries].some((q) => q.includes('api_key')),
      'the key never reaches an endpoint',
    );
  });

  await t.test(
    'a missing or wrong key is refused on the polling requests and the upgrade',
    async (t) => {
      const base = `http://127.0.0.1:${gw.port}/socket.io/?EIO=4&transport=polling`;
      t.equal((await fetch(base)).status, 401, 'handshake without a key');
      t.equal((await fetch(`${base}&api_key=wrong`)).status, 401, 'handshake with a wrong key');
      const open = await fetch(`${base}&api_key=${KEY}`);
      t.equal(open.status, 200, 'handshake with the key');
      const sid = (JSON.parse((await open.text()).slice(1)) as { sid: string }).sid;
      const poll = `${base}&sid=${encodeURIComponent(sid)}`;
      t.equal((await fetch(poll)).status, 401, 'poll without a key');
      t.equal(
        (await fetch(poll, { method: 'POST', body: '40', headers: { authorization: 'Bearer x' } }))
          .status,
        401,
        'post with a wrong key',
      );
      const upgrade = async (query: string): Promise<number> =>
        within(
          WAIT_MS,
          'upgrade answer',
          new Promise<number>((resolve) => {
            const ws = new WebSocket(
              `ws://127.0.0.1:${gw.port}/socket.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}${query}`,
            );
            ws.once('unexpected-response', (_req, res) => {
              resolve(res.statusCode ?? 0);
              ws.terminate();
            });
            ws.once('open', () => {
              resolve(101);
              ws.close();
            });
            ws.once('error', () => resolve(0));
          }),
        );
      t.equal(await upgrade(''), 401, 'upgrade without a key');
      t.equal(await upgrade('&api_key=wrong'), 401, 'upgrade with a wrong key');
      t.equal(await upgrade(`&api_key=${KEY}`), 101, 'upgrade with the key');
      // A browser's extraHeaders reach the polling requests only: its upgrade carries no key.
      const browserLike = ioClient(`http://127.0.0.1:${gw.port}`, {
        transportOptions: { polling: { extraHeaders: { authorization: `Bearer ${KEY}` } } },
        reconnection: false,
      });
      t.teardown(() => void browserLike.close());
      const upgradeError = await within(
        WAIT_MS,
        'upgradeError',
        new Promise<Error>((resolve) =>
          browserLike.io.once('open', () => browserLike.io.engine.once('upgradeError', resolve)),
        ),
      );
      t.ok(upgradeError, 'the upgrade without the key is refused');
      t.equal(browserLike.io.engine.transport.name, 'polling', 'the client stays on long-polling');
      const answer: unknown = await within(
        WAIT_MS,
        'echo over polling',
        browserLike.timeout(WAIT_MS).emitWithAck('echo', 'polling'),
      );
      t.match(answer, { data: 'polling' }, 'and its events still flow');
      const refused = client(t, gw.port, {});
      refused.io.reconnection(false);
      const error = await within(
        WAIT_MS,
        'connect_error',
        new Promise<Error>((resolve) => refused.once('connect_error', resolve)),
      );
      t.ok(error, `a socket.io client without the key does not connect (${error.message})`);
    },
  );

  await t.test('another gateway instance routes the session alike, sharing nothing', async (t) => {
    const other = await startGatewayd(t, config(a, b));
    const url = (port: number, sid?: string) =>
      `http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling&api_key=${KEY}${sid === undefined ? '' : `&sid=${encodeURIComponent(sid)}`}`;
    const unknownBefore = a.unknownSessions + b.unknownSessions;
    for (const [first, second] of [
      [gw.port, other.port],
      [other.port, gw.port],
    ] as const) {
      const open = await fetch(url(first));
      const tagged = (JSON.parse((await open.text()).slice(1)) as { sid: string }).sid;
      const connect = await fetch(url(second, tagged), { method: 'POST', body: '40' });
      t.equal(
        await connect.text(),
        'ok',
        'the socket.io CONNECT posted through the other instance',
      );
      const poll = await (await fetch(url(first, tagged))).text();
      // engine.io separates the packets of one poll with the record separator.
      const [connected, greeting] = poll.split('\x1e');
      t.match(connected, /^40\{"sid":".+"\}$/, 'the CONNECT answer polled back');
      t.match(greeting, /^42\["hello","[ab]"\]$/, 'and the greeting');
    }
    t.equal(a.unknownSessions + b.unknownSessions, unknownBefore, 'no request missed its session');
  });

  await t.test('a sid whose tag names no endpoint goes where the balancer sends it', async (t) => {
    const unknownBefore = a.unknownSessions + b.unknownSessions;
    const answer = await fetch(
      `http://127.0.0.1:${gw.port}/socket.io/?EIO=4&transport=polling&api_key=${KEY}&sid=zz.Hq3`,
    );
    t.equal(answer.status, 400, "the endpoint's own answer passes through");
    t.same(await answer.json(), { code: 1, message: 'Session ID unknown' });
    t.equal(a.unknownSessions + b.unknownSessions, unknownBefore + 1, 'one endpoint was asked');
  });

  await t.test('a restarted endpoint: its clients reconnect and work again', async (t) => {
    const onA = sockets.filter((_, i) => greetings[i] === 'a');
    const back = onA.map(
      (s) =>
        new Promise<string>((resolve) => {
          s.once('disconnect', () => s.once('hello', resolve));
        }),
    );
    await a.stop();
    await a.start();
    const again = await within(WAIT_MS, 'reconnects', Promise.all(back));
    t.equal(again.length, onA.length, `${onA.length} clients of a reconnected`);
    for (const socket of onA) {
      const answer = (await within(
        WAIT_MS,
        'echo after the restart',
        socket.timeout(WAIT_MS).emitWithAck('echo', 'again'),
      )) as { from: string; data: string };
      t.equal(answer.data, 'again', `echo after the restart, from ${answer.from}`);
    }
  });
});
