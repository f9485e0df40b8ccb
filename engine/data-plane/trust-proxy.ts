import ipaddr from 'ipaddr.js';

export type TrustMatcher = (address: string) => boolean;

/** Builds the check "does this peer belong to a trusted proxy range?" once per config. */
export function createTrustMatcher(cidrs: readonly string[]): TrustMatcher {
  if (cidrs.length === 0)
    return function trustNobody() {
      return false;
    };
  const ranges = cidrs.map((c) => (c.includes('/') ? ipaddr.parseCIDR(c) : toHostRange(c)));
  return function isTrustedProxy(address: string): boolean {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return false;
    }
    return ranges.some(
      ([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits),
    );
  };
}

function toHostRange(address: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const parsed = ipaddr.process(address);
  return [parsed, parsed.kind() === 'ipv4' ? 32 : 128];
}
