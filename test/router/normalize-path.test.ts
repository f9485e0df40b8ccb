import t from 'tap';
import { normalizePath } from '../../engine/router/normalize-path.js';

t.test('paths already in normal form are returned as they are', async (t) => {
  for (const p of ['/', '/a', '/a/b/', '/api/v1/users/42', '/a.b/c..d/.e', '/~user/x-y_z']) {
    t.equal(normalizePath(p), p, p);
  }
});

t.test('dot segments resolve and never climb above the root', async (t) => {
  const cases: Record<string, string> = {
    '/a/../admin': '/admin',
    '/a/./b': '/a/b',
    '/../../etc/passwd': '/etc/passwd',
    '/a/b/..': '/a/',
    '/a/.': '/a/',
    '/public/../admin/x': '/admin/x',
  };
  for (const [input, want] of Object.entries(cases)) t.equal(normalizePath(input), want, input);
});

t.test('encoded unreserved characters are decoded before dot segments resolve', async (t) => {
  t.equal(normalizePath('/%2e%2e/admin'), '/admin');
  t.equal(normalizePath('/a/%2E%2E/admin'), '/admin');
  t.equal(normalizePath('/%61dmin'), '/admin');
  t.equal(normalizePath('/x%7Ey'), '/x~y');
});

t.test('repeated slashes collapse', async (t) => {
  t.equal(normalizePath('//admin'), '/admin');
  t.equal(normalizePath('/a///b//'), '/a/b/');
});

t.test('an encoded slash stays encoded and never splits a segment', async (t) => {
  t.equal(normalizePath('/a%2Fb'), '/a%2Fb');
  t.equal(normalizePath('/a%2fb'), '/a%2Fb');
  t.equal(normalizePath('/public/..%2fadmin'), '/public/..%2Fadmin');
});

t.test('other escapes are kept, hex in upper case', async (t) => {
  t.equal(normalizePath('/caf%c3%a9'), '/caf%C3%A9');
  t.equal(normalizePath('/a%20b'), '/a%20b');
});

t.test('malformed paths are refused', async (t) => {
  t.equal(normalizePath('relative'), null);
  t.equal(normalizePath('http://host/x'), null);
  t.equal(normalizePath('/bad%zz'), null);
  t.equal(normalizePath('/truncated%2'), null);
  t.equal(normalizePath('/sp ace'), null);
});
