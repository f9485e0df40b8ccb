// The peer of the WebSocket hub benchmark: the same subset of the hub protocol (subscribe,
// publish, ack, event) written on the `ws` package, one JSON frame built per message and sent
// to each subscriber in a loop, which is how hubs on `ws` usually fan out.
// Usage: node ws-hub.mjs PORT
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const channels = new Map();
const seqs = new Map();

const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
server.on('connection', (ws) => {
  const mine = new Set();
  ws.send(JSON.stringify({ type: 'connected' }));
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.type === 'subscribe') {
      if (!channels.has(msg.channel)) channels.set(msg.channel, new Set());
      channels.get(msg.channel).add(ws);
      mine.add(msg.channel);
      ws.send(JSON.stringify({ type: 'ack', id: msg.id, channel: msg.channel, replayed: 0 }));
    } else if (msg.type === 'publish') {
      const seq = (seqs.get(msg.channel) ?? 0) + 1;
      seqs.set(msg.channel, seq);
      const frame = JSON.stringify({
        type: 'event',
        channel: msg.channel,
        data: msg.data,
        seq,
        ts: Date.now(),
      });
      for (const subscriber of channels.get(msg.channel) ?? []) subscriber.send(frame);
      ws.send(JSON.stringify({ type: 'ack', id: msg.id, channel: msg.channel, seq }));
    }
  });
  ws.on('close', () => {
    for (const channel of mine) channels.get(channel)?.delete(ws);
  });
});
server.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
