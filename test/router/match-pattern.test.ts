import t from 'tap';
import { hostName } from '../../engine/router/host-name.js';
import { hostAccepts, matchPattern } from '../../engine/router/match-pattern.js';
import { parsePathPattern } from '../../engine/router/path-pattern.js';

// One pattern against one path, as `gatewayd explain` tries them: the same answers as the trie
// (test/router/host-router.test.ts), and how far a path got when it missed.

const match = (pattern: string, path: string) => matchPattern(parsePathPattern(pattern), path);

t.test('static and param segments: matched, with the params in order', async (t) => {
  t.same(match('/users/me', '/users/me'), { matched: true, params: [], wildcard: '' });
  t.same(match('/users/{id}/posts/{post}', '/users/42/posts/7'), {
    matched: true,
    params: ['42', '7'],
    wildcard: '',
  });
  t.same(match('/', '/'), { matched: true, params: [], wildcard: '' });
  t.same(match('/list/', '/list/'), { matched: true, params: [], wildcard: '' });
});

t.test('a miss says how many leading segments the pattern accepted', async (t) => {
  t.same(match('/users/me', '/users/you'), { matched: false, prefixSegments: 1 });
  t.same(match('/users/me', '/groups/me'), { matched: false, prefixSegments: 0 });
  t.same(match('/users/{id}/posts', '/users/42'), { matched: false, prefixSegments: 2 });
  t.same(match('/users/{id}', '/users/'), { matched: false, prefixSegments: 1 }, 'empty param');
  t.same(match('/users/{id}', '/users'), { matched: false, prefixSegments: 1 }, 'no segment');
  t.same(match('/users/{id}', '/users/42/posts'), { matched: false, prefixSegments: 2 });
  t.same(match('/list', '/list/'), { matched: false, prefixSegments: 1 }, 'trailing slash');
  t.same(match('/list/', '/list'), { matched: false, prefixSegments: 1 });
});

t.test('a trailing * takes the rest of the path, nothing included', async (t) => {
  t.same(match('/static/*', '/static/css/site.css'), {
    matched: true,
    params: [],
    wildcard: 'css/site.css',
  });
  t.same(match('/static/*', '/static'), { matched: true, params: [], wildcard: '' });
  t.same(match('/static/*', '/static/'), { matched: true, params: [], wildcard: '' });
  t.same(match('/u/{id}/*', '/u/7/a/b'), { matched: true, params: ['7'], wildcard: 'a/b' });
  t.same(match('/*', '/'), { matched: true, params: [], wildcard: '' });
  t.same(match('/static/*', '/other/x'), { matched: false, prefixSegments: 0 });
});

t.test('hostName: what a Host header routes by', async (t) => {
  const cases: Array<[string, string]> = [
    ['example.com', 'example.com'],
    ['Example.COM:8080', 'example.com'],
    ['admin.example.com.', 'admin.example.com'],
    ['admin.example.com.:443', 'admin.example.com'],
    ['[::1]', '[::1]'],
    ['[::1]:8080', '[::1]'],
    ['[FE80::1]', '[fe80::1]'],
    ['a.', 'a'],
    ['.', '.'],
    ['', ''],
  ];
  for (const [host, name] of cases) t.equal(hostName(host), name, JSON.stringify(host));
});

t.test("hostAccepts: a route's host against a request's Host", async (t) => {
  t.equal(hostAccepts(null, 'anything.example'), true, 'no host: any');
  t.equal(hostAccepts('api.example.com', 'API.Example.com:8443'), true, 'exact, port and case');
  t.equal(hostAccepts('api.example.com', 'api.example.com.'), true, 'trailing dot');
  t.equal(hostAccepts('api.example.com', 'www.example.com'), false);
  t.equal(hostAccepts('api.example.com', 'x.api.example.com'), false, 'exact is not a suffix');
  t.equal(hostAccepts('API.example.com', 'api.example.com'), true, 'the route in capitals');
  t.equal(hostAccepts('*.example.com', 'a.example.com'), true, 'one label');
  t.equal(hostAccepts('*.example.com', 'a.b.example.com:80'), true, 'deeper, with a port');
  t.equal(hostAccepts('*.Example.com', 'A.EXAMPLE.COM'), true, 'any case');
  t.equal(hostAccepts('*.example.com', 'example.com'), false, 'never the domain itself');
  t.equal(hostAccepts('*.example.com', '.example.com'), false, 'an empty label');
  t.equal(hostAccepts('*.example.com', 'badexample.com'), false, 'no dot before the suffix');
  t.equal(hostAccepts('*.example.com', 'a.example.org'), false);
});
