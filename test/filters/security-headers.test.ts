import t from 'tap';
import {
  checkSecurityHeaders,
  createSecurityHeaders,
  DEFAULT_SECURITY_HEADERS,
} from '../../engine/filters/security-headers/security-headers.js';

t.test('defaults are the list of seed 004', async (t) => {
  const { headers } = createSecurityHeaders();
  t.same(headers, [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['x-xss-protection', '1; mode=block'],
    ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
    ['content-security-policy', "default-src 'self'"],
  ]);
  t.same(
    headers.map(([name]) => name),
    Object.keys(DEFAULT_SECURITY_HEADERS),
  );
  t.ok(Object.isFrozen(DEFAULT_SECURITY_HEADERS), 'defaults cannot be changed');
});

t.test('an override replaces a default, in any case', async (t) => {
  const { headers } = createSecurityHeaders({ 'X-Frame-Options': 'SAMEORIGIN' });
  t.equal(headers.find(([n]) => n === 'x-frame-options')?.[1], 'SAMEORIGIN');
  t.equal(headers.length, 5, 'no duplicate');
});

t.test('a new header is added, in lower case', async (t) => {
  const { headers } = createSecurityHeaders({ 'Referrer-Policy': 'no-referrer' });
  t.same(headers.at(-1), ['referrer-policy', 'no-referrer']);
});

t.test('false removes one header', async (t) => {
  const { headers } = createSecurityHeaders({ 'Content-Security-Policy': false });
  t.notOk(headers.some(([name]) => name === 'content-security-policy'));
  t.equal(headers.length, 4);
});

t.test('false turns them all off', async (t) => {
  const s = createSecurityHeaders(false);
  t.same(s.headers, []);
});

t.test('values with CR or LF are refused', async (t) => {
  t.match(checkSecurityHeaders({ 'X-Frame-Options': 'DENY\r\nSet-Cookie: a=b' }), [
    /control character/,
  ]);
  t.match(checkSecurityHeaders({ 'X-Test': 'a\nb' }), [/control character/]);
  t.throws(() => createSecurityHeaders({ 'X-Test': 'a\rb' }), /invalid security headers/);
  t.same(checkSecurityHeaders({ 'X-Test': 'a\tb' }), [], 'a tab is fine');
});

t.test('other config errors', async (t) => {
  t.match(checkSecurityHeaders({ 'Bad Name': 'x' }), [/not a valid HTTP header name/]);
  t.match(checkSecurityHeaders({ 'Content-Length': '0' }), [/framing/]);
  t.match(checkSecurityHeaders({ 'X-A': '  ' }), [/empty; use false/]);
  t.match(checkSecurityHeaders({ 'X-A': 'one', 'x-a': 'two' }), [/set twice/]);
  t.same(checkSecurityHeaders(false), []);
});
