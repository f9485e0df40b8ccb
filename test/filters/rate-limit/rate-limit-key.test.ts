import { createHash } from 'node:crypto';
import t from 'tap';
import {
  createKeyReader,
  keySpecProblem,
  type RateLimitRequest,
} from '../../../engine/filters/rate-limit/rate-limit-key.js';

function request(parts: Partial<RateLimitRequest> & { headers?: Record<string, string> } = {}) {
  const { headers = {}, ...rest } = parts;
  const req: RateLimitRequest = {
    clientIp: '203.0.113.7',
    routeName: 'orders',
    header: (name) => headers[name],
    ...rest,
  };
  return req;
}

t.test('single parts', async (t) => {
  const req = request({ subject: 'alice', apiKeyId: 'k1', headers: { 'x-tenant': 'acme' } });
  t.equal(createKeyReader('ip')(req), 'ip=203.0.113.7');
  t.equal(createKeyReader('user')(req), 'user=alice');
  t.equal(createKeyReader('api_key')(req), 'key=k1');
  t.equal(createKeyReader('route')(req), 'route=orders');
  t.equal(createKeyReader('header:X-Tenant')(req), 'h.x-tenant=acme');
});

t.test('combinations join with |, in the order given', async (t) => {
  const req = request({ subject: 'alice', headers: { 'x-tenant': 'acme' } });
  t.equal(createKeyReader(['user', 'route'])(req), 'user=alice|route=orders');
  t.equal(createKeyReader(['route', 'user'])(req), 'route=orders|user=alice');
  t.equal(
    createKeyReader(['header:x-tenant', 'ip', 'route'])(req),
    'h.x-tenant=acme|ip=203.0.113.7|route=orders',
  );
});

t.test('a missing part falls back to the client ip, marked', async (t) => {
  const user = createKeyReader('user');
  const a = user(request({ clientIp: '198.51.100.1' }));
  const b = user(request({ clientIp: '198.51.100.2' }));
  t.equal(a, 'user~ip=198.51.100.1');
  t.not(a, b, 'two anonymous clients do not share a bucket');
  t.not(a, user(request({ subject: '198.51.100.1' })), 'a user named like an ip differs');
  t.equal(createKeyReader('api_key')(request()), 'key~ip=203.0.113.7');
  t.equal(createKeyReader('header:x-tenant')(request()), 'h.x-tenant~ip=203.0.113.7');
  t.equal(
    createKeyReader('header:x-tenant')(request({ headers: { 'x-tenant': '' } })),
    'h.x-tenant~ip=203.0.113.7',
    'an empty header counts as missing',
  );
  t.equal(createKeyReader(['user', 'route'])(request()), 'user~ip=203.0.113.7|route=orders');
});

t.test('client-chosen values cannot forge another key or grow it without bound', async (t) => {
  const reader = createKeyReader(['header:x-tenant', 'ip']);
  const forged = reader(request({ headers: { 'x-tenant': 'acme|ip=198.51.100.9' } }));
  t.equal(forged, 'h.x-tenant=acme%7Cip=198.51.100.9|ip=203.0.113.7');
  t.equal(reader(request({ headers: { 'x-tenant': '100%' } })), 'h.x-tenant=100%25|ip=203.0.113.7');
  const long = createKeyReader('header:x-tenant')(
    request({ headers: { 'x-tenant': 'x'.repeat(5000) } }),
  );
  t.ok(long.length < 80, `long value hashed (${long.length} chars)`);
  const other = createKeyReader('header:x-tenant')(
    request({ headers: { 'x-tenant': 'x'.repeat(4999) + 'y' } }),
  );
  t.not(long, other);
});

t.test('key specs are checked', async (t) => {
  t.equal(keySpecProblem('ip'), undefined);
  t.equal(keySpecProblem(['user', 'route', 'header:x-tenant']), undefined);
  t.match(keySpecProblem('email'), /"email" is not a rate limit key/);
  t.match(keySpecProblem('header:'), /does not name a valid header/);
  t.match(keySpecProblem('header:x tenant'), /does not name a valid header/);
  t.match(keySpecProblem([]), /empty/);
  t.match(keySpecProblem(['ip', 'ip']), /repeats/);
  t.throws(() => createKeyReader('email' as 'ip'), /invalid rate limit key/);
});

t.test(
  'every client-chosen part is escaped; values up to 128 characters kept as they are',
  async (t) => {
    const req = request({ subject: 'a|b', apiKeyId: '50%', routeName: 'r|1' });
    t.equal(createKeyReader('user')(req), 'user=a%7Cb');
    t.equal(createKeyReader('api_key')(req), 'key=50%25');
    t.equal(createKeyReader('route')(req), 'route=r%7C1');
    t.equal(createKeyReader('user')(request({ subject: '%|' })), 'user=%25%7C');
    const at = 'v'.repeat(128);
    t.equal(createKeyReader('user')(request({ subject: at })), `user=${at}`, '128: kept');
    const over = `${at}|`;
    const digest = createHash('sha256').update(over).digest('base64url');
    t.equal(createKeyReader('user')(request({ subject: over })), `user=#${digest}`, '129: hashed');
  },
);

t.test('key spec problems, word for word', async (t) => {
  t.equal(
    keySpecProblem('email'),
    '"email" is not a rate limit key; use ip, user, api_key, route or header:NAME',
  );
  for (const bad of ['header:', 'header:x tenant', 'header:(x)', 'header:x\n']) {
    t.equal(keySpecProblem(bad), `"${bad}" does not name a valid header (header:NAME)`, bad);
  }
  t.equal(keySpecProblem('header:X-Tenant_1'), undefined, 'any case, any token character');
  t.equal(
    keySpecProblem('xheader:x'),
    '"xheader:x" is not a rate limit key; use ip, user, api_key, route or header:NAME',
  );
  t.equal(keySpecProblem([]), 'the key list is empty');
  t.equal(keySpecProblem(['ip', 'route', 'ip']), 'the key list repeats a part');
  t.equal(keySpecProblem(['api_key', 'user', 'route', 'ip']), undefined);
  t.throws(() => createKeyReader(['ip', 'ip']), {
    name: 'TypeError',
    message: 'invalid rate limit key: the key list repeats a part',
  });
});
