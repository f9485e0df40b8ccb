import type { Exchange } from './exchange.js';
import { readCookie } from './read-cookie.js';
import { createClientAddress } from './client-address.js';
import type { TrustMatcher } from './trust-proxy.js';

export type HashKeyReader = (ex: Exchange) => string | null;

/**
 * The reader of a request's hash key, for `load_balancer.hash_on` and a route's `split_on`:
 * "ip", "header:NAME", "cookie:NAME" or "claim:NAME" (validated by the schema). A claim is read
 * from the identity the route's auth step verified; `claim:sub` is also an API key's name.
 */
export function createHashKeyReader(hashOn: string, isTrustedProxy: TrustMatcher): HashKeyReader {
  if (hashOn === 'ip') return createClientAddress(isTrustedProxy);
  const [kind, name] = [
    hashOn.slice(0, hashOn.indexOf(':')),
    hashOn.slice(hashOn.indexOf(':') + 1),
  ];
  if (kind === 'claim') {
    return function claimValue(ex) {
      const identity = ex.identity;
      if (identity === null) return null;
      if (name === 'sub') return identity.subject;
      const value = identity.claims?.[name];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
    };
  }
  if (kind === 'header') {
    const header = name.toLowerCase();
    return function headerValue(ex) {
      return ex.header(header) ?? null;
    };
  }
  return function cookieValue(ex) {
    return readCookie(ex.header('cookie'), name);
  };
}
