import t from 'tap';
import { request } from 'undici';
import { rawGet, headerOf, statusOf } from '../helpers/raw-http.js';
import { startGatewayd } from '../helpers/gatewayd-process.js';

t.test('redirect routes fill in the path captures and keep the query', async (t) => {
  const gw = await startGatewayd(
    t,
    `
server: { http_port: 0, bind_address: 127.0.0.1 }
auth:
  api_keys:
    header: x-api-key
    keys: [{ name: widget, hash: 'sha256:${'0'.repeat(64)}' }]
routes:
  - path: /old/{section}/{id}
    redirect: { to: '/new/{id}/in/{section}', status: 301 }
  - path: /files/*
    redirect: { to: 'https://cdn.example.com/static/*', status: 308, keep_query: false }
  - path: /search
    redirect: { to: '/find?source=old' }
  - path: /go/*
    redirect: { to: '/*', status: 307 }
  - path: /private/{id}
    auth_required: true
    redirect: { to: '/p/{id}' }
`,
  );
  const go = (path: string) => request(gw.url(path), { method: 'GET' });

  await t.test('captures in the path, the query appended', async (t) => {
    const res = await go('/old/books/42?ref=mail&x=1');
    t.equal(res.statusCode, 301);
    t.equal(res.headers.location, '/new/42/in/books?ref=mail&x=1');
    t.equal(await res.body.text(), '');
    t.ok(res.headers['x-request-id'], 'a redirect is a gateway answer like any other');
  });

  await t.test('a wildcard into an absolute URL, the query dropped', async (t) => {
    const res = await go('/files/img/logo%20big.png?v=3');
    t.equal(res.statusCode, 308);
    t.equal(res.headers.location, 'https://cdn.example.com/static/img/logo%20big.png');
    await res.body.dump();
  });

  await t.test("the target's own query comes first, the client's after &", async (t) => {
    const res = await go('/search?q=tea');
    t.equal(res.statusCode, 302, 'the default status');
    t.equal(res.headers.location, '/find?source=old&q=tea');
    await res.body.dump();
    const bare = await go('/search');
    t.equal(bare.headers.location, '/find?source=old');
    await bare.body.dump();
  });

  await t.test('HEAD gets the same redirect', async (t) => {
    const res = await request(gw.url('/old/a/1'), { method: 'HEAD' });
    t.equal(res.statusCode, 301);
    t.equal(res.headers.location, '/new/1/in/a');
    await res.body.dump();
  });

  await t.test('a capture cannot make the target another site', async (t) => {
    const raw = await rawGet(gw.port, '/go//evil.example/x');
    t.equal(statusOf(raw), 307);
    t.equal(headerOf(raw, 'location'), '/evil.example/x', 'never a "//host" location');
    const plain = await go('/go/a/b');
    t.equal(plain.headers.location, '/a/b');
    await plain.body.dump();
  });

  await t.test("the route's filters run before the redirect", async (t) => {
    const res = await go('/private/7');
    t.equal(res.statusCode, 401);
    t.equal(res.headers.location, undefined);
    await res.body.dump();
  });
});
