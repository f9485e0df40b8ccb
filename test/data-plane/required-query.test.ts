import t from 'tap';
import { request } from 'undici';
import { runCli, startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';
import { connect } from '../helpers/ws-client.js';
import { WsUpstream } from '../helpers/ws-upstream.js';

t.test('required_query answers 400 before the upstream is asked', async (t) => {
  const http = await UpstreamServer.start(t);
  const ws = await WsUpstream.start(t);
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys:
    keys: [{ name: k, hash: 'sha256:${'0'.repeat(64)}' }]
routes:
  - path: /users
    upstream: http
    required_query: [tenantId, page]
  - path: /private
    upstream: http
    auth_required: true
    required_query: [tenantId]
  - path: /socket
    methods: [GET]
    websocket: proxy
    upstream: ws
    required_query: [session_id]
upstreams:
  http: { discovery: { type: Static, endpoints: ['${http.url}'] } }
  ws: { discovery: { type: Static, endpoints: ['${ws.url}'] } }
`,
  );

  await t.test('present parameters pass, with the query untouched', async (t) => {
    const res = await request(gw.url('/users?page=2&tenantId=t-1&x=%20'));
    t.equal(res.statusCode, 200);
    await res.body.dump();
    t.equal(http.seen.at(-1)?.url, '/users?page=2&tenantId=t-1&x=%20');
  });

  await t.test('a missing or empty parameter is a 400 naming it', async (t) => {
    const asked = http.seen.length;
    for (const [query, missing] of [
      ['', 'tenantId'],
      ['?page=1', 'tenantId'],
      ['?tenantId=&page=1', 'tenantId'],
      ['?tenantId=t-1', 'page'],
      ['?TENANTID=t-1&page=1', 'tenantId'],
    ] as const) {
      const res = await request(gw.url(`/users${query}`));
      t.equal(res.statusCode, 400, `${query || '(no query)'}: 400`);
      t.match(await res.body.json(), {
        error: 'BAD_REQUEST',
        message: `query parameter "${missing}" is required`,
      });
    }
    t.equal(http.seen.length, asked, 'the upstream was not asked');
  });

  await t.test('a refused POST body is read so the connection stays usable', async (t) => {
    const body = 'x'.repeat(200_000);
    const res = await request(gw.url('/users'), { method: 'POST', body });
    t.equal(res.statusCode, 400);
    await res.body.dump();
    const next = await request(gw.url('/users?tenantId=a&page=1'), { method: 'POST', body: 'ok' });
    t.equal(next.statusCode, 200);
    await next.body.dump();
  });

  await t.test('auth runs first: no credential is a 401, not a hint about the query', async (t) => {
    const res = await request(gw.url('/private'));
    t.equal(res.statusCode, 401);
    await res.body.dump();
  });

  await t.test('a WebSocket upgrade without the parameter is refused with 400', async (t) => {
    const refused = await connect(t, gw.url('/socket').replace('http', 'ws'));
    t.equal(refused.ok ? 101 : refused.status, 400);
    t.equal(ws.connections.length, 0, 'the upstream socket was not opened');
    const open = await connect(t, gw.url('/socket?session_id=s1').replace('http', 'ws'));
    t.equal(open.ok, true);
  });

  await t.test('gatewayd routes lists the check', async (t) => {
    const out = await runCli(['routes', gw.file], process.env);
    t.match(out.stdout, /required_query tenantId, page/);
  });
});
