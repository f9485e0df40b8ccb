import t from 'tap';
import {
  checkIpFilterSettings,
  combineIpFilters,
  createIpFilter,
} from '../../engine/filters/ip-filter/ip-filter.js';

t.test('IPv4 allow list', async (t) => {
  const pass = createIpFilter({ allow: ['10.0.0.0/8', '192.168.1.7'] });
  t.ok(pass('10.1.2.3'), 'inside the range');
  t.ok(pass('192.168.1.7'), 'the single address');
  t.notOk(pass('192.168.1.8'), 'next to the single address');
  t.notOk(pass('11.0.0.1'), 'outside');
});

t.test('IPv6', async (t) => {
  const pass = createIpFilter({ allow: ['2001:db8::/32', '::1'] });
  t.ok(pass('2001:db8:1::42'), 'inside the range');
  t.ok(pass('2001:0db8:0000:0000:0000:0000:0000:0001'), 'full form');
  t.ok(pass('::1'), 'loopback');
  t.notOk(pass('2001:db9::1'), 'outside');
  t.notOk(pass('10.0.0.1'), 'an IPv4 address never matches an IPv6 rule');
});

t.test('an IPv4-mapped IPv6 address matches the IPv4 rule', async (t) => {
  const pass = createIpFilter({ allow: ['10.0.0.0/8'] });
  t.ok(pass('::ffff:10.0.0.1'), 'mixed notation');
  t.ok(pass('0000:0000:0000:0000:0000:ffff:0a00:0001'), 'full hex form, as uWS gives it');
  t.notOk(pass('::ffff:11.0.0.1'), 'mapped address outside');
  const denyMapped = createIpFilter({ deny: ['::ffff:10.0.0.0/104'] });
  t.notOk(denyMapped('10.0.0.5'), 'an IPv4-mapped rule matches the plain IPv4 address');
  t.ok(denyMapped('11.0.0.5'), 'and only its range');
});

t.test('deny wins over allow', async (t) => {
  const pass = createIpFilter({ allow: ['10.0.0.0/8'], deny: ['10.0.0.0/24'] });
  t.notOk(pass('10.0.0.9'), 'in both');
  t.ok(pass('10.0.1.9'), 'allowed only');
});

t.test('deny only: everything else passes', async (t) => {
  const pass = createIpFilter({ deny: ['203.0.113.0/24', '2001:db8::/32'] });
  t.notOk(pass('203.0.113.5'));
  t.notOk(pass('2001:db8::5'));
  t.ok(pass('198.51.100.1'));
  t.ok(pass('2001:db9::1'));
});

t.test('allow only: an address not listed is refused', async (t) => {
  const pass = createIpFilter({ allow: ['127.0.0.1'] });
  t.ok(pass('127.0.0.1'));
  t.notOk(pass('127.0.0.2'));
});

t.test('an address that cannot be read is refused', async (t) => {
  const pass = createIpFilter({ deny: ['203.0.113.0/24'] });
  for (const bad of ['', 'localhost', '10.1', '012.0.0.1', '0x0a.0.0.1', '[::1]', ' 1.2.3.4']) {
    t.notOk(pass(bad), JSON.stringify(bad));
  }
});

t.test('no rules: every address passes', async (t) => {
  const pass = createIpFilter({});
  t.ok(pass('10.0.0.1'));
});

t.test('checkIpFilterSettings names the offending entry', async (t) => {
  t.same(checkIpFilterSettings({ allow: ['10.0.0.0/8', '::/0', '1.2.3.4', 'fe80::1'] }), []);
  t.match(checkIpFilterSettings({ allow: ['10.0.0.0/33'] }), [
    /^allow entry "10\.0\.0\.0\/33" has an invalid prefix length/,
  ]);
  t.match(checkIpFilterSettings({ deny: ['not-an-ip'] }), [/^deny entry "not-an-ip" is not an/]);
  t.match(checkIpFilterSettings({ deny: ['10/8'] }), [/"10\/8" is not an/]);
  t.match(checkIpFilterSettings({ deny: ['10.0.0.0/x'] }), [/invalid prefix length \/x/]);
  t.match(checkIpFilterSettings({ deny: ['10.0.0.1/8'] }), [/bits set after.*10\.0\.0\.0\/8/]);
  t.match(checkIpFilterSettings({ deny: ['2001:db8::1/32'] }), [/2001:db8::\/32/]);
  t.match(checkIpFilterSettings({ deny: ['::ffff:10.0.0.0/64'] }), [/96 to 128/]);
  t.match(checkIpFilterSettings({ deny: ['fe80::/10', 'fe80::1%eth0'] }), [/zone index/]);
  t.throws(() => createIpFilter({ allow: ['nope'] }), /invalid IP filter/);
});

t.test('combineIpFilters: both must allow', async (t) => {
  const global = createIpFilter({ deny: ['10.0.0.66'] });
  const route = createIpFilter({ allow: ['10.0.0.0/24'] });
  const pass = combineIpFilters(global, route);
  t.ok(pass, 'a filter');
  if (!pass) return;
  t.ok(pass('10.0.0.1'), 'both allow');
  t.notOk(pass('10.0.0.66'), 'global denies');
  t.notOk(pass('10.0.1.1'), 'route refuses');
  t.equal(combineIpFilters(global, null), global, 'global alone');
  t.equal(combineIpFilters(undefined, route), route, 'route alone');
  t.equal(combineIpFilters(null, null), null, 'none');
});

t.test('dotted decimal is read strictly, octet by octet', async (t) => {
  const pass = createIpFilter({ allow: ['250.0.0.0/8', '1.2.3.0/24'] });
  for (const ok of ['250.1.2.3', '1.2.3.250', '1.2.3.240', '1.2.3.199', '1.2.3.9']) {
    t.ok(pass(ok), ok);
  }
  for (const bad of ['256.1.2.3', '1.2.3.256', '1.2.3.4.5', '1.2.3.4x', '1.2.3.2a0', '1.2.3.25a']) {
    t.notOk(pass(bad), bad);
  }
  t.same(checkIpFilterSettings({ deny: ['1.2.3.4x'] }), [
    'deny entry "1.2.3.4x" is not an IPv4 or IPv6 address or CIDR range (such as 10.0.0.0/8 or 2001:db8::/32)',
  ]);
});

t.test('an IPv6 address alone is that one address, an IPv6 prefix up to /128', async (t) => {
  const pass = createIpFilter({ deny: ['2001:db8::1'] });
  t.notOk(pass('2001:db8::1'));
  t.ok(pass('2001:db8::2'), 'its neighbour');
  t.same(checkIpFilterSettings({ allow: ['2001:db8::/64', '2001:db8::1/128'] }), []);
  t.same(checkIpFilterSettings({ allow: ['2001:db8::/129'] }), [
    'allow entry "2001:db8::/129" has an invalid prefix length /129 (0 to 128)',
  ]);
});

t.test('prefix lengths: digits only, up to the address size', async (t) => {
  t.same(checkIpFilterSettings({ allow: ['10.0.0.1/32', '0.0.0.0/0'] }), []);
  t.same(checkIpFilterSettings({ allow: ['10.0.0.0/33'] }), [
    'allow entry "10.0.0.0/33" has an invalid prefix length /33 (0 to 32)',
  ]);
  for (const prefix of ['+8', '8x', 'x8', '', '0008']) {
    t.same(
      checkIpFilterSettings({ deny: [`10.0.0.0/${prefix}`] }),
      [`deny entry "10.0.0.0/${prefix}" has an invalid prefix length /${prefix} (0 to 32)`],
      prefix,
    );
  }
  t.throws(
    () => createIpFilter({ allow: ['nope'], deny: ['10.0.0.0/33'] }),
    {
      message:
        'invalid IP filter: allow entry "nope" is not an IPv4 or IPv6 address or CIDR range (such as 10.0.0.0/8 or 2001:db8::/32); deny entry "10.0.0.0/33" has an invalid prefix length /33 (0 to 32)',
    },
    'every problem, joined',
  );
});

t.test('no rules: even an unreadable address passes (nothing to check it against)', async (t) => {
  t.ok(createIpFilter({})('not-an-address'));
  t.ok(createIpFilter({ allow: [], deny: [] })(''));
});
