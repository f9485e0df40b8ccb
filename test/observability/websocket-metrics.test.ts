import type { AddressInfo } from 'node:net';
import t from 'tap';
import WebSocket, { WebSocketServer } from 'ws';
import { startGatewayd, type GatewaydProcess } from '../helpers/gatewayd-process.js';
import { HubClient } from '../helpers/hub-client.js';
import { scrape, valueOf, type PromSample } from '../helpers/prometheus.js';

async function metricsUrl(gw: GatewaydProcess): Promise<string> {
  const line = await gw.waitForLog((l) => l.msg === 'metrics listening', 20_000);
  return `http://127.0.0.1:${String(line.port)}${String(line.path)}`;
}

/** Scrapes until `ready` holds (the gateway counts a close after the client has seen it). */
async function scrapeUntil(
  url: string,
  ready: (s: PromSample[]) => boolean,
  timeoutMs = 5000,
): Promise<PromSample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(url);
    if (ready(samples) || Date.now() > deadline) return samples;
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('hub connections, messages, deliveries and channel subscribers', async (t) => {
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes: []
websocket:
  server: { require_auth: false }
  channels:
    news: { require_auth: false, allow_publish: true }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const url = await metricsUrl(gw);
  const wsUrl = gw.url('/ws').replace('http:', 'ws:');
  const a = await HubClient.connect(t, wsUrl);
  const b = await HubClient.connect(t, wsUrl);
  t.equal((await a.request({ type: 'subscribe', channel: 'news' })).type, 'ack');
  t.equal((await b.request({ type: 'subscribe', channel: 'news' })).type, 'ack');
  t.equal((await a.request({ type: 'publish', channel: 'news', data: { n: 1 } })).type, 'ack');
  await a.next((m) => m.type === 'event');
  await b.next((m) => m.type === 'event');

  const route = { route: 'GET /ws' };
  let samples = await scrape(url);
  t.equal(valueOf(samples, 'gatewayd_websocket_connections', route), 2, 'two open connections');
  t.equal(valueOf(samples, 'gatewayd_websocket_channel_subscribers', { channel: 'news' }), 2);
  t.equal(
    valueOf(samples, 'gatewayd_websocket_messages_received_total', route),
    3,
    'two subscribes, one publish',
  );
  // connected ×2, ack ×3 sent directly, and one event delivered to two subscribers.
  t.equal(valueOf(samples, 'gatewayd_websocket_messages_sent_total', route), 7);
  t.equal(
    valueOf(samples, 'gatewayd_websocket_message_size_bytes_count', {
      ...route,
      direction: 'sent',
    }),
    7,
  );

  b.ws.close(1000);
  await b.closed;
  samples = await scrapeUntil(
    url,
    (s) => valueOf(s, 'gatewayd_websocket_connections', route) === 1,
  );
  t.equal(valueOf(samples, 'gatewayd_websocket_connections', route), 1, 'one left open');
  t.equal(valueOf(samples, 'gatewayd_websocket_channel_subscribers', { channel: 'news' }), 1);
  t.equal(valueOf(samples, 'gatewayd_websocket_connection_duration_seconds_count', route), 1);
});

t.test('proxied connections and their frames both ways', async (t) => {
  const upstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  upstream.on('connection', (s) =>
    s.on('message', (data, isBinary) => s.send(data, { binary: isBinary })),
  );
  t.teardown(() => new Promise((r) => upstream.close(r)));
  await new Promise((r) => upstream.once('listening', r));
  const port = (upstream.address() as AddressInfo).port;
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1, metrics_port: 0 }
routes:
  - name: echo
    path: /echo
    websocket: proxy
    upstream: echo
upstreams:
  echo:
    discovery: { type: Static, endpoints: ["http://127.0.0.1:${port}"] }
observability:
  logging: { level: info, access_log: false }
`,
  );
  const url = await metricsUrl(gw);
  const client = new WebSocket(gw.url('/echo').replace('http:', 'ws:'));
  t.teardown(() => client.terminate());
  await new Promise((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  const echoed = new Promise((resolve) => client.once('message', resolve));
  client.send('hello');
  t.equal(String(await echoed), 'hello');

  const route = { route: 'echo' };
  const samples = await scrape(url);
  t.equal(valueOf(samples, 'gatewayd_websocket_connections', route), 1);
  t.equal(valueOf(samples, 'gatewayd_websocket_messages_received_total', route), 1);
  t.equal(valueOf(samples, 'gatewayd_websocket_messages_sent_total', route), 1);
  t.equal(
    valueOf(samples, 'gatewayd_websocket_message_size_bytes_sum', {
      ...route,
      direction: 'received',
    }),
    5,
  );
  client.close(1000);
  const after = await scrapeUntil(
    url,
    (s) => valueOf(s, 'gatewayd_websocket_connections', route) === 0,
  );
  t.equal(valueOf(after, 'gatewayd_websocket_connections', route), 0, 'closed');
  t.equal(valueOf(after, 'gatewayd_websocket_connection_duration_seconds_count', route), 1);
});
