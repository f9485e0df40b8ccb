// A minimal channel hub on the `ws` package speaking gatewayd's hub protocol (subscribe, publish,
// ping): the peer the WebSocket bench compares gatewayd's hub with. No auth, no ACLs, no history:
// only what fan-out needs, so it is a generous baseline.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const channels = new Map();
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });

server.on('connection', (socket) => {
  const joined = new Set();
  socket.send(JSON.stringify({ type: 'connected' }));
  socket.on('message', (raw) => {
    let msg;
    try {
      msg = JSON.parse(raw.toString());
    } catch {
      socket.send(JSON.stringify({ type: 'error', code: 'BAD_MESSAGE', message: 'not JSON' }));
      return;
    }
    if (msg.type === 'subscribe') {
      if (!channels.has(msg.channel)) channels.set(msg.channel, { seq: 0, sockets: new Set() });
      channels.get(msg.channel).sockets.add(socket);
      joined.add(msg.channel);
      socket.send(JSON.stringify({ type: 'ack', id: msg.id }));
    } else if (msg.type === 'publish') {
      const channel = channels.get(msg.channel);
      const seq = channel ? ++channel.seq : 0;
      const event = JSON.stringify({
        type: 'event',
        channel: msg.channel,
        data: msg.data,
        seq,
        ts: Date.now(),
      });
      for (const s of channel?.sockets ?? []) s.send(event);
      socket.send(JSON.stringify({ type: 'ack', id: msg.id, seq }));
    } else if (msg.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong', id: msg.id }));
    }
  });
  socket.on('close', () => {
    for (const name of joined) channels.get(name)?.sockets.delete(socket);
  });
});

server.on('listening', () => console.log(`ws-hub listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
