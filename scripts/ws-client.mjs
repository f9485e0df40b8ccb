// A small WebSocket client for trying the examples' socket flows from a shell:
//
//   node scripts/ws-client.mjs URL [-H "name: value"]... [--send JSON]... [--wait MS]
//
// Each --send message goes out in order, after the server's next frame (or half a second);
// every frame received is printed on its own line after "< ". Once the messages are sent it waits
// until no frame has come for --wait milliseconds (default 1000), then closes. Without --send it
// sends each line typed (or piped) on standard input and closes at its end.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    header: { type: 'string', short: 'H', multiple: true, default: [] },
    send: { type: 'string', multiple: true, default: [] },
    wait: { type: 'string', default: '1000' },
  },
});
const url = positionals[0];
if (url === undefined) {
  console.error('usage: node scripts/ws-client.mjs URL [-H "name: value"]... [--send JSON]...');
  process.exit(2);
}
const headers = Object.fromEntries(
  values.header.map((h) => {
    const colon = h.indexOf(':');
    return [h.slice(0, colon).trim(), h.slice(colon + 1).trim()];
  }),
);
const quietMs = Number(values.wait);
/** The gap before a message when the server says nothing first. */
const GAP_MS = 500;

const ws = new WebSocket(url, { headers });
let onFrame = () => {};

ws.on('unexpected-response', (_req, res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    console.error(`refused: ${res.statusCode} ${body}`);
    process.exit(1);
  });
});
ws.on('error', (err) => {
  console.error(`error: ${err.message}`);
  process.exit(1);
});
ws.on('message', (data) => {
  console.log(`< ${data.toString()}`);
  onFrame();
});
ws.on('close', (code, reason) => {
  console.log(`closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
  process.exit(0);
});
ws.on('open', () => void (values.send.length > 0 ? sendAll(values.send) : sendLines()));

/** Resolves at the next frame, or after `ms` without one. */
function frameOrQuiet(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    onFrame = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

async function sendAll(messages) {
  for (const message of messages) {
    await frameOrQuiet(GAP_MS);
    console.log(`> ${message}`);
    ws.send(message);
  }
  await untilQuiet();
  ws.close(1000);
}

/** Waits until no frame has arrived for quietMs. */
async function untilQuiet() {
  for (;;) {
    let framed = false;
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, quietMs);
      onFrame = () => {
        framed = true;
        clearTimeout(timer);
        resolve();
      };
    });
    if (!framed) return;
  }
}

function sendLines() {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() !== '') ws.send(line);
  });
  lines.on('close', () => void untilQuiet().then(() => ws.close(1000)));
}
