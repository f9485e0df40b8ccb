import t from 'tap';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { bodyOf, rawRequest, statusOf } from '../helpers/raw-http.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

// Requests whose end or host two parties could read differently are refused, and their
// connection closed, before any upstream sees them (request smuggling, RFC 9112 sections 3.2, 6).

t.test('ambiguous framing and hosts are refused with 400 and a closed connection', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /admin/*, host: admin.example.com, direct_response: { status: 401, body: admin } }
  - { path: /*, upstream: svc }
upstreams:
  svc: { discovery: { type: Static, endpoints: ["${upstream.url}"] } }
observability:
  logging: { level: info, access_log: false }
`,
  );

  // uWS's own parser closes the connection at once, with no answer, on some of these (v20.30:
  // a Content-Length that is not plain digits, Content-Length with Transfer-Encoding, and a body
  // it cannot parse as chunks); the
  // gateway answers the rest. Either way nothing after them is read and no upstream sees them.
  const answered: Record<string, string> = {
    'two Host headers': 'GET /x HTTP/1.1\r\nHost: a.example.com\r\nHost: admin.example.com\r\n\r\n',
    'two equal Content-Length headers':
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
    'two different Content-Length headers':
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc',
    'chunked not last':
      'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    'an unknown coding':
      'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    'two Transfer-Encoding headers':
      'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  };
  const parserMayClose: Record<string, string> = {
    'identity alone': 'POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n',
    'a hexadecimal Content-Length': 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0x3\r\n\r\nabc',
    'a signed Content-Length': 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc',
    'an exponent Content-Length': 'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3e0\r\n\r\nabc',
    'Content-Length with Transfer-Encoding':
      'POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  };
  // uWS v20.57's parser answers two Host headers with its own 400 page before the gateway sees
  // the request (bench/uws-parser-behaviour.md); v20.30 passes them to the gateway.
  const listening = await gw.waitForLog((l) => l.msg === 'gatewayd listening');
  const parserAnswers = new Set(listening.uws === 'uWS v20.57' ? ['two Host headers'] : []);
  for (const [name, text] of Object.entries(answered)) {
    // rawRequest resolves when the gateway closes the connection: the answer is the whole text.
    const raw = await rawRequest(gw.port, text, 2000);
    t.equal(statusOf(raw), 400, name);
    if (parserAnswers.has(name)) continue;
    t.equal(JSON.parse(bodyOf(raw)).error, 'AMBIGUOUS_REQUEST', name);
    t.match(raw, /\r\nConnection: close\r\n/i, `${name}: the connection is closed`);
  }
  for (const [name, text] of Object.entries(parserMayClose)) {
    const raw = await rawRequest(gw.port, text, 2000);
    if (raw === '') t.pass(`${name}: the parser closed the connection at once`);
    else t.equal(statusOf(raw), 400, name);
  }
  t.same(upstream.seen, [], 'no upstream saw any of them');

  const chunked = await rawRequest(
    gw.port,
    'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  );
  t.equal(statusOf(chunked), 200, 'a plain chunked body is served');
  t.equal(JSON.parse(bodyOf(chunked)).bodyBytes, 3, 'and arrives whole');
});

t.test('a trailing dot in Host names the same host', async (t) => {
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
routes:
  - { path: /x, host: admin.example.com, direct_response: { status: 200, body: admin } }
  - { path: /x, direct_response: { status: 200, body: any } }
observability:
  logging: { level: info, access_log: false }
`,
  );
  for (const host of ['admin.example.com', 'admin.example.com.', 'ADMIN.example.com.:8080']) {
    const raw = await rawRequest(
      gw.port,
      `GET /x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    t.equal(bodyOf(raw), 'admin', host);
  }
  const other = await rawRequest(
    gw.port,
    'GET /x HTTP/1.1\r\nHost: other.example.com.\r\nConnection: close\r\n\r\n',
  );
  t.equal(bodyOf(other), 'any');
});
