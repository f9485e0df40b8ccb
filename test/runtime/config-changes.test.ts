import t from 'tap';
import type { GatewayConfig } from '../../engine/config/gateway-config.js';
import {
  changedKeysUnder,
  describeChanges,
  describeRuntimeRouteChanges,
} from '../../engine/runtime/config-changes.js';

const base: GatewayConfig = {
  server: { http_port: 8080, timeouts: { upstream_timeout: '10s' } },
  routes: [
    { name: 'users', path: '/users/*', upstream: 'users' },
    { path: '/orders/*', methods: ['GET'], upstream: 'orders' },
    { path: '/orders/*', methods: ['GET'], upstream: 'orders', match: { headers: { x: 'y' } } },
  ],
  upstreams: {
    users: { discovery: { type: 'Static', endpoints: ['http://127.0.0.1:3001'] } },
    orders: { discovery: { type: 'Static', endpoints: ['http://127.0.0.1:3002'] } },
  },
  auth: { jwt: { secret: 'first-secret-value-long-enough-0000', algorithm: 'HS256' } },
};

function edit(change: (c: GatewayConfig) => void): GatewayConfig {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

t.test('routes by name, unnamed ones by methods and path, in their order', async (t) => {
  const after = edit((c) => {
    c.routes[0] = { ...c.routes[0]!, timeout: '5s' };
    c.routes.splice(2, 1);
    c.routes.push({ name: 'health', path: '/healthz', direct_response: { status: 200 } });
  });
  t.same(describeChanges(base, after), {
    routes: { added: ['health'], removed: ['GET /orders/* #2'], changed: ['users'] },
  });
});

t.test('a route moved ahead of another is reported as a reorder', async (t) => {
  const after = edit((c) => c.routes.reverse());
  const changes = describeChanges(base, after);
  t.equal(changes.routes?.reordered, true);
});

t.test('upstreams by name; settings by YAML key, never with their values', async (t) => {
  const after = edit((c) => {
    delete c.upstreams!.orders;
    c.upstreams!.users!.connect_timeout = '1s';
    c.upstreams!.billing = { discovery: { type: 'Static', endpoints: ['http://127.0.0.1:3003'] } };
    c.server!.timeouts!.upstream_timeout = '30s';
    c.auth!.jwt!.secret = 'second-secret-value-long-enough-000';
    c.middleware = { cors: { allowed_origins: ['*'] } };
    delete c.server!.http_port;
  });
  const changes = describeChanges(base, after);
  t.same(changes.upstreams, { added: ['billing'], removed: ['orders'], changed: ['users'] });
  t.same(changes.settings, {
    added: ['middleware'],
    removed: ['server.http_port'],
    changed: ['server.timeouts.upstream_timeout', 'auth.jwt.secret'],
  });
  t.notMatch(JSON.stringify(changes), /second-secret/, 'no value is in the report');
});

t.test('the same config in another key order is no change', async (t) => {
  const reordered: GatewayConfig = {
    auth: base.auth,
    upstreams: base.upstreams,
    routes: base.routes,
    server: { timeouts: { upstream_timeout: '10s' }, http_port: 8080 },
  };
  t.same(describeChanges(base, reordered), {});
});

t.test('keys that are not identifiers are quoted as in check messages', async (t) => {
  const after = edit((c) => {
    c.middleware = { rate_limiting: { route_limits: { '/auth/login': 10 } } };
  });
  const before = edit((c) => {
    c.middleware = { rate_limiting: { route_limits: { '/auth/login': 5 } } };
  });
  t.same(describeChanges(before, after).settings?.changed, [
    'middleware.rate_limiting.route_limits["/auth/login"]',
  ]);
});

t.test('changedKeysUnder finds keys below, at or above the ones asked for', async (t) => {
  const changes = describeChanges(
    base,
    edit((c) => {
      c.server!.http_port = 9090;
      c.observability = { tracing: { enabled: true } };
    }),
  );
  t.same(changedKeysUnder(changes, ['server.http_port']), ['server.http_port']);
  t.same(changedKeysUnder(changes, ['observability.tracing']), ['observability']);
  t.same(changedKeysUnder(changes, ['server.workers']), []);
});

t.test('runtime routes by name', async (t) => {
  t.same(describeRuntimeRouteChanges(['a', 'b'], ['b', 'c']), {
    runtime_routes: { added: ['c'], removed: ['a'] },
  });
  t.same(describeRuntimeRouteChanges(['a'], ['a']), {});
});
