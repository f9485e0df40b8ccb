import ipaddr from 'ipaddr.js';

export interface IpFilterSettings {
  /** Addresses or CIDR ranges, IPv4 or IPv6. When not empty, only these may pass. */
  allow?: readonly string[];
  /** Addresses or CIDR ranges that never pass, even when `allow` lists them too. */
  deny?: readonly string[];
}

/** true: the client may pass. */
export type IpFilter = (clientIp: string) => boolean;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/** An IPv4 address as four decimal numbers without leading zeros (ipaddr.js also takes 0x0a.1). */
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Reads an address strictly: IPv4 in dotted decimal, or IPv6; an IPv4-mapped IPv6 address
 * (::ffff:10.0.0.1) becomes the IPv4 address, so that IPv4 rules apply to it. null otherwise.
 */
function parseAddress(text: string): Address | null {
  if (IPV4.test(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes(':')) return null;
  let v6: ipaddr.IPv6;
  try {
    v6 = ipaddr.IPv6.parse(text);
  } catch {
    return null;
  }
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** One allow or deny entry as a range, or why it is not one. */
function parseRule(entry: string): Range | string {
  const slash = entry.indexOf('/');
  const text = slash === -1 ? entry : entry.slice(0, slash);
  const address = parseAddress(text);
  if (address === null) {
    return `"${entry}" is not an IPv4 or IPv6 address or CIDR range (such as 10.0.0.0/8 or 2001:db8::/32)`;
  }
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).zoneId !== undefined) {
    return `"${entry}" has a zone index (%...), which a rule cannot match on; remove it`;
  }
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (slash === -1) return [address, max];
  // A mapped range (::ffff:10.0.0.0/104) was read as IPv4 above: its prefix counts from bit 96.
  const mapped = address.kind() === 'ipv4' && text.includes(':');
  const prefix = entry.slice(slash + 1);
  const bits = Number(prefix) - (mapped ? 96 : 0);
  if (!/^\d{1,3}$/.test(prefix) || bits < 0 || bits > max) {
    return `"${entry}" has an invalid prefix length /${prefix} (${mapped ? '96 to 128 for an IPv4-mapped range' : `0 to ${max}`})`;
  }
  const network = networkOf(address, bits);
  if (network.toString() !== address.toString()) {
    return `"${entry}" has bits set after its /${prefix} prefix; write ${network.toString()}/${bits} for the range, or the address alone`;
  }
  return [address, bits];
}

/** The address with every bit after the first `bits` cleared. */
function networkOf(address: Address, bits: number): Address {
  const bytes = address.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(8, Math.max(0, bits - i * 8));
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes);
}

/** Configuration errors, one sentence each naming the offending entry. */
export function checkIpFilterSettings(settings: IpFilterSettings): string[] {
  const problems: string[] = [];
  for (const [list, entries] of [
    ['allow', settings.allow ?? []],
    ['deny', settings.deny ?? []],
  ] as const) {
    for (const entry of entries) {
      const rule = parseRule(entry);
      if (typeof rule === 'string') problems.push(`${list} entry ${rule}`);
    }
  }
  return problems;
}

class RangeSet {
  private readonly v4: Range[] = [];
  private readonly v6: Range[] = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const rule = parseRule(entry) as Range;
      (rule[0].kind() === 'ipv4' ? this.v4 : this.v6).push(rule);
    }
  }

  get size(): number {
    return this.v4.length + this.v6.length;
  }

  has(address: Address): boolean {
    const ranges = address.kind() === 'ipv4' ? this.v4 : this.v6;
    for (const [range, bits] of ranges) if (address.match(range, bits)) return true;
    return false;
  }
}

/**
 * Builds the check once. Deny wins over allow; a non-empty `allow` refuses every address it does
 * not list; an address that cannot be read is refused. With no entry at all every address passes.
 * Throws when checkIpFilterSettings reports a problem.
 */
export function createIpFilter(settings: IpFilterSettings): IpFilter {
  const problems = checkIpFilterSettings(settings);
  if (problems.length > 0) throw new Error(`invalid IP filter: ${problems.join('; ')}`);
  const allow = new RangeSet(settings.allow ?? []);
  const deny = new RangeSet(settings.deny ?? []);
  if (allow.size === 0 && deny.size === 0) {
    return function allowAnyAddress() {
      return true;
    };
  }
  const allowListed = allow.size > 0;
  return function ipFilter(clientIp) {
    const address = parseAddress(clientIp);
    if (address === null || deny.has(address)) return false;
    return !allowListed || allow.has(address);
  };
}

/**
 * A route's filter adds to the global one, it does not replace it: a client passes when both
 * allow it. Either may be null (not configured); null when both are.
 */
export function combineIpFilters(
  global: IpFilter | null | undefined,
  route: IpFilter | null | undefined,
): IpFilter | null {
  if (!global) return route ?? null;
  if (!route) return global;
  return function globalAndRouteIpFilter(clientIp) {
    return global(clientIp) && route(clientIp);
  };
}
