import t from 'tap';
import { loadConfigText } from '../../engine/config-loader/load-config.js';

const UPSTREAMS =
  "upstreams:\n  svc: { discovery: { type: Static, endpoints: ['http://127.0.0.1:1'] } }\n";

function load(routes: string, more = '') {
  return loadConfigText(`${more}routes:\n${routes}${UPSTREAMS}`, 'gateway.yaml', {});
}

t.test('a cache on a proxied route loads', async (t) => {
  const result = load(
    '  - { path: /a, upstream: svc, cache: { ttl: 30s, key: [path, "header:x-tenant", "cookie:lang", "query:page"], max_size: 8mb } }\n',
  );
  t.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
  const redis = load(
    '  - { path: /a, upstream: svc, auth_required: true, cache: { backend: redis, key: [path, identity] } }\n',
    "redis: { url: 'redis://127.0.0.1:6379' }\nauth: { api_keys: { keys: [] } }\n",
  );
  t.ok(redis.ok, 'redis with a redis block, identity on a route with auth');
});

t.test('what a cache cannot be, reported at its line and column', async (t) => {
  const cases: Array<[string, string, RegExp, number, number]> = [
    [
      '  - { path: /ws, upstream: svc, websocket: proxy, cache: {} }\n',
      'GW_ERR_CONFIG_CACHE',
      /is a WebSocket route/,
      2,
      58,
    ],
    [
      '  - { path: /r, redirect: { to: /x }, cache: {} }\n',
      'GW_ERR_CONFIG_CACHE',
      /is a redirect route/,
      2,
      46,
    ],
    [
      '  - { path: /a, upstream: svc, cache: { backend: redis } }\n',
      'GW_ERR_CONFIG_REDIS_REQUIRED',
      /no redis block/,
      2,
      50,
    ],
    [
      '  - { path: /a, upstream: svc, cache: { key: [path, identity] } }\n',
      'GW_ERR_CONFIG_CACHE',
      /has no auth/,
      2,
      53,
    ],
    [
      '  - { path: /a, upstream: svc, cache: { methods: [HEAD] } }\n',
      'GW_ERR_CONFIG_CACHE',
      /serves HEAD but not GET/,
      2,
      50,
    ],
    [
      '  - { path: /a, upstream: svc, cache: { max_size: 1kb } }\n',
      'GW_ERR_CONFIG_CACHE',
      /smaller than its max_entry_size/,
      2,
      51,
    ],
  ];
  for (const [route, code, message, line, column] of cases) {
    const result = load(route);
    t.notOk(result.ok, route);
    if (result.ok) continue;
    t.match(result.problems, [{ code, message, line, column }], route);
  }
});

t.test('nonsense ttl, size and key parts are refused by the schema', async (t) => {
  for (const cache of [
    '{ ttl: 0s }',
    '{ ttl: forever }',
    '{ max_size: lots }',
    '{ key: [path, cookies] }',
    '{ key: [] }',
    '{ methods: [POST] }',
  ]) {
    const result = load(`  - { path: /a, upstream: svc, cache: ${cache} }\n`);
    t.notOk(result.ok, cache);
    if (result.ok) continue;
    t.match(result.problems, [{ line: 2 }], cache);
  }
  const part = load('  - { path: /a, upstream: svc, cache: { key: [path, cookies] } }\n');
  t.notOk(part.ok);
  if (!part.ok) {
    t.match(part.problems, [
      { message: /cache\.key\[1\]: "cookies" is not a cache key part/, line: 2, column: 53 },
    ]);
  }
});
