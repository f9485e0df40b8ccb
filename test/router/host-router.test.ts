import t from 'tap';
import { HostRouter } from '../../engine/router/host-router.js';
import type { TrieMatch } from '../../engine/router/segment-trie.js';
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

/** A match as plain data, so t.same compares all of it (the Set of allowed methods sorted). */
function outcome<T>(hit: TrieMatch<T>) {
  return hit.found ? hit : { found: false, allowed: [...hit.allowed].sort() };
}

t.test('static segments win over params, params over a trailing wildcard', async (t) => {
  const r = router([
    [undefined, '/users/{id}', ['GET'], 'user'],
    [undefined, '/users/me', ['GET'], 'me'],
    [undefined, '/users/*', ['GET'], 'users-any'],
    [undefined, '/*', null, 'fallback'],
  ]);
  const found = (value: string, params: string[], wildcard: string) => ({
    found: true,
    value,
    params,
    wildcard,
  });
  t.same(r.match('GET', 'h', '/users/me'), found('me', [], ''));
  t.same(r.match('GET', 'h', '/users/42'), found('user', ['42'], ''));
  t.same(r.match('GET', 'h', '/users/42/posts'), found('users-any', [], '42/posts'));
  t.same(r.match('GET', 'h', '/users'), found('users-any', [], ''));
  t.same(r.match('POST', 'h', '/other/x'), found('fallback', [], 'other/x'));
  t.same(r.match('GET', 'h', '/'), found('fallback', [], ''));
});

t.test('params bound before a trailing * are kept with what the * took', async (t) => {
  const r = router([[undefined, '/a/{id}/*', ['GET'], 'deep']]);
  t.same(r.match('GET', 'h', '/a/7'), { found: true, value: 'deep', params: ['7'], wildcard: '' });
  t.same(r.match('GET', 'h', '/a/7/x/y'), {
    found: true,
    value: 'deep',
    params: ['7'],
    wildcard: 'x/y',
  });
});

t.test('a request for the text of a pattern binds its param like any other value', async (t) => {
  const r = router([[undefined, '/users/{id}', ['GET'], 'user']]);
  t.same(r.match('GET', 'h', '/users/{id}'), {
    found: true,
    value: 'user',
    params: ['{id}'],
    wildcard: '',
  });
});

t.test('a request falls through to a less specific route that allows its method', async (t) => {
  const r = router([
    [undefined, '/users/me', ['GET'], 'me'],
    [undefined, '/users/{id}', ['DELETE'], 'delete-user'],
  ]);
  t.same(r.match('DELETE', 'h', '/users/me'), {
    found: true,
    value: 'delete-user',
    params: ['me'],
    wildcard: '',
  });
});

t.test(
  'path matched but method not: allowed methods are reported; nothing matched: empty',
  async (t) => {
    const r = router([
      [undefined, '/items', ['GET', 'POST'], 'items'],
      [undefined, '/items/{id}', ['PUT'], 'item'],
    ]);
    t.same(outcome(r.match('DELETE', 'h', '/items')), { found: false, allowed: ['GET', 'POST'] });
    t.same(outcome(r.match('GET', 'h', '/nothing')), { found: false, allowed: [] });
  },
);

t.test('a path only a trailing * takes, for another method, is a 405', async (t) => {
  const r = router([[undefined, '/files/*', ['GET'], 'files']]);
  t.same(outcome(r.match('DELETE', 'h', '/files')), { found: false, allowed: ['GET'] });
  t.same(outcome(r.match('DELETE', 'h', '/files/a/b')), { found: false, allowed: ['GET'] });
});

t.test('params never match an empty segment; trailing slash is significant', async (t) => {
  const r = router([
    [undefined, '/users/{id}', ['GET'], 'user'],
    [undefined, '/list/', ['GET'], 'list-slash'],
  ]);
  t.same(outcome(r.match('GET', 'h', '/users/')), { found: false, allowed: [] });
  t.same(r.match('GET', 'h', '/list/'), {
    found: true,
    value: 'list-slash',
    params: [],
    wildcard: '',
  });
  t.same(outcome(r.match('GET', 'h', '/list')), { found: false, allowed: [] });
});

t.test('hosts: exact before wildcard before any host, port and case ignored', async (t) => {
  const r = router([
    ['api.example.com', '/x', ['GET'], 'exact'],
    ['*.example.com', '/x', ['GET'], 'wild'],
    ['*.eu.example.com', '/x', ['GET'], 'wild-eu'],
    [undefined, '/x', ['GET'], 'any'],
    [undefined, '/y', ['GET'], 'any-y'],
  ]);
  const value = (host: string, path: string) => {
    const hit = r.match('GET', host, path);
    return hit.found ? hit.value : null;
  };
  t.equal(value('API.example.com:8080', '/x'), 'exact');
  t.equal(value('www.example.com', '/x'), 'wild');
  t.equal(value('a.eu.example.com', '/x'), 'wild-eu');
  t.equal(value('example.com', '/x'), 'any');
  t.equal(value('other.org', '/x'), 'any');
  t.equal(value('api.example.com', '/y'), 'any-y', 'falls through to any-host routes');
  t.equal(value('www.example.org.invalid', '/x'), 'any', 'a long host without the suffix');
  t.equal(value('.example.com', '/x'), 'any', 'the suffix alone has no label for the *');
  t.equal(value('xapi.example.com', '/x'), 'wild', 'an exact host is not a suffix');
});

t.test('exact hosts are matched with no wildcard host configured', async (t) => {
  const r = router([
    ['api.example.com', '/x', ['GET'], 'exact'],
    [undefined, '/x', ['GET'], 'any'],
  ]);
  t.same(r.match('GET', 'api.example.com', '/x'), {
    found: true,
    value: 'exact',
    params: [],
    wildcard: '',
  });
  t.same(r.match('GET', 'xapi.example.com', '/x'), {
    found: true,
    value: 'any',
    params: [],
    wildcard: '',
  });
});

t.test('wildcard hosts are matched with no exact host configured', async (t) => {
  const r = router([
    ['*.example.com', '/x', ['GET'], 'wild'],
    [undefined, '/x', ['GET'], 'any'],
  ]);
  t.same(r.match('GET', 'www.example.com', '/x'), {
    found: true,
    value: 'wild',
    params: [],
    wildcard: '',
  });
});

t.test('a 405 lists the methods of every host tier the request fell through', async (t) => {
  const exactOnly = router([
    ['api.example.com', '/x', ['GET'], 'exact'],
    [undefined, '/y', ['GET'], 'any-y'],
  ]);
  t.same(outcome(exactOnly.match('DELETE', 'api.example.com', '/x')), {
    found: false,
    allowed: ['GET'],
  });
  const wildOnly = router([['*.example.com', '/x', ['GET'], 'wild']]);
  t.same(outcome(wildOnly.match('DELETE', 'www.example.com', '/x')), {
    found: false,
    allowed: ['GET'],
  });
  const tiers = router([
    ['api.example.com', '/x', ['GET'], 'exact'],
    ['*.example.com', '/x', ['POST'], 'wild'],
    [undefined, '/x', ['PUT'], 'any'],
  ]);
  t.same(outcome(tiers.match('DELETE', 'api.example.com', '/x')), {
    found: false,
    allowed: ['GET', 'POST', 'PUT'],
  });
  t.equal((tiers.match('POST', 'api.example.com', '/x') as { value: string }).value, 'wild');
  t.equal((tiers.match('PUT', 'api.example.com', '/x') as { value: string }).value, 'any');
  const lower = router([
    ['api.example.com', '/other', ['GET'], 'exact-other'],
    ['*.example.com', '/x', ['GET'], 'wild'],
    [undefined, '/z', ['POST'], 'any-z'],
  ]);
  t.same(outcome(lower.match('DELETE', 'api.example.com', '/x')), {
    found: false,
    allowed: ['GET'],
  });
  t.same(outcome(lower.match('DELETE', 'api.example.com', '/z')), {
    found: false,
    allowed: ['POST'],
  });
});

t.test('conflicts are reported, not silently shadowed', async (t) => {
  const r = new HostRouter<string>();
  const add = (path: string, methods: string[] | null, name: string) =>
    r.add(undefined, parsePathPattern(path), path, methods, name);
  t.equal(add('/a/{id}', ['GET'], 'first'), null);
  t.same(add('/a/{id}', ['GET', 'POST'], 'second'), {
    kind: 'shadowed',
    by: 'first',
    method: 'GET',
  });
  t.equal(add('/a/{id}', ['POST'], 'third'), null, 'disjoint methods are fine');
  t.same(add('/a/{key}/x', ['GET'], 'fourth'), {
    kind: 'param-name',
    existing: 'id',
    wanted: 'key',
  });
  t.same(add('/a/{id}', null, 'fifth'), { kind: 'shadowed', by: 'first', method: '*' });
});

t.test('routes of one host share its trie, so they conflict there too', async (t) => {
  const r = new HostRouter<string>();
  const add = (host: string, path: string, name: string) =>
    r.add(host, parsePathPattern(path), path, ['GET'], name);
  t.equal(add('api.example.com', '/a', 'a'), null);
  t.equal(add('api.example.com', '/b', 'b'), null);
  t.same(add('API.example.com', '/a', 'a-again'), { kind: 'shadowed', by: 'a', method: 'GET' });
  t.equal((r.match('GET', 'api.example.com', '/a') as { value: string }).value, 'a');
  t.equal(add('*.example.com', '/a', 'wild-a'), null);
  t.equal(add('*.example.com', '/b', 'wild-b'), null);
  t.same(add('*.Example.com', '/a', 'wild-a-again'), {
    kind: 'shadowed',
    by: 'wild-a',
    method: 'GET',
  });
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
    const at = (method: string, path: string, headers: Headers) => {
      const hit = r.match(method, 'h', path, headers);
      return hit.found ? hit.value.name : null;
    };
    t.equal(at('GET', '/orders/1', {}), 'stable');
    t.equal(at('GET', '/orders/1', { 'x-canary': 'true' }), 'canary');
    t.equal(at('GET', '/orders/1', { 'x-beta': 'true' }), 'beta');
    t.equal(at('POST', '/orders/1', { 'x-beta': 'true' }), 'stable');
    t.equal(at('GET', '/orders/list', { 'x-canary': 'true' }), 'list-canary');
    t.same(
      r.match('GET', 'h', '/orders/list', {}),
      { found: true, value: { name: 'stable', header: null }, params: [], wildcard: 'list' },
      'a static path whose only route does not apply falls through to the wildcard',
    );
  },
);

t.test('conditional routes are tried in the order added, the fallback added last', async (t) => {
  const r = conditionalRouter();
  for (const [name, header] of [
    ['a', 'x-a'],
    ['b', 'x-b'],
    ['fallback', null],
  ] as const) {
    t.equal(r.add(undefined, parsePathPattern('/q'), '/q', null, { name, header }), null);
  }
  const at = (headers: Headers) => {
    const hit = r.match('GET', 'h', '/q', headers);
    return hit.found ? hit.value.name : null;
  };
  t.equal(at({ 'x-a': 'true', 'x-b': 'true' }), 'a', 'both hold: the first added');
  t.equal(at({ 'x-a': 'true' }), 'a');
  t.equal(at({ 'x-b': 'true' }), 'b');
  t.equal(at({}), 'fallback');
});

t.test('two unconditional routes, or two with the same condition, still shadow', async (t) => {
  const r = conditionalRouter();
  const add = (name: string, header: string | null, methods: string[] | null = null) =>
    r.add(undefined, parsePathPattern('/x'), '/x', methods, { name, header });
  t.equal(add('a', null), null);
  t.same(add('b', null), { kind: 'shadowed', by: { name: 'a', header: null }, method: '*' });
  t.equal(add('c', 'x-c'), null);
  t.same(add('d', 'x-c', ['GET']), {
    kind: 'shadowed',
    by: { name: 'c', header: 'x-c' },
    method: 'GET',
  });
  t.equal(add('e', 'x-e', ['GET']), null);
});

t.test('a path whose only route has an unmet condition is a 404, not a 405', async (t) => {
  const r = conditionalRouter();
  r.add(undefined, parsePathPattern('/only'), '/only', ['GET'], { name: 'o', header: 'x-o' });
  t.same(outcome(r.match('GET', 'h', '/only', {})), { found: false, allowed: [] });
  t.same(outcome(r.match('DELETE', 'h', '/only', {})), { found: false, allowed: ['GET'] });
});

t.test(
  'a method no route lists, on a path whose any-method route has an unmet condition, is a 404',
  async (t) => {
    const r = conditionalRouter();
    const add = (methods: string[] | null, name: string, header: string | null) =>
      r.add(undefined, parsePathPattern('/p'), '/p', methods, { name, header });
    t.equal(add(null, 'any-method', 'x-a'), null);
    t.equal(add(['GET'], 'get', null), null);
    t.same(outcome(r.match('DELETE', 'h', '/p', {})), { found: false, allowed: [] });
    t.same(r.match('DELETE', 'h', '/p', { 'x-a': 'true' }), {
      found: true,
      value: { name: 'any-method', header: 'x-a' },
      params: [],
      wildcard: '',
    });
  },
);
