// A child process of bench/websocket.mjs: holds many WebSocket clients subscribed to one channel
// and counts the events they receive. Driven over IPC:
//   parent → {connect: {url, count, channel}}  child → {connected: n}
//   parent → {expect: n}                       child → {received: n} once n events have arrived
//   parent → {close: true}                     child exits once every socket is closed
import WebSocket from 'ws';

const OPEN_AT_ONCE = 200;
const EVENT = Buffer.from('"event"');
let sockets = [];
let received = 0;
let expected = Infinity;

function openOne(url, channel) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let subscribed = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', channel, id: 's' })));
    ws.on('message', (data) => {
      if (!subscribed) {
        if (data.includes('"ack"')) {
          subscribed = true;
          resolve(ws);
        }
        return;
      }
      if (data.includes(EVENT) && ++received === expected) process.send({ received });
    });
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (!subscribed) reject(new Error(`closed with ${code} before subscribing`));
    });
  });
}

process.on('message', async (msg) => {
  if (msg.connect) {
    const { url, count, channel } = msg.connect;
    for (let i = 0; i < count; i += OPEN_AT_ONCE) {
      const batch = Math.min(OPEN_AT_ONCE, count - i);
      sockets.push(
        ...(await Promise.all(Array.from({ length: batch }, () => openOne(url, channel)))),
      );
    }
    process.send({ connected: sockets.length });
  } else if (msg.expect !== undefined) {
    // Counting starts at the connect, so events that beat this message are not lost.
    expected = msg.expect;
    if (received >= expected) process.send({ received });
  } else if (msg.close) {
    await Promise.all(
      sockets.map((ws) => new Promise((resolve) => (ws.once('close', resolve), ws.close()))),
    );
    sockets = [];
    process.exit(0);
  }
});
