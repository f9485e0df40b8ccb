import t from 'tap';
import { normalizePath, type PathPolicy } from '../../engine/router/normalize-path.js';

const refused = (reason: string) => ({ refused: reason });

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

t.test(
  'by default an encoded slash, backslash, parameter or double escape is refused',
  async (t) => {
    const cases: Record<string, string> = {
      '/a%2Fb': 'escaped_slash',
      '/a%2fb': 'escaped_slash',
      '/public/..%2fadmin': 'escaped_slash',
      '/a%5Cb': 'escaped_slash',
      '/a\\b': 'escaped_slash',
      '/a;b': 'path_parameter',
      '/public/..;/admin': 'path_parameter',
      '/a%252Fb': 'double_encoding',
      '/a%25%32%46b': 'double_encoding',
      '/a%00b': 'encoded_control',
      '/a%1fb': 'encoded_control',
      '/a%7Fb': 'encoded_control',
      '/a%C0%AFb': 'overlong_utf8',
      '/a%c1%9cb': 'overlong_utf8',
      '/a%E0%80%AFb': 'overlong_utf8',
      '/a%F0%80%80%AFb': 'overlong_utf8',
    };
    for (const [input, reason] of Object.entries(cases)) {
      t.same(normalizePath(input), refused(reason), input);
    }
    t.equal(normalizePath('/100%25'), '/100%25', 'a percent sign not followed by hex is data');
    t.equal(normalizePath('/a%3Bb'), '/a%3Bb', 'an encoded semicolon is data');
    t.equal(normalizePath('/caf%C3%A9'), '/caf%C3%A9', 'valid UTF-8 is kept');
    t.equal(normalizePath('/%E0%A4%85'), '/%E0%A4%85', 'a valid 3-byte sequence');
  },
);

const policy = (p: Partial<PathPolicy>): PathPolicy => ({
  escapedSlashes: 'reject',
  pathParameters: 'reject',
  doubleEncoding: 'reject',
  ...p,
});

t.test('unescape_and_forward turns escaped separators into slashes, then normalises', async (t) => {
  const forward = policy({ escapedSlashes: 'unescape_and_forward' });
  t.equal(normalizePath('/a%2Fb', forward), '/a/b');
  t.equal(normalizePath('/public/..%2fadmin/x', forward), '/admin/x');
  t.equal(normalizePath('/public/..%5Cadmin/x', forward), '/admin/x');
  t.equal(normalizePath('/public/..\\admin/x', forward), '/admin/x');
  t.equal(
    normalizePath('/a%2F%2Fb', forward),
    '/a/b',
    'repeated slashes collapse after unescaping',
  );
});

t.test('unescape_and_redirect answers with the unescaped path', async (t) => {
  const redirect = policy({ escapedSlashes: 'unescape_and_redirect' });
  t.same(normalizePath('/public/..%2Fadmin/x', redirect), { redirectTo: '/admin/x' });
  t.same(normalizePath('/a%5cb', redirect), { redirectTo: '/a/b' });
  t.equal(normalizePath('/a/b', redirect), '/a/b', 'nothing to unescape: served');
  t.equal(normalizePath('/a/../b', redirect), '/b', 'plain normalisation needs no redirect');
});

t.test('keep leaves separators in their segment but never hides a dot segment', async (t) => {
  const keep = policy({ escapedSlashes: 'keep', pathParameters: 'keep', doubleEncoding: 'keep' });
  t.equal(normalizePath('/a%2fb', keep), '/a%2Fb');
  t.equal(normalizePath('/a%5Cb', keep), '/a%5Cb');
  t.equal(normalizePath('/a;v=1/b', keep), '/a;v=1/b');
  t.equal(normalizePath('/a%252Fb', keep), '/a%252Fb');
  for (const input of [
    '/public/..%2Fadmin',
    '/x/.%2Fy',
    '/a%2F..',
    '/a\\..\\b',
    '/public/..;/admin',
    '/p/.;x/q',
  ]) {
    t.same(normalizePath(input, keep), refused('hidden_dot_segment'), input);
  }
});

t.test("strip removes each segment's parameters before dot segments resolve", async (t) => {
  const strip = policy({ pathParameters: 'strip' });
  t.equal(normalizePath('/a;jsessionid=1/b', strip), '/a/b');
  t.equal(normalizePath('/public/..;/admin/x', strip), '/admin/x');
  t.equal(normalizePath('/a/b;x', strip), '/a/b');
  t.equal(normalizePath('/a/;x', strip), '/a/');
});

t.test('other escapes are kept, hex in upper case', async (t) => {
  t.equal(normalizePath('/caf%c3%a9'), '/caf%C3%A9');
  t.equal(normalizePath('/a%20b'), '/a%20b');
});

t.test('malformed paths are refused', async (t) => {
  for (const input of ['relative', 'http://host/x', '/bad%zz', '/truncated%2', '/sp ace']) {
    t.same(normalizePath(input), refused('malformed'), input);
  }
});
