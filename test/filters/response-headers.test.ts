import type { IncomingMessage, ServerResponse } from 'node:http';
import t from 'tap';
import { request } from 'undici';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';
import { rawGet, headerOf } from '../helpers/raw-http.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

t.test('response_headers and hide_upstream_headers shape every answer', async (t) => {
  const leaky = (_req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('server', 'nginx/1.18.0 (Ubuntu)');
    res.setHeader('x-powered-by', 'Express');
    res.setHeader('x-internal-trace', 'db=primary-3');
    res.setHeader('cache-control', 'public, max-age=60');
    res.setHeader('x-kept', 'yes');
    res.end('ok');
  };
  const upstream = await UpstreamServer.start(t, { '/leaky': leaky, '/plain': leaky });
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys:
    header: x-api-key
    keys: [{ name: widget, hash: 'sha256:${'0'.repeat(64)}' }]
routes:
  - path: /leaky
    upstream: svc
    response_headers:
      remove: [X-Internal-Trace, content-security-policy]
      set: { Cache-Control: no-store, X-Frame-Options: SAMEORIGIN, X-Edge: '\${EDGE_NAME}' }
  - path: /plain
    upstream: svc
    request_headers: { set: { x-route: plain } }
  - path: /guarded
    upstream: svc
    auth_required: true
    response_headers: { remove: [www-authenticate], set: { x-edge: guard } }
  - path: /direct
    direct_response: { status: 200, body: hello, headers: { x-debug: on, x-version: '7' } }
    response_headers: { remove: [x-debug], set: { content-type: text/html } }
upstreams:
  svc: { discovery: { type: Static, endpoints: ['${upstream.url}'] } }
`,
    { env: { EDGE_NAME: 'edge-1' } },
  );

  await t.test('an upstream answer: removed, replaced and hidden headers', async (t) => {
    const raw = await rawGet(gw.port, '/leaky');
    t.match(raw, /^HTTP\/1\.1 200/);
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase();
    t.notMatch(head, /^server:/m, "the upstream's Server is hidden by default");
    t.notMatch(head, /^x-powered-by:/m, 'X-Powered-By too');
    t.notMatch(head, /^x-internal-trace:/m, 'a removed header does not reach the client');
    t.notMatch(head, /^content-security-policy:/m, 'nor does a security header it removes');
    t.equal(
      head.match(/^cache-control:/gm)?.length,
      1,
      "one Cache-Control, not the upstream's too",
    );
    t.equal(headerOf(raw, 'cache-control'), 'no-store');
    t.equal(head.match(/^x-frame-options:/gm)?.length, 1, 'set replaces a security header');
    t.equal(headerOf(raw, 'x-frame-options'), 'SAMEORIGIN');
    t.equal(headerOf(raw, 'x-edge'), 'edge-1', '${VAR} resolved');
    t.equal(headerOf(raw, 'x-kept'), 'yes', 'other upstream headers pass');
    t.equal(headerOf(raw, 'x-content-type-options'), 'nosniff', 'other security headers stay');
    t.ok(headerOf(raw, 'x-request-id'), 'X-Request-ID is always there');
  });

  await t.test(
    'a route without response_headers still hides Server and X-Powered-By',
    async (t) => {
      const res = await request(gw.url('/plain'));
      t.equal(res.statusCode, 200);
      t.equal(await res.body.text(), 'ok');
      t.equal(res.headers.server, undefined);
      t.equal(res.headers['x-powered-by'], undefined);
      t.equal(res.headers['x-internal-trace'], 'db=primary-3');
      t.equal(res.headers['cache-control'], 'public, max-age=60');
    },
  );

  await t.test("a gateway refusal: the gateway's own header removed", async (t) => {
    const res = await request(gw.url('/guarded'));
    t.equal(res.statusCode, 401);
    t.equal(res.headers['www-authenticate'], undefined);
    t.equal(res.headers['x-edge'], 'guard');
    t.equal(res.headers['content-type'], 'application/json');
    t.equal(((await res.body.json()) as { error: string }).error, 'UNAUTHORIZED');
  });

  await t.test('a direct response: its configured header removed, its type replaced', async (t) => {
    const raw = await rawGet(gw.port, '/direct');
    t.match(raw, /^HTTP\/1\.1 200/);
    t.equal(headerOf(raw, 'x-debug'), undefined);
    t.equal(headerOf(raw, 'x-version'), '7');
    t.equal(raw.toLowerCase().match(/^content-type:/gm)?.length, 1);
    t.equal(headerOf(raw, 'content-type'), 'text/html');
    t.match(raw, /\r\n\r\nhello$/);
  });
});

function problems(routeExtra: string[], top: string[] = []): ConfigProblem[] {
  const text = [
    ...top,
    'routes:',
    '  - path: /a',
    '    upstream: svc',
    ...routeExtra.map((l) => `    ${l}`),
    'upstreams:',
    '  svc: { discovery: { type: Static, endpoints: ["http://svc:1"] } }',
  ].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

const where = (p: ConfigProblem) => `${p.code} ${p.line}:${p.column}`;

t.test('gatewayd check refuses edits of what the gateway writes', async (t) => {
  t.same(
    problems(['response_headers:', '  remove: [x-a, Content-Length, transfer-encoding, date]']).map(
      where,
    ),
    [
      'GW_ERR_CONFIG_RESPONSE_HEADERS 5:21',
      'GW_ERR_CONFIG_RESPONSE_HEADERS 5:37',
      'GW_ERR_CONFIG_RESPONSE_HEADERS 5:56',
    ],
    'framing and Date are written by uWS',
  );
  const owned = problems([
    'response_headers: { set: { X-Request-ID: a, Content-Encoding: gzip } }',
  ]);
  t.same(owned.map(where), [
    'GW_ERR_CONFIG_RESPONSE_HEADERS 4:32',
    'GW_ERR_CONFIG_RESPONSE_HEADERS 4:49',
  ]);
  t.match(owned[0]?.message, /cannot set X-Request-ID: the gateway writes it itself/);
  t.same(
    problems(['response_headers: { remove: [x-a], set: { X-A: "1" } }']).map(where),
    ['GW_ERR_CONFIG_RESPONSE_HEADERS 4:47'],
    'one name both removed and set',
  );
  t.same(
    problems(['response_headers: { set: { X-A: "two\\r\\nlines" } }']).map((p) => p.code),
    ['GW_ERR_CONFIG_VALUE'],
    'a value with CR/LF is refused by the schema',
  );
  const hidden = problems([], ['server: { hide_upstream_headers: [server, Vary, content-type] }']);
  t.same(hidden.map(where), [
    'GW_ERR_CONFIG_RESPONSE_HEADERS 1:43',
    'GW_ERR_CONFIG_RESPONSE_HEADERS 1:49',
  ]);
  t.same(problems(['response_headers: { remove: [x-a], set: { X-B: "1" } }']), []);
  t.same(problems([], ['server: { hide_upstream_headers: [] }']), [], 'an empty list hides none');
});
