import t from 'tap';
import {
  describePathRefusal,
  normalizePath,
  STRICT_PATH_POLICY,
  type PathPolicy,
  type PathRefusalReason,
} from '../../engine/router/normalize-path.js';

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

t.test('every refusal has its sentence', async (t) => {
  const sentences: Record<PathRefusalReason, string> = {
    malformed: 'the request path is malformed',
    escaped_slash:
      'the request path contains an encoded slash or backslash (%2F, %5C or \\), refused by server.paths.escaped_slashes',
    path_parameter:
      'the request path contains a ";" path parameter, refused by server.paths.path_parameters',
    double_encoding:
      'the request path contains a double-encoded escape (%25 and two hex digits), refused by server.paths.double_encoding',
    encoded_control: 'the request path contains an encoded control character',
    overlong_utf8: 'the request path contains an overlong UTF-8 encoding',
    hidden_dot_segment:
      'the request path hides a "." or ".." segment behind an encoded slash or a ";" parameter',
  };
  for (const [reason, sentence] of Object.entries(sentences)) {
    t.equal(describePathRefusal(reason as PathRefusalReason), sentence, reason);
  }
  t.same(STRICT_PATH_POLICY, {
    escapedSlashes: 'reject',
    pathParameters: 'reject',
    doubleEncoding: 'reject',
  });
});

t.test('the printable ASCII range, at both ends, on the full pass too', async (t) => {
  t.equal(normalizePath('/a!b~c'), '/a!b~c', 'already normal');
  t.equal(normalizePath('/x/../a!b~c'), '/a!b~c', 'through the full pass');
  t.same(normalizePath('/x/../a\x7fb'), refused('malformed'), 'DEL');
  t.same(normalizePath('/x/../a\u00e9'), refused('malformed'), 'a raw non-ASCII character');
  t.same(normalizePath(''), refused('malformed'), 'empty');
});

t.test('escapes of unreserved characters decode, at the edges of each range', async (t) => {
  const decoded: Record<string, string> = {
    '%41': 'A',
    '%5A': 'Z',
    '%61': 'a',
    '%7A': 'z',
    '%30': '0',
    '%39': '9',
    '%2D': '-',
    '%5F': '_',
    '%7E': '~',
    '%4a': 'J',
    '%4F': 'O',
    '%4f': 'O',
  };
  for (const [escape, char] of Object.entries(decoded)) {
    t.equal(normalizePath(`/x${escape}y`), `/x${char}y`, escape);
  }
  t.equal(normalizePath('/x%2Ey'), '/x.y', 'a dot inside a segment');
  for (const kept of ['%40', '%5B', '%60', '%7B', '%3A', '%2C', '%5E', '%7D', '%21', '%22']) {
    t.equal(normalizePath(`/x${kept}y`), `/x${kept}y`, `${kept} stays escaped`);
  }
});

t.test('an escape needs two hex digits', async (t) => {
  for (const bad of ['/%4G', '/%4g', '/%4:', '/%4/', '/%4@', '/%4`', '/%G4', '/%/4', '/%']) {
    t.same(normalizePath(bad), refused('malformed'), bad);
  }
});

t.test('overlong UTF-8 starts, and the valid sequences next to them', async (t) => {
  t.same(normalizePath('/%E0%9F%BF'), refused('overlong_utf8'), 'E0 9F');
  t.equal(normalizePath('/%E0%A0%80'), '/%E0%A0%80', 'E0 A0: U+0800');
  t.same(normalizePath('/%F0%8F%BF%BF'), refused('overlong_utf8'), 'F0 8F');
  t.equal(normalizePath('/%F0%90%80%80'), '/%F0%90%80%80', 'F0 90: U+10000');
  t.equal(normalizePath('/%C2%A9'), '/%C2%A9', 'C2: the first valid two-byte lead');
  t.equal(normalizePath('/%E0%41'), '/%E0A', 'E0 then an ASCII escape: not overlong');
  t.equal(normalizePath('/%F0%41'), '/%F0A', 'F0 then an ASCII escape: not overlong');
  t.equal(normalizePath('/%E0x%9F'), '/%E0x%9F', 'E0 with no escape right after it');
  t.same(normalizePath('/%E0%'), refused('malformed'), 'E0 before a bare percent sign');
  t.equal(normalizePath('/%E1%80%80'), '/%E1%80%80', 'E1 80: valid');
  t.equal(normalizePath('/%F1%80%80%80'), '/%F1%80%80%80', 'F1 80: valid');
});

t.test('double encoding: %25 and two hex digits, any case', async (t) => {
  t.same(normalizePath('/a%259F'), refused('double_encoding'));
  t.same(normalizePath('/a%25fa'), refused('double_encoding'));
  t.equal(normalizePath('/a%252x'), '/a%252x', 'one hex digit is not an escape');
  t.equal(normalizePath('/a%25zz'), '/a%25zz');
});

t.test('each keep setting alone still refuses the dot segment it would hide', async (t) => {
  const slashes = policy({ escapedSlashes: 'keep' });
  t.same(normalizePath('/public/..%2Fadmin', slashes), refused('hidden_dot_segment'));
  t.same(normalizePath('/x/..%5Cadmin', slashes), refused('hidden_dot_segment'));
  t.same(normalizePath('/x/..\\admin', slashes), refused('hidden_dot_segment'));
  t.equal(normalizePath('/a\\b', slashes), '/a\\b', 'a raw backslash kept as sent');
  t.equal(normalizePath('/a..%2Fb', slashes), '/a..%2Fb', 'two dots inside a name');
  const parameters = policy({ pathParameters: 'keep' });
  t.same(normalizePath('/public/..;/admin', parameters), refused('hidden_dot_segment'));
  t.same(normalizePath('/p/.;x/q', parameters), refused('hidden_dot_segment'));
  t.equal(normalizePath('/p/a;x/q', parameters), '/p/a;x/q');
  t.same(normalizePath('/a;b', policy({ escapedSlashes: 'keep' })), refused('path_parameter'));
});

t.test('unescape_and_redirect notices every form of escaped separator', async (t) => {
  const redirect = policy({ escapedSlashes: 'unescape_and_redirect' });
  t.same(normalizePath('/a%2fb', redirect), { redirectTo: '/a/b' }, 'lower case');
  t.same(normalizePath('/a%5Cb', redirect), { redirectTo: '/a/b' });
  t.same(normalizePath('/a\\b', redirect), { redirectTo: '/a/b' }, 'a raw backslash');
  t.equal(normalizePath('/a%41b', redirect), '/aAb', 'another escape: served');
});

t.test('strip drops a parameter up to the next slash only', async (t) => {
  const strip = policy({ pathParameters: 'strip' });
  t.equal(normalizePath('/a;x;y/b;z/c', strip), '/a/b/c');
  t.equal(normalizePath('/a;', strip), '/a');
});

t.test(
  'the shortcut for paths already normal still refuses what is not printable ASCII',
  async (t) => {
    t.same(normalizePath('/a\x7fb'), refused('malformed'), 'DEL');
    t.same(normalizePath('/caf\u00e9'), refused('malformed'), 'a raw non-ASCII character');
  },
);

t.test('an overlong check reads the next byte only from an escape', async (t) => {
  t.equal(normalizePath('/%E0x80'), '/%E0x80', 'E0, a letter, then the text "80"');
});

t.test('with parameters kept, a name that starts with a dot is not a dot segment', async (t) => {
  const parameters = policy({ pathParameters: 'keep' });
  t.equal(normalizePath('/.well-known/a;v=1', parameters), '/.well-known/a;v=1');
});
