import { createHash } from 'node:crypto';
import t from 'tap';
import { request } from 'undici';
import type { ConfigProblem } from '../../engine/config/config-problem.js';
import { loadConfigText } from '../../engine/config-loader/load-config.js';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { connect, within } from '../helpers/ws-client.js';
import { WsUpstream } from '../helpers/ws-upstream.js';

const KEY = 'k-request-headers-test-0123456789';
const KEY_HASH = `sha256:${createHash('sha256').update(KEY).digest('hex')}`;

t.test('request_headers removes and sets headers on the way upstream', async (t) => {
  const http = await UpstreamServer.start(t);
  const ws = await WsUpstream.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys:
    header: x-api-key
    keys: [{ name: widget, hash: '${KEY_HASH}', roles: [user] }]
routes:
  - path: /edited/*
    upstream: http
    auth_required: true
    request_headers:
      remove: [X-Api-Key, authorization, x-debug]
      set: { X-Gateway-Source: '\${SOURCE_NAME}', x-tenant-source: gateway }
  - path: /plain/*
    upstream: http
    auth_required: true
  - path: /open/*
    upstream: http
    request_headers: { set: { x-open-source: gateway } }
  - path: /socket
    methods: [GET]
    websocket: proxy
    upstream: ws
    auth_required: true
    request_headers: { remove: [x-api-key], set: { x-socket-source: gateway } }
  - path: /open-socket
    methods: [GET]
    websocket: proxy
    upstream: ws
    request_headers: { set: { x-socket-source: gateway } }
upstreams:
  http: { discovery: { type: Static, endpoints: ['${http.url}'] } }
  ws: { discovery: { type: Static, endpoints: ['${ws.url}'] } }
`,
    { env: { SOURCE_NAME: 'edge-1' } },
  );
  const base = `http://127.0.0.1:${gw.port}`;
  /** What a client sends to claim an identity it does not have. */
  const FORGED = { 'x-user-id': 'admin-root', 'x-user-roles': 'admin', 'x-auth-method': 'jwt' };

  await t.test('an edited route drops the credential and the listed headers', async (t) => {
    const res = await request(`${base}/edited/x?q=1`, {
      headers: {
        'x-api-key': KEY,
        'x-debug': 'on',
        'x-gateway-source': 'forged',
        'x-tenant-source': 'client',
        'x-kept': 'yes',
        ...FORGED,
      },
    });
    t.equal(res.statusCode, 200);
    await res.body.dump();
    const seen = http.seen.at(-1);
    t.ok(seen, 'the upstream got the request');
    const headers = seen?.headers ?? {};
    t.equal(
      headers['x-api-key'],
      undefined,
      'the key the route authenticated with stays at the gateway',
    );
    t.equal(headers['x-debug'], undefined, 'a removed header is not forwarded');
    t.equal(
      headers['x-gateway-source'],
      'edge-1',
      'a set header replaces the client value, ${VAR} resolved',
    );
    t.equal(headers['x-tenant-source'], 'gateway');
    t.equal(headers['x-kept'], 'yes', 'other client headers pass');
    t.equal(headers['x-user-id'], 'widget', 'the verified identity goes upstream, alone');
    t.equal(headers['x-user-roles'], 'user', "the key's roles, not the client's");
    t.equal(headers['x-auth-method'], 'api_key');
    t.equal(seen?.url, '/edited/x?q=1');
  });

  await t.test(
    'a route with request_headers and no auth drops forged identity headers',
    async (t) => {
      const res = await request(`${base}/open/z`, {
        headers: { ...FORGED, 'x-open-source': 'client' },
      });
      t.equal(res.statusCode, 200);
      await res.body.dump();
      const headers = http.seen.at(-1)?.headers ?? {};
      t.equal(headers['x-open-source'], 'gateway');
      for (const name of Object.keys(FORGED)) t.notOk(name in headers, `${name} not forwarded`);
    },
  );

  await t.test('a route without request_headers forwards them as before', async (t) => {
    const res = await request(`${base}/plain/y`, {
      headers: { 'x-api-key': KEY, 'x-debug': 'on', 'x-gateway-source': 'client' },
    });
    t.equal(res.statusCode, 200);
    await res.body.dump();
    const headers = http.seen.at(-1)?.headers ?? {};
    t.equal(headers['x-api-key'], KEY);
    t.equal(headers['x-debug'], 'on');
    t.equal(headers['x-gateway-source'], 'client');
  });

  await t.test('a WebSocket proxy route edits its upstream handshake', async (t) => {
    const client = await connect(t, `ws://127.0.0.1:${gw.port}/socket`, {
      headers: { 'x-api-key': KEY, 'x-socket-source': 'forged', ...FORGED },
    });
    t.ok(client.ok, 'the upgrade succeeds');
    await within(
      ws.waitFor((u) => u.connections.length === 1),
      5000,
      'the upstream handshake',
    );
    const headers = ws.last.headers;
    t.equal(headers['x-api-key'], undefined);
    t.equal(headers['x-socket-source'], 'gateway');
    t.equal(headers['x-user-id'], 'widget', 'the verified identity goes upstream, alone');
    t.equal(headers['x-user-roles'], 'user');
    t.equal(headers['x-auth-method'], 'api_key');

    const open = await connect(t, `ws://127.0.0.1:${gw.port}/open-socket`, { headers: FORGED });
    t.ok(open.ok, 'the upgrade without auth succeeds');
    await within(
      ws.waitFor((u) => u.connections.length === 2),
      5000,
      'the second upstream handshake',
    );
    const openHeaders = ws.last.headers;
    t.equal(openHeaders['x-socket-source'], 'gateway');
    for (const name of Object.keys(FORGED)) t.notOk(name in openHeaders, `${name} not forwarded`);
  });

  await t.test('gatewayd routes shows the edits without their values', async (t) => {
    const out = await runCli(['routes', gw.file], { ...process.env, SOURCE_NAME: 'edge-1' });
    t.match(
      out.stdout,
      /request_headers remove X-Api-Key, authorization, x-debug; set X-Gateway-Source, x-tenant-source/,
    );
    t.notMatch(out.stdout, /edge-1/, 'values are not printed');
  });
});

function problems(routeExtra: string[], top: string[] = []): ConfigProblem[] {
  const text = [
    ...top,
    'routes:',
    '  - path: /a',
    ...routeExtra.map((l) => `    ${l}`),
    'upstreams:',
    '  svc: { discovery: { type: Static, endpoints: ["http://svc:1"] } }',
  ].join('\n');
  const result = loadConfigText(text, 'gateway.yaml', {});
  return result.ok ? result.warnings : result.problems;
}

const where = (p: ConfigProblem) => `${p.code} ${p.line}:${p.column}`;

t.test('gatewayd check refuses edits of gateway-owned and identity headers', async (t) => {
  t.same(
    problems([
      'upstream: svc',
      'request_headers:',
      '  remove: [x-api-key, Host, x-forwarded-for, content-length]',
    ]).map(where),
    [
      'GW_ERR_CONFIG_REQUEST_HEADERS 5:27',
      'GW_ERR_CONFIG_REQUEST_HEADERS 5:33',
      'GW_ERR_CONFIG_REQUEST_HEADERS 5:50',
    ],
    'Host, X-Forwarded-For and Content-Length are the gateway’s',
  );
  const identity = problems(
    ['upstream: svc', 'request_headers:', '  set: { X-User-ID: admin, X-Team: blue }'],
    ['auth: { context_headers: { subject: X-User-ID } }'],
  );
  t.same(identity.map(where), ['GW_ERR_CONFIG_REQUEST_HEADERS 6:14']);
  t.match(identity[0]?.message, /cannot set X-User-ID: it is an identity context header/);
  t.same(
    problems(['upstream: svc', 'request_headers: { remove: [x-a], set: { X-A: "1" } }']).map(where),
    ['GW_ERR_CONFIG_REQUEST_HEADERS 4:46'],
    'one name both removed and set',
  );
  t.same(
    problems(['direct_response: { status: 204 }', 'request_headers: { remove: [x-a] }']).map(
      (p) => p.code,
    ),
    ['GW_ERR_CONFIG_REQUEST_HEADERS', 'GW_WARN_CONFIG_UNUSED_UPSTREAM'],
    'a route that proxies nothing',
  );
  t.same(
    problems(['upstream: svc', 'request_headers: { set: { X-A: "two\\r\\nlines" } }']).map(
      (p) => p.code,
    ),
    ['GW_ERR_CONFIG_VALUE'],
    'a value with CR/LF is refused by the schema',
  );
  t.same(problems(['upstream: svc', 'request_headers: { remove: [x-a], set: { X-B: "1" } }']), []);
});
