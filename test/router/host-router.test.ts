import t from 'tap';
import { HostRouter } from '../../engine/router/host-router.js';
import { parsePathPattern, PatternError } from '../../engine/router/path-pattern.js';

function router(
  routes: Array<[string | undefined, string, string[] | null, string]>,
): HostRouter<string> {
  const r = new HostRouter<string>();
  for (const [host, path, methods, name] of routes) {
    const conflict = r.add(host, parsePathPattern(path), path, methods, name);
    if (conflict)
      throw new Error(`unexpected conflict adding ${name}: ${JSON.stringify(conflict)}`);
  }
  return r;
}

t.test('static segments win over params, params over a trailing wildcard', async (t) => {
  const r = router([
    [undefined, '/users/{id}', ['GET'], 'user'],
    [undefined, '/users/me', ['GET'], 'me'],
    [undefined, '/users/*', ['GET'], 'users-any'],
    [undefined, '/*', null, 'fallback'],
  ]);
  t.match(r.match('GET', 'h', '/users/me'), { found: true, value: 'me' });
  t.match(r.match('GET', 'h', '/users/42'), { found: true, value: 'user', params: ['42'] });
  t.match(r.match('GET', 'h', '/users/42/posts'), {
    found: true,
    value: 'users-any',
    wildcard: '42/posts',
  });
  t.match(r.match('GET', 'h', '/users'), { found: true, value: 'users-any', wildcard: '' });
  t.match(r.match('POST', 'h', '/other/x'), {
    found: true,
    value: 'fallback',
    wildcard: 'other/x',
  });
  t.match(r.match('GET', 'h', '/'), { found: true, value: 'fallback' });
});

t.test('a request falls through to a less specific route that allows its method', async (t) => {
  const r = router([
    [undefined, '/users/me', ['GET'], 'me'],
    [undefined, '/users/{id}', ['DELETE'], 'delete-user'],
  ]);
  t.match(r.match('DELETE', 'h', '/users/me'), {
    found: true,
    value: 'delete-user',
    params: ['me'],
  });
});

t.test(
  'path matched but method not: allowed methods are reported; nothing matched: empty',
  async (t) => {
    const r = router([
      [undefined, '/items', ['GET', 'POST'], 'items'],
      [undefined, '/items/{id}', ['PUT'], 'item'],
    ]);
    const miss = r.match('DELETE', 'h', '/items');
    t.equal(miss.found, false);
    t.same(miss.found ? [] : [...miss.allowed].sort(), ['GET', 'POST']);
    const none = r.match('GET', 'h', '/nothing');
    t.same(none.found ? ['?'] : [...none.allowed], []);
  },
);

t.test('params never match an empty segment; trailing slash is significant', async (t) => {
  const r = router([
    [undefined, '/users/{id}', ['GET'], 'user'],
    [undefined, '/list/', ['GET'], 'list-slash'],
  ]);
  t.equal(r.match('GET', 'h', '/users/').found, false);
  t.match(r.match('GET', 'h', '/list/'), { found: true, value: 'list-slash' });
  t.equal(r.match('GET', 'h', '/list').found, false);
});

t.test('hosts: exact before wildcard before any host, port and case ignored', async (t) => {
  const r = router([
    ['api.example.com', '/x', ['GET'], 'exact'],
    ['*.example.com', '/x', ['GET'], 'wild'],
    ['*.eu.example.com', '/x', ['GET'], 'wild-eu'],
    [undefined, '/x', ['GET'], 'any'],
    [undefined, '/y', ['GET'], 'any-y'],
  ]);
  t.match(r.match('GET', 'API.example.com:8080', '/x'), { value: 'exact' });
  t.match(r.match('GET', 'www.example.com', '/x'), { value: 'wild' });
  t.match(r.match('GET', 'a.eu.example.com', '/x'), { value: 'wild-eu' });
  t.match(r.match('GET', 'example.com', '/x'), { value: 'any' });
  t.match(r.match('GET', 'other.org', '/x'), { value: 'any' });
  t.match(
    r.match('GET', 'api.example.com', '/y'),
    { value: 'any-y' },
    'falls through to any-host routes',
  );
});

t.test('conflicts are reported, not silently shadowed', async (t) => {
  const r = new HostRouter<string>();
  const add = (path: string, methods: string[] | null, name: string) =>
    r.add(undefined, parsePathPattern(path), path, methods, name);
  t.equal(add('/a/{id}', ['GET'], 'first'), null);
  t.match(add('/a/{id}', ['GET', 'POST'], 'second'), {
    kind: 'shadowed',
    by: 'first',
    method: 'GET',
  });
  t.equal(add('/a/{id}', ['POST'], 'third'), null, 'disjoint methods are fine');
  t.match(add('/a/{key}/x', ['GET'], 'fourth'), {
    kind: 'param-name',
    existing: 'id',
    wanted: 'key',
  });
  t.match(add('/a/{id}', null, 'fifth'), { kind: 'shadowed', by: 'first' });
});

t.test('bad patterns are refused with a hint', async (t) => {
  for (const bad of [
    '/a/*/b',
    '/a/{id}/{id}',
    '/a/x{id}',
    '/a//b',
    '/a/../b',
    '/a%2Fb',
    '/a/{1x}',
  ]) {
    t.throws(() => parsePathPattern(bad), PatternError, bad);
  }
  t.equal(parsePathPattern('/api/users/{id}/*').staticPrefix, '/api/users');
  t.equal(parsePathPattern('/{id}').staticPrefix, '/');
});

t.test('10,000 routes match as fast as 10', async (t) => {
  const small = router(
    Array.from({ length: 10 }, (_, i) => [undefined, `/svc${i}/items/{id}`, ['GET'], `r${i}`]),
  );
  const large = router(
    Array.from({ length: 10_000 }, (_, i) => [undefined, `/svc${i}/items/{id}`, ['GET'], `r${i}`]),
  );
  const time = (r: HostRouter<string>) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) r.match('GET', 'h', `/svc${i % 10}/items/${i}`);
    return Number(process.hrtime.bigint() - start);
  };
  time(small);
  time(large);
  const ratio = time(large) / time(small);
  t.ok(ratio < 3, `10,000 routes cost ${ratio.toFixed(2)}x the time of 10`);
});

/** Routes that apply only when a request header has a value, as a route's `match` does. */
interface Conditional {
  name: string;
  header: string | null;
}
type Headers = Record<string, string>;

function conditionalRouter(): HostRouter<Conditional, Headers> {
  return new HostRouter<Conditional, Headers>({
    accepts: (v, headers) => v.header === null || headers[v.header] === 'true',
    isConditional: (v) => v.header !== null,
    canShare: (a, b) => (a.header !== null || b.header !== null) && a.header !== b.header,
  });
}

t.test(
  'routes on one path told apart by conditions: conditional first, then fallback',
  async (t) => {
    const r = conditionalRouter();
    const add = (path: string, methods: string[] | null, name: string, header: string | null) =>
      r.add(undefined, parsePathPattern(path), path, methods, { name, header });
    // The unconditional route comes first in config order and is still tried last.
    t.equal(add('/orders/*', null, 'stable', null), null);
    t.equal(add('/orders/*', null, 'canary', 'x-canary'), null);
    t.equal(add('/orders/*', ['GET'], 'beta', 'x-beta'), null);
    t.equal(add('/orders/list', null, 'list-canary', 'x-canary'), null);
    const at = (method: string, path: string, headers: Headers) =>
      r.match(method, 'h', path, headers);
    t.match(at('GET', '/orders/1', {}), { found: true, value: { name: 'stable' } });
    t.match(at('GET', '/orders/1', { 'x-canary': 'true' }), { value: { name: 'canary' } });
    t.match(at('GET', '/orders/1', { 'x-beta': 'true' }), { value: { name: 'beta' } });
    t.match(at('POST', '/orders/1', { 'x-beta': 'true' }), { value: { name: 'stable' } });
    t.match(at('GET', '/orders/list', { 'x-canary': 'true' }), { value: { name: 'list-canary' } });
    t.match(
      at('GET', '/orders/list', {}),
      { found: true, value: { name: 'stable' }, wildcard: 'list' },
      'a static path whose only route does not apply falls through to the wildcard',
    );
  },
);

t.test('two unconditional routes, or two with the same condition, still shadow', async (t) => {
  const r = conditionalRouter();
  const add = (name: string, header: string | null, methods: string[] | null = null) =>
    r.add(undefined, parsePathPattern('/x'), '/x', methods, { name, header });
  t.equal(add('a', null), null);
  t.match(add('b', null), { kind: 'shadowed', by: { name: 'a' } });
  t.equal(add('c', 'x-c'), null);
  t.match(add('d', 'x-c', ['GET']), { kind: 'shadowed', by: { name: 'c' }, method: 'GET' });
  t.equal(add('e', 'x-e', ['GET']), null);
});

t.test('a path whose only route has an unmet condition is a 404, not a 405', async (t) => {
  const r = conditionalRouter();
  r.add(undefined, parsePathPattern('/only'), '/only', ['GET'], { name: 'o', header: 'x-o' });
  t.match(r.match('GET', 'h', '/only', {}), { found: false });
  t.equal((r.match('GET', 'h', '/only', {}) as { allowed: Set<string> }).allowed.size, 0);
  t.match(r.match('DELETE', 'h', '/only', {}), { found: false });
  t.same([...(r.match('DELETE', 'h', '/only', {}) as { allowed: Set<string> }).allowed], ['GET']);
});
