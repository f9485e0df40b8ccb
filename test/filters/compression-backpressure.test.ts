import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

/** Incompressible enough (base64 of random bytes, 64 KiB apart is past gzip's window). */
const CHUNK = randomBytes(48 * 1024).toString('base64');
const CAP = 64 * 1024 * 1024;

t.test('a client that stops reading stops the upstream, through the compressor', async (t) => {
  let written = 0;
  let finished = false;
  const upstream = await UpstreamServer.start(t, {
    '/big': (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      const next = (): void => {
        while (written < CAP) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) {
            res.once('drain', next);
            return;
          }
        }
        finished = true;
        res.end();
      };
      next();
    },
  });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
middleware: { compression: { level: 1 } }
routes:
  - { path: /big, upstream: svc }
upstreams:
  svc: { discovery: { type: Static, endpoints: ['${upstream.url}'] } }
`,
  );
  const socket = connect(gw.port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  const received: Buffer[] = [];
  socket.on('data', (c: Buffer) => received.push(c));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(
    'GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n',
  );
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.pause();
  // The upstream stalls once every buffer between it and the paused client is full (bounded).
  let last = -1;
  let steady = 0;
  for (let i = 0; i < 200 && steady < 10 && !finished; i++) {
    await new Promise((r) => setTimeout(r, 100));
    steady = written === last ? steady + 1 : 0;
    last = written;
  }
  t.notOk(finished, `the upstream stopped at ${written} of ${CAP} bytes while the client waited`);
  t.ok(steady >= 10, 'and stayed stopped');
  socket.resume();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const raw = Buffer.concat(received);
  const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
  t.match(head, /content-encoding: gzip/i);
  t.match(head, /transfer-encoding: chunked/i);
  const body = dechunk(raw.subarray(raw.indexOf('\r\n\r\n') + 4));
  t.equal(gunzipSync(body).length, written, 'every byte arrives once the client reads again');
});

/** The body of a chunked message. */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0 || Number.isNaN(size)) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
