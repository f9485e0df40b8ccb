import { fileURLToPath } from 'node:url';
import t from 'tap';
import { request } from 'undici';
import { startGatewayd } from '../helpers/gatewayd-process.js';
import { UpstreamServer } from '../helpers/upstream-server.js';

const QUICKSTART = fileURLToPath(
  new URL('../../examples/quickstart/gateway.yaml', import.meta.url),
);

t.test('the quickstart as shipped: welcome, hello, health, the demo API proxied', async (t) => {
  const upstream = await UpstreamServer.start(t);
  const gw = await startGatewayd(t, '', {
    file: QUICKSTART,
    env: { PORT: '0', DEMO_UPSTREAM: upstream.url },
  });
  const get = async (path: string) => {
    const res = await request(gw.url(path));
    return {
      status: res.statusCode,
      type: res.headers['content-type'],
      body: await res.body.text(),
    };
  };

  const welcome = await get('/');
  t.equal(welcome.status, 200);
  t.match(JSON.parse(welcome.body), { service: 'gatewayd quickstart' });
  const hello = await get('/hello');
  t.equal(hello.status, 200);
  t.match(hello.body, /^Hello from gatewayd/);
  t.same(JSON.parse((await get('/health')).body), { status: 'ok' });
  t.equal((await get('/ready')).status, 200);

  const proxied = await get('/api/orders/7?page=2');
  t.equal(proxied.status, 200);
  t.equal(
    upstream.seen.at(-1)?.url,
    '/orders/7?page=2',
    'strip_prefix: the upstream sees /orders/7',
  );

  const missing = await get('/nowhere');
  t.equal(missing.status, 404);
  t.match(JSON.parse(missing.body), { error: 'ROUTE_NOT_FOUND', status_code: 404 });
});
