#!/usr/bin/env node
// Sends raw, mostly hostile HTTP/1.x requests, each on its own connection, and prints what came
// back within 2 s as a Markdown table: the status line (and the start of the body), or "no
// answer" with when the connection closed. For finding out what an HTTP parser does with input
// that RFC 9112 forbids or that peers disagree on, before the gateway works around it.
//
//   node scripts/raw-requests.mjs HOST:PORT      probe a running server (a gatewayd, nginx, ...)
//   node scripts/raw-requests.mjs --bare-uws     probe a bare uWS app started here, on the uWS
//                                                build this Node.js loads (needs `npm run build`)
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const WAIT_MS = 2000;
const H = 'Host: probe\r\n';

const headers = (n) => Array.from({ length: n }, (_, i) => `X-H${i}: ${i}\r\n`).join('');

/** [name, raw request]: each is sent exactly as written, then the client waits. */
const REQUESTS = [
  ['baseline GET', `GET /a?b=1 HTTP/1.1\r\n${H}\r\n`],
  ['HTTP/1.0, no Host', 'GET /a HTTP/1.0\r\n\r\n'],
  ['HTTP/1.0 with Host', `GET /a HTTP/1.0\r\n${H}\r\n`],
  ['HTTP/1.1 without Host', 'GET /a HTTP/1.1\r\n\r\n'],
  ['two Host headers', `GET /a HTTP/1.1\r\n${H}${H}\r\n`],
  ['header name with _', `GET /a HTTP/1.1\r\n${H}X_Forwarded_For: 1.2.3.4\r\n\r\n`],
  ['space before colon', `GET /a HTTP/1.1\r\n${H}X-A : 1\r\n\r\n`],
  ['absolute-form target', `GET http://other.example/abs?q=1 HTTP/1.1\r\n${H}\r\n`],
  ['asterisk-form OPTIONS', `OPTIONS * HTTP/1.1\r\n${H}\r\n`],
  ['obs-fold header', `GET /a HTTP/1.1\r\n${H}X-A: one\r\n  two\r\n\r\n`],
  ['bare CR in a header value', `GET /a HTTP/1.1\r\n${H}X-A: one\rtwo\r\n\r\n`],
  ['bare LF line endings', 'GET /a HTTP/1.1\nHost: probe\n\n'],
  ['NUL in a header value', `GET /a HTTP/1.1\r\n${H}X-A: one\0two\r\n\r\n`],
  ['NUL in the target', `GET /a\0b HTTP/1.1\r\n${H}\r\n`],
  ['48 header fields (Host + 47)', `GET /a HTTP/1.1\r\n${H}${headers(47)}\r\n`],
  ['49 header fields (Host + 48)', `GET /a HTTP/1.1\r\n${H}${headers(48)}\r\n`],
  ['50 header fields (Host + 49)', `GET /a HTTP/1.1\r\n${H}${headers(49)}\r\n`],
  ['101 header fields (Host + 100)', `GET /a HTTP/1.1\r\n${H}${headers(100)}\r\n`],
  [
    'chunked body',
    `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  ],
  [
    'chunk extension',
    `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n0\r\n\r\n`,
  ],
  [
    'LF-only chunk lines',
    `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n`,
  ],
  [
    'Transfer-Encoding: chunked, identity',
    `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  ],
  [
    'Transfer-Encoding: identity',
    `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello`,
  ],
  [
    'duplicate Transfer-Encoding: chunked',
    `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  ],
  [
    'Content-Length and Transfer-Encoding',
    `POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
  ],
  [
    'two different Content-Length',
    `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
  ],
  ['Content-Length: +5', `POST /a HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`],
  ['method PURGE', `PURGE /a HTTP/1.1\r\n${H}\r\n`],
  ['method PROPFIND', `PROPFIND /a HTTP/1.1\r\n${H}\r\n`],
  ['method LINK', `LINK /a HTTP/1.1\r\n${H}\r\n`],
  ['lower-case method get', `get /a HTTP/1.1\r\n${H}\r\n`],
  ['HTTP/2.0 version', `GET /a HTTP/2.0\r\n${H}\r\n`],
];

/** What one raw request got back: the status line and body start, or how the silence ended. */
function probe(host, port, raw) {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, host);
    let received = '';
    let done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const ms = Math.round(performance.now() - started);
      if (received === '') {
        resolve(
          why === 'timeout'
            ? `no answer within ${WAIT_MS} ms (still open)`
            : `no answer, ${why} after ${ms} ms`,
        );
        return;
      }
      const [head, body = ''] = received.split('\r\n\r\n');
      const status = head.split('\r\n')[0];
      const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 60);
      resolve(snippet ? `${status} — ${snippet}` : status);
    };
    const timer = setTimeout(() => finish('timeout'), WAIT_MS);
    socket.on('connect', () => socket.write(raw, 'latin1'));
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      received += chunk;
      // One answer is enough: stop once its head is in.
      if (received.includes('\r\n\r\n')) setTimeout(() => finish('answered'), 50);
    });
    socket.on('end', () => finish('closed'));
    socket.on('error', (err) => finish(`error ${err.code ?? err.message}`));
  });
}

/** A uWS app that answers every request with what it parsed: method, URL, query, Host. */
async function startBareUws() {
  // As bin/gatewayd does: uWS reads its header-size ceiling once, when it loads.
  process.env.UWS_HTTP_MAX_HEADERS_SIZE ??= '65536';
  const { nativeUws, nativeUwsRelease } = await import('../dist/native/uws-binding.js');
  const uws = nativeUws();
  const app = uws.App().any('/*', (res, req) => {
    const seen = `${req.getMethod()} ${req.getUrl()} q=${req.getQuery() ?? ''} host=${req.getHeader('host')}`;
    const hasBody =
      req.getHeader('content-length') !== '' || req.getHeader('transfer-encoding') !== '';
    let aborted = false;
    res.onAborted(() => (aborted = true));
    if (!hasBody) {
      res.cork(() => res.end(seen));
      return;
    }
    let bytes = 0;
    res.onData((chunk, last) => {
      bytes += chunk.byteLength;
      if (last && !aborted) res.cork(() => res.end(`${seen} body=${bytes}`));
    });
  });
  const port = await new Promise((resolve, reject) =>
    app.listen('127.0.0.1', 0, (socket) =>
      socket ? resolve(uws.us_socket_local_port(socket)) : reject(new Error('cannot listen')),
    ),
  );
  return { port, release: nativeUwsRelease(), close: () => app.close() };
}

const target = process.argv[2];
if (!target) {
  console.error('usage: raw-requests.mjs HOST:PORT | --bare-uws');
  process.exit(2);
}
let host = '127.0.0.1';
let port;
let server = null;
let what;
if (target === '--bare-uws') {
  server = await startBareUws();
  port = server.port;
  what = `a bare ${server.release} app (echoes method, URL, query, Host)`;
} else {
  const at = target.lastIndexOf(':');
  host = target.slice(0, at);
  port = Number(target.slice(at + 1));
  what = target;
}
const answers = await Promise.all(REQUESTS.map(([, raw]) => probe(host, port, raw)));
const glibc = process.report.getReport().header.glibcVersionRuntime ?? 'none';
const lines = [
  `Target: ${what}; Node.js ${process.version}, glibc ${glibc}; ${new Date().toISOString()}`,
  '',
  '| request | answer |',
  '| --- | --- |',
  ...REQUESTS.map(([name], i) => `| ${name} | ${answers[i].replaceAll('|', '\\|')} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
server?.close();
