import t from 'tap';
import { createClientAddress } from '../../engine/data-plane/client-address.js';
import { createTrustMatcher } from '../../engine/data-plane/trust-proxy.js';
import type { Exchange } from '../../engine/data-plane/exchange.js';

/** Just what createClientAddress reads of an exchange. */
function exchange(peerAddress: string, forwardedFor?: string): Exchange {
  return {
    peerAddress,
    header: (name: string) => (name === 'x-forwarded-for' ? forwardedFor : undefined),
  } as unknown as Exchange; // a partial exchange: the function reads two members
}

t.test('the TCP peer, unless it is a trusted proxy', async (t) => {
  const address = createClientAddress(createTrustMatcher(['10.0.0.0/8']));
  t.equal(
    address(exchange('203.0.113.9', '1.2.3.4')),
    '203.0.113.9',
    'untrusted peer: its XFF is ignored',
  );
  t.equal(address(exchange('10.0.0.2')), '10.0.0.2', 'trusted peer without XFF');
});

t.test('behind trusted proxies: the last hop no trusted proxy wrote', async (t) => {
  const address = createClientAddress(createTrustMatcher(['10.0.0.0/8']));
  t.equal(address(exchange('10.0.0.2', '198.51.100.7')), '198.51.100.7');
  t.equal(
    address(exchange('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.9')),
    '198.51.100.7',
    'a client-written first entry is not believed',
  );
  t.equal(
    address(exchange('10.0.0.2', '10.0.0.8, 10.0.0.9')),
    '10.0.0.8',
    'all trusted: the first',
  );
});

t.test('trust_proxy entries: single addresses and ranges, IPv4 and IPv6', async (t) => {
  const trusted = createTrustMatcher(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1']);
  t.ok(trusted('10.200.0.1'), 'inside an IPv4 range');
  t.ok(trusted('192.168.1.7'), 'a single IPv4 address');
  t.notOk(trusted('192.168.1.8'), 'its neighbour: a single address is a /32');
  t.ok(trusted('2001:db8:ffff::1'), 'inside an IPv6 range');
  t.ok(trusted('::1'), 'a single IPv6 address');
  t.notOk(trusted('::2'), 'its neighbour: a single IPv6 address is a /128');
  t.ok(trusted('::ffff:10.0.0.1'), 'an IPv4-mapped peer matches the IPv4 range');
  t.notOk(trusted('11.0.0.1'));
  t.notOk(trusted('2001:db9::1'));
  t.notOk(trusted('not-an-address'), 'an address that cannot be read is not trusted');
  t.notOk(trusted(''), 'nor an empty one');
  t.equal(createTrustMatcher([])('127.0.0.1'), false, 'no trust_proxy: nobody is a proxy');
  t.notOk(createTrustMatcher(['::/0'])('10.0.0.1'), 'an IPv6 range never matches an IPv4 peer');
  t.notOk(createTrustMatcher(['0.0.0.0/0'])('2001:db8::1'), 'nor an IPv4 range an IPv6 peer');
});

t.test('X-Forwarded-For hops are trimmed; empty hops are skipped', async (t) => {
  const address = createClientAddress(createTrustMatcher(['10.0.0.0/8']));
  t.equal(address(exchange('10.0.0.2', ' 198.51.100.7 ,10.0.0.9 ')), '198.51.100.7');
  t.equal(address(exchange('10.0.0.2', '198.51.100.7, , ')), '198.51.100.7', 'trailing empties');
  t.equal(address(exchange('10.0.0.2', ' 10.0.0.8 ,10.0.0.9')), '10.0.0.8', 'all trusted: trimmed');
  t.equal(address(exchange('10.0.0.2', ' , 10.0.0.9')), '10.0.0.2', 'all trusted, first empty');
  t.equal(address(exchange('10.0.0.2', '')), '10.0.0.2', 'an empty header');
  t.equal(
    address(exchange('::ffff:10.0.0.2', '2001:db8::7')),
    '2001:db8::7',
    'an IPv4-mapped proxy and an IPv6 client',
  );
});
