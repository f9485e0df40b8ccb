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
